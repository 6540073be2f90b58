#include "engine/cost/priceschedule.h"

#include <QTimeZone>

namespace signalbox::engine {

Money TieredRate::rateFor(qint64 inputTokens) const
{
    Money rate = base;
    for (const Tier &tier : tiers) {
        if (inputTokens > tier.start)
            rate = tier.rate;
    }
    return rate;
}

const UnitPrice *PriceSet::find(UnitId unit) const
{
    for (const UnitPrice &price : prices) {
        if (price.unit == unit)
            return &price;
    }
    return nullptr;
}

bool PriceCondition::appliesAt(const QDateTime &at) const
{
    const QDateTime utc = at.toUTC();
    switch (kind) {
    case Kind::Always:
        return true;
    case Kind::FromDate:
        return utc >= QDateTime(startDate, QTime(0, 0), QTimeZone::utc());
    case Kind::TimeOfDay: {
        const int nowMs = utc.time().msecsSinceStartOfDay();
        if (endSecond < startSecond)  // wraps midnight
            return nowMs >= startSecond * 1000 || nowMs < endSecond * 1000;
        return nowMs >= startSecond * 1000 && nowMs < endSecond * 1000;
    }
    }
    return false;
}

const PriceSet *PriceSchedule::pricesAt(const QDateTime &at) const
{
    if (variants.empty())
        return nullptr;
    for (auto it = variants.rbegin(); it != variants.rend(); ++it) {
        if (it->condition.appliesAt(at))
            return &it->prices;
    }
    return &variants.front().prices;
}

} // namespace signalbox::engine
