#pragma once

#include "engine/core/result.h"
#include "engine/cost/money.h"
#include "engine/cost/priceschedule.h"

#include <QDateTime>

#include <optional>
#include <vector>

namespace signalbox::engine {

// Counts reported for one request, by unit. As in the OpenAI usage object,
// inclusive counts: input_tokens includes cache reads and writes,
// cache_write_tokens includes the 1-hour writes, output_tokens includes
// reasoning tokens. Absent means "not reported".
class Usage {
public:
    Usage() = default;
    Usage &set(UnitId unit, qint64 count);
    Usage &set(QStringView usageKey, qint64 count);  // ignores unknown keys
    std::optional<qint64> get(UnitId unit) const;
    bool has(UnitId unit) const { return get(unit).has_value(); }
    // Shorthands for the token fields every provider reports.
    static Usage tokens(qint64 input, qint64 output, qint64 cacheRead = 0, qint64 cacheWrite = 0,
                        qint64 cacheWrite1h = 0, qint64 reasoning = 0);

    struct Entry {
        UnitId unit;
        qint64 count;
    };
    const std::vector<Entry> &entries() const { return m_entries; }

private:
    std::vector<Entry> m_entries;
};

// One priced line of a cost: `count` units (the leaf count, after priced
// sub-units were taken out) at `rate` each.
struct CostLine {
    UnitId unit = -1;
    qint64 count = 0;
    Money rate;
    Money amount;
};

struct Cost {
    enum class Status : quint8 {
        Priced,    // amounts are exact
        Unpriced,  // no price is known for the offering: amounts are meaningless, show "unknown"
    };
    Status status = Status::Unpriced;
    Money input;
    Money output;
    Money other;  // per-request fees, searches and other units without a direction
    std::vector<CostLine> lines;
    Money total() const { return input + output + other; }
    bool isPriced() const { return status == Status::Priced; }
};

// Prices `usage` with `schedule` at time `at` (UTC). Errors (code
// "invalid-usage") name the field: a negative count, a part larger than its
// whole (more cache reads than input tokens), or a part reported without its
// whole. An unknown schedule gives Status::Unpriced, never zero.
Result<Cost> computeCost(const PriceSchedule &schedule, const Usage &usage, const QDateTime &at);
Result<Cost> computeCost(const PriceSet &prices, const Usage &usage);

} // namespace signalbox::engine
