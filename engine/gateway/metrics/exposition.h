#pragma once

// The Prometheus text exposition format 0.0.4, the parts GatewayMetrics needs:
// label values made acceptable and escaped, numbers written exactly. Internal
// to engine/gateway/metrics.

#include <QByteArray>
#include <QByteArrayView>
#include <QtGlobal>

namespace signalbox::engine::exposition {

// A label value longer than this is cut (at a character boundary): the number
// of series is bounded by GatewayMetrics' maxSeries, their size by this.
constexpr qsizetype kMaxLabelBytes = 200;

// Whether Prometheus accepts `raw` as a label value as it is: valid UTF-8, no
// control characters but newline and tab, at most kMaxLabelBytes.
bool isCleanLabelValue(QByteArrayView raw);
// `raw` made clean: invalid bytes become U+FFFD, other control characters '?',
// and the value is cut at a character boundary.
QByteArray cleanedLabelValue(QByteArrayView raw);

// Appends a label value escaped: backslash, double quote, newline.
void appendEscaped(QByteArray &out, QByteArrayView value);
// HELP text escapes only backslash and newline.
QByteArray escapedHelp(QByteArrayView help);

// Whole microseconds as decimal seconds, exactly: 1500 -> "0.0015".
QByteArray seconds(qint64 us);
// A float sample value: shortest round-trip form, "NaN", "+Inf", "-Inf".
QByteArray number(double value);

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool isValidMetricName(QByteArrayView name);

} // namespace signalbox::engine::exposition
