// signalbox-gateway usage tail / export, driven as admins drive them: the
// real binary as a subprocess, on a workspace made by the binary's own
// `init`, whose usage log is written through the real SqliteUsageStore (the
// one the gateway's writer uses): priced, unpriced, estimated, failed,
// cancelled and streamed rows, committed in an order that differs from their
// start times. `tail -f` runs as a long-lived QProcess while rows are
// appended and is stopped with SIGTERM and SIGINT.

#include "engine/cost/money.h"
#include "engine/storage/workspace.h"
#include "engine/usage/sqliteusagestore.h"
#include "engine/usage/usagerecord.h"
#include "tests/support/clirunner.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>

#include <csignal>
#include <optional>

using signalbox::engine::Money;
using signalbox::engine::SqliteUsageStore;
using signalbox::engine::UsageAttempt;
using signalbox::engine::UsageRecord;
using signalbox::engine::UsageStatus;
using signalbox::engine::Workspace;
using signalbox::testing::CliOutcome;

namespace {

const QString kGateway = QStringLiteral(SIGNALBOX_GATEWAY_BIN);

// The exported columns, in order: the contract `price` and scripts rely on.
const QStringList kColumns = {
    QStringLiteral("id"),
    QStringLiteral("started_at"),
    QStringLiteral("finished_at"),
    QStringLiteral("key_id"),
    QStringLiteral("project"),
    QStringLiteral("endpoint"),
    QStringLiteral("requested_model"),
    QStringLiteral("model"),
    QStringLiteral("provider"),
    QStringLiteral("provider_model"),
    QStringLiteral("status"),
    QStringLiteral("http_status"),
    QStringLiteral("error_class"),
    QStringLiteral("error_message"),
    QStringLiteral("attempts"),
    QStringLiteral("fallbacks"),
    QStringLiteral("prompt_tokens"),
    QStringLiteral("completion_tokens"),
    QStringLiteral("cache_read_tokens"),
    QStringLiteral("cache_write_tokens"),
    QStringLiteral("reasoning_tokens"),
    QStringLiteral("cost"),
    QStringLiteral("cost_status"),
    QStringLiteral("latency_ms"),
    QStringLiteral("ttft_ms"),
    QStringLiteral("overhead_us"),
    QStringLiteral("stream"),
    QStringLiteral("estimated"),
    QStringLiteral("route_reason"),
};

const QString kFailedMessage = QStringLiteral("provider said \"no\", twice\nsecond line");
const QString kUnicodeReason = QStringLiteral("\u00fcn\u00efcode \u2192 only offering");

QDateTime at(const char *iso)
{
    const QDateTime time = QDateTime::fromString(QLatin1String(iso), Qt::ISODateWithMs);
    Q_ASSERT(time.isValid());
    return time.toUTC();
}

UsageRecord baseRecord(const QString &id, const QDateTime &startedAt)
{
    UsageRecord r;
    r.id = id;
    r.startedAt = startedAt;
    r.finishedAt = startedAt.addMSecs(900);
    r.endpoint = QStringLiteral("/v1/chat/completions");
    r.status = UsageStatus::Ok;
    r.httpStatus = 200;
    return r;
}

// Six rows, committed in this order (A..F); by start time F comes first.
std::vector<UsageRecord> fixtureRecords()
{
    std::vector<UsageRecord> rows;

    UsageRecord a = baseRecord(QStringLiteral("req_a_priced"), at("2026-03-01T10:00:00.123Z"));
    a.keyId = QStringLiteral("vk_1");
    a.project = QStringLiteral("web");
    a.requestedModel = QStringLiteral("gpt-4o-mini");
    a.servedModel = QStringLiteral("openai/gpt-4o-mini");
    a.servedProvider = QStringLiteral("openai");
    a.servedProviderModel = QStringLiteral("gpt-4o-mini-2024-07-18");
    a.attempts = { UsageAttempt { QStringLiteral("azure"), QStringLiteral("gpt-4o-mini"), QStringLiteral("http_429"), 429,
                       120000, false },
        UsageAttempt { QStringLiteral("openai"), QStringLiteral("gpt-4o-mini-2024-07-18"), QStringLiteral("ok"), 200,
            700000, true } };
    a.promptTokens = 1200;
    a.completionTokens = 345;
    a.cachedTokens = 200;
    a.cacheWriteTokens = 50;
    a.reasoningTokens = 10;
    a.cost = Money::parse("0.000123456789012345");
    a.latencyUs = 842123;
    a.ttftUs = 95000;
    a.overheadUs = 1234;
    a.routeReason = QStringLiteral("cheapest priced offering; azure answered 429");
    rows.push_back(a);

    UsageRecord b = baseRecord(QStringLiteral("req_b_unpriced"), at("2026-03-01T10:05:00.000Z"));
    b.requestedModel = QStringLiteral("local/llama-3");
    b.servedModel = QStringLiteral("local/llama-3");
    b.servedProvider = QStringLiteral("local");
    b.servedProviderModel = QStringLiteral("llama-3");
    b.attempts = { UsageAttempt { QStringLiteral("local"), QStringLiteral("llama-3"), QStringLiteral("ok"), 200, 999000,
        true } };
    b.promptTokens = 50;
    b.completionTokens = 20;
    b.latencyUs = 1000000;
    b.routeReason = kUnicodeReason;
    rows.push_back(b);

    UsageRecord c = baseRecord(QStringLiteral("req_c_estimated"), at("2026-03-01T10:10:00.500Z"));
    c.keyId = QStringLiteral("vk_2");
    c.requestedModel = QStringLiteral("claude-haiku");
    c.servedModel = QStringLiteral("anthropic/claude-haiku");
    c.servedProvider = QStringLiteral("anthropic");
    c.servedProviderModel = QStringLiteral("claude-haiku-20250101");
    c.attempts = { UsageAttempt { QStringLiteral("anthropic"), QStringLiteral("claude-haiku-20250101"),
        QStringLiteral("ok"), 200, 500000, true } };
    c.promptTokens = 99;
    c.completionTokens = 7;
    c.tokensEstimated = true;
    c.stream = true;
    c.cost = Money(); // a real zero: priced, free
    c.latencyUs = 3456;
    c.ttftUs = 120500;
    rows.push_back(c);

    UsageRecord d = baseRecord(QStringLiteral("req_d_failed"), at("2026-03-01T10:15:00.000Z"));
    d.keyId = QStringLiteral("vk_1");
    d.project = QStringLiteral("web");
    d.requestedModel = QStringLiteral("gpt-4o");
    d.status = UsageStatus::UpstreamError;
    d.httpStatus = 502;
    d.errorClass = QStringLiteral("upstream_500");
    d.errorMessage = kFailedMessage;
    d.attempts = { UsageAttempt { QStringLiteral("openai"), QStringLiteral("gpt-4o"), QStringLiteral("http_500"), 500,
        30000, true } };
    d.latencyUs = 31000;
    rows.push_back(d);

    UsageRecord e = baseRecord(QStringLiteral("req_e_streamed"), at("2026-03-01T11:00:00.000Z"));
    e.keyId = QStringLiteral("vk_2");
    e.project = QStringLiteral("batch, nightly");
    e.requestedModel = QStringLiteral("gpt-4o-mini");
    e.servedModel = QStringLiteral("openai/gpt-4o-mini");
    e.servedProvider = QStringLiteral("openai");
    e.servedProviderModel = QStringLiteral("gpt-4o-mini");
    e.attempts = { UsageAttempt { QStringLiteral("openai"), QStringLiteral("gpt-4o-mini"), QStringLiteral("ok"), 200,
        4000000, true } };
    e.promptTokens = 10;
    e.completionTokens = 400;
    e.stream = true;
    e.cost = Money::parse("0.0012");
    e.latencyUs = 4000000;
    e.ttftUs = 250000;
    rows.push_back(e);

    // Started first, written last: a stream the client cancelled.
    UsageRecord f = baseRecord(QStringLiteral("req_f_cancelled"), at("2026-03-01T09:59:59.999Z"));
    f.keyId = QStringLiteral("vk_1");
    f.requestedModel = QStringLiteral("gpt-4o-mini");
    f.servedModel = QStringLiteral("openai/gpt-4o-mini");
    f.servedProvider = QStringLiteral("openai");
    f.servedProviderModel = QStringLiteral("gpt-4o-mini");
    f.status = UsageStatus::Cancelled;
    f.httpStatus = 0;
    f.errorClass = QStringLiteral("client_disconnected");
    f.stream = true;
    f.promptTokens = 30;
    f.completionTokens = 2;
    f.cost = Money::parse("0.00000042");
    f.latencyUs = 600000;
    rows.push_back(f);
    return rows;
}

// An RFC 4180 reader: quoted fields, doubled quotes, every record ending in
// CRLF. std::nullopt for anything else.
std::optional<QList<QStringList>> parseCsv(const QByteArray &bytes)
{
    QList<QStringList> rows;
    QStringList row;
    QByteArray field;
    bool inQuotes = false;
    bool afterQuote = false;
    for (qsizetype i = 0; i < bytes.size(); ++i) {
        const char c = bytes.at(i);
        if (inQuotes) {
            if (c == '"' && i + 1 < bytes.size() && bytes.at(i + 1) == '"') {
                field += '"';
                ++i;
            } else if (c == '"') {
                inQuotes = false;
                afterQuote = true;
            } else {
                field += c;
            }
            continue;
        }
        if (c == ',' || c == '\r') {
            row << QString::fromUtf8(field);
            field.clear();
            afterQuote = false;
            if (c == '\r') {
                if (i + 1 >= bytes.size() || bytes.at(i + 1) != '\n')
                    return std::nullopt;
                ++i;
                rows << row;
                row.clear();
            }
            continue;
        }
        if (afterQuote || c == '\n' || (c == '"' && !field.isEmpty()))
            return std::nullopt;
        if (c == '"')
            inQuotes = true;
        else
            field += c;
    }
    if (inQuotes || !field.isEmpty() || !row.isEmpty())
        return std::nullopt;
    return rows;
}

// One object per line; an empty list (and a warning) if any line is not one.
QList<QJsonObject> jsonLines(const QString &text)
{
    QList<QJsonObject> objects;
    for (const QString &line : text.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        QJsonParseError error {};
        const QJsonDocument document = QJsonDocument::fromJson(line.toUtf8(), &error);
        if (error.error != QJsonParseError::NoError || !document.isObject()) {
            qWarning("not a JSON object: %s", qUtf8Printable(line));
            return {};
        }
        objects << document.object();
    }
    return objects;
}

QStringList idsOf(const QList<QJsonObject> &objects)
{
    QStringList ids;
    for (const QJsonObject &object : objects)
        ids << object.value(QStringLiteral("id")).toString();
    return ids;
}

QStringList idsOf(const std::vector<UsageRecord> &records)
{
    QStringList ids;
    for (const UsageRecord &record : records)
        ids << record.id;
    return ids;
}

// The ids of the fixture in start-time order.
QStringList idsByStart(std::vector<UsageRecord> records)
{
    std::stable_sort(records.begin(), records.end(),
        [](const UsageRecord &l, const UsageRecord &r) { return l.startedAt < r.startedAt; });
    return idsOf(records);
}

// Reads complete lines from a running process until `count` arrived or the
// deadline passed.
QStringList readLines(QProcess &process, QByteArray &pending, int count, int timeoutMs = 10000)
{
    QStringList lines;
    const QDeadlineTimer deadline(timeoutMs);
    for (;;) {
        qsizetype newline;
        while (lines.size() < count && (newline = pending.indexOf('\n')) >= 0) {
            lines << QString::fromUtf8(pending.left(newline));
            pending.remove(0, newline + 1);
        }
        if (lines.size() >= count || deadline.hasExpired() || process.state() != QProcess::Running)
            return lines;
        process.waitForReadyRead(static_cast<int>(std::max<qint64>(1, std::min<qint64>(200, deadline.remainingTime()))));
        pending += process.readAllStandardOutput();
    }
}

#define VERIFY_OUTCOME(condition, outcome) QVERIFY2((condition), qUtf8Printable((outcome).describe()))

} // namespace

