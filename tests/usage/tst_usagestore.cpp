// The usage log's SQLite store on real workspace databases: exact round
// trips, all-or-nothing batches, duplicate ids, queries and their cursors,
// migration 4 on a populated workspace, and the schema's own refusals.

#include "engine/keys/virtualkeys.h"
#include "engine/storage/database.h"
#include "engine/storage/schema.h"
#include "engine/storage/workspace.h"
#include "engine/usage/sqliteusagestore.h"

#include <QSet>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTemporaryDir>
#include <QTest>

using namespace signalbox::engine;

namespace {
const QDateTime kT0 = QDateTime(QDate(2024, 5, 1), QTime(0, 0), Qt::UTC);

UsageRecord plainRecord(const QString &id, const QDateTime &startedAt = kT0)
{
    UsageRecord r;
    r.id = id;
    r.startedAt = startedAt;
    r.finishedAt = startedAt.addMSecs(420);
    r.endpoint = QStringLiteral("/v1/chat/completions");
    r.requestedModel = QStringLiteral("gpt-4o-mini");
    r.httpStatus = 200;
    r.promptTokens = 10;
    r.completionTokens = 20;
    r.cost = Money::fromNanos(1500);
    r.attempts.push_back(
        { QStringLiteral("openai"), QStringLiteral("gpt-4o-mini"), QStringLiteral("ok"), 200, 400'000, true });
    return r;
}

// Every field set to something other than its default.
UsageRecord fullRecord(const QString &id)
{
    UsageRecord r;
    r.id = id;
    r.keyId = QStringLiteral("k3yAbCdEfGhI");
    r.project = QStringLiteral("équipe-α 🚀");
    r.startedAt = QDateTime(QDate(2024, 3, 9), QTime(23, 59, 59, 987), Qt::UTC);
    r.finishedAt = r.startedAt.addMSecs(1234);
    r.endpoint = QStringLiteral("/v1/chat/completions");
    r.requestedModel = QStringLiteral("Claude Sonnet ✓");
    r.servedModel = QStringLiteral("openai/gpt-4o-mini");
    r.servedProvider = QStringLiteral("openai");
    r.servedProviderModel = QStringLiteral("gpt-4o-mini-2024-07-18");
    r.status = UsageStatus::UpstreamError;
    r.httpStatus = 502;
    r.errorClass = QStringLiteral("upstream_429");
    r.errorMessage = QStringLiteral("Rate limited — 再試行してください 😅\n\"quoted\" 'single' %1 \\ ; DROP TABLE");
    r.attempts = {
        { QStringLiteral("anthropic"), QStringLiteral("claude-sonnet-4"), QStringLiteral("http_429"), 429, 120'000,
            false },
        { QStringLiteral("openai"), QStringLiteral("gpt-4o-mini-2024-07-18"), QStringLiteral("reset"), 0, 980'000,
            true },
        { QStringLiteral("groq"), QStringLiteral("llama-3.3-70b"), QStringLiteral("connect"), 0, 1, false },
    };
    r.promptTokens = 1'234'567;
    r.completionTokens = 89;
    r.cachedTokens = 1000;
    r.cacheWriteTokens = 50;
    r.reasoningTokens = 7;
    r.tokensEstimated = true;
    r.cost = Money::parse("1234.123456789012345678");
    r.latencyUs = 1'234'000;
    r.ttftUs = 250'000;
    r.overheadUs = 850;
    r.stream = true;
    r.routeReason = QStringLiteral("cheapest of 3 with ≥ 128k context");
    return r;
}

QVariant scalar(const QSqlDatabase &db, const QString &sql)
{
    QSqlQuery query(db);
    if (!query.exec(sql) || !query.next())
        return {};
    return query.value(0);
}

// -1 / an empty record on a store error, which the comparisons then show.
qint64 rows(UsageStore &store, const UsageQuery &query = {})
{
    auto counted = store.count(query);
    return counted.ok() ? counted.value() : -1;
}

UsageRecord stored(UsageStore &store, const QString &id)
{
    auto found = store.find(id);
    return found.ok() && found->has_value() ? *found.value() : UsageRecord {};
}

QString errorOf(const Result<UsageAppendReport> &result)
{
    return result.ok() ? QString() : result.error().code + QStringLiteral(": ") + result.error().message;
}

QStringList idsOf(const std::vector<UsageRecord> &records)
{
    QStringList ids;
    for (const UsageRecord &r : records)
        ids << r.id;
    return ids;
}

void compareRecords(const UsageRecord &actual, const UsageRecord &expected)
{
    QCOMPARE(actual.id, expected.id);
    QCOMPARE(actual.keyId, expected.keyId);
    QCOMPARE(actual.project, expected.project);
    QCOMPARE(actual.startedAt, expected.startedAt);
    QCOMPARE(actual.startedAt.toMSecsSinceEpoch(), expected.startedAt.toMSecsSinceEpoch());
    QCOMPARE(actual.finishedAt, expected.finishedAt);
    QCOMPARE(actual.endpoint, expected.endpoint);
    QCOMPARE(actual.requestedModel, expected.requestedModel);
    QCOMPARE(actual.servedModel, expected.servedModel);
    QCOMPARE(actual.servedProvider, expected.servedProvider);
    QCOMPARE(actual.servedProviderModel, expected.servedProviderModel);
    QCOMPARE(usageStatusName(actual.status), usageStatusName(expected.status));
    QCOMPARE(actual.httpStatus, expected.httpStatus);
    QCOMPARE(actual.errorClass, expected.errorClass);
    QCOMPARE(actual.errorMessage, expected.errorMessage);
    QCOMPARE(actual.attempts.size(), expected.attempts.size());
    for (std::size_t i = 0; i < actual.attempts.size(); ++i) {
        QCOMPARE(actual.attempts[i].providerId, expected.attempts[i].providerId);
        QCOMPARE(actual.attempts[i].providerModelId, expected.attempts[i].providerModelId);
        QCOMPARE(actual.attempts[i].outcome, expected.attempts[i].outcome);
        QCOMPARE(actual.attempts[i].httpStatus, expected.attempts[i].httpStatus);
        QCOMPARE(actual.attempts[i].durationUs, expected.attempts[i].durationUs);
        QCOMPARE(actual.attempts[i].mayHaveBeenBilled, expected.attempts[i].mayHaveBeenBilled);
    }
    QCOMPARE(actual.promptTokens, expected.promptTokens);
    QCOMPARE(actual.completionTokens, expected.completionTokens);
    QCOMPARE(actual.cachedTokens, expected.cachedTokens);
    QCOMPARE(actual.cacheWriteTokens, expected.cacheWriteTokens);
    QCOMPARE(actual.reasoningTokens, expected.reasoningTokens);
    QCOMPARE(actual.tokensEstimated, expected.tokensEstimated);
    QCOMPARE(actual.cost.has_value(), expected.cost.has_value());
    if (expected.cost)
        QCOMPARE(actual.cost->toDecimalString(), expected.cost->toDecimalString());
    QCOMPARE(actual.latencyUs, expected.latencyUs);
    QCOMPARE(actual.ttftUs.has_value(), expected.ttftUs.has_value());
    if (expected.ttftUs)
        QCOMPARE(*actual.ttftUs, *expected.ttftUs);
    QCOMPARE(actual.overheadUs, expected.overheadUs);
    QCOMPARE(actual.stream, expected.stream);
    QCOMPARE(actual.routeReason, expected.routeReason);
    QVERIFY(actual.seq > 0);
    // Nothing the field list above forgot.
    UsageRecord withSeq = expected;
    withSeq.seq = actual.seq;
    QVERIFY(actual == withSeq);
}
} // namespace

class TestUsageStore : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        auto workspace = Workspace::open(m_dir->path());
        QVERIFY2(workspace.ok(), qPrintable(workspace.ok() ? QString() : workspace.error().message));
        m_workspace = std::move(workspace).value();
        QVERIFY(m_workspace->schemaVersion() >= 4);
        auto store = SqliteUsageStore::open(m_workspace->databasePath());
        QVERIFY2(store.ok(), qPrintable(store.ok() ? QString() : store.error().message));
        m_store = std::move(store).value();
    }

