// The usage writer on real workspace databases: concurrent submitters, flush
// and stop semantics, counters, readers and lock holders on other
// connections, the queue bound, giving up at a shutdown deadline, and the
// crash window of a writer process killed with SIGKILL.

#include "engine/storage/database.h"
#include "engine/storage/schema.h"
#include "engine/storage/workspace.h"
#include "engine/usage/sqliteusagestore.h"
#include "engine/usage/usagewriter.h"

#include <QElapsedTimer>
#include <QHash>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>

#ifdef Q_OS_LINUX
#include <QDir>
#include <sched.h>
#endif

using namespace signalbox::engine;
using namespace std::chrono_literals;

namespace {
UsageRecord record(const QString &id, qint64 tokens = 1)
{
    UsageRecord r;
    r.id = id;
    r.keyId = QStringLiteral("key000000001");
    r.startedAt = QDateTime::currentDateTimeUtc();
    r.finishedAt = r.startedAt.addMSecs(5);
    r.endpoint = QStringLiteral("/v1/chat/completions");
    r.requestedModel = QStringLiteral("gpt-4o-mini");
    r.httpStatus = 200;
    r.promptTokens = tokens;
    r.completionTokens = 2 * tokens;
    r.cost = Money::fromAttos(tokens);
    r.attempts = {
        { QStringLiteral("groq"), QStringLiteral("llama"), QStringLiteral("http_429"), 429, 1000, false },
        { QStringLiteral("openai"), QStringLiteral("gpt-4o-mini"), QStringLiteral("ok"), 200, 3000, true },
    };
    return r;
}

qint64 scalar(const QSqlDatabase &db, const QString &sql)
{
    QSqlQuery query(db);
    if (!query.exec(sql) || !query.next())
        return -1;
    return query.value(0).toLongLong();
}

bool addsUp(const UsageWriterStats &s)
{
    return s.submitted == s.committed + s.duplicates + s.rejected + s.abandoned + static_cast<quint64>(s.queueDepth);
}

// A second connection that holds the database's write lock until released.
class WriteLock {
public:
    explicit WriteLock(const QString &path)
    {
        auto opened = openConnection(path, QStringLiteral("lock-holder"), OpenMode::ReadWrite);
        if (!opened)
            return;
        m_name = opened->connectionName();
        QSqlQuery query(opened.value());
        m_held = query.exec(QStringLiteral("BEGIN IMMEDIATE"));
    }
    ~WriteLock()
    {
        release();
        if (!m_name.isEmpty())
            closeConnection(m_name);
    }
    bool held() const { return m_held; }
    void release()
    {
        if (!m_held)
            return;
        QSqlQuery(QSqlDatabase::database(m_name, false)).exec(QStringLiteral("ROLLBACK"));
        m_held = false;
    }

private:
    QString m_name;
    bool m_held = false;
};
// Threads of the normal priority spinning, twice as many as cores, until destroyed.
class CpuHogs {
public:
    CpuHogs()
    {
        const unsigned cores = std::max(1U, std::thread::hardware_concurrency());
        for (unsigned i = 0; i < 2 * cores; ++i)
            m_threads.emplace_back([this] {
                while (m_spin.load(std::memory_order_relaxed)) { }
            });
    }
    ~CpuHogs()
    {
        m_spin = false;
        for (std::thread &thread : m_threads)
            thread.join();
    }
    Q_DISABLE_COPY_MOVE(CpuHogs)
    int count() const { return static_cast<int>(m_threads.size()); }

private:
    std::atomic<bool> m_spin { true };
    std::vector<std::thread> m_threads;
};

#ifdef Q_OS_LINUX
// The scheduling policy of this process's thread named `name`, or -1.
int policyOfThread(const QByteArray &name)
{
    const QDir tasks(QStringLiteral("/proc/self/task"));
    for (const QString &tid : tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile comm(tasks.filePath(tid + QStringLiteral("/comm")));
        if (comm.open(QIODevice::ReadOnly) && comm.readAll().trimmed() == name)
            return ::sched_getscheduler(tid.toInt());
    }
    return -1;
}

// Whether this process may move a thread from SCHED_IDLE back to SCHED_BATCH
// (CAP_SYS_NICE or RLIMIT_NICE 20), asked of a throwaway thread.
bool mayLeaveIdle()
{
    bool may = false;
    std::thread([&may] {
        sched_param none {};
        may = ::sched_setscheduler(0, SCHED_IDLE, &none) == 0 && ::sched_setscheduler(0, SCHED_BATCH, &none) == 0;
    }).join();
    return may;
}
#endif
} // namespace