class TestCliUsage : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void init();

    void exportJsonlFields();
    void exportCsvFields();
    void exportBounds();
    void exportDefaultToIsNow();
    void exportToFileIsAtomic();
    void exportWriteFailure();
    void badInputExits2_data();
    void badInputExits2();
    void noWorkspaceExits3();
    void tailTable();
    void tailJson();
    void tailFollowJson();
    void tailFollowTable();
    void manyRowsStreamInPages();

private:
    CliOutcome cli(const QStringList &arguments, const QString &workspace = {}) const
    {
        return signalbox::testing::runCli(kGateway,
            QStringList { QStringLiteral("--workspace"), workspace.isEmpty() ? m_workspace : workspace } + arguments);
    }
    CliOutcome usage(const QStringList &arguments) const { return cli(QStringList { QStringLiteral("usage") } + arguments); }

    // A workspace made by `init` (or, if that command is not there yet, by
    // Workspace::open), with `records` appended through the real store.
    bool makeWorkspace(const QString &folder, const std::vector<UsageRecord> &records)
    {
        const CliOutcome made = cli({ QStringLiteral("init") }, folder);
        if (made.exitCode != 0) {
            auto workspace = Workspace::open(folder);
            if (!workspace) {
                qWarning("cannot create a workspace: %s", qUtf8Printable(workspace.error().message));
                return false;
            }
        }
        return append(folder, records);
    }

    static bool append(const QString &folder, const std::vector<UsageRecord> &records)
    {
        auto store = SqliteUsageStore::open(QDir(folder).filePath(QLatin1String(Workspace::kDatabaseFileName)));
        if (!store) {
            qWarning("cannot open the usage log: %s", qUtf8Printable(store.error().message));
            return false;
        }
        for (std::size_t start = 0; start < records.size(); start += 1000) {
            const std::size_t size = std::min<std::size_t>(1000, records.size() - start);
            auto appended = store.value()->append(std::span(records).subspan(start, size));
            if (!appended || appended.value().inserted != static_cast<qint64>(size)) {
                qWarning("append failed: %s", qUtf8Printable(appended ? QStringLiteral("duplicates") : appended.error().message));
                return false;
            }
        }
        return true;
    }

    QJsonObject exportedRow(const QList<QJsonObject> &objects, const QString &id) const
    {
        for (const QJsonObject &object : objects) {
            if (object.value(QStringLiteral("id")).toString() == id)
                return object;
        }
        return {};
    }

    QTemporaryDir m_dir;
    QString m_workspace;
    std::vector<UsageRecord> m_records;
};

