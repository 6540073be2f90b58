#pragma once

// The usage log's storage interface. Every backend (SQLite now, PostgreSQL
// later) implements it; no SQL type crosses it, so callers (the writer, the
// console, `usage tail` and `usage export`) never know which one they have.

#include "engine/core/result.h"
#include "engine/cost/money.h"
#include "engine/usage/usagerecord.h"

#include <QDateTime>
#include <QString>
#include <QStringList>
#include <QtGlobal>

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace signalbox::engine {

enum class UsageOrder {
    Committed, // seq ascending: the order rows were written. For tailing.
    StartedAt, // startedAt ascending, then seq. For exports and reports.
    NewestFirst, // startedAt descending, then seq descending. For "latest requests" screens.
};

// A position in a query's order: pass the last record of one page to get the
// next. In Committed order only `seq` counts; in the others (startedAt, seq).
struct UsageCursor {
    qint64 seq = 0;
    QDateTime startedAt;

    static UsageCursor after(const UsageRecord &record) { return UsageCursor { record.seq, record.startedAt }; }
};

struct UsageQuery {
    QDateTime from; // startedAt >= from; invalid: no lower bound
    QDateTime to; // startedAt < to (half-open, so consecutive ranges never overlap); invalid: no upper bound
    std::optional<QString> keyId; // exact match; "" selects unauthenticated requests; nullopt: any
    std::optional<QString> project; // exact match; "" selects requests without a project; nullopt: any
    std::optional<UsageCursor> after; // only rows strictly after this position in `order`
    int limit = 1000; // at most this many rows; 0: no limit
    UsageOrder order = UsageOrder::Committed;
    bool withAttempts = true; // false: records come back with empty `attempts` (cheaper for reports)
};

struct UsageAppendReport {
    qint64 inserted = 0;
    // Records whose id was already in the log, or earlier in the same batch:
    // skipped, the stored row is kept as it was. Appending the same batch
    // twice is therefore harmless (a retry after an ambiguous failure), and a
    // genuine id collision is reported here rather than aborting the batch.
    QStringList duplicateIds;
};

// Sums over the records a query selects (its limit and order are ignored).
struct UsageTotals {
    qint64 requests = 0;
    qint64 unpricedRequests = 0; // requests whose cost is unknown: not part of `cost`
    qint64 promptTokens = 0;
    qint64 completionTokens = 0;
    qint64 cachedTokens = 0;
    qint64 cacheWriteTokens = 0;
    qint64 reasoningTokens = 0;
    Money cost; // exact sum of the priced requests
};

// Error codes: "invalid" (a record breaks validateUsageRecord() or a schema
// rule: nothing of the batch was written, the message names the record),
// "busy" (the database stayed locked longer than the busy timeout), "full"
// (disk or quota full), "schema" (the usage tables are missing: open the
// workspace first), "storage" (anything else the database reported). All but
// "invalid" and "schema" are worth retrying as they are.
//
// A store is used on one thread: the one that created it.
class UsageStore {
    Q_DISABLE_COPY_MOVE(UsageStore)
public:
    virtual ~UsageStore() = default;

    // Writes the batch in one transaction: all of it, or nothing and an error.
    // Every record is validated first (validateUsageRecord()); free text is cut
    // to UsageLimits. Duplicate ids are skipped and reported, not fatal.
    virtual Result<UsageAppendReport> append(std::span<const UsageRecord> batch) = 0;

    // The record with this id, attempts included; std::nullopt if none.
    virtual Result<std::optional<UsageRecord>> find(const QString &id) = 0;

    // Records matching `query`, in its order, at most query.limit of them.
    virtual Result<std::vector<UsageRecord>> query(const UsageQuery &query) = 0;

    // How many records match `query`'s filters (range, key, project, cursor);
    // its limit and order are ignored. The default counts every record.
    virtual Result<qint64> count(const UsageQuery &query) = 0;
    Result<qint64> count() { return count(UsageQuery {}); }

    // Request count, tokens and exact cost of the records matching `query`'s
    // filters, summed by the database (no rows are read into memory).
    virtual Result<UsageTotals> totals(const UsageQuery &query) = 0;

protected:
    UsageStore() = default;
};

// Creates a store on the thread that calls it: the writer calls its factory
// on its own thread, because a database connection belongs to one thread.
using UsageStoreFactory = std::function<Result<std::unique_ptr<UsageStore>>()>;

} // namespace signalbox::engine