class TestUsageWriter : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        auto workspace = Workspace::open(m_dir->path());
        QVERIFY(workspace.ok());
        m_workspace = std::move(workspace).value();
    }

    void cleanup()
    {
        m_workspace.reset();
        m_dir.reset();
    }

    void eightThreadsSubmitFortyThousand()
    {
        UsageWriter writer(sqliteUsageStoreFactory(m_workspace->databasePath()));
        std::mutex seenMutex;
        QHash<QString, int> seen;
        std::vector<std::size_t> batchSizes;
        writer.setCommitCallback([&](std::span<const UsageRecord> committed) {
            std::lock_guard lock(seenMutex);
            batchSizes.push_back(committed.size());
            for (const UsageRecord &r : committed)
                ++seen[r.id];
        });
        QVERIFY(writer.start().ok());
        QVERIFY(writer.isRunning());

        constexpr int kThreads = 8;
        constexpr int kEach = 5000;
        std::atomic<int> accepted { 0 };
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                for (int i = 0; i < kEach; ++i) {
                    if (writer.submit(record(QStringLiteral("req_t%1_%2").arg(t).arg(i), t * kEach + i)))
                        accepted.fetch_add(1);
                }
            });
        }
        for (std::thread &thread : threads)
            thread.join();
        QCOMPARE(accepted.load(), kThreads * kEach);
        QVERIFY(writer.flush());

        const UsageWriterStats s = writer.stats();
        QCOMPARE(s.submitted, quint64(40000));
        QCOMPARE(s.committed, quint64(40000));
        QCOMPARE(s.queueDepth, qint64(0));
        QCOMPARE(s.rejected + s.duplicates + s.abandoned + s.failedTransactions, quint64(0));
        QVERIFY(addsUp(s));
        QVERIFY2(s.transactions >= 40 && s.transactions <= 4000, qPrintable(QString::number(s.transactions)));
        QVERIFY(s.lastCommitUs > 0);
        QVERIFY(!s.failing);

        QSqlDatabase db = m_workspace->database();
        QCOMPARE(scalar(db, QStringLiteral("SELECT count(*) FROM usage_requests")), qint64(40000));
        QCOMPARE(scalar(db, QStringLiteral("SELECT count(DISTINCT id) FROM usage_requests")), qint64(40000));
        QCOMPARE(scalar(db, QStringLiteral("SELECT count(*) FROM usage_attempts")), qint64(80000));
        QCOMPARE(scalar(db,
                     QStringLiteral("SELECT count(*) FROM usage_requests r WHERE"
                                    " (SELECT count(*) FROM usage_attempts a WHERE a.request_id = r.id) <> 2")),
            qint64(0));
        // The accounting adds up to the token: sum of 0..39999.
        QCOMPARE(
            scalar(db, QStringLiteral("SELECT sum(prompt_tokens) FROM usage_requests")), qint64(39999) * 40000 / 2);
        QCOMPARE(scalar(db, QStringLiteral("SELECT sum(cost_attos) FROM usage_requests")), qint64(39999) * 40000 / 2);

        std::lock_guard lock(seenMutex);
        QCOMPARE(seen.size(), 40000);
        QVERIFY(std::all_of(seen.cbegin(), seen.cend(), [](int n) { return n == 1; }));
        QCOMPARE(static_cast<quint64>(batchSizes.size()), s.transactions);
        QVERIFY(*std::max_element(batchSizes.begin(), batchSizes.end()) <= 1000);
    }