void TestCliUsage::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY2(QFileInfo(kGateway).isExecutable(), qUtf8Printable(kGateway));
    m_records = fixtureRecords();
}

void TestCliUsage::init()
{
    m_workspace = m_dir.filePath(QStringLiteral("ws-%1").arg(QString::fromLatin1(QTest::currentTestFunction())));
    if (!QFileInfo::exists(m_workspace))
        QVERIFY(makeWorkspace(m_workspace, m_records));
}

void TestCliUsage::exportJsonlFields()
{
    const CliOutcome out = usage({ QStringLiteral("export"), QStringLiteral("--format"), QStringLiteral("jsonl") });
    VERIFY_OUTCOME(out.exitCode == 0 && out.err.isEmpty(), out);
    const QStringList lines = out.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 6);
    QVERIFY(out.out.endsWith(QLatin1Char('\n')));

    // Keys in the documented order, on every line.
    for (const QString &line : lines) {
        qsizetype position = -1;
        for (const QString &column : kColumns) {
            const qsizetype found = line.indexOf(QLatin1Char('"') + column + QStringLiteral("\":"));
            QVERIFY2(found > position, qUtf8Printable(column + QStringLiteral(" out of order in ") + line));
            position = found;
        }
    }
    const QList<QJsonObject> rows = jsonLines(out.out);
    QCOMPARE(rows.size(), 6);
    for (const QJsonObject &row : rows)
        QCOMPARE(row.keys().size(), kColumns.size());
    // Ordered by start time, not by when they were written.
    QCOMPARE(idsOf(rows), idsByStart(m_records));

    const QJsonObject a = exportedRow(rows, QStringLiteral("req_a_priced"));
    QCOMPARE(a.value(QStringLiteral("started_at")).toString(), QStringLiteral("2026-03-01T10:00:00.123Z"));
    QCOMPARE(a.value(QStringLiteral("finished_at")).toString(), QStringLiteral("2026-03-01T10:00:01.023Z"));
    QCOMPARE(a.value(QStringLiteral("key_id")).toString(), QStringLiteral("vk_1"));
    QCOMPARE(a.value(QStringLiteral("project")).toString(), QStringLiteral("web"));
    QCOMPARE(a.value(QStringLiteral("endpoint")).toString(), QStringLiteral("/v1/chat/completions"));
    QCOMPARE(a.value(QStringLiteral("requested_model")).toString(), QStringLiteral("gpt-4o-mini"));
    QCOMPARE(a.value(QStringLiteral("model")).toString(), QStringLiteral("openai/gpt-4o-mini"));
    QCOMPARE(a.value(QStringLiteral("provider")).toString(), QStringLiteral("openai"));
    QCOMPARE(a.value(QStringLiteral("provider_model")).toString(), QStringLiteral("gpt-4o-mini-2024-07-18"));
    QCOMPARE(a.value(QStringLiteral("status")).toString(), QStringLiteral("ok"));
    QCOMPARE(a.value(QStringLiteral("http_status")).toInteger(), 200);
    QCOMPARE(a.value(QStringLiteral("error_class")).toString(), QString());
    QCOMPARE(a.value(QStringLiteral("attempts")).toInteger(), 2);
    QCOMPARE(a.value(QStringLiteral("fallbacks")).toInteger(), 1);
    QCOMPARE(a.value(QStringLiteral("prompt_tokens")).toInteger(), 1200);
    QCOMPARE(a.value(QStringLiteral("completion_tokens")).toInteger(), 345);
    QCOMPARE(a.value(QStringLiteral("cache_read_tokens")).toInteger(), 200);
    QCOMPARE(a.value(QStringLiteral("cache_write_tokens")).toInteger(), 50);
    QCOMPARE(a.value(QStringLiteral("reasoning_tokens")).toInteger(), 10);
    // Exact, as a string: 18 decimals survive.
    QVERIFY(a.value(QStringLiteral("cost")).isString());
    QCOMPARE(a.value(QStringLiteral("cost")).toString(), QStringLiteral("0.000123456789012345"));
    QCOMPARE(a.value(QStringLiteral("cost_status")).toString(), QStringLiteral("priced"));
    QVERIFY(lines.at(1).contains(QStringLiteral("\"latency_ms\":842.123,")));
    QVERIFY(lines.at(1).contains(QStringLiteral("\"ttft_ms\":95,")));
    QCOMPARE(a.value(QStringLiteral("overhead_us")).toInteger(), 1234);
    QCOMPARE(a.value(QStringLiteral("stream")), QJsonValue(false));
    QCOMPARE(a.value(QStringLiteral("estimated")), QJsonValue(false));
    QCOMPARE(a.value(QStringLiteral("route_reason")).toString(),
        QStringLiteral("cheapest priced offering; azure answered 429"));

    // Unpriced: null, never 0; no time to first token: null; UTF-8 text intact.
    const QJsonObject b = exportedRow(rows, QStringLiteral("req_b_unpriced"));
    QVERIFY(b.value(QStringLiteral("cost")).isNull());
    QCOMPARE(b.value(QStringLiteral("cost_status")).toString(), QStringLiteral("unpriced"));
    QVERIFY(b.value(QStringLiteral("ttft_ms")).isNull());
    QCOMPARE(b.value(QStringLiteral("key_id")).toString(), QString());
    QCOMPARE(b.value(QStringLiteral("latency_ms")).toDouble(), 1000.0);
    QCOMPARE(b.value(QStringLiteral("route_reason")).toString(), kUnicodeReason);
    QCOMPARE(b.value(QStringLiteral("fallbacks")).toInteger(), 0);

    // A real zero is priced and "0".
    const QJsonObject c = exportedRow(rows, QStringLiteral("req_c_estimated"));
    QCOMPARE(c.value(QStringLiteral("cost")).toString(), QStringLiteral("0"));
    QCOMPARE(c.value(QStringLiteral("cost_status")).toString(), QStringLiteral("priced"));
    QCOMPARE(c.value(QStringLiteral("estimated")), QJsonValue(true));
    QCOMPARE(c.value(QStringLiteral("stream")), QJsonValue(true));
    QCOMPARE(c.value(QStringLiteral("latency_ms")).toDouble(), 3.456);
    QCOMPARE(c.value(QStringLiteral("ttft_ms")).toDouble(), 120.5);

    const QJsonObject d = exportedRow(rows, QStringLiteral("req_d_failed"));
    QCOMPARE(d.value(QStringLiteral("status")).toString(), QStringLiteral("upstream_error"));
    QCOMPARE(d.value(QStringLiteral("http_status")).toInteger(), 502);
    QCOMPARE(d.value(QStringLiteral("error_class")).toString(), QStringLiteral("upstream_500"));
    QCOMPARE(d.value(QStringLiteral("error_message")).toString(), kFailedMessage);
    QCOMPARE(d.value(QStringLiteral("model")).toString(), QString());
    QVERIFY(d.value(QStringLiteral("cost")).isNull());
    QCOMPARE(d.value(QStringLiteral("attempts")).toInteger(), 1);

    // Nothing was sent to the client: no HTTP status.
    const QJsonObject f = exportedRow(rows, QStringLiteral("req_f_cancelled"));
    QCOMPARE(f.value(QStringLiteral("status")).toString(), QStringLiteral("cancelled"));
    QVERIFY(f.value(QStringLiteral("http_status")).isNull());
    QCOMPARE(f.value(QStringLiteral("cost")).toString(), QStringLiteral("0.00000042"));
    QCOMPARE(f.value(QStringLiteral("attempts")).toInteger(), 0);
}

