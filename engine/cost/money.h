#pragma once

#include <QByteArray>
#include <QString>
#include <QtGlobal>

#include <compare>
#include <optional>

namespace signalbox::engine {

// An exact amount of US dollars: a fixed-point number with 18 decimal places
// (one attodollar, 1e-18 USD), held as whole nanodollars plus 0..999,999,999
// attodollars. Every catalog price is a whole number of attodollars per token
// (a price of $0.0375 per million tokens is 37,500,000,000 attodollars per
// token), so price x token count is exact, and sums of any number of such
// products are exact up to about +-9.2 billion dollars. No floating point is
// involved anywhere but toDouble(), which is for display and charts only.
class Money {
public:
    static constexpr qint64 kAttosPerNano = 1'000'000'000;

    constexpr Money() = default;
    static constexpr Money fromNanosAndAttos(qint64 nanos, qint64 attos)
    {
        Money m;
        m.m_nanos = nanos + attos / kAttosPerNano;
        m.m_attos = attos % kAttosPerNano;
        if (m.m_attos < 0) {
            m.m_attos += kAttosPerNano;
            m.m_nanos -= 1;
        }
        return m;
    }
    static constexpr Money fromAttos(qint64 attos) { return fromNanosAndAttos(0, attos); }
    static constexpr Money fromNanos(qint64 nanos) { return fromNanosAndAttos(nanos, 0); }
    static constexpr Money fromMicros(qint64 micros) { return fromNanos(micros * 1000); }

    // Parses a plain decimal string ("0.0000000375", "12", "-1.5", "3e-7"):
    // exactly when it has at most 18 decimals, otherwise rounded half away
    // from zero to the attodollar. std::nullopt for anything else (empty,
    // "NaN", "1,5", out of range).
    static std::optional<Money> parse(QByteArrayView text);
    // The same, for a value a JSON parser gave us as a double: uses the
    // shortest decimal form that reads back as the same double, so 0.075 is
    // exactly 0.075 and not 0.07499999999999999722.
    static std::optional<Money> fromDouble(double value);

    constexpr qint64 nanos() const { return m_nanos; }
    constexpr qint64 attos() const { return m_attos; }  // 0..999,999,999, always non-negative
    constexpr bool isZero() const { return m_nanos == 0 && m_attos == 0; }
    constexpr bool isNegative() const { return m_nanos < 0; }

    // `this` per unit, times a count of units: exact, or std::nullopt when
    // the product leaves the representable range.
    std::optional<Money> times(qint64 count) const;
    // `this` divided by a positive integer, rounded half away from zero to
    // the attodollar (only per-hour and other non-decimal units need it).
    Money dividedBy(qint64 divisor) const;
    // this * numerator / denominator, rounded to the attodollar.
    Money scaled(qint64 numerator, qint64 denominator) const;

    constexpr Money operator+(Money other) const
    {
        return fromNanosAndAttos(m_nanos + other.m_nanos, m_attos + other.m_attos);
    }
    constexpr Money operator-(Money other) const
    {
        return fromNanosAndAttos(m_nanos - other.m_nanos, m_attos - other.m_attos);
    }
    constexpr Money operator-() const { return Money() - *this; }
    constexpr Money &operator+=(Money other) { return *this = *this + other; }
    constexpr Money &operator-=(Money other) { return *this = *this - other; }
    constexpr auto operator<=>(const Money &) const = default;

    // Full precision, trailing zeros trimmed: "0.000000037500000000" -> "0.0000000375".
    QString toDecimalString() const;
    // For people: "$1.20", "$0.0042", "<$0.000001" (never "$0.00" for a non-zero amount).
    QString toDisplayString(int minDecimals = 2, int maxSignificant = 3) const;
    double toDouble() const;

private:
    qint64 m_nanos = 0;
    qint64 m_attos = 0;
};

} // namespace signalbox::engine