#ifdef Q_OS_LINUX
    // The writer yields the CPU to everything else (SCHED_IDLE), and its
    // watchdog raises it when records wait while the cores are saturated,
    // then it goes back to idle once it has caught up.
    void theWriterYieldsTheCpuButNotItsRecords()
    {
        UsageWriter writer(sqliteUsageStoreFactory(m_workspace->databasePath()));
        QVERIFY(writer.start().ok());
        if (!mayLeaveIdle()) {
            QCOMPARE(policyOfThread("usage-writer"), SCHED_BATCH);
            QVERIFY(!writer.stats().idlePriority);
            QCOMPARE(policyOfThread("usage-watchdog"), -1);
            QSKIP("no CAP_SYS_NICE or RLIMIT_NICE 20 here: the writer runs under SCHED_BATCH (checked)");
        }
        QVERIFY(writer.stats().idlePriority);
        QCOMPARE(writer.stats().priorityRaises, quint64(0));
        // Waiting for records, it holds no lock: SCHED_IDLE.
        QTRY_COMPARE_WITH_TIMEOUT(policyOfThread("usage-writer"), SCHED_IDLE, 5000);

        // Its store work runs under SCHED_IDLE too: looked for while batches
        // of 300 rows (a few milliseconds of work each) go in.
        constexpr int rounds = 30;
        constexpr int perRound = 300;
        bool sawIdle = false;
        for (int round = 0; round < rounds && !sawIdle; ++round) {
            const quint64 before = writer.stats().committed;
            for (int i = 0; i < perRound; ++i)
                QVERIFY(writer.submit(record(QStringLiteral("req_bulk_%1_%2").arg(round).arg(i))));
            QElapsedTimer roundTimer;
            roundTimer.start();
            while (writer.stats().committed < before + perRound && roundTimer.elapsed() < 30000)
                sawIdle = sawIdle || policyOfThread("usage-writer") == SCHED_IDLE;
            QCOMPARE(writer.stats().committed, before + perRound);
        }
        QVERIFY2(sawIdle, "the writer's store work never ran under SCHED_IDLE");
        const quint64 bulk = writer.stats().committed;

        // Saturate every core with threads of the normal priority: idle
        // bursts would hardly run at all; the watchdog must raise them. Twice:
        // the second episode shows the writer went back to idle in between.
        for (int episode = 1; episode <= 2; ++episode) {
            std::optional<CpuHogs> hogs(std::in_place);
            QElapsedTimer starved;
            starved.start();
            // Tens of milliseconds of CPU: more than raiseAfter even unstarved.
            constexpr int records = 2000;
            const quint64 before = writer.stats().committed;
            for (int i = 0; i < records; ++i)
                QVERIFY(writer.submit(record(QStringLiteral("req_busy_%1_%2").arg(episode).arg(i))));
            // No flush(): a flush raises the writer itself.
            while (writer.stats().committed < before + records && starved.elapsed() < 30000)
                std::this_thread::sleep_for(1ms);
            const qint64 waitedMs = starved.elapsed();
            const int busy = hogs->count();
            hogs.reset();
            QCOMPARE(writer.stats().committed, before + records);
            qInfo("episode %d: written %lld ms after submit with %d busy threads; raised %llu times in all", episode,
                waitedMs, busy, static_cast<unsigned long long>(writer.stats().priorityRaises));
            QVERIFY2(writer.stats().priorityRaises >= static_cast<quint64>(episode),
                "records waited for a starved writer and nobody raised it");
            // Caught up: a quiet record, and the next episode starts idle again.
            QVERIFY(writer.submit(record(QStringLiteral("req_quiet_%1").arg(episode))));
            QTRY_COMPARE_WITH_TIMEOUT(writer.stats().committed, before + records + 1, 5000);
        }
        QTRY_COMPARE_WITH_TIMEOUT(policyOfThread("usage-writer"), SCHED_IDLE, 5000); // caught up, waiting
        QVERIFY(writer.stop());
        QCOMPARE(scalar(m_workspace->database(), QStringLiteral("SELECT count(*) FROM usage_requests")),
            static_cast<qint64>(bulk + 2 * 2001));
    }

    // A trickle of records while every core is saturated: each is written
    // soon after submit (the crash window), not when the machine calms down.
    // (The first design lowered the writer while it held a lock the watchdog
    // needed: records then waited 0.7-4.3 s.)
    void aSaturatedMachineDoesNotHoldRecordsBack()
    {
        std::mutex submittedMutex;
        QHash<QString, QElapsedTimer> submitted;
        std::atomic<qint64> worstMs { 0 };
        UsageWriter writer(sqliteUsageStoreFactory(m_workspace->databasePath()));
        writer.setCommitCallback([&](std::span<const UsageRecord> written) {
            std::lock_guard lock(submittedMutex);
            for (const UsageRecord &r : written) {
                const qint64 waited = submitted.value(r.id).elapsed();
                qint64 worst = worstMs.load();
                while (waited > worst && !worstMs.compare_exchange_weak(worst, waited)) { }
            }
        });
        QVERIFY(writer.start().ok());
        std::optional<CpuHogs> hogs(std::in_place);
        constexpr int records = 600;
        for (int i = 0; i < records; ++i) {
            const QString id = QStringLiteral("req_trickle_%1").arg(i);
            {
                std::lock_guard lock(submittedMutex);
                submitted[id].start();
            }
            QVERIFY(writer.submit(record(id)));
            std::this_thread::sleep_for(2ms);
        }
        QElapsedTimer drain;
        drain.start();
        while (writer.stats().committed < records && drain.elapsed() < 30000)
            std::this_thread::sleep_for(1ms);
        hogs.reset();
        QCOMPARE(writer.stats().committed, quint64(records));
        qInfo("worst wait from submit to commit: %lld ms (idle priority: %s, raised %llu times)", worstMs.load(),
            writer.stats().idlePriority ? "yes" : "no", static_cast<unsigned long long>(writer.stats().priorityRaises));
        // The crash window's bound is ~100 ms (docs/usage-log.md); some slack
        // for a loaded CI machine. The lock-holding design measured 36-222 ms here.
        QVERIFY2(worstMs.load() < 150, qPrintable(QString::number(worstMs.load())));
    }

    void withoutIdlePriorityTheWriterRunsUnderBatch()
    {
        UsageWriterOptions options;
        options.idlePriority = false;
        UsageWriter writer(sqliteUsageStoreFactory(m_workspace->databasePath()), options);
        QVERIFY(writer.start().ok());
        QCOMPARE(policyOfThread("usage-writer"), SCHED_BATCH);
        QCOMPARE(policyOfThread("usage-watchdog"), -1);
        QVERIFY(!writer.stats().idlePriority);
    }