void TestCliUsage::exportCsvFields()
{
    const CliOutcome out = usage({ QStringLiteral("export"), QStringLiteral("--format"), QStringLiteral("csv") });
    VERIFY_OUTCOME(out.exitCode == 0 && out.err.isEmpty(), out);
    const QByteArray bytes = out.out.toUtf8();
    const auto parsed = parseCsv(bytes);
    VERIFY_OUTCOME(parsed.has_value(), out);
    const QList<QStringList> &table = *parsed;
    QCOMPARE(table.size(), 7);
    QCOMPARE(table.first(), kColumns);
    QHash<QString, QHash<QString, QString>> byId;
    QStringList order;
    for (qsizetype i = 1; i < table.size(); ++i) {
        QCOMPARE(table.at(i).size(), kColumns.size());
        QHash<QString, QString> row;
        for (qsizetype c = 0; c < kColumns.size(); ++c)
            row.insert(kColumns.at(c), table.at(i).at(c));
        order << row.value(QStringLiteral("id"));
        byId.insert(row.value(QStringLiteral("id")), row);
    }
    QCOMPARE(order, idsByStart(m_records));

    const auto &a = byId[QStringLiteral("req_a_priced")];
    QCOMPARE(a.value(QStringLiteral("started_at")), QStringLiteral("2026-03-01T10:00:00.123Z"));
    QCOMPARE(a.value(QStringLiteral("cost")), QStringLiteral("0.000123456789012345"));
    QCOMPARE(a.value(QStringLiteral("cost_status")), QStringLiteral("priced"));
    QCOMPARE(a.value(QStringLiteral("http_status")), QStringLiteral("200"));
    QCOMPARE(a.value(QStringLiteral("prompt_tokens")), QStringLiteral("1200"));
    QCOMPARE(a.value(QStringLiteral("cache_read_tokens")), QStringLiteral("200"));
    QCOMPARE(a.value(QStringLiteral("latency_ms")), QStringLiteral("842.123"));
    QCOMPARE(a.value(QStringLiteral("ttft_ms")), QStringLiteral("95"));
    QCOMPARE(a.value(QStringLiteral("fallbacks")), QStringLiteral("1"));
    QCOMPARE(a.value(QStringLiteral("stream")), QStringLiteral("false"));

    const auto &b = byId[QStringLiteral("req_b_unpriced")];
    QCOMPARE(b.value(QStringLiteral("cost")), QString()); // empty, not 0
    QCOMPARE(b.value(QStringLiteral("cost_status")), QStringLiteral("unpriced"));
    QCOMPARE(b.value(QStringLiteral("ttft_ms")), QString());
    QCOMPARE(b.value(QStringLiteral("route_reason")), kUnicodeReason);

    const auto &c = byId[QStringLiteral("req_c_estimated")];
    QCOMPARE(c.value(QStringLiteral("cost")), QStringLiteral("0"));
    QCOMPARE(c.value(QStringLiteral("estimated")), QStringLiteral("true"));

    // Commas, quotes and a line break survive RFC 4180 quoting.
    const auto &d = byId[QStringLiteral("req_d_failed")];
    QCOMPARE(d.value(QStringLiteral("error_message")), kFailedMessage);
    QVERIFY(bytes.contains("\"provider said \"\"no\"\", twice\nsecond line\""));
    const auto &e = byId[QStringLiteral("req_e_streamed")];
    QCOMPARE(e.value(QStringLiteral("project")), QStringLiteral("batch, nightly"));
    QCOMPARE(e.value(QStringLiteral("cost")), QStringLiteral("0.0012"));

    const auto &f = byId[QStringLiteral("req_f_cancelled")];
    QCOMPARE(f.value(QStringLiteral("http_status")), QString());
    QCOMPARE(f.value(QStringLiteral("attempts")), QStringLiteral("0"));
}

