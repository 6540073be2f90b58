#pragma once

// The usage log's single writer: the gateway's request threads hand it
// finished records with submit(), which only appends to an in-memory queue;
// one thread of its own drains the queue into the store in batched
// transactions. See docs/usage-log.md for the design and the crash window.

#include "engine/core/result.h"
#include "engine/usage/usagestore.h"

#include <QDeadlineTimer>
#include <QString>
#include <QtGlobal>

#include <chrono>
#include <functional>
#include <memory>
#include <span>

namespace signalbox::engine {

struct UsageWriterOptions {
    // Most rows in one transaction.
    int maxBatch = 1000;
    // The longest a record waits for others before its transaction starts.
    // A record is committed at most maxDelay plus one transaction after
    // submit() (while the store keeps up): the crash window. 5 ms, not 20:
    // shorter commit bursts took the gateway's 1-connection p99 from about
    // +1.2 ms to +0.7 ms for ~10 % more CPU per request (docs/gateway.md).
    std::chrono::milliseconds maxDelay { 5 };
    // submit() blocks while this many records are waiting (about 1 KB each):
    // when the disk is stuck, request threads stall rather than memory grow
    // without bound or records be dropped.
    qsizetype maxQueued = 100'000;
    // Waits between retries of a failed transaction: doubling from min to max.
    std::chrono::milliseconds retryMin { 50 };
    std::chrono::milliseconds retryMax { 5000 };
    // Linux: run the writer under SCHED_IDLE, raised to SCHED_BATCH by a
    // watchdog once the oldest unwritten record is `raiseAfter` old
    // (engine/usage/writerpriority.h). Needs CAP_SYS_NICE or RLIMIT_NICE 20;
    // without them, or when false, the writer runs under SCHED_BATCH.
    bool idlePriority = true;
    std::chrono::milliseconds raiseAfter { 20 };
};

// Counters for /metrics. At any moment
//   submitted == committed + duplicates + rejected + abandoned + queueDepth.
struct UsageWriterStats {
    quint64 submitted = 0; // accepted by submit()
    quint64 committed = 0; // rows written
    quint64 duplicates = 0; // skipped: a row with that id was in the log already (logged)
    quint64 rejected = 0; // refused by validation, a gateway bug (logged with the record's figures)
    quint64 abandoned = 0; // unwritten when stop()'s deadline passed (logged)
    quint64 transactions = 0; // successful transactions
    quint64 failedTransactions = 0; // failed attempts at one, each retry counted
    quint64 stalledSubmits = 0; // submit() calls that waited at maxQueued
    qint64 queueDepth = 0; // submitted, not yet written (waiting or in the running transaction)
    qint64 lastCommitUs = 0; // duration of the last successful transaction
    int lastBatchSize = 0;
    bool failing = false; // the last transaction failed; the writer is retrying
    bool idlePriority = false; // the writer runs under SCHED_IDLE unless raised
    quint64 priorityRaises = 0; // times it was raised because records waited (or a flush/stop)
    QString lastError; // of the last failed transaction
};

class UsageWriter final {
    Q_DISABLE_COPY_MOVE(UsageWriter)
public:
    // Called on the writer thread after each commit, with the records it
    // wrote (duplicates left out). Keep it short and thread-safe: post to
    // your own thread (QMetaObject::invokeMethod) for anything more. Call
    // nothing of the writer from it but stats(): submit(), flush() and stop()
    // would wait for the very thread that runs it.
    using CommitCallback = std::function<void(std::span<const UsageRecord> committed)>;

    // `openStore` runs on the writer thread (a connection belongs to the
    // thread that opened it): sqliteUsageStoreFactory(workspace.databasePath()).
    explicit UsageWriter(UsageStoreFactory openStore, UsageWriterOptions options = {});
    // stop() without a deadline: every submitted record is written first.
    ~UsageWriter();

    // Before start().
    void setCommitCallback(CommitCallback callback);

    // Starts the thread and opens the store on it; returns once the store is
    // open, or with the factory's error (the writer is then stopped).
    Result<void> start();

    // Queues a finished record. Thread-safe; never touches the disk. Blocks
    // only for the queue's mutex, or while maxQueued records are waiting
    // (the disk is stuck). false: not accepted because the writer is not
    // running (not started, or stop() was called); logged with the record's id.
    bool submit(UsageRecord record);

    // Blocks until every record submitted before the call is written (or
    // refused and logged), or until the deadline. false: the deadline passed
    // first or the writer stopped without writing them.
    bool flush(QDeadlineTimer deadline = QDeadlineTimer(QDeadlineTimer::Forever));

    // Stops accepting records, writes everything queued (records whose
    // submit() is blocked at the bound included) and joins the thread. If the
    // store keeps failing until `deadline`, the rest is abandoned and logged
    // as critical with its ids (the deadline is checked between retries, so a
    // transaction in progress may outlast it by the busy timeout). true:
    // nothing was abandoned. Idempotent; call from one thread.
    bool stop(QDeadlineTimer deadline = QDeadlineTimer(QDeadlineTimer::Forever));

    bool isRunning() const;
    UsageWriterStats stats() const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace signalbox::engine
