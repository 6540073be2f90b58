#pragma once

#include "engine/cost/money.h"
#include "engine/cost/units.h"

#include <QDate>
#include <QDateTime>

#include <vector>

namespace signalbox::engine {

// A price per unit that may step up with the prompt size: once the request's
// total input tokens exceed a tier's `start` (strictly), the *whole* count of
// that unit is charged at the tier's rate — not only the part above it. This
// is how Anthropic and Google price long prompts.
struct TieredRate {
    Money base;  // per single unit (per token, per request, per second ...)
    struct Tier {
        qint64 start = 0;  // input tokens
        Money rate;
    };
    std::vector<Tier> tiers;  // ascending start
    bool isTiered() const { return !tiers.empty(); }
    Money rateFor(qint64 inputTokens) const;
};

struct UnitPrice {
    UnitId unit = -1;
    TieredRate rate;
};

// The prices of one offering under one condition, in source order.
struct PriceSet {
    std::vector<UnitPrice> prices;
    bool isEmpty() const { return prices.empty(); }
    const UnitPrice *find(UnitId unit) const;
};

// When a PriceSet applies: always, from a date on (UTC midnight, inclusive),
// or inside a daily UTC window [start, end) that may wrap midnight.
struct PriceCondition {
    enum class Kind : quint8 { Always, FromDate, TimeOfDay };
    Kind kind = Kind::Always;
    QDate startDate;
    int startSecond = 0;  // seconds since UTC midnight
    int endSecond = 0;
    bool appliesAt(const QDateTime &utc) const;
};

// What an offering costs over time. Variants are tried from last to first and
// the first whose condition holds wins; when none does, the first variant
// applies (the data always lists the unconditional one first).
//
// An empty schedule (no variants) means the price is *unknown*; a schedule
// whose applicable set has no prices is *free* (OpenRouter's ":free" models).
struct PriceSchedule {
    struct Variant {
        PriceCondition condition;
        PriceSet prices;
    };
    std::vector<Variant> variants;

    bool isKnown() const { return !variants.empty(); }
    // nullptr when the price is unknown.
    const PriceSet *pricesAt(const QDateTime &utc) const;
};

} // namespace signalbox::engine