void TestCliUsage::exportBounds()
{
    auto idsBetween = [this](const QString &from, const QString &to) -> std::optional<QStringList> {
        QStringList arguments { QStringLiteral("export"), QStringLiteral("--format"), QStringLiteral("jsonl") };
        if (!from.isEmpty())
            arguments << QStringLiteral("--from") << from;
        if (!to.isEmpty())
            arguments << QStringLiteral("--to") << to;
        const CliOutcome out = usage(arguments);
        if (out.exitCode != 0) {
            qWarning("%s", qUtf8Printable(out.describe()));
            return std::nullopt;
        }
        return idsOf(jsonLines(out.out));
    };
    // --from inclusive, --to exclusive, to the millisecond.
    QCOMPARE(idsBetween(QStringLiteral("2026-03-01T10:05:00Z"), QStringLiteral("2026-03-01T11:00:00Z")),
        (QStringList { QStringLiteral("req_b_unpriced"), QStringLiteral("req_c_estimated"),
            QStringLiteral("req_d_failed") }));
    QCOMPARE(idsBetween(QStringLiteral("2026-03-01T10:00:00.123Z"), QStringLiteral("2026-03-01T10:05:00Z")),
        QStringList { QStringLiteral("req_a_priced") });
    QCOMPARE(idsBetween(QStringLiteral("2026-03-01T10:00:00.124Z"), QStringLiteral("2026-03-01T10:05:00.001Z")),
        QStringList { QStringLiteral("req_b_unpriced") });
    QCOMPARE(idsBetween(QString(), QStringLiteral("2026-03-01T10:00:00.123Z")),
        QStringList { QStringLiteral("req_f_cancelled") });
    QCOMPARE(idsBetween(QStringLiteral("2026-03-01T11:00:00Z"), QString()),
        QStringList { QStringLiteral("req_e_streamed") });
    // An offset is honoured: 11:05+01:00 is 10:05Z.
    QCOMPARE(idsBetween(QStringLiteral("2026-03-01T11:05:00+01:00"), QStringLiteral("2026-03-01T12:00:00+01:00")),
        (QStringList { QStringLiteral("req_b_unpriced"), QStringLiteral("req_c_estimated"),
            QStringLiteral("req_d_failed") }));
    // Dates are whole UTC days.
    QCOMPARE(idsBetween(QStringLiteral("2026-03-01"), QStringLiteral("2026-03-02"))->size(), 6);
    QCOMPARE(idsBetween(QStringLiteral("2026-03-02"), QStringLiteral("2026-03-03")), QStringList());
    // An empty range is not an error.
    QCOMPARE(idsBetween(QStringLiteral("2026-03-01T10:00:00Z"), QStringLiteral("2026-03-01T10:00:00Z")),
        QStringList());

    // CSV with nothing in range: the header alone.
    const CliOutcome empty = usage({ QStringLiteral("export"), QStringLiteral("--format"), QStringLiteral("csv"),
        QStringLiteral("--from"), QStringLiteral("2030-01-01") });
    VERIFY_OUTCOME(empty.exitCode == 0, empty);
    QCOMPARE(empty.out, kColumns.join(QLatin1Char(',')) + QStringLiteral("\r\n"));
}

void TestCliUsage::exportDefaultToIsNow()
{
    const QString folder = m_dir.filePath(QStringLiteral("ws-now"));
    const QDateTime now = QDateTime::currentDateTimeUtc();
    std::vector<UsageRecord> records { baseRecord(QStringLiteral("req_past"), now.addSecs(-60)),
        baseRecord(QStringLiteral("req_future"), now.addSecs(3600)) };
    QVERIFY(makeWorkspace(folder, records));
    const CliOutcome plain
        = cli({ QStringLiteral("usage"), QStringLiteral("export"), QStringLiteral("--format"), QStringLiteral("jsonl") },
            folder);
    VERIFY_OUTCOME(plain.exitCode == 0, plain);
    QCOMPARE(idsOf(jsonLines(plain.out)), QStringList { QStringLiteral("req_past") });
    const CliOutcome later = cli({ QStringLiteral("usage"), QStringLiteral("export"), QStringLiteral("--format"),
                                     QStringLiteral("jsonl"), QStringLiteral("--to"), QStringLiteral("2100-01-01") },
        folder);
    VERIFY_OUTCOME(later.exitCode == 0, later);
    QCOMPARE(idsOf(jsonLines(later.out)), (QStringList { QStringLiteral("req_past"), QStringLiteral("req_future") }));
}

void TestCliUsage::exportToFileIsAtomic()
{
    const QString folder = m_dir.filePath(QStringLiteral("out-%1").arg(QString::fromLatin1(QTest::currentTestFunction())));
    QVERIFY(QDir().mkpath(folder));
    const QString target = QDir(folder).filePath(QStringLiteral("usage.csv"));
    {
        QFile old(target);
        QVERIFY(old.open(QIODevice::WriteOnly));
        old.write("old content\n");
    }
    const QStringList csv { QStringLiteral("export"), QStringLiteral("--format"), QStringLiteral("csv") };
    const CliOutcome toStdout = usage(csv);
    VERIFY_OUTCOME(toStdout.exitCode == 0, toStdout);

    const CliOutcome toFile = usage(csv + QStringList { QStringLiteral("--output"), target });
    VERIFY_OUTCOME(toFile.exitCode == 0, toFile);
    QCOMPARE(toFile.out, QString());
    QCOMPARE(toFile.err, QStringLiteral("exported 6 requests to %1\n").arg(target));
    QFile written(target);
    QVERIFY(written.open(QIODevice::ReadOnly));
    QCOMPARE(QString::fromUtf8(written.readAll()), toStdout.out);
    written.close();
    // Replaced by a rename: no temporary file left beside it.
    QCOMPARE(QDir(folder).entryList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot),
        QStringList { QStringLiteral("usage.csv") });

    // One row: "request", and JSON Lines through -o.
    const QString jsonTarget = QDir(folder).filePath(QStringLiteral("one.jsonl"));
    const CliOutcome one = usage({ QStringLiteral("export"), QStringLiteral("--format"), QStringLiteral("jsonl"),
        QStringLiteral("--from"), QStringLiteral("2026-03-01T11:00:00Z"), QStringLiteral("-o"), jsonTarget });
    VERIFY_OUTCOME(one.exitCode == 0, one);
    QCOMPARE(one.err, QStringLiteral("exported 1 request to %1\n").arg(jsonTarget));
    QFile oneFile(jsonTarget);
    QVERIFY(oneFile.open(QIODevice::ReadOnly));
    QCOMPARE(idsOf(jsonLines(QString::fromUtf8(oneFile.readAll()))), QStringList { QStringLiteral("req_e_streamed") });

    // A folder that does not exist: exit 1, nothing created.
    const QString nowhere = QDir(folder).filePath(QStringLiteral("missing/usage.csv"));
    const CliOutcome failed = usage(csv + QStringList { QStringLiteral("--output"), nowhere });
    QCOMPARE(failed.exitCode, 1);
    QVERIFY2(failed.err.startsWith(QStringLiteral("signalbox-gateway: usage export: cannot write")), qUtf8Printable(failed.err));
    QVERIFY(!QFileInfo::exists(nowhere));
    QVERIFY(!QFileInfo::exists(QDir(folder).filePath(QStringLiteral("missing"))));

    // Bad input never touches an existing file.
    QVERIFY(QFile::remove(target));
    {
        QFile old(target);
        QVERIFY(old.open(QIODevice::WriteOnly));
        old.write("old content\n");
    }
    const CliOutcome bad = usage(csv + QStringList { QStringLiteral("--from"), QStringLiteral("soon"), QStringLiteral("--output"), target });
    QCOMPARE(bad.exitCode, 2);
    QFile kept(target);
    QVERIFY(kept.open(QIODevice::ReadOnly));
    QCOMPARE(kept.readAll(), QByteArray("old content\n"));
}

