#include "engine/usage/usagewriter.h"

#include "engine/core/logging.h"
#include "engine/usage/writerpriority.h"

#include <QElapsedTimer>
#include <QHash>
#include <QThread>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <vector>

#ifdef Q_OS_LINUX
#include <semaphore.h>
#include <time.h>
#endif

namespace signalbox::engine {

namespace {
using Clock = std::chrono::steady_clock;

// Waits on `cv` until `done()` or the deadline; returns done().
template <typename Done>
bool waitUntil(
    std::condition_variable &cv, std::unique_lock<std::mutex> &lock, const QDeadlineTimer &deadline, Done done)
{
    if (deadline.isForever()) {
        cv.wait(lock, done);
        return true;
    }
    return cv.wait_for(lock, std::chrono::nanoseconds(std::max<qint64>(0, deadline.remainingTimeNSecs())), done);
}

// What a record amounts to, for log lines about records that are not written.
QString figures(const UsageRecord &r)
{
    return QStringLiteral(
        "key %1, project \"%2\", started %3, model %4 via %5, status %6, tokens %7 in / %8 out, cost %9")
        .arg(r.keyId.isEmpty() ? QStringLiteral("-") : r.keyId, r.project,
            r.startedAt.toUTC().toString(Qt::ISODateWithMs), r.servedModel.isEmpty() ? r.requestedModel : r.servedModel,
            r.servedProvider.isEmpty() ? QStringLiteral("-") : r.servedProvider, usageStatusName(r.status))
        .arg(r.promptTokens)
        .arg(r.completionTokens)
        .arg(r.cost ? r.cost->toDecimalString() : QStringLiteral("unpriced"));
}
// What the writer waits on for records, a flush or stop: a semaphore, so
// that it wakes (under SCHED_IDLE) holding no lock (writerpriority.h).
// Linux: POSIX, futex waits, the timed one on CLOCK_MONOTONIC (libstdc++'s
// std::counting_semaphore polls with sleeps in its timed wait: up to ~2.5 ms
// late, ten wake-ups per 5 ms wait). Elsewhere, where the writer keeps the
// default priority, a mutex and a condition variable of its own.
class Kick {
    Q_DISABLE_COPY_MOVE(Kick)
public:
#ifdef Q_OS_LINUX
    Kick() { ::sem_init(&m_semaphore, 0, 0); }
    ~Kick() { ::sem_destroy(&m_semaphore); }
    void release() { ::sem_post(&m_semaphore); }
    void acquire()
    {
        while (::sem_wait(&m_semaphore) != 0 && errno == EINTR) { }
    }
    // steady_clock is CLOCK_MONOTONIC on Linux.
    void acquireUntil(Clock::time_point deadline)
    {
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.time_since_epoch()).count();
        const timespec at { static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000) };
        while (::sem_clockwait(&m_semaphore, CLOCK_MONOTONIC, &at) != 0 && errno == EINTR) { }
    }

private:
    sem_t m_semaphore {};
#else
    Kick() = default;
    void release()
    {
        {
            std::lock_guard lock(m_mutex);
            ++m_count;
        }
        m_cv.notify_one();
    }
    void acquire()
    {
        std::unique_lock lock(m_mutex);
        m_cv.wait(lock, [this] { return m_count > 0; });
        --m_count;
    }
    void acquireUntil(Clock::time_point deadline)
    {
        std::unique_lock lock(m_mutex);
        if (m_cv.wait_until(lock, deadline, [this] { return m_count > 0; }))
            --m_count;
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_cv;
    quint64 m_count = 0;
#endif
};
} // namespace

struct UsageWriter::Private {
    enum class State { NotStarted, Starting, Running, Stopping, Stopped };

    Private(UsageStoreFactory factory, UsageWriterOptions opts)
        : openStore(std::move(factory))
        , options(opts)
    {
        options.maxBatch = std::max(1, options.maxBatch);
        options.maxQueued = std::max<qsizetype>(1, options.maxQueued);
        options.retryMax = std::max(options.retryMin, options.retryMax);
        priority = std::make_unique<WriterPriority>(options.raiseAfter, [this] { return oldestWaiting(); });
    }

    // When the oldest record not yet resolved was submitted.
    std::optional<Clock::time_point> oldestWaiting() const
    {
        std::lock_guard lock(mutex);
        if (inFlight > 0)
            return inFlightSince;
        if (!pending.empty())
            return firstPendingAt;
        return std::nullopt;
    }

