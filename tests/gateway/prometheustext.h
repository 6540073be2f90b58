#pragma once

// A parser of the Prometheus text exposition format 0.0.4 for tests: what the
// gateway's /metrics answers must parse back, as a Prometheus server would.

#include <QByteArray>
#include <QHash>
#include <QMap>
#include <QString>

#include <vector>

namespace signalbox::tests {

// One sample line: `name{labels} value`, label values unescaped.
struct Sample {
    QByteArray name;
    QMap<QByteArray, QByteArray> labels;
    QByteArray value;
};

// A small parser of the text exposition format 0.0.4, strict enough to catch
// what a Prometheus server would reject: every sample belongs to a family
// announced by HELP and TYPE, label values are properly escaped, no series
// appears twice.
struct Parsed {
    std::vector<Sample> samples;
    QHash<QByteArray, QByteArray> types; // family -> counter | gauge | histogram
    QString error;

    // The value of the one sample with that name and exactly these labels.
    QByteArray value(const QByteArray &name, const QMap<QByteArray, QByteArray> &labels = {}) const
    {
        for (const Sample &s : samples) {
            if (s.name == name && s.labels == labels)
                return s.value;
        }
        return {};
    }
    std::vector<Sample> named(const QByteArray &name) const
    {
        std::vector<Sample> out;
        for (const Sample &s : samples) {
            if (s.name == name)
                out.push_back(s);
        }
        return out;
    }
};

// Parses `text`; Parsed::error says what is wrong, empty when nothing is.
Parsed parsePrometheusText(const QByteArray &text);

} // namespace signalbox::tests