void TestCliUsage::exportWriteFailure()
{
    // A full disk on standard output: exit 1 with one line, not a silent truncation.
    if (!QFileInfo::exists(QStringLiteral("/dev/full")))
        QSKIP("no /dev/full on this system");
    QProcess process;
    process.setStandardOutputFile(QStringLiteral("/dev/full"));
    process.start(kGateway, { QStringLiteral("--workspace"), m_workspace, QStringLiteral("usage"), QStringLiteral("export"),
                                QStringLiteral("--format"), QStringLiteral("jsonl") });
    QVERIFY(process.waitForFinished(30000));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 1);
    const QString err = QString::fromUtf8(process.readAllStandardError());
    QCOMPARE(err, QStringLiteral("signalbox-gateway: usage export: cannot write to standard output\n"));
}

void TestCliUsage::badInputExits2_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("mentions");
    const QString e = QStringLiteral("export");
    const QString fmt = QStringLiteral("--format");
    const QString jsonl = QStringLiteral("jsonl");
    QTest::newRow("no subcommand") << QStringList {} << QStringLiteral("tail or export");
    QTest::newRow("unknown subcommand") << QStringList { QStringLiteral("show") } << QStringLiteral("'show'");
    QTest::newRow("no format") << QStringList { e } << QStringLiteral("--format");
    QTest::newRow("unknown format") << QStringList { e, fmt, QStringLiteral("xml") } << QStringLiteral("'xml'");
    QTest::newRow("bad from") << QStringList { e, fmt, jsonl, QStringLiteral("--from"), QStringLiteral("last tuesday") }
                              << QStringLiteral("--from");
    QTest::newRow("bad to") << QStringList { e, fmt, jsonl, QStringLiteral("--to"), QStringLiteral("2026-13-01") }
                            << QStringLiteral("--to");
    QTest::newRow("from after to") << QStringList { e, fmt, jsonl, QStringLiteral("--from"), QStringLiteral("2026-03-02"),
        QStringLiteral("--to"), QStringLiteral("2026-03-01") } << QStringLiteral("after");
    QTest::newRow("unknown option") << QStringList { e, fmt, jsonl, QStringLiteral("--since"), QStringLiteral("x") }
                                    << QStringLiteral("since");
    QTest::newRow("stray argument") << QStringList { e, fmt, jsonl, QStringLiteral("everything") }
                                    << QStringLiteral("everything");
    QTest::newRow("negative lines") << QStringList { QStringLiteral("tail"), QStringLiteral("-n"), QStringLiteral("-1") }
                                    << QStringLiteral("-n");
    QTest::newRow("lines not a number") << QStringList { QStringLiteral("tail"), QStringLiteral("-n"), QStringLiteral("ten") }
                                        << QStringLiteral("'ten'");
}

void TestCliUsage::badInputExits2()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, mentions);
    const CliOutcome out = usage(arguments);
    VERIFY_OUTCOME(out.exitCode == 2, out);
    QCOMPARE(out.out, QString());
    VERIFY_OUTCOME(out.err.startsWith(QStringLiteral("signalbox-gateway: ")) && out.err.count(QLatin1Char('\n')) == 1
            && out.err.contains(mentions),
        out);
}

void TestCliUsage::noWorkspaceExits3()
{
    const QString nowhere = m_dir.filePath(QStringLiteral("no-workspace-here"));
    for (const QStringList &arguments : { QStringList { QStringLiteral("usage"), QStringLiteral("tail") },
             QStringList { QStringLiteral("usage"), QStringLiteral("export"), QStringLiteral("--format"), QStringLiteral("csv") } }) {
        const CliOutcome out = cli(arguments, nowhere);
        VERIFY_OUTCOME(out.exitCode == 3 && out.err.contains(QStringLiteral("init")) && out.out.isEmpty(), out);
    }
    QVERIFY(!QFileInfo::exists(nowhere)); // not created as a side effect
}