    qsizetype queuedLocked() const { return static_cast<qsizetype>(pending.size()) + inFlight; }

    void run();
    // Validates and writes one chunk; false when the writer gives up (stop
    // deadline passed while the store kept failing): `lost` then holds the
    // ids of the chunk's records that were not resolved.
    bool writeChunk(UsageStore &store, std::span<UsageRecord> chunk, std::vector<const UsageRecord *> &lost);
    // Writes valid records; returns how many, from the front, are resolved
    // (all of them unless the writer gives up).
    std::size_t writeValid(UsageStore &store, std::span<const UsageRecord> records);
    void committed(std::span<const UsageRecord> records, const UsageAppendReport &report, qint64 elapsedUs);
    void reject(const UsageRecord &record, const Error &why);
    void failed(std::size_t records, const Error &error);
    // Sleeps `backoff` before a retry; false when the stop deadline passed.
    bool waitBeforeRetry(std::chrono::milliseconds backoff);
    void abandon(std::vector<const UsageRecord *> lost);

    const UsageStoreFactory openStore;
    UsageWriterOptions options;
    CommitCallback onCommit;
    std::unique_ptr<QThread> thread;
    std::mutex stopMutex; // stop() and the destructor

    mutable std::mutex mutex;
    // The writer waits for records, a flush or stop on `kick` (only while
    // writerIdle: no tokens pile up); `wake` is for its retry back-off.
    Kick kick;
    std::condition_variable wake;
    std::condition_variable space; // submitters waiting at maxQueued
    std::condition_variable progress; // flush() and start(): records resolved, store opened, writer gone
    State state = State::NotStarted;
    Error openError;
    std::vector<UsageRecord> pending;
    Clock::time_point firstPendingAt;
    Clock::time_point inFlightSince; // firstPendingAt of the records in flight
    qint64 inFlight = 0; // taken by the writer, not resolved yet
    quint64 resolved = 0; // records dealt with (written, duplicate, rejected or abandoned)
    quint64 flushTarget = 0;
    int waitingSubmitters = 0;
    bool writerIdle = false; // waiting for records: submit() must wake it
    bool stalled = false; // a stall episode was logged
    bool gaveUp = false;
    quint64 failedBeforeEpisode = 0; // failedTransactions when the current failure episode began
    QDeadlineTimer stopDeadline { QDeadlineTimer::Forever };
    UsageWriterStats stats;
    // Last: its watchdog reads the members above until it is destroyed.
    std::unique_ptr<WriterPriority> priority;
};

UsageWriter::UsageWriter(UsageStoreFactory openStore, UsageWriterOptions options)
    : d(std::make_unique<Private>(std::move(openStore), options))
{
}

UsageWriter::~UsageWriter()
{
    stop();
}

void UsageWriter::setCommitCallback(CommitCallback callback)
{
    std::lock_guard lock(d->mutex);
    Q_ASSERT_X(d->state == Private::State::NotStarted, "UsageWriter", "setCommitCallback() after start()");
    if (d->state == Private::State::NotStarted)
        d->onCommit = std::move(callback);
}

Result<void> UsageWriter::start()
{
    {
        std::lock_guard lock(d->mutex);
        if (d->state != Private::State::NotStarted)
            return Error { QStringLiteral("already-started"), QStringLiteral("The usage writer was started already") };
        d->state = Private::State::Starting;
        d->pending.reserve(static_cast<std::size_t>(d->options.maxBatch));
    }
    d->thread.reset(QThread::create([this] { d->run(); }));
    d->thread->setObjectName(QStringLiteral("usage-writer"));
    d->thread->start();
    std::unique_lock lock(d->mutex);
    d->progress.wait(lock, [this] { return d->state != Private::State::Starting; });
    if (d->state == Private::State::Running)
        return {};
    const Error error = d->openError;
    lock.unlock();
    d->thread->wait();
    return error;
}