    void cleanup()
    {
        m_store.reset();
        m_workspace.reset();
        m_dir.reset();
    }

    void statusNamesRoundTrip()
    {
        const UsageStatus all[] = { UsageStatus::Ok, UsageStatus::UpstreamError, UsageStatus::GatewayError,
            UsageStatus::ClientError, UsageStatus::Cancelled, UsageStatus::Timeout };
        const QStringList names
            = { QStringLiteral("ok"), QStringLiteral("upstream_error"), QStringLiteral("gateway_error"),
                  QStringLiteral("client_error"), QStringLiteral("cancelled"), QStringLiteral("timeout") };
        for (std::size_t i = 0; i < std::size(all); ++i) {
            QCOMPARE(usageStatusName(all[i]), names.at(static_cast<qsizetype>(i)));
            QCOMPARE(usageStatusFromName(names.at(static_cast<qsizetype>(i))), std::optional<UsageStatus>(all[i]));
        }
        QVERIFY(!usageStatusFromName(u"OK"));
        QVERIFY(!usageStatusFromName(u""));
    }

    void roundTripsAFullyPopulatedRecord()
    {
        const UsageRecord full = fullRecord(QStringLiteral("req_full"));
        auto appended = m_store->append(std::span(&full, 1));
        QVERIFY2(appended.ok(), qPrintable(errorOf(appended)));
        QCOMPARE(appended->inserted, 1);
        QVERIFY(appended->duplicateIds.isEmpty());

        auto found = m_store->find(full.id);
        QVERIFY(found.ok());
        QVERIFY(found->has_value());
        compareRecords(*found.value(), full);

        // The same through query(), and from a second connection (what the
        // console or `usage export` would use).
        auto listed = m_store->query({});
        QVERIFY(listed.ok());
        QCOMPARE(listed->size(), std::size_t(1));
        compareRecords(listed->front(), full);
        auto reader = SqliteUsageStore::open(m_workspace->databasePath());
        QVERIFY(reader.ok());
        compareRecords(stored(*reader.value(), full.id), full);

        auto missing = m_store->find(QStringLiteral("req_nope"));
        QVERIFY(missing.ok());
        QVERIFY(!missing->has_value());
    }

    void costRoundTripsExactly_data()
    {
        QTest::addColumn<QString>("cost"); // empty: unpriced
        QTest::addColumn<QVariant>("storedNanos");
        QTest::addColumn<QVariant>("storedAttos");
        QTest::newRow("unpriced") << QString() << QVariant() << QVariant();
        QTest::newRow("zero") << QStringLiteral("0") << QVariant(0) << QVariant(0);
        QTest::newRow("one attodollar") << QStringLiteral("0.000000000000000001") << QVariant(0) << QVariant(1);
        QTest::newRow("18 decimals") << QStringLiteral("0.123456789012345678") << QVariant(123456789)
                                     << QVariant(12345678);
        QTest::newRow("large") << QStringLiteral("9000000.999999999999999999") << QVariant(9000000999999999LL)
                               << QVariant(999999999);
    }