void TestCliUsage::tailTable()
{
    // The last three written (D, E, F), oldest first.
    const CliOutcome three = usage({ QStringLiteral("tail"), QStringLiteral("-n"), QStringLiteral("3") });
    VERIFY_OUTCOME(three.exitCode == 0, three);
    QStringList lines = three.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 4);
    QVERIFY(lines.at(0).startsWith(QStringLiteral("TIME (UTC)")));
    QVERIFY2(lines.at(1).startsWith(QStringLiteral("2026-03-01 10:15:00.000")), qUtf8Printable(three.out));
    QVERIFY(lines.at(1).contains(QStringLiteral("upstream_error (upstream_500)")));
    QVERIFY(lines.at(2).startsWith(QStringLiteral("2026-03-01 11:00:00.000")));
    QVERIFY(lines.at(3).startsWith(QStringLiteral("2026-03-01 09:59:59.999")));
    QVERIFY(lines.at(3).contains(QStringLiteral("cancelled")));

    // Default: up to 20, so all six in commit order.
    const CliOutcome all = usage({ QStringLiteral("tail") });
    VERIFY_OUTCOME(all.exitCode == 0, all);
    lines = all.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 7);
    const QString header = lines.at(0);
    const QStringList requested { QStringLiteral("gpt-4o-mini"), QStringLiteral("local/llama-3"),
        QStringLiteral("claude-haiku"), QStringLiteral("gpt-4o"), QStringLiteral("gpt-4o-mini"),
        QStringLiteral("gpt-4o-mini") };
    // Aligned: every row's model starts under the MODEL header, every cost ends under COST's end.
    const qsizetype modelColumn = header.indexOf(QStringLiteral("MODEL"));
    const qsizetype costEnd = header.indexOf(QStringLiteral("COST")) + 4;
    QVERIFY(modelColumn > 0);
    for (int i = 1; i <= 6; ++i) {
        const QString &row = lines.at(i);
        QVERIFY2(row.mid(modelColumn).startsWith(requested.at(i - 1) + QStringLiteral(" \u2192 ")), qUtf8Printable(all.out));
        QVERIFY2(row.at(costEnd - 1) != QLatin1Char(' ') && row.at(costEnd) == QLatin1Char(' '), qUtf8Printable(all.out));
    }
    const QString a = lines.at(1), b = lines.at(2), c = lines.at(3), d = lines.at(4);
    QVERIFY(a.contains(QStringLiteral("openai/gpt-4o-mini-2024-07-18")));
    QVERIFY(a.contains(QStringLiteral("1200/345")));
    QVERIFY(a.contains(QStringLiteral("$0.000123")));
    QVERIFY(a.contains(QStringLiteral(" 842 ")));
    QVERIFY(a.contains(QStringLiteral(" 95 ")));
    QVERIFY(a.endsWith(QStringLiteral("vk_1/web")));
    // Unpriced is "unknown", never $0.
    QVERIFY2(b.contains(QStringLiteral(" unknown ")), qUtf8Printable(b));
    QVERIFY(!b.contains(QLatin1Char('$')));
    QVERIFY(b.endsWith(QStringLiteral(" -")));
    QVERIFY(d.contains(QStringLiteral(" unknown ")));
    QVERIFY(d.contains(QStringLiteral("gpt-4o \u2192 -")));
    QVERIFY(d.contains(QStringLiteral(" 502 ")));
    // Estimated tokens are marked; a real zero is a price.
    QVERIFY2(c.contains(QStringLiteral("~99/~7")), qUtf8Printable(c));
    QVERIFY(!a.contains(QLatin1Char('~')));
    QVERIFY(c.contains(QStringLiteral("$0.00")));
    QVERIFY(c.contains(QStringLiteral(" 3.5 ")));

    // An empty log: nothing on stdout, a note on stderr, exit 0.
    const QString emptyFolder = m_dir.filePath(QStringLiteral("ws-empty"));
    QVERIFY(makeWorkspace(emptyFolder, {}));
    const CliOutcome empty = cli({ QStringLiteral("usage"), QStringLiteral("tail") }, emptyFolder);
    VERIFY_OUTCOME(empty.exitCode == 0 && empty.out.isEmpty() && empty.err.contains(QStringLiteral("no requests")), empty);
}

void TestCliUsage::tailJson()
{
    const CliOutcome two = usage({ QStringLiteral("tail"), QStringLiteral("-n"), QStringLiteral("2"), QStringLiteral("--json") });
    VERIFY_OUTCOME(two.exitCode == 0, two);
    const QList<QJsonObject> rows = jsonLines(two.out);
    QCOMPARE(idsOf(rows), (QStringList { QStringLiteral("req_e_streamed"), QStringLiteral("req_f_cancelled") }));
    QCOMPARE(rows.first().keys().size(), kColumns.size());
    QCOMPARE(rows.first().value(QStringLiteral("cost")).toString(), QStringLiteral("0.0012"));
    QCOMPARE(rows.first().value(QStringLiteral("attempts")).toInteger(), 1);

    const CliOutcome none = usage({ QStringLiteral("tail"), QStringLiteral("-n"), QStringLiteral("0"), QStringLiteral("--json") });
    VERIFY_OUTCOME(none.exitCode == 0 && none.out.isEmpty(), none);
    const CliOutcome more = usage({ QStringLiteral("tail"), QStringLiteral("-n"), QStringLiteral("100"), QStringLiteral("--json") });
    VERIFY_OUTCOME(more.exitCode == 0, more);
    QCOMPARE(idsOf(jsonLines(more.out)), idsOf(m_records));
}

void TestCliUsage::tailFollowJson()
{
    QProcess process;
    process.start(kGateway, { QStringLiteral("--workspace"), m_workspace, QStringLiteral("usage"), QStringLiteral("tail"),
                                QStringLiteral("-f"), QStringLiteral("--json"), QStringLiteral("-n"), QStringLiteral("2") });
    QVERIFY(process.waitForStarted(10000));
    QByteArray pending;
    QStringList lines = readLines(process, pending, 2);
    QCOMPARE(idsOf(jsonLines(lines.join(QLatin1Char('\n')))),
        (QStringList { QStringLiteral("req_e_streamed"), QStringLiteral("req_f_cancelled") }));

    // Started before everything else, written now: tailing follows the commit order.
    UsageRecord g = baseRecord(QStringLiteral("req_g_late"), at("2026-02-01T00:00:00.000Z"));
    g.cost = Money::parse("0.5");
    QVERIFY(append(m_workspace, { g }));
    lines = readLines(process, pending, 1);
    QCOMPARE(lines.size(), 1);
    const QJsonObject gRow = jsonLines(lines.first()).value(0);
    QCOMPARE(gRow.value(QStringLiteral("id")).toString(), QStringLiteral("req_g_late"));
    QCOMPARE(gRow.value(QStringLiteral("cost")).toString(), QStringLiteral("0.5"));

    QVERIFY(append(m_workspace, { baseRecord(QStringLiteral("req_h"), at("2026-03-02T00:00:00.000Z")),
                                    baseRecord(QStringLiteral("req_i"), at("2026-03-02T00:00:01.000Z")) }));
    lines = readLines(process, pending, 2);
    QCOMPARE(idsOf(jsonLines(lines.join(QLatin1Char('\n')))), (QStringList { QStringLiteral("req_h"), QStringLiteral("req_i") }));
    // Several polls later, the next line is the next row: nothing printed twice.
    QVERIFY(append(m_workspace, { baseRecord(QStringLiteral("req_j"), at("2026-03-02T00:00:02.000Z")) }));
    lines = readLines(process, pending, 1);
    QCOMPARE(idsOf(jsonLines(lines.join(QLatin1Char('\n')))), QStringList { QStringLiteral("req_j") });

    process.terminate(); // SIGTERM
    QVERIFY(process.waitForFinished(10000));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 0);
    pending += process.readAllStandardOutput();
    QCOMPARE(pending, QByteArray());
    QCOMPARE(process.readAllStandardError(), QByteArray());
}