bool UsageWriter::submit(UsageRecord record)
{
    std::unique_lock lock(d->mutex);
    if (d->state != Private::State::Running) {
        lock.unlock();
        qCWarning(lcStorage) << "usage log: the writer is not running; record" << record.id
                             << "not written:" << figures(record);
        return false;
    }
    if (d->queuedLocked() >= d->options.maxQueued) {
        ++d->stats.stalledSubmits;
        const bool firstOfEpisode = !d->stalled;
        d->stalled = true;
        if (firstOfEpisode) {
            lock.unlock();
            qCWarning(lcStorage) << "usage log:" << d->options.maxQueued
                                 << "records are waiting for the database; request threads now wait in submit()";
            lock.lock();
        }
        ++d->waitingSubmitters;
        d->space.wait(lock, [this] { return d->queuedLocked() < d->options.maxQueued || d->gaveUp; });
        --d->waitingSubmitters;
        if (d->gaveUp) {
            lock.unlock();
            d->kick.release();
            qCCritical(lcStorage) << "usage log: the writer gave up; record" << record.id
                                  << "not written:" << figures(record);
            return false;
        }
    }
    const bool wasEmpty = d->pending.empty();
    if (wasEmpty)
        d->firstPendingAt = Clock::now();
    d->pending.push_back(std::move(record));
    ++d->stats.submitted;
    const bool notify
        = d->writerIdle && (wasEmpty || d->pending.size() == static_cast<std::size_t>(d->options.maxBatch));
    lock.unlock();
    if (notify)
        d->kick.release();
    d->priority->recordsWaiting();
    return true;
}

bool UsageWriter::flush(QDeadlineTimer deadline)
{
    std::unique_lock lock(d->mutex);
    const quint64 target = d->stats.submitted;
    if (d->resolved >= target)
        return !d->gaveUp;
    d->flushTarget = std::max(d->flushTarget, target);
    d->priority->raise(); // someone waits: no longer only when the cores are free
    if (d->writerIdle)
        d->kick.release(); // else it sees flushTarget when its round ends
    const bool done = waitUntil(d->progress, lock, deadline,
        [&] { return d->resolved >= target || d->state == Private::State::Stopped || d->gaveUp; });
    return done && d->resolved >= target && !d->gaveUp;
}

bool UsageWriter::stop(QDeadlineTimer deadline)
{
    std::lock_guard stopLock(d->stopMutex);
    {
        std::lock_guard lock(d->mutex);
        if (d->state == Private::State::NotStarted || d->state == Private::State::Stopped) {
            d->state = Private::State::Stopped;
            return d->stats.abandoned == 0;
        }
        d->state = Private::State::Stopping;
        d->stopDeadline = deadline;
        d->priority->raise();
        if (d->writerIdle)
            d->kick.release();
    }
    d->wake.notify_all(); // a retry back-off looks at the stop deadline
    d->thread->wait();
    std::lock_guard lock(d->mutex);
    d->state = Private::State::Stopped;
    d->progress.notify_all();
    return d->stats.abandoned == 0;
}

bool UsageWriter::isRunning() const
{
    std::lock_guard lock(d->mutex);
    return d->state == Private::State::Running;
}

UsageWriterStats UsageWriter::stats() const
{
    std::lock_guard lock(d->mutex);
    UsageWriterStats s = d->stats;
    s.queueDepth = d->queuedLocked();
    s.idlePriority = d->priority->mode() == WriterPriority::Mode::Idle;
    s.priorityRaises = d->priority->raises();
    return s;
}

