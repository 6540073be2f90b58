#include "engine/gateway/metrics/exposition.h"

#include <QLocale>

#include <algorithm>
#include <cmath>

namespace signalbox::engine::exposition {

namespace {

// Length of the valid UTF-8 sequence at text[i], 0 if there is none.
qsizetype utf8SequenceLength(QByteArrayView text, qsizetype i)
{
    const auto byte = [&](qsizetype at) { return at < text.size() ? quint8(text[at]) : quint8(0); };
    const quint8 lead = byte(i);
    const auto continuation
        = [&](qsizetype at, quint8 low = 0x80, quint8 high = 0xBF) { return byte(at) >= low && byte(at) <= high; };
    if (lead < 0x80)
        return 1;
    if (lead >= 0xC2 && lead <= 0xDF)
        return continuation(i + 1) ? 2 : 0;
    if (lead >= 0xE0 && lead <= 0xEF) {
        const quint8 low = lead == 0xE0 ? 0xA0 : 0x80;
        const quint8 high = lead == 0xED ? 0x9F : 0xBF;
        return continuation(i + 1, low, high) && continuation(i + 2) ? 3 : 0;
    }
    if (lead >= 0xF0 && lead <= 0xF4) {
        const quint8 low = lead == 0xF0 ? 0x90 : 0x80;
        const quint8 high = lead == 0xF4 ? 0x8F : 0xBF;
        return continuation(i + 1, low, high) && continuation(i + 2) && continuation(i + 3) ? 4 : 0;
    }
    return 0;
}

bool isUnwantedControl(quint8 c)
{
    return (c < 0x20 && c != '\n' && c != '\t') || c == 0x7F;
}

} // namespace

bool isCleanLabelValue(QByteArrayView raw)
{
    if (raw.size() > kMaxLabelBytes)
        return false;
    for (qsizetype i = 0; i < raw.size();) {
        const qsizetype length = utf8SequenceLength(raw, i);
        if (length == 0 || isUnwantedControl(quint8(raw[i])))
            return false;
        i += length;
    }
    return true;
}

QByteArray cleanedLabelValue(QByteArrayView raw)
{
    QByteArray out;
    out.reserve(std::min(raw.size(), kMaxLabelBytes));
    for (qsizetype i = 0; i < raw.size();) {
        const qsizetype length = utf8SequenceLength(raw, i);
        QByteArrayView piece;
        if (length == 0)
            piece = "\xEF\xBF\xBD"; // U+FFFD
        else if (length == 1 && isUnwantedControl(quint8(raw[i])))
            piece = "?";
        else
            piece = raw.sliced(i, length);
        if (out.size() + piece.size() > kMaxLabelBytes)
            break;
        out.append(piece);
        i += std::max<qsizetype>(length, 1);
    }
    return out;
}

void appendEscaped(QByteArray &out, QByteArrayView value)
{
    for (char c : value) {
        switch (c) {
        case '\\':
            out.append("\\\\");
            break;
        case '"':
            out.append("\\\"");
            break;
        case '\n':
            out.append("\\n");
            break;
        default:
            out.append(c);
        }
    }
}

QByteArray escapedHelp(QByteArrayView help)
{
    QByteArray out;
    for (char c : help) {
        if (c == '\\')
            out.append("\\\\");
        else if (c == '\n')
            out.append("\\n");
        else
            out.append(c);
    }
    return out;
}

QByteArray seconds(qint64 us)
{
    const bool negative = us < 0;
    const quint64 magnitude = negative ? quint64(0) - quint64(us) : quint64(us);
    QByteArray text = QByteArray::number(magnitude / 1'000'000);
    if (const quint64 fraction = magnitude % 1'000'000; fraction != 0) {
        QByteArray digits = QByteArray::number(fraction).rightJustified(6, '0');
        while (digits.endsWith('0'))
            digits.chop(1);
        text += '.' + digits;
    }
    return negative ? QByteArray('-' + text) : text;
}

QByteArray number(double value)
{
    if (std::isnan(value))
        return QByteArrayLiteral("NaN");
    if (std::isinf(value))
        return value > 0 ? QByteArrayLiteral("+Inf") : QByteArrayLiteral("-Inf");
    return QByteArray::number(value, 'g', QLocale::FloatingPointShortest);
}

bool isValidMetricName(QByteArrayView name)
{
    if (name.isEmpty())
        return false;
    for (qsizetype i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
        if (!letter && !(i > 0 && c >= '0' && c <= '9'))
            return false;
    }
    return true;
}

} // namespace signalbox::engine::exposition
