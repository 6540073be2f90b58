#include "tests/gateway/prometheustext.h"

#include <QList>
#include <QSet>

namespace signalbox::tests {

namespace {

bool isNameChar(char c, bool first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || (!first && c >= '0' && c <= '9');
}

QByteArray familyOf(const QByteArray &name, const QHash<QByteArray, QByteArray> &types)
{
    if (types.contains(name))
        return name;
    for (const char *suffix : { "_bucket", "_sum", "_count" }) {
        if (name.endsWith(suffix)) {
            const QByteArray base = name.chopped(qsizetype(qstrlen(suffix)));
            if (types.value(base) == "histogram")
                return base;
        }
    }
    return {};
}

} // namespace

Parsed parsePrometheusText(const QByteArray &text)
{
    Parsed parsed;
    QSet<QByteArray> helped;
    QSet<QByteArray> seen;
    if (!text.endsWith('\n'))
        parsed.error = QStringLiteral("the text does not end with a newline");
    const QList<QByteArray> lines = text.split('\n');
    for (qsizetype n = 0; n < lines.size() && parsed.error.isEmpty(); ++n) {
        const QByteArray &line = lines[n];
        const auto fail = [&](const char *why) {
            parsed.error
                = QStringLiteral("line %1: %2: %3").arg(n + 1).arg(QLatin1String(why), QString::fromUtf8(line));
        };
        if (line.isEmpty())
            continue;
        if (line.startsWith("# HELP ")) {
            helped.insert(line.mid(7, line.indexOf(' ', 7) - 7));
            continue;
        }
        if (line.startsWith("# TYPE ")) {
            const QList<QByteArray> parts = line.split(' ');
            if (parts.size() != 4 || !helped.contains(parts[2]) || parsed.types.contains(parts[2]))
                return fail("TYPE without HELP, or twice"), parsed;
            parsed.types.insert(parts[2], parts[3]);
            continue;
        }
        if (line.startsWith('#'))
            continue;
        Sample sample;
        qsizetype i = 0;
        while (i < line.size() && isNameChar(line[i], i == 0))
            ++i;
        sample.name = line.left(i);
        if (sample.name.isEmpty())
            return fail("no metric name"), parsed;
        if (i < line.size() && line[i] == '{') {
            ++i;
            while (i < line.size() && line[i] != '}') {
                const qsizetype start = i;
                while (i < line.size() && isNameChar(line[i], i == start))
                    ++i;
                const QByteArray label = line.mid(start, i - start);
                if (label.isEmpty() || i + 1 >= line.size() || line[i] != '=' || line[i + 1] != '"')
                    return fail("bad label"), parsed;
                i += 2;
                QByteArray value;
                while (i < line.size() && line[i] != '"') {
                    if (line[i] == '\\') {
                        if (i + 1 >= line.size())
                            return fail("dangling escape"), parsed;
                        const char next = line[i + 1];
                        if (next == 'n')
                            value += '\n';
                        else if (next == '\\' || next == '"')
                            value += next;
                        else
                            return fail("unknown escape"), parsed;
                        i += 2;
                    } else {
                        value += line[i++];
                    }
                }
                if (i >= line.size())
                    return fail("unterminated label value"), parsed;
                ++i; // closing quote
                if (sample.labels.contains(label))
                    return fail("label twice"), parsed;
                sample.labels.insert(label, value);
                if (i < line.size() && line[i] == ',')
                    ++i;
            }
            if (i >= line.size())
                return fail("unterminated label set"), parsed;
            ++i; // closing brace
        }
        if (i >= line.size() || line[i] != ' ')
            return fail("no space before the value"), parsed;
        sample.value = line.mid(i + 1);
        bool numeric = false;
        sample.value.toDouble(&numeric);
        if (!numeric && sample.value != "+Inf" && sample.value != "-Inf" && sample.value != "NaN")
            return fail("value is not a number"), parsed;
        if (familyOf(sample.name, parsed.types).isEmpty())
            return fail("sample before its family's TYPE"), parsed;
        QByteArray identity = sample.name;
        for (auto it = sample.labels.cbegin(); it != sample.labels.cend(); ++it)
            identity += '\x1f' + it.key() + '=' + it.value();
        if (seen.contains(identity))
            return fail("series twice"), parsed;
        seen.insert(identity);
        parsed.samples.push_back(std::move(sample));
    }
    return parsed;
}

} // namespace signalbox::tests