void UsageWriter::Private::run()
{
    auto opened = openStore();
    if (opened)
        priority->adopt(options.idlePriority); // before Running: stats() reads the mode
    {
        std::lock_guard lock(mutex);
        if (!opened) {
            openError = opened.error();
            state = State::Stopped;
        } else {
            state = State::Running;
        }
    }
    progress.notify_all();
    if (!opened)
        return;
    std::unique_ptr<UsageStore> store = std::move(opened).value();

    std::vector<UsageRecord> inbox;
    inbox.reserve(static_cast<std::size_t>(options.maxBatch));
    const auto batch = static_cast<std::size_t>(options.maxBatch);
    for (;;) {
        // Under SCHED_BATCH while the lock is held (priority->hold()); waits
        // on `kick` under SCHED_IDLE, holding nothing (priority->yield()).
        bool take = false;
        bool done = false;
        std::optional<Clock::time_point> until; // waiting for company, until then
        {
            std::lock_guard lock(mutex);
            writerIdle = true;
            if (pending.empty()) {
                done = state == State::Stopping && waitingSubmitters == 0; // everything is written
            } else if (state != State::Stopping && flushTarget <= resolved && pending.size() < batch
                       && Clock::now() < firstPendingAt + options.maxDelay) {
                // Wait a little for company, so that a steady trickle of
                // requests costs one transaction per maxDelay rather than one each.
                until = firstPendingAt + options.maxDelay;
            } else {
                take = true;
                writerIdle = false;
                inFlightSince = firstPendingAt;
                inbox.swap(pending); // `pending` keeps the emptied buffer of the last round
                inFlight = static_cast<qint64>(inbox.size());
            }
        }
        if (done)
            break;
        if (!take) {
            priority->yield();
            if (until)
                kick.acquireUntil(*until);
            else
                kick.acquire();
            priority->hold();
            continue;
        }

        std::vector<const UsageRecord *> lost;
        for (std::size_t start = 0; start < inbox.size(); start += batch) {
            const std::size_t size = std::min(batch, inbox.size() - start);
            if (!writeChunk(*store, std::span(inbox).subspan(start, size), lost)) {
                for (std::size_t i = start + size; i < inbox.size(); ++i)
                    lost.push_back(&inbox[i]);
                break;
            }
        }
        if (!lost.empty()) {
            abandon(std::move(lost));
            break;
        }
        inbox.clear();
        // After a backlog, give the memory back.
        if (inbox.capacity() > 4 * batch)
            std::vector<UsageRecord>().swap(inbox);
        if (priority->late()) {
            // Under the mutex: flush() and stop() mark it late under it too.
            std::lock_guard lock(mutex);
            if (state == State::Running && flushTarget <= resolved
                && (pending.empty() || Clock::now() - firstPendingAt < options.maxDelay))
                priority->caughtUp();
        }
    }
    priority->stop();
    store.reset(); // closes the connection on the thread that opened it
    std::lock_guard lock(mutex);
    progress.notify_all();
}

bool UsageWriter::Private::writeChunk(
    UsageStore &store, std::span<UsageRecord> chunk, std::vector<const UsageRecord *> &lost)
{
    // A record no store can take must not hold up the others: refuse it
    // (loudly) and close the gap, keeping the order.
    std::size_t valid = 0;
    for (std::size_t i = 0; i < chunk.size(); ++i) {
        if (auto checked = validateUsageRecord(chunk[i]); !checked) {
            reject(chunk[i], checked.error());
            continue;
        }
        if (valid != i)
            chunk[valid] = std::move(chunk[i]);
        ++valid;
    }
    const std::span<const UsageRecord> records = chunk.first(valid);
    const std::size_t done = writeValid(store, records);
    for (std::size_t i = done; i < records.size(); ++i)
        lost.push_back(&records[i]);
    return done == records.size();
}

std::size_t UsageWriter::Private::writeValid(UsageStore &store, std::span<const UsageRecord> records)
{
    if (records.empty())
        return 0;
    auto backoff = options.retryMin;
    for (;;) {
        QElapsedTimer timer;
        timer.start();
        priority->yield(); // SCHED_IDLE unless late: none of our locks is held in the store's work
        auto written = store.append(records);
        priority->hold();
        if (written) {
            committed(records, written.value(), timer.nsecsElapsed() / 1000);
            return records.size();
        }
        if (written.error().code == QLatin1StringView("invalid")) {
            // The schema refused what validation let through: find the
            // record by writing them one at a time.
            if (records.size() == 1) {
                reject(records.front(), written.error());
                return 1;
            }
            for (std::size_t i = 0; i < records.size(); ++i) {
                if (writeValid(store, records.subspan(i, 1)) == 0)
                    return i;
            }
            return records.size();
        }
        failed(records.size(), written.error());
        if (!waitBeforeRetry(backoff))
            return 0;
        backoff = std::min(backoff * 2, options.retryMax);
    }
}

