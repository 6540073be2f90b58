// What the usage log costs, against baselines measured in the same run:
//  1. rows/s written: one transaction per row (the baseline), the store's
//     batches of 1000, and the writer end to end (submit() .. flush());
//  2. submit() on the calling thread: nanoseconds per call, p50/p99/p99.9/max,
//     while the writer is writing;
//  3. a 1-day range out of 1,000,000 rows spread over 30 days: query() with
//     and without attempts, a first page, count(), a key filter, a tail page.
//  0. gateway-sized batches (50 rows: 20 ms of ~2,500 requests/s; 10 rows:
//     5 ms, the writer's maxDelay): CPU per row and how long one append()
//     takes (the writer's burst);
// Usage: bench_usage_store [--rows N] [--random-ids] [--batches-only]   (N defaults to 1000000)

#include "engine/storage/database.h"
#include "engine/storage/workspace.h"
#include "engine/usage/sqliteusagestore.h"
#include "engine/usage/usagewriter.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QSqlQuery>
#include <QTemporaryDir>

#include <algorithm>
#include <atomic>
#include <ctime>
#include <chrono>
#include <cstdio>
#include <limits>
#include <optional>
#include <thread>
#include <vector>

using namespace signalbox::engine;

namespace {
const QDateTime kT0 = QDateTime(QDate(2025, 1, 1), QTime(0, 0), Qt::UTC);

QString randomId()
{
    static constexpr char kAlphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
    QString id = QStringLiteral("req_");
    for (int i = 0; i < 26; ++i)
        id += QLatin1Char(kAlphabet[QRandomGenerator::global()->bounded(32)]);
    return id;
}

// A typical record: one attempt, a served model, a price.
UsageRecord makeRecord(qint64 i, const QDateTime &startedAt, bool randomIds = false)
{
    UsageRecord r;
    r.id = randomIds ? randomId() : newUsageRequestId();
    r.keyId = QStringLiteral("key%1").arg(i % 20, 9, 10, QLatin1Char('0'));
    r.project = QStringLiteral("project-%1").arg(i % 5);
    r.startedAt = startedAt;
    r.finishedAt = startedAt.addMSecs(850);
    r.endpoint = QStringLiteral("/v1/chat/completions");
    r.requestedModel = QStringLiteral("gpt-4o-mini");
    r.servedModel = QStringLiteral("openai/gpt-4o-mini");
    r.servedProvider = QStringLiteral("openai");
    r.servedProviderModel = QStringLiteral("gpt-4o-mini-2024-07-18");
    r.httpStatus = 200;
    r.promptTokens = 1200 + i % 300;
    r.completionTokens = 300 + i % 100;
    r.cachedTokens = i % 3 == 0 ? 1024 : 0;
    r.cost = Money::fromAttos(150'000'000'000 * r.promptTokens + 600'000'000'000 * r.completionTokens);
    r.latencyUs = 850'000;
    r.ttftUs = 240'000;
    r.overheadUs = 400;
    r.stream = i % 2 == 0;
    r.routeReason = QStringLiteral("cheapest of 2");
    r.attempts.push_back({ QStringLiteral("openai"), QStringLiteral("gpt-4o-mini-2024-07-18"), QStringLiteral("ok"),
        200, 849'000, true });
    return r;
}

std::vector<UsageRecord> makeRecords(qint64 count)
{
    std::vector<UsageRecord> records;
    records.reserve(static_cast<std::size_t>(count));
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (qint64 i = 0; i < count; ++i)
        records.push_back(makeRecord(i, now));
    return records;
}

double seconds(const QElapsedTimer &timer)
{
    return static_cast<double>(timer.nsecsElapsed()) / 1e9;
}

struct Percentiles {
    double p50 = 0, p99 = 0, p999 = 0, max = 0;
};

Percentiles percentiles(std::vector<qint64> samples)
{
    if (samples.empty())
        return {};
    std::sort(samples.begin(), samples.end());
    auto at = [&](double q) {
        return static_cast<double>(samples[std::min(samples.size() - 1, static_cast<std::size_t>(q * samples.size()))]);
    };
    return { at(0.50), at(0.99), at(0.999), at(1.0) };
}

qint64 nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

template <typename Fn> double medianMs(int rounds, Fn &&fn)
{
    std::vector<double> samples;
    for (int i = 0; i < rounds; ++i) {
        QElapsedTimer timer;
        timer.start();
        fn();
        samples.push_back(static_cast<double>(timer.nsecsElapsed()) / 1e6);
    }
    std::nth_element(samples.begin(), samples.begin() + rounds / 2, samples.end());
    return samples[static_cast<std::size_t>(rounds / 2)];
}

bool check(const Result<void> &result, const char *what)
{
    if (!result)
        std::fprintf(stderr, "bench_usage_store: %s: %s\n", what, qUtf8Printable(result.error().message));
    return result.ok();
}

// The workspace at `folder` and a store on it (a connection of its own, the
// workspace's kept open beside it); nullopt if either cannot be opened.
struct OpenedStore {
    std::unique_ptr<Workspace> workspace;
    std::unique_ptr<SqliteUsageStore> store;
};
std::optional<OpenedStore> openStore(const QString &folder)
{
    auto workspace = Workspace::open(folder);
    if (!workspace)
        return std::nullopt;
    auto store = SqliteUsageStore::open(workspace.value()->databasePath());
    if (!store)
        return std::nullopt;
    return OpenedStore{std::move(workspace).value(), std::move(store).value()};
}

// Part 0: appends of gateway-sized batches on a database that already holds
// `warm` rows, as the writer does them. CPU is the process's (std::clock):
// the bench runs one thread here, so that is the store's.
void gatewayBatches(const QString &folder)
{
    auto opened = openStore(folder);
    if (!opened)
        return;
    SqliteUsageStore &store = *opened->store;
    constexpr qint64 kWarm = 100'000;
    const auto warm = makeRecords(kWarm);
    for (std::size_t i = 0; i < warm.size(); i += 1000)
        (void)store.append(std::span(warm).subspan(i, 1000));

    std::printf("0. gateway-sized batches on a log of %lld rows (one attempt each)\n", static_cast<long long>(kWarm));
    for (std::size_t size : { std::size_t(50), std::size_t(10) }) {
        constexpr qint64 kRows = 100'000;
        const auto records = makeRecords(kRows);
        std::vector<qint64> appendNs;
        appendNs.reserve(records.size() / size + 1);
        const std::clock_t cpu0 = std::clock();
        QElapsedTimer wall;
        wall.start();
        for (std::size_t i = 0; i < records.size(); i += size) {
            const qint64 start = nowNs();
            (void)store.append(std::span(records).subspan(i, std::min(size, records.size() - i)));
            appendNs.push_back(nowNs() - start);
        }
        const double wallS = seconds(wall);
        const double cpuS = static_cast<double>(std::clock() - cpu0) / CLOCKS_PER_SEC;
        const Percentiles p = percentiles(std::move(appendNs));
        std::printf("  batches of %3zu: %7.0f rows/s, CPU %5.1f us/row; one append() p50 %6.0f us  p99 %6.0f us  "
                    "max %7.0f us\n",
            size, static_cast<double>(kRows) / wallS, cpuS * 1e6 / static_cast<double>(kRows), p.p50 / 1000.0,
            p.p99 / 1000.0, p.max / 1000.0);
    }
}

void writeRates(const QString &folder)
{
    auto opened = openStore(folder);
    if (!opened)
        return;
    const QString path = opened->workspace->databasePath();
    SqliteUsageStore &store = *opened->store;

    constexpr qint64 kSingles = 5000;
    const auto singles = makeRecords(kSingles);
    QElapsedTimer timer;
    timer.start();
    for (const UsageRecord &r : singles)
        (void)store.append(std::span(&r, 1));
    const double baseline = kSingles / seconds(timer);

    constexpr qint64 kBatched = 200'000;
    const auto batched = makeRecords(kBatched);
    timer.restart();
    for (std::size_t i = 0; i < batched.size(); i += 1000)
        (void)store.append(std::span(batched).subspan(i, 1000));
    const double batches = kBatched / seconds(timer);

    // The same with synchronous=FULL (an fsync of the WAL at every commit),
    // on a connection of the bench's own: what durability against power loss
    // would cost.
    double fullSingles = 0;
    double fullBatches = 0;
    if (auto full = openConnection(path, QStringLiteral("bench-full"), OpenMode::ReadWrite)) {
        const QString name = full->connectionName();
        {
            QSqlQuery(full.value()).exec(QStringLiteral("PRAGMA synchronous=FULL"));
            SqliteUsageStore fullStore(full.value());
            const auto fewer = makeRecords(1000);
            timer.restart();
            for (const UsageRecord &r : fewer)
                (void)fullStore.append(std::span(&r, 1));
            fullSingles = 1000 / seconds(timer);
            const auto more = makeRecords(50'000);
            timer.restart();
            for (std::size_t i = 0; i < more.size(); i += 1000)
                (void)fullStore.append(std::span(more).subspan(i, 1000));
            fullBatches = 50'000 / seconds(timer);
        }
        full.value() = QSqlDatabase();
        closeConnection(name);
    }

    auto throughWriter = [&](int threads, qint64 total) {
        UsageWriter writer(sqliteUsageStoreFactory(path));
        if (!check(writer.start(), "start"))
            return 0.0;
        std::vector<std::vector<UsageRecord>> perThread;
        for (int t = 0; t < threads; ++t)
            perThread.push_back(makeRecords(total / threads));
        QElapsedTimer clock;
        clock.start();
        std::vector<std::thread> pool;
        for (int t = 0; t < threads; ++t) {
            pool.emplace_back([&, t] {
                for (UsageRecord &r : perThread[static_cast<std::size_t>(t)])
                    writer.submit(std::move(r));
            });
        }
        for (std::thread &thread : pool)
            thread.join();
        writer.flush();
        const double rate = static_cast<double>(total) / seconds(clock);
        const UsageWriterStats s = writer.stats();
        std::printf("    (%d thread%s: %llu transactions, %.0f rows each on average, %llu stalled submits)\n", threads,
            threads > 1 ? "s" : "", static_cast<unsigned long long>(s.transactions),
            static_cast<double>(s.committed) / static_cast<double>(std::max<quint64>(1, s.transactions)),
            static_cast<unsigned long long>(s.stalledSubmits));
        return rate;
    };
    std::printf("1. rows written per second (one attempt each; WAL, synchronous=NORMAL). The writer runs submit\n"
                "   as fast as a loop can, so the queue bound is reached and submitters wait, by design.\n");
    const double writer1 = throughWriter(1, 200'000);
    const double writer4 = throughWriter(4, 200'000);
    std::printf("  one transaction per row      %9.0f rows/s (baseline)\n", baseline);
    std::printf("  store, batches of 1000       %9.0f rows/s = %5.1fx baseline\n", batches, batches / baseline);
    std::printf("  synchronous=FULL, per row    %9.0f rows/s = %5.2fx baseline\n", fullSingles, fullSingles / baseline);
    std::printf("  synchronous=FULL, batches    %9.0f rows/s = %5.1fx baseline\n", fullBatches, fullBatches / baseline);
    std::printf("  writer, 1 submitting thread  %9.0f rows/s = %5.1fx baseline (submit .. flush)\n", writer1,
        writer1 / baseline);
    std::printf("  writer, 4 submitting threads %9.0f rows/s = %5.1fx baseline\n", writer4, writer4 / baseline);
}

void submitCost(const QString &folder)
{
    auto workspace = Workspace::open(folder);
    if (!workspace)
        return;
    qint64 clockMin = std::numeric_limits<qint64>::max();
    for (int i = 0; i < 10000; ++i) {
        const qint64 a = nowNs();
        clockMin = std::min(clockMin, nowNs() - a);
    }
    std::printf("2. submit() on the calling thread while the writer writes, 10,000 submits/s in all, paced by\n"
                "   sleeping (a clock read, >= %lld ns, is included in each sample)\n",
        static_cast<long long>(clockMin));
    for (int threads : { 1, 4, 8 }) {
        UsageWriter writer(sqliteUsageStoreFactory(workspace.value()->databasePath()));
        if (!check(writer.start(), "start"))
            return;
        const qint64 perThread = 40'000 / threads;
        const auto interval = std::chrono::microseconds(100 * threads);
        std::vector<std::vector<UsageRecord>> records;
        std::vector<std::vector<qint64>> samples(static_cast<std::size_t>(threads));
        for (int t = 0; t < threads; ++t)
            records.push_back(makeRecords(perThread));
        std::vector<std::thread> pool;
        for (int t = 0; t < threads; ++t) {
            pool.emplace_back([&, t] {
                auto &mine = samples[static_cast<std::size_t>(t)];
                mine.reserve(static_cast<std::size_t>(perThread));
                auto next = std::chrono::steady_clock::now();
                for (UsageRecord &r : records[static_cast<std::size_t>(t)]) {
                    const qint64 start = nowNs();
                    writer.submit(std::move(r));
                    mine.push_back(nowNs() - start);
                    next += interval;
                    std::this_thread::sleep_until(next);
                }
            });
        }
        for (std::thread &thread : pool)
            thread.join();
        writer.flush();
        std::vector<qint64> all;
        for (const auto &s : samples)
            all.insert(all.end(), s.begin(), s.end());
        const Percentiles p = percentiles(std::move(all));
        const UsageWriterStats stats = writer.stats();
        std::printf("  %d thread%s: p50 %5.0f ns  p99 %6.0f ns  p99.9 %7.0f ns  max %9.0f ns  (%llu transactions, "
                    "%llu stalled submits)\n",
            threads, threads > 1 ? "s" : " ", p.p50, p.p99, p.p999, p.max,
            static_cast<unsigned long long>(stats.transactions), static_cast<unsigned long long>(stats.stalledSubmits));
    }
}

void queries(const QString &folder, qint64 rows, bool randomIds)
{
    auto opened = openStore(folder);
    if (!opened)
        return;
    SqliteUsageStore &store = *opened->store;
    constexpr qint64 kSpanMs = 30LL * 24 * 3600 * 1000;
    const double stepMs = static_cast<double>(kSpanMs) / static_cast<double>(rows);

    std::printf("3. %lld rows over 30 days (%s ids), inserted in batches of 1000:\n", static_cast<long long>(rows),
        randomIds ? "random" : "time-ordered");
    QElapsedTimer total;
    total.start();
    QElapsedTimer slice;
    slice.start();
    std::vector<UsageRecord> batch;
    batch.reserve(1000);
    const qint64 report = std::max<qint64>(1000, rows / 5);
    for (qint64 i = 0; i < rows; ++i) {
        batch.push_back(makeRecord(i, kT0.addMSecs(static_cast<qint64>(static_cast<double>(i) * stepMs)), randomIds));
        if (batch.size() == 1000 || i + 1 == rows) {
            (void)store.append(batch);
            batch.clear();
        }
        if ((i + 1) % report == 0) {
            std::printf("  rows %8lld..%8lld  %9.0f rows/s\n", static_cast<long long>(i + 1 - report),
                static_cast<long long>(i + 1), static_cast<double>(report) / seconds(slice));
            slice.restart();
        }
    }
    const double insertSeconds = seconds(total);
    const QString path = opened->workspace->databasePath();
    const qint64 bytes = QFileInfo(path).size() + QFileInfo(path + QStringLiteral("-wal")).size();
    std::printf("  %.1f s in all; database %.0f MB, %.0f bytes per row (with its attempt and indexes)\n", insertSeconds,
        static_cast<double>(bytes) / 1e6, static_cast<double>(bytes) / static_cast<double>(rows));

    UsageQuery day;
    day.from = kT0.addDays(14);
    day.to = kT0.addDays(15);
    day.order = UsageOrder::StartedAt;
    day.limit = 0;
    std::size_t dayRows = 0;
    const double full = medianMs(5, [&] { dayRows = store.query(day)->size(); });
    UsageQuery bare = day;
    bare.withAttempts = false;
    const double noAttempts = medianMs(5, [&] { (void)store.query(bare); });
    UsageQuery page = day;
    page.limit = 1000;
    const double firstPage = medianMs(11, [&] { (void)store.query(page); });
    qint64 counted = 0;
    const double count = medianMs(11, [&] { counted = store.count(day).value(); });
    UsageQuery key = day;
    key.keyId = QStringLiteral("key%1").arg(7, 9, 10, QLatin1Char('0'));
    std::size_t keyRows = 0;
    const double keyed = medianMs(5, [&] { keyRows = store.query(key)->size(); });
    UsageTotals dayTotals;
    const double totals = medianMs(11, [&] { dayTotals = store.totals(day).value(); });
    UsageQuery keyAllTime;
    keyAllTime.keyId = key.keyId;
    const double keyTotals = medianMs(5, [&] { (void)store.totals(keyAllTime); });
    UsageQuery tail;
    tail.after = UsageCursor { rows - 1000, {} };
    const double tailPage = medianMs(11, [&] { (void)store.query(tail); });

    std::printf("  1-day range, full records (%zu rows)        median %8.1f ms  (%.2f us per row)\n", dayRows, full,
        full * 1000.0 / static_cast<double>(std::max<std::size_t>(1, dayRows)));
    std::printf("  1-day range, without attempts               median %8.1f ms\n", noAttempts);
    std::printf("  1-day range, first page of 1000              median %8.1f ms\n", firstPage);
    std::printf(
        "  1-day range, count() = %lld                median %8.1f ms\n", static_cast<long long>(counted), count);
    std::printf("  1-day range, one key of 20 (%zu rows)        median %8.1f ms\n", keyRows, keyed);
    std::printf("  1-day range, totals() (%s)           median %8.1f ms\n",
        qUtf8Printable(dayTotals.cost.toDisplayString()), totals);
    std::printf("  one key over all 30 days, totals()           median %8.1f ms\n", keyTotals);
    std::printf("  tail: the last 1000 rows after a cursor      median %8.1f ms\n", tailPage);
}
} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    // Migrations and the writer's "queue full" warnings (expected in part 1) would drown the figures.
    QLoggingCategory::setFilterRules(QStringLiteral("signalbox.storage.info=false\nsignalbox.storage.warning=false"));
    qint64 rows = 1'000'000;
    bool randomIds = false;
    bool batchesOnly = false;
    const QStringList args = app.arguments();
    for (qsizetype i = 1; i < args.size(); ++i) {
        if (args.at(i) == QStringLiteral("--rows") && i + 1 < args.size())
            rows = std::max<qint64>(1000, args.at(++i).toLongLong());
        else if (args.at(i) == QStringLiteral("--random-ids"))
            randomIds = true;
        else if (args.at(i) == QStringLiteral("--batches-only"))
            batchesOnly = true;
    }
    std::printf("bench_usage_store (%s build)\n",
#ifdef NDEBUG
        "release"
#else
        "debug"
#endif
    );
    {
        QTemporaryDir dir;
        gatewayBatches(dir.path());
    }
    if (batchesOnly)
        return 0;
    {
        QTemporaryDir dir;
        writeRates(dir.path());
    }
    {
        QTemporaryDir dir;
        submitCost(dir.path());
    }
    {
        QTemporaryDir dir;
        queries(dir.path(), rows, randomIds);
    }
    return 0;
}