    void costRoundTripsExactly()
    {
        QFETCH(QString, cost);
        QFETCH(QVariant, storedNanos);
        QFETCH(QVariant, storedAttos);
        UsageRecord r = plainRecord(QStringLiteral("req_cost"));
        r.cost = cost.isNull() ? std::nullopt : Money::parse(cost.toLatin1());
        QCOMPARE(r.cost.has_value(), !cost.isNull());
        QVERIFY(m_store->append(std::span(&r, 1)).ok());

        auto found = m_store->find(r.id);
        QVERIFY(found.ok() && found->has_value());
        QCOMPARE(found.value()->cost.has_value(), r.cost.has_value());
        if (r.cost) {
            QCOMPARE(found.value()->cost->toDecimalString(), cost);
            QVERIFY(*found.value()->cost == *r.cost);
        }
        // Integers in the file, never a REAL; NULL only for unpriced.
        QSqlQuery row(m_workspace->database());
        QVERIFY(row.exec(QStringLiteral("SELECT cost_nanos, cost_attos, typeof(cost_nanos) FROM usage_requests")));
        QVERIFY(row.next());
        QCOMPARE(row.value(0).isNull(), storedNanos.isNull());
        QCOMPARE(row.value(1).isNull(), storedAttos.isNull());
        if (!storedNanos.isNull()) {
            QCOMPARE(row.value(0).toLongLong(), storedNanos.toLongLong());
            QCOMPARE(row.value(1).toLongLong(), storedAttos.toLongLong());
            QCOMPARE(row.value(2).toString(), QStringLiteral("integer"));
        }
    }

    void ttftNoneIsNotZero()
    {
        UsageRecord none = plainRecord(QStringLiteral("req_none"));
        none.ttftUs.reset();
        UsageRecord zero = plainRecord(QStringLiteral("req_zero"));
        zero.ttftUs = 0;
        const std::vector<UsageRecord> batch = { none, zero };
        QVERIFY(m_store->append(batch).ok());
        QVERIFY(!stored(*m_store, none.id).ttftUs.has_value());
        QCOMPARE(stored(*m_store, zero.id).ttftUs, std::optional<qint64>(0));
        QCOMPARE(
            scalar(m_workspace->database(), QStringLiteral("SELECT count(*) FROM usage_requests WHERE ttft_us IS NULL"))
                .toInt(),
            1);
    }

    void timesKeepMillisecondsAndAreUtc()
    {
        // A local-time QDateTime is the same instant once stored.
        UsageRecord r = plainRecord(QStringLiteral("req_tz"));
        r.startedAt = QDateTime(QDate(2024, 7, 1), QTime(12, 0, 0, 7), Qt::OffsetFromUTC, 2 * 3600);
        r.finishedAt = r.startedAt.addMSecs(1);
        QVERIFY(m_store->append(std::span(&r, 1)).ok());
        const UsageRecord back = stored(*m_store, r.id);
        QCOMPARE(back.startedAt, r.startedAt);
        QCOMPARE(back.startedAt.timeSpec(), Qt::UTC);
        QCOMPARE(back.startedAt.toString(Qt::ISODateWithMs), QStringLiteral("2024-07-01T10:00:00.007Z"));
        QCOMPARE(
            scalar(m_workspace->database(), QStringLiteral("SELECT started_at_ms FROM usage_requests")).toLongLong(),
            r.startedAt.toMSecsSinceEpoch());
    }

    void batchWithAnInvalidRecordWritesNothing_data()
    {
        QTest::addColumn<int>("variant");
        QTest::newRow("negative tokens") << 0;
        QTest::newRow("no id") << 1;
        QTest::newRow("no start time") << 2;
        QTest::newRow("negative cost") << 3;
        QTest::newRow("HTTP status 42") << 4;
        QTest::newRow("attempt with negative duration") << 5;
        QTest::newRow("id too long") << 6;
        QTest::newRow("negative ttft") << 7;
    }

    void batchWithAnInvalidRecordWritesNothing()
    {
        QFETCH(int, variant);
        std::vector<UsageRecord> batch;
        for (int i = 0; i < 5; ++i)
            batch.push_back(plainRecord(QStringLiteral("req_%1").arg(i)));
        UsageRecord &bad = batch[3];
        switch (variant) {
        case 0:
            bad.completionTokens = -1;
            break;
        case 1:
            bad.id.clear();
            break;
        case 2:
            bad.startedAt = QDateTime();
            break;
        case 3:
            bad.cost = Money::fromNanos(-1);
            break;
        case 4:
            bad.httpStatus = 42;
            break;
        case 5:
            bad.attempts.front().durationUs = -5;
            break;
        case 6:
            bad.id = QString(129, QLatin1Char('x'));
            break;
        default:
            bad.ttftUs = -1;
            break;
        }
        QVERIFY(!validateUsageRecord(bad).ok());
        auto result = m_store->append(batch);
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, QStringLiteral("invalid"));
        if (variant != 1 && variant != 6)
            QVERIFY2(result.error().message.contains(QStringLiteral("req_3")), qPrintable(result.error().message));
        QCOMPARE(rows(*m_store), 0);
        QCOMPARE(scalar(m_workspace->database(), QStringLiteral("SELECT count(*) FROM usage_attempts")).toInt(), 0);