void TestCliUsage::tailFollowTable()
{
#ifndef Q_OS_UNIX
    QSKIP("SIGINT is Unix");
#else
    QProcess process;
    process.start(kGateway, { QStringLiteral("--workspace"), m_workspace, QStringLiteral("usage"), QStringLiteral("tail"),
                                QStringLiteral("--follow"), QStringLiteral("-n"), QStringLiteral("0") });
    QVERIFY(process.waitForStarted(10000));
    QByteArray pending;
    QStringList lines = readLines(process, pending, 1);
    QCOMPARE(lines.size(), 1);
    QVERIFY(lines.first().startsWith(QStringLiteral("TIME (UTC)"))); // the header, no old row
    UsageRecord k = baseRecord(QStringLiteral("req_k"), at("2026-03-03T08:00:00.250Z"));
    k.requestedModel = QStringLiteral("mistral-small");
    QVERIFY(append(m_workspace, { k }));
    lines = readLines(process, pending, 1);
    QCOMPARE(lines.size(), 1);
    QVERIFY2(lines.first().startsWith(QStringLiteral("2026-03-03 08:00:00.250")), qUtf8Printable(lines.first()));
    QVERIFY(lines.first().contains(QStringLiteral("mistral-small \u2192 -")));
    QVERIFY(lines.first().contains(QStringLiteral(" unknown ")));

    ::kill(static_cast<pid_t>(process.processId()), SIGINT);
    QVERIFY(process.waitForFinished(10000));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 0);
    pending += process.readAllStandardOutput();
    QCOMPARE(pending, QByteArray());
#endif
}

void TestCliUsage::manyRowsStreamInPages()
{
    // More rows than one page (1000) in every path.
    const QString folder = m_dir.filePath(QStringLiteral("ws-many"));
    constexpr int kRows = 3000;
    const QDateTime base = at("2026-04-01T00:00:00.000Z");
    std::vector<UsageRecord> records;
    records.reserve(kRows);
    for (int i = 0; i < kRows; ++i) {
        UsageRecord r = baseRecord(QStringLiteral("req_%1").arg(i, 5, 10, QLatin1Char('0')), base.addSecs(i));
        r.promptTokens = i;
        if (i % 3 != 0)
            r.cost = Money::fromNanos(i);
        records.push_back(r);
    }
    QVERIFY(makeWorkspace(folder, records));
    auto run = [&](const QStringList &arguments) { return cli(QStringList { QStringLiteral("usage") } + arguments, folder); };

    const CliOutcome jsonl = run({ QStringLiteral("export"), QStringLiteral("--format"), QStringLiteral("jsonl") });
    VERIFY_OUTCOME(jsonl.exitCode == 0, jsonl);
    const QList<QJsonObject> rows = jsonLines(jsonl.out);
    QCOMPARE(rows.size(), kRows);
    QCOMPARE(idsOf(rows), idsOf(records));
    QCOMPARE(rows.at(1500).value(QStringLiteral("prompt_tokens")).toInteger(), 1500);
    QVERIFY(rows.at(1500).value(QStringLiteral("cost")).isNull());
    QCOMPARE(rows.at(1501).value(QStringLiteral("cost")).toString(), QStringLiteral("0.000001501"));

    const CliOutcome csv = run({ QStringLiteral("export"), QStringLiteral("--format"), QStringLiteral("csv") });
    VERIFY_OUTCOME(csv.exitCode == 0, csv);
    const auto table = parseCsv(csv.out.toUtf8());
    QVERIFY(table.has_value());
    QCOMPARE(table->size(), kRows + 1);
    QCOMPARE(table->last().first(), QStringLiteral("req_02999"));

    // A range across page boundaries: rows 500..2499.
    const CliOutcome range = run({ QStringLiteral("export"), QStringLiteral("--format"), QStringLiteral("jsonl"),
        QStringLiteral("--from"), QStringLiteral("2026-04-01T00:08:20Z"), QStringLiteral("--to"),
        QStringLiteral("2026-04-01T00:41:40Z") });
    VERIFY_OUTCOME(range.exitCode == 0, range);
    const QStringList rangeIds = idsOf(jsonLines(range.out));
    QCOMPARE(rangeIds.size(), 2000);
    QCOMPARE(rangeIds.first(), QStringLiteral("req_00500"));
    QCOMPARE(rangeIds.last(), QStringLiteral("req_02499"));

    // tail -n larger than a page.
    const CliOutcome tail = run({ QStringLiteral("tail"), QStringLiteral("-n"), QStringLiteral("1500"), QStringLiteral("--json") });
    VERIFY_OUTCOME(tail.exitCode == 0, tail);
    QCOMPARE(idsOf(jsonLines(tail.out)), idsOf(records).mid(1500));

    // Rows deleted in the middle of the log leave gaps in seq: tail still
    // shows the last N that exist.
    {
        auto workspace = Workspace::open(folder);
        QVERIFY(workspace);
        QSqlQuery remove(workspace.value()->database());
        QVERIFY(remove.exec(QStringLiteral("DELETE FROM usage_requests WHERE id > 'req_01000' AND id < 'req_02995'")));
        QCOMPARE(remove.numRowsAffected(), 1994);
    }
    QStringList remaining = idsOf(records).mid(0, 1001);
    remaining += idsOf(records).mid(2995);
    const CliOutcome gapped = run({ QStringLiteral("tail"), QStringLiteral("-n"), QStringLiteral("20"), QStringLiteral("--json") });
    VERIFY_OUTCOME(gapped.exitCode == 0, gapped);
    QCOMPARE(idsOf(jsonLines(gapped.out)), remaining.mid(remaining.size() - 20));
    const CliOutcome table20 = run({ QStringLiteral("tail"), QStringLiteral("-n"), QStringLiteral("20") });
    VERIFY_OUTCOME(table20.exitCode == 0, table20);
    QCOMPARE(table20.out.count(QLatin1Char('\n')), 21);
}

QTEST_GUILESS_MAIN(TestCliUsage)
#include "tst_cli_usage.moc"