void UsageWriter::Private::committed(
    std::span<const UsageRecord> records, const UsageAppendReport &report, qint64 elapsedUs)
{
    std::vector<UsageRecord> inserted;
    std::span<const UsageRecord> written = records;
    if (!report.duplicateIds.isEmpty()) {
        // The store lists an id once per skipped record. Within a batch the
        // first record of an id is the one written (unless the id was in the
        // log already), so mark skipped ones from the back.
        QHash<QString, int> skipped;
        for (const QString &id : report.duplicateIds)
            ++skipped[id];
        std::vector<bool> keep(records.size(), true);
        for (std::size_t i = records.size(); i-- > 0;) {
            auto found = skipped.find(records[i].id);
            if (found != skipped.end() && found.value() > 0) {
                keep[i] = false;
                --found.value();
            }
        }
        for (std::size_t i = 0; i < records.size(); ++i) {
            if (keep[i])
                inserted.push_back(records[i]);
            else
                qCWarning(lcStorage).noquote()
                    << "usage log: request id" << records[i].id
                    << "is in the log already; this record was not written:" << figures(records[i]);
        }
        written = inserted;
    }
    bool recovered = false;
    quint64 failures = 0; // in the episode that just ended
    {
        std::lock_guard lock(mutex);
        const auto n = records.size();
        resolved += n;
        inFlight -= static_cast<qint64>(n);
        stats.committed += static_cast<quint64>(report.inserted);
        stats.duplicates += static_cast<quint64>(report.duplicateIds.size());
        ++stats.transactions;
        stats.lastCommitUs = elapsedUs;
        stats.lastBatchSize = static_cast<int>(n);
        recovered = stats.failing;
        stats.failing = false;
        failures = stats.failedTransactions - failedBeforeEpisode;
        if (stalled && queuedLocked() < options.maxQueued / 2)
            stalled = false;
    }
    progress.notify_all();
    space.notify_all();
    if (recovered)
        qCInfo(lcStorage).noquote()
            << QStringLiteral("usage log: writing again after %1 failed attempts").arg(failures);
    if (onCommit && !written.empty())
        onCommit(written);
}

void UsageWriter::Private::reject(const UsageRecord &record, const Error &why)
{
    qCWarning(lcStorage).noquote() << "usage log: record refused, not written:" << why.message << "--"
                                   << figures(record);
    {
        std::lock_guard lock(mutex);
        ++resolved;
        --inFlight;
        ++stats.rejected;
    }
    progress.notify_all();
    space.notify_all();
}

void UsageWriter::Private::failed(std::size_t records, const Error &error)
{
    bool firstOfEpisode = false;
    {
        std::lock_guard lock(mutex);
        firstOfEpisode = !stats.failing;
        if (firstOfEpisode)
            failedBeforeEpisode = stats.failedTransactions;
        ++stats.failedTransactions;
        stats.failing = true;
        stats.lastError = error.message;
    }
    if (firstOfEpisode)
        qCWarning(lcStorage).noquote() << "usage log: cannot write" << records << "records:" << error.message
                                       << "-- they stay queued; retrying";
}

bool UsageWriter::Private::waitBeforeRetry(std::chrono::milliseconds backoff)
{
    const auto until = Clock::now() + backoff;
    std::unique_lock lock(mutex);
    for (;;) {
        const bool stopping = state == State::Stopping;
        if (stopping && stopDeadline.hasExpired())
            return false;
        const auto now = Clock::now();
        if (now >= until)
            return true;
        auto limit = until;
        if (stopping && !stopDeadline.isForever())
            limit = std::min(limit, now + std::chrono::nanoseconds(stopDeadline.remainingTimeNSecs()));
        wake.wait_until(lock, limit); // stop() wakes it to look at its deadline
    }
}

void UsageWriter::Private::abandon(std::vector<const UsageRecord *> lost)
{
    qint64 count = 0;
    qint64 promptTokens = 0;
    qint64 completionTokens = 0;
    Money cost;
    qint64 unpriced = 0;
    QStringList ids;
    auto tally = [&](const UsageRecord &r) {
        ++count;
        promptTokens += r.promptTokens;
        completionTokens += r.completionTokens;
        if (r.cost)
            cost += *r.cost;
        else
            ++unpriced;
        if (ids.size() < 20)
            ids << r.id;
    };
    for (const UsageRecord *r : lost)
        tally(*r);
    QString lastError;
    {
        std::lock_guard lock(mutex);
        for (const UsageRecord &r : pending)
            tally(r);
        pending.clear();
        Q_ASSERT(static_cast<qint64>(lost.size()) == inFlight);
        stats.abandoned += static_cast<quint64>(count);
        resolved += static_cast<quint64>(count);
        inFlight = 0;
        gaveUp = true;
        lastError = stats.lastError;
    }
    progress.notify_all();
    space.notify_all();
    qCCritical(lcStorage).noquote() << "usage log: gave up at the shutdown deadline;" << count
                                    << "records are lost:" << promptTokens << "prompt and" << completionTokens
                                    << "completion tokens, cost" << cost.toDecimalString() << "USD plus" << unpriced
                                    << "unpriced; ids" << ids.join(QStringLiteral(", "))
                                    << (count > ids.size() ? "..." : "") << "-- last error:" << lastError;
}

} // namespace signalbox::engine
