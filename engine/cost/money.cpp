#include "engine/cost/money.h"

#include <QLocale>
#include <QtNumeric>

#include <algorithm>
#include <cmath>
#include <limits>

namespace signalbox::engine {

namespace {
constexpr int kScale = 18;  // decimal places held
constexpr int kAttoDigits = 9;

// |value| as a string of digits with exactly kScale decimals, no point:
// "1.5" -> "1500000000000000000".
QByteArray scaledDigits(Money value)
{
    if (value.isNegative())
        value = -value;
    QByteArray digits = QByteArray::number(value.nanos());
    digits += QByteArray::number(value.attos()).rightJustified(kAttoDigits, '0');
    while (digits.size() <= kScale)
        digits.prepend('0');
    return digits;
}

// Rounds a digit string (kScale decimals implied) to `decimals` places, half
// away from zero, and returns "I.FFF" (or "I" when decimals == 0).
QByteArray roundedDecimal(QByteArray digits, int decimals)
{
    const qsizetype keep = digits.size() - (kScale - decimals);
    const bool roundUp = keep < digits.size() && digits.at(keep) >= '5';
    digits.truncate(keep);
    if (roundUp) {
        qsizetype i = digits.size() - 1;
        while (i >= 0 && digits.at(i) == '9') {
            digits[i] = '0';
            --i;
        }
        if (i < 0)
            digits.prepend('1');
        else
            digits[i] = static_cast<char>(digits.at(i) + 1);
    }
    while (digits.size() <= decimals)
        digits.prepend('0');
    if (decimals == 0)
        return digits;
    return digits.left(digits.size() - decimals) + '.' + digits.right(decimals);
}

QByteArray groupThousands(const QByteArray &integer)
{
    QByteArray out;
    for (qsizetype i = 0; i < integer.size(); ++i) {
        if (i > 0 && (integer.size() - i) % 3 == 0)
            out += ',';
        out += integer.at(i);
    }
    return out;
}
} // namespace

std::optional<Money> Money::parse(QByteArrayView input)
{
    QByteArrayView text = input.trimmed();
    if (text.isEmpty())
        return std::nullopt;
    bool negative = false;
    if (text.front() == '-' || text.front() == '+') {
        negative = text.front() == '-';
        text = text.sliced(1);
    }
    QByteArray mantissa;
    int exponent = 0;  // value = mantissa * 10^exponent
    bool seenPoint = false;
    bool seenDigit = false;
    qsizetype i = 0;
    for (; i < text.size(); ++i) {
        const char c = text.at(i);
        if (c >= '0' && c <= '9') {
            seenDigit = true;
            if (!(mantissa.isEmpty() && c == '0'))
                mantissa += c;
            if (seenPoint)
                --exponent;
        } else if (c == '.' && !seenPoint) {
            seenPoint = true;
        } else {
            break;
        }
    }
    if (!seenDigit)
        return std::nullopt;
    if (i < text.size()) {
        if (text.at(i) != 'e' && text.at(i) != 'E')
            return std::nullopt;
        const QByteArrayView digits = text.sliced(i + 1);
        const QByteArrayView unsignedDigits =
            !digits.isEmpty() && (digits.front() == '+' || digits.front() == '-') ? digits.sliced(1) : digits;
        if (unsignedDigits.isEmpty() || unsignedDigits.size() > 4
            || !std::all_of(unsignedDigits.begin(), unsignedDigits.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return std::nullopt;
        bool ok = false;
        const int e = QByteArray(digits.data(), digits.size()).toInt(&ok);
        if (!ok || e > 400 || e < -400)
            return std::nullopt;
        exponent += e;
    }
    if (mantissa.isEmpty())
        return Money();

    // Scale to attodollars: digits = mantissa * 10^(exponent + 18), rounded.
    const int shift = exponent + kScale;
    QByteArray digits = mantissa;
    bool roundUp = false;
    if (shift >= 0) {
        if (mantissa.size() + shift > 27)  // beyond ~9.2e9 dollars for sure
            return std::nullopt;
        digits += QByteArray(shift, '0');
    } else {
        const qsizetype drop = -shift;
        if (drop > digits.size()) {
            digits.clear();
        } else {
            roundUp = digits.at(digits.size() - drop) >= '5';
            digits.truncate(digits.size() - drop);
        }
    }
    if (digits.isEmpty())
        digits = "0";
    const QByteArray nanoPart = digits.size() > kAttoDigits ? digits.left(digits.size() - kAttoDigits) : QByteArray("0");
    const QByteArray attoPart = digits.size() > kAttoDigits ? digits.right(kAttoDigits) : digits;
    if (nanoPart.size() > 18)
        return std::nullopt;
    bool ok = false;
    const qint64 nanos = nanoPart.toLongLong(&ok);
    if (!ok)
        return std::nullopt;
    const qint64 attos = attoPart.toLongLong() + (roundUp ? 1 : 0);
    Money value = fromNanosAndAttos(nanos, attos);
    return negative ? -value : value;
}

std::optional<Money> Money::fromDouble(double value)
{
    if (!std::isfinite(value))
        return std::nullopt;
    return parse(QByteArray::number(value, 'g', QLocale::FloatingPointShortest));
}

std::optional<Money> Money::times(qint64 count) const
{
    qint64 nanos = 0;
    qint64 attos = 0;
    if (qMulOverflow(m_nanos, count, &nanos) || qMulOverflow(m_attos, count, &attos))
        return std::nullopt;
    qint64 total = 0;
    // INT64_MIN nanos could not be negated (display, division): out of range too.
    if (qAddOverflow(nanos, attos / kAttosPerNano, &total) || total == std::numeric_limits<qint64>::min())
        return std::nullopt;
    return fromNanosAndAttos(total, attos % kAttosPerNano);
}

Money Money::dividedBy(qint64 divisor) const
{
    Q_ASSERT(divisor > 0 && divisor <= kAttosPerNano * 9);
    const bool negative = isNegative();
    const Money magnitude = negative ? -*this : *this;
    const qint64 wholeNanos = magnitude.m_nanos / divisor;
    const qint64 remainder = (magnitude.m_nanos % divisor) * kAttosPerNano + magnitude.m_attos;
    qint64 attos = remainder / divisor;
    if ((remainder % divisor) * 2 >= divisor)
        ++attos;
    const Money result = fromNanosAndAttos(wholeNanos, attos);
    return negative ? -result : result;
}

Money Money::scaled(qint64 numerator, qint64 denominator) const
{
    const auto product = times(numerator);
    Q_ASSERT_X(product.has_value(), "Money::scaled", "overflow");
    return product.value_or(Money()).dividedBy(denominator);
}

QString Money::toDecimalString() const
{
    QByteArray text = roundedDecimal(scaledDigits(*this), kScale);
    while (text.endsWith('0'))
        text.chop(1);
    if (text.endsWith('.'))
        text.chop(1);
    if (isNegative())
        text.prepend('-');
    return QString::fromLatin1(text);
}

QString Money::toDisplayString(int minDecimals, int maxSignificant) const
{
    const QByteArray digits = scaledDigits(*this);
    const QByteArray sign = isNegative() ? QByteArray("-") : QByteArray();
    constexpr int kMaxDecimals = 12;
    int decimals = minDecimals;
    const Money magnitude = isNegative() ? -*this : *this;
    if (!isZero() && magnitude < fromNanos(kAttosPerNano)) {
        // Below a dollar: enough decimals to show `maxSignificant` digits.
        int leadingZeros = 0;
        for (qsizetype i = digits.size() - kScale; i < digits.size() && digits.at(i) == '0'; ++i)
            ++leadingZeros;
        decimals = std::max(minDecimals, std::min(kMaxDecimals, leadingZeros + maxSignificant));
    }
    QByteArray text = roundedDecimal(digits, decimals);
    if (!isZero() && text.count('0') + text.count('.') == text.size())
        return QString::fromLatin1(sign + "<$0." + QByteArray(kMaxDecimals - 1, '0') + '1');
    // Trim zeros beyond the minimum for sub-dollar amounts ("$0.004200" -> "$0.0042").
    const qsizetype point = text.indexOf('.');
    if (point >= 0) {
        while (text.size() - point - 1 > minDecimals && text.endsWith('0'))
            text.chop(1);
    }
    const QByteArray integer = point >= 0 ? text.left(point) : text;
    const QByteArray fraction = point >= 0 ? text.mid(point) : QByteArray();
    return QString::fromLatin1(sign + '$' + groupThousands(integer) + fraction);
}

double Money::toDouble() const
{
    return static_cast<double>(m_nanos) / 1e9 + static_cast<double>(m_attos) / 1e18;
}

} // namespace signalbox::engine
