#include "engine/cost/costengine.h"

#include <QVarLengthArray>

#include <algorithm>

namespace signalbox::engine {

namespace {
Error invalidUsage(const QString &message)
{
    return Error{QStringLiteral("invalid-usage"), message};
}

QString key(UnitId unit)
{
    return QString(usageUnits()[static_cast<std::size_t>(unit)].usageKey);
}
} // namespace

Usage &Usage::set(UnitId unit, qint64 count)
{
    for (Entry &entry : m_entries) {
        if (entry.unit == unit) {
            entry.count = count;
            return *this;
        }
    }
    if (unit >= 0)
        m_entries.push_back({unit, count});
    return *this;
}

Usage &Usage::set(QStringView usageKey, qint64 count)
{
    return set(unitByUsageKey(usageKey), count);
}

std::optional<qint64> Usage::get(UnitId unit) const
{
    for (const Entry &entry : m_entries) {
        if (entry.unit == unit)
            return entry.count;
    }
    return std::nullopt;
}

Usage Usage::tokens(qint64 input, qint64 output, qint64 cacheRead, qint64 cacheWrite, qint64 cacheWrite1h,
                    qint64 reasoning)
{
    Usage usage;
    usage.set(units::inputTokens(), input).set(units::outputTokens(), output);
    if (cacheRead)
        usage.set(units::cacheReadTokens(), cacheRead);
    if (cacheWrite || cacheWrite1h)
        usage.set(units::cacheWriteTokens(), cacheWrite);
    if (cacheWrite1h)
        usage.set(units::cacheWrite1hTokens(), cacheWrite1h);
    if (reasoning)
        usage.set(units::reasoningTokens(), reasoning);
    return usage;
}

Result<Cost> computeCost(const PriceSchedule &schedule, const Usage &usage, const QDateTime &at)
{
    const PriceSet *prices = schedule.pricesAt(at);
    if (!prices) {
        for (const Usage::Entry &entry : usage.entries()) {
            if (entry.count < 0)
                return invalidUsage(QStringLiteral("%1 is negative (%2)").arg(key(entry.unit)).arg(entry.count));
        }
        return Cost{};  // Status::Unpriced
    }
    return computeCost(*prices, usage);
}

Result<Cost> computeCost(const PriceSet &prices, const Usage &usage)
{
    for (const Usage::Entry &entry : usage.entries()) {
        if (entry.count < 0)
            return invalidUsage(QStringLiteral("%1 is negative (%2)").arg(key(entry.unit)).arg(entry.count));
    }

    // What the request reported for a unit. A unit left out counts as zero,
    // unless a part of it was reported (cache reads without input tokens):
    // then the whole is unknown and so is the price.
    auto reported = [&usage](UnitId unit) -> Result<qint64> {
        if (auto value = usage.get(unit))
            return *value;
        const auto &entries = usage.entries();
        for (const Usage::Entry &entry : entries) {
            if (entry.count > 0 && isAncestor(unit, entry.unit))
                return invalidUsage(QStringLiteral("%1 reported without %2").arg(key(entry.unit), key(unit)));
        }
        for (std::size_t i = 0; i < entries.size(); ++i) {
            for (std::size_t j = i + 1; j < entries.size(); ++j) {
                if (entries[i].count > 0 && entries[j].count > 0 && joinOf(entries[i].unit, entries[j].unit) == unit)
                    return invalidUsage(QStringLiteral("%1 and %2 reported without %3")
                                            .arg(key(entries[i].unit), key(entries[j].unit), key(unit)));
            }
        }
        return qint64(0);
    };

    const UnitId requestsUnit = units::requests();
    // Small fixed buffers: pricing a request allocates nothing but its lines.
    QVarLengthArray<UnitId, 16> order;
    bool tiered = false;
    for (const UnitPrice &price : prices.prices) {
        tiered = tiered || price.rate.isTiered();
        if (price.unit != requestsUnit)
            order.push_back(price.unit);
    }
    // Most specific first, so every unit's priced parts are known before it.
    std::sort(order.begin(), order.end(), [](UnitId a, UnitId b) {
        const int da = dimensionCount(a);
        const int db = dimensionCount(b);
        if (da != db)
            return da > db;
        return usageUnits()[static_cast<std::size_t>(a)].usageKey < usageUnits()[static_cast<std::size_t>(b)].usageKey;
    });

    QVarLengthArray<std::pair<UnitId, qint64>, 16> leaves;
    for (UnitId unit : order) {
        auto value = reported(unit);
        if (!value)
            return value.error();
        qint64 leaf = value.value();
        for (const auto &[other, otherLeaf] : leaves) {
            if (isAncestor(unit, other))
                leaf -= otherLeaf;
        }
        if (leaf < 0) {
            QString parts;
            for (const auto &[other, otherLeaf] : leaves) {
                if (isAncestor(unit, other) && otherLeaf > 0)
                    parts += (parts.isEmpty() ? QString() : QStringLiteral(" + ")) + key(other);
            }
            return invalidUsage(QStringLiteral("%1 (%2) cannot exceed %3 (%4)")
                                    .arg(parts)
                                    .arg(value.value() - leaf)
                                    .arg(key(unit))
                                    .arg(value.value()));
        }
        leaves.append({unit, leaf});
    }
    leaves.append({requestsUnit, 1});

    const qint64 tierCount = tiered ? usage.get(units::inputTokens()).value_or(0) : 0;
    Cost cost;
    cost.status = Cost::Status::Priced;
    cost.lines.reserve(prices.prices.size());
    for (const UnitPrice &price : prices.prices) {
        qint64 leaf = 0;
        for (const auto &[unit, count] : leaves) {
            if (unit == price.unit)
                leaf = count;
        }
        const Money rate = price.rate.rateFor(tierCount);
        const auto amount = rate.times(leaf);
        if (!amount)
            return invalidUsage(QStringLiteral("%1 x %2 is out of range").arg(key(price.unit)).arg(leaf));
        if (leaf > 0)
            cost.lines.push_back({price.unit, leaf, rate, *amount});
        switch (usageUnits()[static_cast<std::size_t>(price.unit)].direction) {
        case Direction::Input:
            cost.input += *amount;
            break;
        case Direction::Output:
            cost.output += *amount;
            break;
        case Direction::None:
            cost.other += *amount;
            break;
        }
    }
    return cost;
}

} // namespace signalbox::engine