#endif

    void flushWaitsForEverythingSubmittedBefore()
    {
        UsageWriterOptions options;
        options.maxDelay = 60s; // nothing would be written for a minute without flush()
        UsageWriter writer(sqliteUsageStoreFactory(m_workspace->databasePath()), options);
        QVERIFY(writer.start().ok());
        for (int i = 0; i < 500; ++i)
            QVERIFY(writer.submit(record(QStringLiteral("req_%1").arg(i))));
        QVERIFY(writer.flush(QDeadlineTimer(10s)));
        QSqlDatabase db = m_workspace->database();
        QCOMPARE(scalar(db, QStringLiteral("SELECT count(*) FROM usage_requests")), qint64(500));
        QCOMPARE(writer.stats().transactions, quint64(1));

        QVERIFY(writer.submit(record(QStringLiteral("req_late"))));
        QCOMPARE(writer.stats().queueDepth, qint64(1));
        QCOMPARE(scalar(db, QStringLiteral("SELECT count(*) FROM usage_requests")), qint64(500));
        QVERIFY(writer.flush());
        QCOMPARE(scalar(db, QStringLiteral("SELECT count(*) FROM usage_requests")), qint64(501));
        QVERIFY(writer.flush()); // nothing to do: returns at once
    }

    void recordsAreWrittenWithinTheMaxDelayWithoutFlush()
    {
        UsageWriter writer(sqliteUsageStoreFactory(m_workspace->databasePath()));
        QVERIFY(writer.start().ok());
        QElapsedTimer timer;
        timer.start();
        QVERIFY(writer.submit(record(QStringLiteral("req_alone"))));
        QSqlDatabase db = m_workspace->database();
        QTRY_COMPARE_WITH_TIMEOUT(scalar(db, QStringLiteral("SELECT count(*) FROM usage_requests")), qint64(1), 5000);
        // maxDelay is 20 ms; a loaded machine gets generous slack.
        QVERIFY2(timer.elapsed() < 1000, qPrintable(QString::number(timer.elapsed())));
        QCOMPARE(writer.stats().committed, quint64(1));
    }

    void stopWritesEverythingAndRefusesLaterRecords()
    {
        UsageWriterOptions options;
        options.maxDelay = 60s;
        UsageWriter writer(sqliteUsageStoreFactory(m_workspace->databasePath()), options);
        QVERIFY(writer.start().ok());
        for (int i = 0; i < 3000; ++i)
            QVERIFY(writer.submit(record(QStringLiteral("req_%1").arg(i))));
        QVERIFY(writer.stop());
        QVERIFY(!writer.isRunning());
        QCOMPARE(scalar(m_workspace->database(), QStringLiteral("SELECT count(*) FROM usage_requests")), qint64(3000));

        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("not running; record \"req_after\"")));
        QVERIFY(!writer.submit(record(QStringLiteral("req_after"))));
        const UsageWriterStats s = writer.stats();
        QCOMPARE(s.submitted, quint64(3000));
        QCOMPARE(s.committed, quint64(3000));
        QVERIFY(addsUp(s));
        QVERIFY(writer.stop()); // again: harmless
    }

    void destructorWritesEverything()
    {
        {
            UsageWriterOptions options;
            options.maxDelay = 60s;
            UsageWriter writer(sqliteUsageStoreFactory(m_workspace->databasePath()), options);
            QVERIFY(writer.start().ok());
            for (int i = 0; i < 1234; ++i)
                QVERIFY(writer.submit(record(QStringLiteral("req_%1").arg(i))));
        }
        QCOMPARE(scalar(m_workspace->database(), QStringLiteral("SELECT count(*) FROM usage_requests")), qint64(1234));
    }

    void countersAddUpWithRefusedAndDuplicateRecords()
    {
        UsageWriter writer(sqliteUsageStoreFactory(m_workspace->databasePath()));
        QVERIFY(writer.start().ok());
        QTest::ignoreMessage(
            QtWarningMsg, QRegularExpression(QStringLiteral("record refused.*req_bad.*completionTokens")));
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("req_twice is in the log already")));
        QVERIFY(writer.submit(record(QStringLiteral("req_1"))));
        UsageRecord bad = record(QStringLiteral("req_bad"));
        bad.completionTokens = -3;
        QVERIFY(writer.submit(bad)); // accepted: refusing is the writer's job, off the request path
        QVERIFY(writer.submit(record(QStringLiteral("req_twice"), 7)));
        QVERIFY(writer.submit(record(QStringLiteral("req_twice"), 8)));
        QVERIFY(writer.submit(record(QStringLiteral("req_2"))));
        QVERIFY(writer.flush());

        const UsageWriterStats s = writer.stats();
        QCOMPARE(s.submitted, quint64(5));
        QCOMPARE(s.committed, quint64(3));
        QCOMPARE(s.rejected, quint64(1));
        QCOMPARE(s.duplicates, quint64(1));
        QCOMPARE(s.queueDepth, qint64(0));
        QVERIFY(addsUp(s));
        QSqlDatabase db = m_workspace->database();
        QCOMPARE(scalar(db, QStringLiteral("SELECT count(*) FROM usage_requests")), qint64(3));
        QCOMPARE(
            scalar(db, QStringLiteral("SELECT prompt_tokens FROM usage_requests WHERE id = 'req_twice'")), qint64(7));
        QCOMPARE(scalar(db, QStringLiteral("SELECT count(*) FROM usage_requests WHERE id = 'req_bad'")), qint64(0));
    }

    void aReaderHoldingASnapshotLosesTheWriterNothing()
    {
        auto opened = openConnection(m_workspace->databasePath(), QStringLiteral("reader"), OpenMode::ReadWrite);
        QVERIFY(opened.ok());
        const QString name = opened->connectionName();
        {
            QSqlDatabase reader = opened.value();
            QSqlQuery read(reader);
            QVERIFY(read.exec(QStringLiteral("BEGIN")));
            QCOMPARE(scalar(reader, QStringLiteral("SELECT count(*) FROM usage_requests")), qint64(0));

            UsageWriter writer(sqliteUsageStoreFactory(m_workspace->databasePath()));
            QVERIFY(writer.start().ok());
            for (int i = 0; i < 20000; ++i)
                QVERIFY(writer.submit(record(QStringLiteral("req_%1").arg(i))));
            QVERIFY(writer.flush(QDeadlineTimer(60s)));
            QCOMPARE(writer.stats().failedTransactions, quint64(0));
            QCOMPARE(writer.stats().committed, quint64(20000));
            QCOMPARE(
                scalar(m_workspace->database(), QStringLiteral("SELECT count(*) FROM usage_requests")), qint64(20000));
            // The reader's snapshot was held throughout.
            QCOMPARE(scalar(reader, QStringLiteral("SELECT count(*) FROM usage_requests")), qint64(0));
            QVERIFY(read.exec(QStringLiteral("COMMIT")));
            QCOMPARE(scalar(reader, QStringLiteral("SELECT count(*) FROM usage_requests")), qint64(20000));
        }
        opened.value() = QSqlDatabase();
        closeConnection(name);
    }

    void aWriteLockPastTheBusyTimeoutIsRetriedNotLost()
    {
        WriteLock lock(m_workspace->databasePath());
        QVERIFY(lock.held());
        UsageWriterOptions options;
        options.retryMin = 10ms;
        options.retryMax = 50ms;
        UsageWriter writer(sqliteUsageStoreFactory(m_workspace->databasePath(), { 50ms }), options);
        QVERIFY(writer.start().ok());

        // Warned once per episode, however many retries fail.
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("cannot write 100 records.*retrying")));
        QTest::failOnWarning(QRegularExpression(QStringLiteral("cannot write")));
        for (int i = 0; i < 100; ++i)
            QVERIFY(writer.submit(record(QStringLiteral("req_%1").arg(i))));
        QTRY_VERIFY(writer.stats().failedTransactions >= 3);
        QVERIFY(!writer.flush(QDeadlineTimer(100ms)));
        UsageWriterStats s = writer.stats();
        QVERIFY(s.failing);
        QVERIFY(!s.lastError.isEmpty());
        QCOMPARE(s.committed, quint64(0));
        QCOMPARE(s.queueDepth, qint64(100));
        QVERIFY(addsUp(s));

        QTest::ignoreMessage(QtInfoMsg, QRegularExpression(QStringLiteral("writing again")));
        lock.release();
        QVERIFY(writer.flush(QDeadlineTimer(10s)));
        s = writer.stats();
        QVERIFY(!s.failing);
        QCOMPARE(s.committed, quint64(100));
        QCOMPARE(s.queueDepth, qint64(0));
        QCOMPARE(scalar(m_workspace->database(), QStringLiteral("SELECT count(*) FROM usage_requests")), qint64(100));
    }

    void theQueueBoundStallsSubmittersInsteadOfGrowing()
    {
        WriteLock lock(m_workspace->databasePath());
        QVERIFY(lock.held());
        UsageWriterOptions options;
        options.maxQueued = 50;
        options.maxBatch = 10;
        options.retryMin = 10ms;
        options.retryMax = 20ms;
        UsageWriter writer(sqliteUsageStoreFactory(m_workspace->databasePath(), { 20ms }), options);
        QVERIFY(writer.start().ok());
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("cannot write")));
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("50 records are waiting")));

        std::atomic<int> accepted { 0 };
        std::thread submitter([&] {
            for (int i = 0; i < 200; ++i)
                accepted.fetch_add(writer.submit(record(QStringLiteral("req_%1").arg(i))) ? 1 : 0);
        });
        // Both: the writer has failed (so it warned) and the submitter waits.
        QTRY_VERIFY(writer.stats().failing && writer.stats().stalledSubmits >= 1);
        UsageWriterStats s = writer.stats();
        QCOMPARE(s.queueDepth, qint64(50));
        QCOMPARE(s.submitted, quint64(50));
        QCOMPARE(accepted.load(), 50);

        QTest::ignoreMessage(QtInfoMsg, QRegularExpression(QStringLiteral("writing again")));
        lock.release();
        submitter.join();
        QCOMPARE(accepted.load(), 200);
        QVERIFY(writer.flush(QDeadlineTimer(10s)));
        s = writer.stats();
        QCOMPARE(s.committed, quint64(200));
        QVERIFY(addsUp(s));
        QCOMPARE(scalar(m_workspace->database(), QStringLiteral("SELECT count(*) FROM usage_requests")), qint64(200));
    }

    void stopGivesUpLoudlyAtItsDeadline()
    {
        WriteLock lock(m_workspace->databasePath());
        QVERIFY(lock.held());
        UsageWriterOptions options;
        options.retryMin = 10ms;
        options.retryMax = 20ms;
        UsageWriter writer(sqliteUsageStoreFactory(m_workspace->databasePath(), { 20ms }), options);
        QVERIFY(writer.start().ok());
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("cannot write")));
        QTest::ignoreMessage(QtCriticalMsg,
            QRegularExpression(QStringLiteral("gave up.*10 records are lost: 45 prompt and 90 completion "
                                              "tokens, cost 0.000000000000000045 USD plus 0 unpriced")));
        for (int i = 0; i < 10; ++i)
            QVERIFY(writer.submit(record(QStringLiteral("req_%1").arg(i), i)));
        QElapsedTimer timer;
        timer.start();
        QVERIFY(!writer.stop(QDeadlineTimer(300ms)));
        QVERIFY2(timer.elapsed() < 3000, qPrintable(QString::number(timer.elapsed())));
        const UsageWriterStats s = writer.stats();
        QCOMPARE(s.abandoned, quint64(10));
        QCOMPARE(s.committed, quint64(0));
        QCOMPARE(s.queueDepth, qint64(0));
        QVERIFY(addsUp(s));
        QVERIFY(!writer.flush(QDeadlineTimer(0))); // what was submitted was not all written
    }

    void startFailsWithoutTheUsageTables()
    {
        QTemporaryDir dir;
        {
            auto v3 = Workspace::open(dir.path(), workspaceMigrations().first(3));
            QVERIFY(v3.ok());
        }
        UsageWriter writer(sqliteUsageStoreFactory(dir.filePath(QStringLiteral("signalbox.db"))));
        auto started = writer.start();
        QVERIFY(!started.ok());
        QCOMPARE(started.error().code, QStringLiteral("schema"));
        QVERIFY(!writer.isRunning());
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("not running")));
        QVERIFY(!writer.submit(record(QStringLiteral("req_x"))));
        QCOMPARE(writer.start().error().code, QStringLiteral("already-started"));
    }

    void sigkillLosesOnlyTheLastMoments_data()
    {
        // Records the child has reported when it is killed: about 1.5 s of
        // running, at a different moment of the writer's cycle each round.
        QTest::addColumn<int>("killAfter");
        QTest::newRow("round 1") << 2900;
        QTest::newRow("round 2") << 3111;
        QTest::newRow("round 3") << 3333;
    }

    void sigkillLosesOnlyTheLastMoments()
    {
        QFETCH(int, killAfter);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QProcess child;
        QByteArray output;
        QHash<qint64, qint64> submittedAtUs; // record number -> steady clock
        qint64 highest = -1;
        auto parse = [&] {
            output += child.readAllStandardOutput();
            qsizetype start = 0;
            for (qsizetype end = output.indexOf('\n'); end >= 0; end = output.indexOf('\n', start)) {
                const QByteArray line = output.mid(start, end - start);
                start = end + 1;
                const qsizetype space = line.indexOf(' ');
                if (space < 0)
                    continue;
                const qint64 n = line.left(space).toLongLong();
                submittedAtUs.insert(n, line.mid(space + 1).toLongLong());
                highest = std::max(highest, n);
            }
            output.remove(0, start);
        };
        connect(&child, &QProcess::readyReadStandardOutput, this, parse);
        // 2 records (6 rows with their attempts) every millisecond: steady load
        // that even a sanitizer build's writer keeps up with.
        child.start(QStringLiteral(SIGNALBOX_USAGE_CRASH_CHILD), { dir.path(), QStringLiteral("2") });
        QVERIFY2(child.waitForStarted(10000), qPrintable(child.errorString()));
        QTRY_VERIFY_WITH_TIMEOUT(submittedAtUs.size() >= killAfter || child.state() != QProcess::Running, 60000);
        QVERIFY2(child.state() == QProcess::Running, child.readAllStandardError().constData());

        const qint64 killedAtUs
            = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
                  .count();
        child.kill(); // SIGKILL
        QVERIFY(child.waitForFinished(10000));
        QCOMPARE(child.exitStatus(), QProcess::CrashExit);
        parse();
        QVERIFY(submittedAtUs.size() >= killAfter);

        auto workspace = Workspace::open(dir.path());
        QVERIFY2(workspace.ok(), qPrintable(workspace.ok() ? QString() : workspace.error().message));
        QSqlDatabase db = workspace.value()->database();
        QSqlQuery check(db);
        QVERIFY(check.exec(QStringLiteral("PRAGMA integrity_check")) && check.next());
        QCOMPARE(check.value(0).toString(), QStringLiteral("ok"));
        check.finish();
        QCOMPARE(scalar(db, QStringLiteral("SELECT count(*) FROM usage_requests")),
            scalar(db, QStringLiteral("SELECT count(DISTINCT id) FROM usage_requests")));
        // Transactions are whole: every request has both attempts.
        QCOMPARE(scalar(db, QStringLiteral("SELECT count(*) FROM usage_attempts")),
            2 * scalar(db, QStringLiteral("SELECT count(*) FROM usage_requests")));

        QSet<qint64> stored;
        QSqlQuery rows(db);
        QVERIFY(rows.exec(QStringLiteral("SELECT id, prompt_tokens FROM usage_requests")));
        while (rows.next()) {
            const qint64 n = rows.value(0).toString().mid(4).toLongLong();
            QCOMPARE(rows.value(1).toLongLong(), n);
            stored.insert(n);
        }
        rows.finish();

        constexpr qint64 kWindowUs = 100'000;
        qint64 oldestMissingAgeUs = -1;
        qint64 missing = 0;
        qint64 requiredMissing = 0;
        for (auto it = submittedAtUs.cbegin(); it != submittedAtUs.cend(); ++it) {
            if (stored.contains(it.key()))
                continue;
            ++missing;
            const qint64 age = killedAtUs - it.value();
            oldestMissingAgeUs = std::max(oldestMissingAgeUs, age);
            if (age > kWindowUs)
                ++requiredMissing;
        }
        // A record may be stored before the child printed it, never one it never submitted.
        for (qint64 n : std::as_const(stored))
            QVERIFY(n <= highest + 5);
        qInfo(
            "crash window: %lld records reported, %lld stored, %lld missing; the oldest missing was submitted %.1f ms "
            "before SIGKILL",
            static_cast<long long>(submittedAtUs.size()), static_cast<long long>(stored.size()),
            static_cast<long long>(missing), oldestMissingAgeUs / 1000.0);
        QCOMPARE(requiredMissing, qint64(0));
        QVERIFY(stored.size() > killAfter / 2);
    }

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Workspace> m_workspace;
};

QTEST_GUILESS_MAIN(TestUsageWriter)
#include "tst_usagewriter.moc"