        // Without it, the same batch goes in whole.
        batch.erase(batch.begin() + 3);
        QVERIFY(m_store->append(batch).ok());
        QCOMPARE(rows(*m_store), 4);
    }

    void batchFailingInTheDatabaseRollsBack()
    {
        // A full disk, simulated with a page cap on a connection the test
        // owns: the batch fails part-way through its inserts.
        auto opened = openConnection(m_workspace->databasePath(), QStringLiteral("full-disk"), OpenMode::ReadWrite);
        QVERIFY(opened.ok());
        const QString name = opened->connectionName();
        {
            QSqlDatabase db = opened.value();
            SqliteUsageStore store(db);
            const std::vector<UsageRecord> first
                = { plainRecord(QStringLiteral("req_a")), plainRecord(QStringLiteral("req_b")) };
            QVERIFY(store.append(first).ok());

            const int pages = scalar(db, QStringLiteral("PRAGMA page_count")).toInt();
            QVERIFY(pages > 0);
            QSqlQuery pragma(db);
            QVERIFY(pragma.exec(QStringLiteral("PRAGMA max_page_count = %1").arg(pages + 3)));
            std::vector<UsageRecord> big;
            for (int i = 0; i < 500; ++i) {
                big.push_back(plainRecord(QStringLiteral("req_big_%1").arg(i)));
                big.back().errorMessage = QString(900, QLatin1Char('e'));
            }
            auto result = store.append(big);
            QVERIFY(!result.ok());
            QCOMPARE(result.error().code, QStringLiteral("full"));
            QCOMPARE(rows(store), 2);
            QCOMPARE(scalar(db, QStringLiteral("SELECT count(*) FROM usage_attempts")).toInt(), 2);
            QVERIFY(!store.find(QStringLiteral("req_big_0")).value().has_value());

            // Space again: the same batch, retried as it is, goes in whole.
            QVERIFY(pragma.exec(QStringLiteral("PRAGMA max_page_count = 1000000")));
            pragma.finish();
            auto retried = store.append(big);
            QVERIFY2(retried.ok(), qPrintable(errorOf(retried)));
            QCOMPARE(retried->inserted, 500);
            QCOMPARE(rows(store), 502);
        }
        opened.value() = QSqlDatabase();
        closeConnection(name);
    }

    void duplicateIdsAreSkippedAndReported()
    {
        UsageRecord original = plainRecord(QStringLiteral("req_dup"));
        original.promptTokens = 111;
        QVERIFY(m_store->append(std::span(&original, 1)).ok());

        UsageRecord again = plainRecord(QStringLiteral("req_dup"));
        again.promptTokens = 999;
        again.attempts.push_back({ QStringLiteral("x"), QStringLiteral("y"), QStringLiteral("ok"), 200, 1, true });
        UsageRecord twiceInBatch = plainRecord(QStringLiteral("req_twice"));
        twiceInBatch.promptTokens = 5;
        UsageRecord twiceInBatchLater = twiceInBatch;
        twiceInBatchLater.promptTokens = 6;
        const std::vector<UsageRecord> batch = { plainRecord(QStringLiteral("req_new1")), again, twiceInBatch,
            twiceInBatchLater, plainRecord(QStringLiteral("req_new2")) };
        auto report = m_store->append(batch);
        QVERIFY2(report.ok(), qPrintable(errorOf(report)));
        QCOMPARE(report->inserted, 3);
        QCOMPARE(report->duplicateIds, QStringList({ QStringLiteral("req_dup"), QStringLiteral("req_twice") }));
        QCOMPARE(rows(*m_store), 4);

        // The stored rows are the first ones, attempts untouched.
        const UsageRecord kept = stored(*m_store, QStringLiteral("req_dup"));
        QCOMPARE(kept.promptTokens, 111);
        QCOMPARE(kept.attempts.size(), std::size_t(1));
        QCOMPARE(stored(*m_store, QStringLiteral("req_twice")).promptTokens, 5);
        QCOMPARE(scalar(m_workspace->database(), QStringLiteral("SELECT count(*) FROM usage_attempts")).toInt(), 4);

        // The whole batch again, as a retry after an ambiguous failure would: nothing new.
        auto retried = m_store->append(batch);
        QVERIFY(retried.ok());
        QCOMPARE(retried->inserted, 0);
        QCOMPARE(retried->duplicateIds.size(), 5);
        QCOMPARE(rows(*m_store), 4);
    }

    void longTextIsCutNotRefused()
    {
        UsageRecord r = plainRecord(QStringLiteral("req_long"));
        // A surrogate pair straddling the 1000-unit limit is dropped whole.
        r.errorMessage = QString(999, QLatin1Char('m')) + QStringLiteral("😀") + QString(600, QLatin1Char('z'));
        r.requestedModel = QString(5000, QLatin1Char('q'));
        r.routeReason = QString(501, QLatin1Char('r'));
        r.attempts.front().outcome = QString(65, QLatin1Char('o'));
        QVERIFY(validateUsageRecord(r).ok());
        QVERIFY(m_store->append(std::span(&r, 1)).ok());
        const UsageRecord back = stored(*m_store, r.id);
        QCOMPARE(back.errorMessage, QString(999, QLatin1Char('m')));
        QCOMPARE(back.requestedModel.size(), UsageLimits::kModel);
        QCOMPARE(back.routeReason.size(), UsageLimits::kRouteReason);
        QCOMPARE(back.attempts.front().outcome.size(), UsageLimits::kOutcome);
        QCOMPARE(clippedUsageText(QStringLiteral("ab😀"), 3), QStringLiteral("ab"));
        QCOMPARE(clippedUsageText(QStringLiteral("ab😀"), 4), QStringLiteral("ab😀"));
        QVERIFY(!clippedUsageText(QString(), 4).isNull());
    }

    void attemptsGoWithTheirRequest()
    {
        const UsageRecord r = fullRecord(QStringLiteral("req_cascade"));
        QVERIFY(m_store->append(std::span(&r, 1)).ok());
        QSqlDatabase db = m_workspace->database();
        QCOMPARE(
            scalar(db, QStringLiteral("SELECT count(*) FROM usage_attempts WHERE request_id = 'req_cascade'")).toInt(),
            3);
        QSqlQuery remove(db);
        QVERIFY(remove.exec(QStringLiteral("DELETE FROM usage_requests WHERE id = 'req_cascade'")));
        QCOMPARE(scalar(db, QStringLiteral("SELECT count(*) FROM usage_attempts")).toInt(), 0);
    }

    void queryRangeIsHalfOpenAndFiltersByKeyAndProject()
    {
        const QDateTime t1 = kT0.addDays(1);
        std::vector<UsageRecord> batch = {
            plainRecord(QStringLiteral("a"), kT0.addMSecs(-1)),
            plainRecord(QStringLiteral("b"), kT0),
            plainRecord(QStringLiteral("c"), kT0.addSecs(3600)),
            plainRecord(QStringLiteral("d"), t1.addMSecs(-1)),
            plainRecord(QStringLiteral("e"), t1),
        };
        batch[0].keyId = QStringLiteral("key1");
        batch[0].project = QStringLiteral("p1");
        batch[1].keyId = QStringLiteral("key1");
        batch[1].project = QStringLiteral("p2");
        batch[2].keyId = QStringLiteral("key2");
        batch[2].project = QStringLiteral("p1");
        batch[4].keyId = QStringLiteral("key2");
        QVERIFY(m_store->append(batch).ok());

        auto ids = [&](UsageQuery q) {
            q.order = UsageOrder::StartedAt;
            auto result = m_store->query(q);
            return result.ok() ? idsOf(result.value()) : QStringList { QStringLiteral("error") };
        };
        UsageQuery day;
        day.from = kT0;
        day.to = t1;
        QCOMPARE(ids(day), QStringList({ QStringLiteral("b"), QStringLiteral("c"), QStringLiteral("d") }));
        QCOMPARE(rows(*m_store, day), 3);
        UsageQuery before;
        before.to = kT0;
        QCOMPARE(ids(before), QStringList({ QStringLiteral("a") }));
        UsageQuery after;
        after.from = t1;
        QCOMPARE(ids(after), QStringList({ QStringLiteral("e") }));

        UsageQuery key1;
        key1.keyId = QStringLiteral("key1");
        QCOMPARE(ids(key1), QStringList({ QStringLiteral("a"), QStringLiteral("b") }));
        UsageQuery anonymous;
        anonymous.keyId = QStringLiteral("");
        QCOMPARE(ids(anonymous), QStringList({ QStringLiteral("d") }));
        UsageQuery p1;
        p1.project = QStringLiteral("p1");
        QCOMPARE(ids(p1), QStringList({ QStringLiteral("a"), QStringLiteral("c") }));
        UsageQuery key2InDay = day;
        key2InDay.keyId = QStringLiteral("key2");
        QCOMPARE(ids(key2InDay), QStringList({ QStringLiteral("c") }));
        QCOMPARE(rows(*m_store, key2InDay), 1);
        UsageQuery nobody;
        nobody.keyId = QStringLiteral("key9");
        QCOMPARE(ids(nobody), QStringList());

        UsageQuery limited;
        limited.limit = 2;
        QCOMPARE(ids(limited), QStringList({ QStringLiteral("a"), QStringLiteral("b") }));
        UsageQuery unlimited;
        unlimited.limit = 0;
        QCOMPARE(ids(unlimited).size(), 5);
        QCOMPARE(rows(*m_store), 5);
    }

    void totalsAreExact()
    {
        auto empty = m_store->totals({});
        QVERIFY(empty.ok());
        QCOMPARE(empty->requests, qint64(0));
        QVERIFY(empty->cost.isZero());

        std::vector<UsageRecord> batch;
        Money all;
        Money odd;
        qint64 oddPrompt = 0;
        for (int i = 0; i < 100; ++i) {
            UsageRecord r = plainRecord(QStringLiteral("req_%1").arg(i), kT0.addSecs(i));
            r.keyId = i % 2 ? QStringLiteral("odd") : QStringLiteral("even");
            r.promptTokens = i;
            r.cachedTokens = 1;
            // 999,999,999 attodollars each: the sum carries into nanodollars.
            r.cost = i % 10 == 0 ? std::nullopt : std::optional<Money>(Money::fromNanosAndAttos(i, 999'999'999));
            if (r.cost) {
                all += *r.cost;
                if (i % 2)
                    odd += *r.cost;
            }
            if (i % 2 && i >= 50)
                oddPrompt += i;
            batch.push_back(r);
        }
        QVERIFY(m_store->append(batch).ok());
        auto totals = m_store->totals({});
        QVERIFY(totals.ok());
        QCOMPARE(totals->requests, qint64(100));
        QCOMPARE(totals->unpricedRequests, qint64(10));
        QCOMPARE(totals->promptTokens, qint64(4950));
        QCOMPARE(totals->completionTokens, qint64(2000));
        QCOMPARE(totals->cachedTokens, qint64(100));
        QCOMPARE(totals->cost.toDecimalString(), all.toDecimalString());
        QVERIFY(totals->cost == all);

        UsageQuery oddKey;
        oddKey.keyId = QStringLiteral("odd");
        QVERIFY(m_store->totals(oddKey)->cost == odd);
        QCOMPARE(m_store->totals(oddKey)->unpricedRequests, qint64(0));
        oddKey.from = kT0.addSecs(50);
        QCOMPARE(m_store->totals(oddKey)->promptTokens, oddPrompt);
        QCOMPARE(m_store->totals(oddKey)->requests, qint64(25));
    }

    void committedOrderTailsEveryNewRow()
    {
        // Rows are tailed in the order they were written, so a long stream
        // that started before rows already seen is not skipped.
        auto append = [&](const QString &id, const QDateTime &at) {
            const UsageRecord r = plainRecord(id, at);
            return m_store->append(std::span(&r, 1)).ok();
        };
        QVERIFY(append(QStringLiteral("x1"), kT0.addSecs(5)));
        QVERIFY(append(QStringLiteral("x2"), kT0));
        QVERIFY(append(QStringLiteral("x3"), kT0.addSecs(1)));

        UsageQuery tail;
        tail.limit = 2;
        auto page = m_store->query(tail);
        QVERIFY(page.ok());
        QCOMPARE(idsOf(page.value()), QStringList({ QStringLiteral("x1"), QStringLiteral("x2") }));
        QVERIFY(page->at(0).seq < page->at(1).seq);
        tail.after = UsageCursor::after(page->back());
        page = m_store->query(tail);
        QCOMPARE(idsOf(page.value()), QStringList({ QStringLiteral("x3") }));
        tail.after = UsageCursor::after(page->back());
        QCOMPARE(m_store->query(tail)->size(), std::size_t(0));
        QCOMPARE(rows(*m_store, tail), 0);

        QVERIFY(append(QStringLiteral("x4-long-stream"), kT0.addDays(-1)));
        page = m_store->query(tail);
        QCOMPARE(idsOf(page.value()), QStringList({ QStringLiteral("x4-long-stream") }));

        // A started-at cursor would have missed it.
        UsageQuery byStart;
        byStart.order = UsageOrder::StartedAt;
        byStart.after = UsageCursor { m_store->find(QStringLiteral("x1")).value()->seq, kT0.addSecs(5) };
        QCOMPARE(m_store->query(byStart)->size(), std::size_t(0));
    }

    void startedAtPagesNeitherSkipNorRepeatTies_data()
    {
        QTest::addColumn<int>("order");
        QTest::newRow("oldest first") << int(UsageOrder::StartedAt);
        QTest::newRow("newest first") << int(UsageOrder::NewestFirst);
    }

    void startedAtPagesNeitherSkipNorRepeatTies()
    {
        QFETCH(int, order);
        std::vector<UsageRecord> batch;
        for (int i = 0; i < 10; ++i)
            batch.push_back(plainRecord(QStringLiteral("tie%1").arg(i), kT0.addSecs(60))); // ten equal times
        for (int i = 0; i < 5; ++i)
            batch.push_back(plainRecord(QStringLiteral("solo%1").arg(i), kT0.addSecs(i * 30))); // 0, 30, 60, 90, 120 s
        QVERIFY(m_store->append(batch).ok());

        UsageQuery q;
        q.order = static_cast<UsageOrder>(order);
        q.limit = 3;
        std::vector<UsageRecord> all;
        for (int pages = 0; pages < 20; ++pages) {
            auto page = m_store->query(q);
            QVERIFY(page.ok());
            if (page->empty())
                break;
            QVERIFY(page->size() <= 3);
            all.insert(all.end(), page->begin(), page->end());
            q.after = UsageCursor::after(page->back());
        }
        QCOMPARE(all.size(), std::size_t(15));
        QSet<QString> unique;
        for (const UsageRecord &r : all)
            unique.insert(r.id);
        QCOMPARE(unique.size(), 15);
        const bool descending = q.order == UsageOrder::NewestFirst;
        for (std::size_t i = 1; i < all.size(); ++i) {
            const auto previous = std::pair(all[i - 1].startedAt.toMSecsSinceEpoch(), all[i - 1].seq);
            const auto current = std::pair(all[i].startedAt.toMSecsSinceEpoch(), all[i].seq);
            QVERIFY(descending ? previous > current : previous < current);
        }
        QCOMPARE(all.front().id, descending ? QStringLiteral("solo4") : QStringLiteral("solo0"));
    }

    void pagesBringTheirAttempts()
    {
        // More records than one attempts statement takes (200), and a remainder.
        std::vector<UsageRecord> batch;
        for (int i = 0; i < 450; ++i) {
            UsageRecord r = plainRecord(QStringLiteral("req_%1").arg(i, 4, 10, QLatin1Char('0')), kT0.addMSecs(i));
            r.attempts.insert(r.attempts.begin(),
                { QStringLiteral("first"), QStringLiteral("m%1").arg(i), QStringLiteral("http_500"), 500, i, false });
            batch.push_back(r);
        }
        batch[7].attempts.clear();
        QVERIFY(m_store->append(batch).ok());
        UsageQuery q;
        q.limit = 0;
        auto all = m_store->query(q);
        QVERIFY(all.ok());
        QCOMPARE(all->size(), batch.size());
        for (std::size_t i = 0; i < batch.size(); ++i)
            compareRecords(all->at(i), batch[i]);

        q.withAttempts = false;
        auto bare = m_store->query(q);
        QVERIFY(bare.ok());
        QCOMPARE(bare->size(), batch.size());
        QVERIFY(std::all_of(bare->begin(), bare->end(), [](const UsageRecord &r) { return r.attempts.empty(); }));
    }

    void requestIdsAreUniqueAndSortByTime()
    {
        const qint64 before = QDateTime::currentMSecsSinceEpoch();
        QSet<QString> ids;
        QString previous;
        for (int i = 0; i < 20000; ++i) {
            const QString id = newUsageRequestId();
            QCOMPARE(id.size(), 30);
            QVERIFY(id.startsWith(QStringLiteral("req_")));
            ids.insert(id);
            // The first ten characters (48 bits of milliseconds) never go back.
            if (!previous.isEmpty())
                QVERIFY(id.left(14) >= previous.left(14));
            previous = id;
        }
        const qint64 after = QDateTime::currentMSecsSinceEpoch();
        QCOMPARE(ids.size(), 20000);
        static const QString alphabet = QStringLiteral("0123456789abcdefghjkmnpqrstvwxyz");
        qint64 ms = 0;
        for (QChar c : QStringView(previous).mid(4, 10)) {
            QVERIFY(alphabet.contains(c));
            ms = ms * 32 + alphabet.indexOf(c);
        }
        QVERIFY(ms >= before && ms <= after);
    }

    void migrationFourKeepsAVersionThreeWorkspace()
    {
        cleanup();
        QTemporaryDir dir;
        QString secret;
        {
            auto v3 = Workspace::open(dir.path(), workspaceMigrations().first(3));
            QVERIFY(v3.ok());
            QCOMPARE(v3.value()->schemaVersion(), 3);
            VirtualKeyStore keys(v3.value()->database());
            auto created = keys.create(QStringLiteral("ci"), QStringLiteral("platform"));
            QVERIFY(created.ok());
            secret = created->secret;
            QSqlQuery alias(v3.value()->database());
            QVERIFY(alias.exec(
                QStringLiteral("INSERT INTO catalog_aliases(alias, model_id) VALUES ('fast', 'openai/gpt-4o-mini')")));
            // No usage tables yet: the store refuses the database.
            auto early = SqliteUsageStore::open(v3.value()->databasePath());
            QVERIFY(!early.ok());
            QCOMPARE(early.error().code, QStringLiteral("schema"));
        }
        auto v4 = Workspace::open(dir.path());
        QVERIFY(v4.ok());
        QCOMPARE(v4.value()->migrationReport().fromVersion, 3);
        QCOMPARE(v4.value()->migrationReport().toVersion, latestVersion(workspaceMigrations()));
        QSqlDatabase db = v4.value()->database();
        VirtualKeyStore keys(db);
        auto authenticated = keys.authenticate(secret.toLatin1());
        QVERIFY(authenticated.ok());
        QCOMPARE(authenticated->project, QStringLiteral("platform"));
        QCOMPARE(scalar(db, QStringLiteral("SELECT model_id FROM catalog_aliases WHERE alias = 'fast'")).toString(),
            QStringLiteral("openai/gpt-4o-mini"));
        QCOMPARE(scalar(db, QStringLiteral("SELECT name FROM schema_migrations WHERE version = 4")).toString(),
            QStringLiteral("usage log"));
        QCOMPARE(scalar(db, QStringLiteral("PRAGMA integrity_check")).toString(), QStringLiteral("ok"));
        QCOMPARE(scalar(db, QStringLiteral("PRAGMA foreign_key_check")), QVariant());

        auto store = SqliteUsageStore::open(v4.value()->databasePath());
        QVERIFY(store.ok());
        UsageRecord r = plainRecord(QStringLiteral("req_after_migration"));
        r.keyId = authenticated->id;
        QVERIFY(store.value()->append(std::span(&r, 1)).ok());
        QCOMPARE(rows(*store.value()), 1);
    }

    void schemaRefusesGarbage_data()
    {
        QTest::addColumn<QString>("columns");
        QTest::addColumn<QString>("values");
        QTest::addColumn<bool>("accepted");
        const QString base = QStringLiteral("id, started_at_ms, finished_at_ms, status");
        const QString ok = QStringLiteral("'r1', 1714521600000, 1714521600420, 'ok'");
        QTest::newRow("control: minimal row") << base << ok << true;
        QTest::newRow("negative tokens") << base + QStringLiteral(", prompt_tokens") << ok + QStringLiteral(", -1")
                                         << false;
        QTest::newRow("text tokens") << base + QStringLiteral(", completion_tokens") << ok + QStringLiteral(", 'lots'")
                                     << false;
        QTest::newRow("real tokens") << base + QStringLiteral(", cached_tokens") << ok + QStringLiteral(", 1.5")
                                     << false;
        QTest::newRow("bad status") << base << QStringLiteral("'r1', 1, 1, 'fine'") << false;
        QTest::newRow("status in capitals") << base << QStringLiteral("'r1', 1, 1, 'OK'") << false;
        QTest::newRow("empty id") << base << QStringLiteral("'', 1, 1, 'ok'") << false;
        QTest::newRow("null id") << base << QStringLiteral("NULL, 1, 1, 'ok'") << false;
        QTest::newRow("ISO text time") << base << QStringLiteral("'r1', '2024-05-01T00:00:00Z', 1, 'ok'") << false;
        QTest::newRow("negative time") << base << QStringLiteral("'r1', -5, 1, 'ok'") << false;
        QTest::newRow("half a cost") << base + QStringLiteral(", cost_nanos") << ok + QStringLiteral(", 5") << false;
        QTest::newRow("attos out of range")
            << base + QStringLiteral(", cost_nanos, cost_attos") << ok + QStringLiteral(", 0, 1000000000") << false;
        QTest::newRow("negative cost") << base + QStringLiteral(", cost_nanos, cost_attos")
                                       << ok + QStringLiteral(", -1, 0") << false;
        QTest::newRow("real cost") << base + QStringLiteral(", cost_nanos, cost_attos")
                                   << ok + QStringLiteral(", 0.5, 0") << false;
        QTest::newRow("zero cost") << base + QStringLiteral(", cost_nanos, cost_attos") << ok + QStringLiteral(", 0, 0")
                                   << true;
        QTest::newRow("HTTP status 42") << base + QStringLiteral(", http_status") << ok + QStringLiteral(", 42")
                                        << false;
        QTest::newRow("stream 2") << base + QStringLiteral(", stream") << ok + QStringLiteral(", 2") << false;
        QTest::newRow("negative ttft") << base + QStringLiteral(", ttft_us") << ok + QStringLiteral(", -1") << false;
        QTest::newRow("long message") << base + QStringLiteral(", error_message")
                                      << ok + QStringLiteral(", replace(hex(zeroblob(1001)), '00', 'x')") << false;
    }

    void schemaRefusesGarbage()
    {
        QFETCH(QString, columns);
        QFETCH(QString, values);
        QFETCH(bool, accepted);
        QSqlQuery insert(m_workspace->database());
        const bool ran = insert.exec(QStringLiteral("INSERT INTO usage_requests(%1) VALUES (%2)").arg(columns, values));
        QVERIFY2(ran == accepted, qPrintable(insert.lastError().text()));
        QCOMPARE(rows(*m_store), accepted ? 1 : 0);
    }

    void schemaRefusesGarbageAttempts()
    {
        QSqlDatabase db = m_workspace->database();
        const UsageRecord r = plainRecord(QStringLiteral("req_parent"));
        QVERIFY(m_store->append(std::span(&r, 1)).ok());
        QSqlQuery insert(db);
        QVERIFY(
            insert.exec(QStringLiteral("INSERT INTO usage_attempts(request_id, attempt) VALUES ('req_parent', 1)")));
        QVERIFY(
            !insert.exec(QStringLiteral("INSERT INTO usage_attempts(request_id, attempt) VALUES ('req_orphan', 0)")));
        QVERIFY(
            !insert.exec(QStringLiteral("INSERT INTO usage_attempts(request_id, attempt) VALUES ('req_parent', -1)")));
        QVERIFY(
            !insert.exec(QStringLiteral("INSERT INTO usage_attempts(request_id, attempt) VALUES ('req_parent', 0)")));
        QVERIFY(!insert.exec(QStringLiteral(
            "INSERT INTO usage_attempts(request_id, attempt, duration_us) VALUES ('req_parent', 2, -1)")));
        QVERIFY(!insert.exec(QStringLiteral(
            "INSERT INTO usage_attempts(request_id, attempt, http_status) VALUES ('req_parent', 2, 600)")));
        QVERIFY(!insert.exec(QStringLiteral(
            "INSERT INTO usage_attempts(request_id, attempt, may_have_been_billed) VALUES ('req_parent', 2, 'yes')")));
        QCOMPARE(scalar(db, QStringLiteral("SELECT count(*) FROM usage_attempts")).toInt(), 2);
    }

    void directAndQtBindingWriteIdenticalRows()
    {
        // append() binds through SQLite's C API where the build allows it
        // and through QSqlQuery otherwise: every column of every row, with
        // its SQLite type, must come out the same either way.
        std::vector<UsageRecord> batch;
        batch.push_back(fullRecord(QStringLiteral("req_full")));
        UsageRecord sparse; // null strings, unpriced, no ttft, no attempts
        sparse.id = QStringLiteral("req_sparse");
        sparse.startedAt = kT0;
        sparse.finishedAt = kT0;
        sparse.status = UsageStatus::ClientError;
        batch.push_back(sparse);
        UsageRecord text = plainRecord(QStringLiteral("req_text"));
        text.errorMessage = QString(999, QLatin1Char('m')) + QStringLiteral("😀") + QString(600, QLatin1Char('z'));
        text.requestedModel = QStringLiteral("modèle-ü-日本-😀") + QString(400, QLatin1Char('q'));
        text.project = QStringLiteral("проект");
        text.keyId = QString();
        text.routeReason = QString(501, QLatin1Char('r'));
        text.ttftUs = 0;
        text.cost = Money::fromAttos(1);
        text.attempts.push_back({ QString(), QStringLiteral("ü"), QString(65, QLatin1Char('o')), 0, 0, false });
        batch.push_back(text);
        batch.push_back(plainRecord(QStringLiteral("req_text"))); // a duplicate in the batch

        auto rowsOf = [&batch](const QString &path, SqliteUsageStoreOptions options) {
            QStringList dump;
            auto store = SqliteUsageStore::open(path, options);
            if (!store)
                return QStringList { store.error().message };
            auto written = store.value()->append(std::span(batch));
            if (!written)
                return QStringList { written.error().message };
            dump << QStringLiteral("inserted %1, duplicates %2")
                        .arg(written->inserted)
                        .arg(written->duplicateIds.join(QLatin1Char(',')));
            auto db = openConnection(path, QStringLiteral("dump"), OpenMode::ReadOnly);
            if (!db)
                return QStringList { db.error().message };
            const QString name = db->connectionName();
            {
                for (const QString &table : { QStringLiteral("usage_requests"), QStringLiteral("usage_attempts") }) {
                    QSqlQuery all(db.value());
                    all.exec(QStringLiteral("SELECT * FROM %1 ORDER BY 1, 2").arg(table));
                    while (all.next()) {
                        QStringList row;
                        for (int c = 0; c < all.record().count(); ++c)
                            row << (all.isNull(c) ? QStringLiteral("NULL") : all.value(c).toString());
                        dump << row.join(QLatin1Char('|'));
                    }
                    QSqlQuery types(db.value());
                    types.exec(QStringLiteral("SELECT count(*) FROM %1 WHERE typeof(%2) = 'text'")
                                   .arg(table, table == QStringLiteral("usage_requests") ? QStringLiteral("key_id")
                                                                                         : QStringLiteral("provider_id")));
                    types.next();
                    dump << QStringLiteral("text rows: %1").arg(types.value(0).toInt());
                }
            }
            db.value() = QSqlDatabase();
            closeConnection(name);
            return dump;
        };
        QTemporaryDir other;
        QVERIFY(Workspace::open(other.path()).ok());
        SqliteUsageStoreOptions qtBinding;
        qtBinding.bindThroughQt = true;
        m_store.reset();
        const QStringList direct = rowsOf(m_workspace->databasePath(), {});
        const QStringList throughQt = rowsOf(Workspace::open(other.path()).value()->databasePath(), qtBinding);
        QVERIFY(direct.size() > 6);
        QCOMPARE(direct, throughQt);
    }

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Workspace> m_workspace;
    std::unique_ptr<SqliteUsageStore> m_store;
};

QTEST_GUILESS_MAIN(TestUsageStore)
#include "tst_usagestore.moc"
