// The whole gateway over real loopback sockets: a virtual key, two fake
// providers, the data plane, the usage log in a real workspace database.
// Each test starts a fresh gateway and fresh providers (cool-downs and health
// do not leak between tests); the workspace is shared.

#include "engine/catalog/userdata.h"
#include "engine/gateway/gateway.h"
#include "engine/gateway/metrics/gatewaymetrics.h"
#include "engine/keys/providerkeys.h"
#include "engine/keys/virtualkeys.h"
#include "engine/storage/workspace.h"
#include "engine/usage/sqliteusagestore.h"
#include "engine/usage/usagewriter.h"
#include "tests/support/fakeprovider/fakeprovider.h"
#include "tests/support/fakeprovider/rawhttpclient.h"
#include "tests/support/gatewayfixture.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTemporaryDir>
#include <QTest>

using namespace signalbox;
using namespace signalbox::engine;
using signalbox::testing::FakeBehaviour;
using signalbox::testing::FakeFault;
using signalbox::testing::FakeProvider;
using signalbox::testing::RawHttpClient;
using namespace std::chrono_literals;

namespace {

const QByteArray kProviderKeyA = "sk-fakeA-provider-secret-0123456789abcdefXYZ";
const QByteArray kProviderKeyB = "sk-fakeB-provider-secret-0123456789abcdefXYZ";

QByteArray chatBody(const QString &model, bool stream, const QJsonObject &extra = {})
{
    QJsonObject body { { QStringLiteral("model"), model },
        { QStringLiteral("messages"),
            QJsonArray { QJsonObject { { QStringLiteral("role"), QStringLiteral("user") },
                { QStringLiteral("content"), QStringLiteral("Say hello to Signalbox") } } } } };
    if (stream)
        body.insert(QStringLiteral("stream"), true);
    for (auto it = extra.begin(); it != extra.end(); ++it)
        body.insert(it.key(), it.value());
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

QJsonObject onlyProviders(const QStringList &ids)
{
    return QJsonObject { { QStringLiteral("provider"),
        QJsonObject { { QStringLiteral("only"), QJsonArray::fromStringList(ids) } } } };
}

} // namespace

class TestDataPlane : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<Workspace> m_workspace;
    QByteArray m_secret; // the virtual key
    QString m_keyId;
    std::unique_ptr<FakeProvider> m_a, m_b;
    std::unique_ptr<Gateway> m_gateway;
    std::shared_ptr<const RoutingTable> m_table;
    QList<QByteArray> m_bodiesSeen; // every response body a client got, for the secret scan
    QStringList m_log; // every message the gateway logged

    static TestDataPlane *s_self;
    static void captureLog(QtMsgType, const QMessageLogContext &, const QString &message)
    {
        if (s_self)
            s_self->m_log.append(message);
    }

    void startGateway(DataPlaneOptions options = {}, HttpLimits limits = {})
    {
        tests::GatewayFixture fixture;
        fixture.addProvider(QStringLiteral("fa"), m_a->baseUrl().toString(), QStringLiteral("SBX_TEST_KEY_A"));
        fixture.addProvider(QStringLiteral("fb"), m_b->baseUrl().toString(), QStringLiteral("SBX_TEST_KEY_B"));
        // acme/chat: fa is cheaper (1 / 4 per million) than fb (2 / 8).
        fixture.addOffering({ QStringLiteral("fa"), QStringLiteral("chat-a"), QStringLiteral("acme/chat"),
            tests::flatPrice("1", "4", "0.5") });
        fixture.addOffering({ QStringLiteral("fb"), QStringLiteral("chat-b"), QStringLiteral("acme/chat"),
            tests::flatPrice("2", "8") });
        // acme/free-form: served by fa at an unknown price.
        fixture.addOffering(
            { QStringLiteral("fa"), QStringLiteral("mystery"), QStringLiteral("acme/free-form"), "[]" });
        ProviderKeyResolver resolver;
        m_table = RoutingTable::build(fixture.catalog(), fixture.userData().providers,
            [&resolver](const KeyReference &ref) { return resolver.resolve(ref); });
        QCOMPARE(m_table->usableOfferings(), 3);

        Gateway::Options gatewayOptions;
        gatewayOptions.limits = limits;
        gatewayOptions.routingTable = m_table;
        gatewayOptions.dataPlane = options;
        gatewayOptions.dataPlane.databasePath = m_workspace->databasePath();
        m_gateway = std::make_unique<Gateway>();
        auto started = m_gateway->start(gatewayOptions);
        QVERIFY2(started.ok(), qPrintable(started.ok() ? QString() : started.error().message));
    }

    std::unique_ptr<RawHttpClient> send(
        const QByteArray &method, const QByteArray &path, const QByteArray &body, const QByteArray &key)
    {
        auto client = std::make_unique<RawHttpClient>();
        HttpHeaders headers;
        if (!key.isNull())
            headers.append({ QByteArrayLiteral("Authorization"), "Bearer " + key });
        client->connectToPort(m_gateway->port());
        client->send(RawHttpClient::buildRequest(method, path, body, headers));
        return client;
    }

    std::unique_ptr<RawHttpClient> chat(const QByteArray &body, const QByteArray &key = {})
    {
        auto client = send("POST", "/v1/chat/completions", body, key.isNull() ? m_secret : key);
        if (!QTest::qWaitFor(
                [&] { return client->isComplete() || client->framingError() || client->peerClosed(); }, 10000))
            qWarning("no complete response in 10 s");
        m_bodiesSeen.append(client->raw());
        return client;
    }

    UsageRecord usageRow(const QByteArray &requestId)
    {
        [&] { QVERIFY(m_gateway->usageWriter()->flush(QDeadlineTimer(5000))); }();
        auto store = SqliteUsageStore::open(m_workspace->databasePath());
        if (!store)
            return {};
        auto found = store.value()->find(QString::fromLatin1(requestId));
        if (!found || !found.value())
            return {};
        return *found.value();
    }

    qint64 rowsWithId(const QByteArray &requestId)
    {
        m_gateway->usageWriter()->flush(QDeadlineTimer(5000));
        QSqlQuery query(m_workspace->database());
        query.prepare(QStringLiteral("SELECT count(*) FROM usage_requests WHERE id = ?"));
        query.addBindValue(QString::fromLatin1(requestId));
        if (!query.exec() || !query.next())
            return -1;
        return query.value(0).toLongLong();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        auto workspace = Workspace::open(m_dir.filePath(QStringLiteral("ws")));
        QVERIFY(workspace.ok());
        m_workspace = std::move(workspace.value());
        VirtualKeyStore keys(m_workspace->database());
        auto created = keys.create(QStringLiteral("tests"), QStringLiteral("qa"));
        QVERIFY(created.ok());
        m_secret = created->secret.toLatin1();
        m_keyId = created->key.id;
        qputenv("SBX_TEST_KEY_A", kProviderKeyA);
        qputenv("SBX_TEST_KEY_B", kProviderKeyB);
        qputenv("QT_LOGGING_RULES", "signalbox.*=true");
        s_self = this;
        qInstallMessageHandler(captureLog);
    }

    void init()
    {
        m_a = std::make_unique<FakeProvider>();
        m_b = std::make_unique<FakeProvider>();
        QVERIFY(m_a->listen());
        QVERIFY(m_b->listen());
        m_a->setRequiredApiKey(kProviderKeyA);
        m_b->setRequiredApiKey(kProviderKeyB);
        DataPlaneOptions options;
        options.firstByteTimeout = 400ms;
        options.idleTimeout = 400ms;
        options.connectTimeout = 1000ms;
        options.keyCacheTtl = 0ms;
        startGateway(options);
    }

    void cleanup()
    {
        if (m_gateway)
            m_gateway->stop(1s);
        m_gateway.reset();
        m_a.reset();
        m_b.reset();
    }

    void cleanupTestCase()
    {
        qInstallMessageHandler(nullptr);
        s_self = nullptr;
    }

    void jsonRoundTrip()
    {
        m_a->setDefaultBehaviour(FakeBehaviour { .completionTokens = 8, .promptTokens = 1000, .cachedTokens = 400 });
        auto client = chat(chatBody(QStringLiteral("acme/chat"), false));
        QCOMPARE(client->status(), 200);
        QCOMPARE(client->header("x-signalbox-provider"), QByteArray("fa"));
        QCOMPARE(client->header("x-signalbox-model"), QByteArray("acme/chat"));
        QCOMPARE(client->header("x-signalbox-attempts"), QByteArray("1"));
        QVERIFY(!client->header("x-signalbox-overhead-us").isEmpty());
        const QJsonObject answer = QJsonDocument::fromJson(client->body()).object();
        QVERIFY(!answer.value(QStringLiteral("choices")).toArray().isEmpty());
        QCOMPARE(answer.value(QStringLiteral("provider")).toString(), QStringLiteral("fa"));
        // 600 uncached input at $1/M + 400 cached at $0.5/M + 8 output at $4/M.
        const QByteArray expectedCost = "0.000832";
        QCOMPARE(client->header("x-signalbox-cost"), expectedCost);
        QVERIFY2(client->body().contains(QByteArray("\"cost\":" + expectedCost)), client->body().constData());

        // The provider got our key, its own model id and none of Signalbox's fields.
        const auto sent = m_a->lastRequest();
        QVERIFY(sent);
        QCOMPARE(sent->header("authorization"), "Bearer " + kProviderKeyA);
        QCOMPARE(sent->model, QStringLiteral("chat-a"));

        const UsageRecord row = usageRow(client->header("x-request-id"));
        QCOMPARE(row.status, UsageStatus::Ok);
        QCOMPARE(row.httpStatus, 200);
        QCOMPARE(row.keyId, m_keyId);
        QCOMPARE(row.project, QStringLiteral("qa"));
        QCOMPARE(row.servedProvider, QStringLiteral("fa"));
        QCOMPARE(row.servedModel, QStringLiteral("acme/chat"));
        QCOMPARE(row.promptTokens, 1000);
        QCOMPARE(row.cachedTokens, 400);
        QCOMPARE(row.completionTokens, 8);
        QVERIFY(!row.tokensEstimated);
        QVERIFY(row.cost);
        QCOMPARE(row.cost->toDecimalString(), QString::fromLatin1(expectedCost));
        QCOMPARE(row.attempts.size(), std::size_t(1));
        QVERIFY(row.routeReason.contains(QStringLiteral("cheapest")));
        QVERIFY(row.latencyUs >= row.overheadUs);
    }

    void unpricedIsNotZero()
    {
        auto client = chat(chatBody(QStringLiteral("acme/free-form"), false));
        QCOMPARE(client->status(), 200);
        QCOMPARE(client->header("x-signalbox-cost"), QByteArray("unknown"));
        QVERIFY(client->body().contains("\"cost\":null"));
        const UsageRecord row = usageRow(client->header("x-request-id"));
        QCOMPARE(row.status, UsageStatus::Ok);
        QVERIFY(!row.cost.has_value());
    }

    void streamRelaysEventByEvent()
    {
        // 6 tokens at 10 per second: ~0.5 s between the first and the last.
        m_a->setDefaultBehaviour(FakeBehaviour { .tokensPerSecond = 10, .completionTokens = 6, .promptTokens = 50 });
        auto client = chat(chatBody(QStringLiteral("acme/chat"), true));
        QCOMPARE(client->status(), 200);
        QVERIFY(client->isComplete());
        const auto &events = client->events();
        QVERIFY(events.size() >= 7);
        QCOMPARE(events.last().data, QByteArray("[DONE]"));
        // Not buffered: the first content event reached us long before the last.
        QVERIFY(events.first().at + 300ms < events[events.size() - 2].at);
        // The client did not ask for usage: Signalbox asked for it, and kept it.
        for (const auto &event : events)
            QVERIFY2(!event.data.contains("\"usage\":{"), event.data.constData());
        // Chunks with "usage":null (every chunk but the last, with include_usage)
        // pass untouched: no cost or provider edited in.
        for (qsizetype i = 0; i + 1 < events.size(); ++i) {
            QVERIFY2(events[i].data.contains("\"usage\":null"), events[i].data.constData());
            QVERIFY2(!events[i].data.contains("\"provider\""), events[i].data.constData());
        }
        QCOMPARE(m_a->lastRequest()
                     ->json()
                     .value(QStringLiteral("stream_options"))
                     .toObject()
                     .value(QStringLiteral("include_usage"))
                     .toBool(),
            true);
        const UsageRecord row = usageRow(client->header("x-request-id"));
        QCOMPARE(row.status, UsageStatus::Ok);
        QVERIFY(row.stream);
        QCOMPARE(row.completionTokens, 6);
        QCOMPARE(row.promptTokens, 50);
        QVERIFY(!row.tokensEstimated);
        QVERIFY(row.cost);
        QCOMPARE(row.cost->toDecimalString(), QStringLiteral("0.000074")); // 50 x $1/M + 6 x $4/M
        QVERIFY(row.ttftUs && *row.ttftUs < row.latencyUs);
    }

    void streamWithUsageCarriesCost()
    {
        m_a->setDefaultBehaviour(FakeBehaviour { .completionTokens = 3, .promptTokens = 10 });
        auto client = chat(chatBody(QStringLiteral("acme/chat"), true,
            { { QStringLiteral("stream_options"), QJsonObject { { QStringLiteral("include_usage"), true } } } }));
        QCOMPARE(client->status(), 200);
        const auto &events = client->events();
        QVERIFY(events.size() >= 3);
        QCOMPARE(events.last().data, QByteArray("[DONE]"));
        const QJsonObject usageChunk = QJsonDocument::fromJson(events[events.size() - 2].data).object();
        const QJsonObject usage = usageChunk.value(QStringLiteral("usage")).toObject();
        QCOMPARE(usage.value(QStringLiteral("prompt_tokens")).toInt(), 10);
        QCOMPARE(usage.value(QStringLiteral("cost")).toDouble(), 0.000022); // 10 x 1 + 3 x 4 per million
    }

    void streamWithoutUsageIsEstimated()
    {
        m_a->setDefaultBehaviour(FakeBehaviour { .completionTokens = 5, .usage = false });
        auto client = chat(chatBody(QStringLiteral("acme/chat"), true));
        QCOMPARE(client->status(), 200);
        const UsageRecord row = usageRow(client->header("x-request-id"));
        QCOMPARE(row.status, UsageStatus::Ok);
        QVERIFY(row.tokensEstimated);
        QCOMPARE(row.completionTokens, 5);
        QVERIFY(row.promptTokens > 0);
        QVERIFY(row.cost);
    }

    void failoverBeforeFirstByte_data()
    {
        QTest::addColumn<int>("fault");
        QTest::addColumn<QString>("outcome");
        QTest::addColumn<bool>("stream");
        QTest::newRow("500") << int(FakeFault::Http500) << QStringLiteral("http_500") << false;
        QTest::newRow("503 stream") << int(FakeFault::Http503) << QStringLiteral("http_503") << true;
        QTest::newRow("429") << int(FakeFault::Http429) << QStringLiteral("http_429") << false;
        QTest::newRow("html 502") << int(FakeFault::Html502) << QStringLiteral("http_502") << false;
        QTest::newRow("hang") << int(FakeFault::HangBeforeHeaders) << QStringLiteral("first-byte-timeout") << false;
        QTest::newRow("reset") << int(FakeFault::ResetBeforeHeaders) << QStringLiteral("reset") << true;
        QTest::newRow("truncated json") << int(FakeFault::TruncatedBody) << QString() << false;
        QTest::newRow("malformed json") << int(FakeFault::MalformedSse) << QStringLiteral("malformed_json") << false;
    }

    void failoverBeforeFirstByte()
    {
        QFETCH(int, fault);
        QFETCH(QString, outcome);
        QFETCH(bool, stream);
        m_a->setDefaultBehaviour(FakeBehaviour { .fault = FakeFault(fault), .retryAfterSeconds = 30 });
        auto client = chat(chatBody(QStringLiteral("acme/chat"), stream));
        QCOMPARE(client->status(), 200);
        QCOMPARE(client->header("x-signalbox-provider"), QByteArray("fb"));
        QCOMPARE(client->header("x-signalbox-attempts"), QByteArray("2"));
        QVERIFY(client->header("x-signalbox-fallbacks").startsWith("fa:"));
        if (stream)
            QCOMPARE(client->events().last().data, QByteArray("[DONE]"));
        const QByteArray id = client->header("x-request-id");
        QCOMPARE(rowsWithId(id), 1);
        const UsageRecord row = usageRow(id);
        QCOMPARE(row.status, UsageStatus::Ok);
        QCOMPARE(row.servedProvider, QStringLiteral("fb"));
        QCOMPARE(row.attempts.size(), std::size_t(2));
        QCOMPARE(row.attempts[0].providerId, QStringLiteral("fa"));
        if (!outcome.isEmpty())
            QCOMPARE(row.attempts[0].outcome, outcome);
        // A refusal with a status is not billed; a timeout after sending may be.
        QCOMPARE(row.attempts[0].mayHaveBeenBilled, !outcome.startsWith(QLatin1StringView("http_")));
        QCOMPARE(row.attempts[1].outcome, QStringLiteral("ok"));

        if (FakeFault(fault) == FakeFault::Http429) {
            // Retry-After: 30 keeps fa out of rotation: the next request goes straight to fb.
            const int before = m_a->requestCount();
            auto next = chat(chatBody(QStringLiteral("acme/chat"), false));
            QCOMPARE(next->header("x-signalbox-provider"), QByteArray("fb"));
            QCOMPARE(next->header("x-signalbox-attempts"), QByteArray("1"));
            QCOMPARE(m_a->requestCount(), before);
        }
    }

    void lastFailureReachesClient_data()
    {
        QTest::addColumn<int>("fault");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("usageStatus");
        QTest::newRow("400 passes through") << int(FakeFault::Http400) << 400 << QStringLiteral("upstream_error");
        QTest::newRow("500") << int(FakeFault::Http500) << 500 << QStringLiteral("upstream_error");
        QTest::newRow("503") << int(FakeFault::Http503) << 503 << QStringLiteral("upstream_error");
        QTest::newRow("429") << int(FakeFault::Http429) << 429 << QStringLiteral("upstream_error");
        QTest::newRow("html 502") << int(FakeFault::Html502) << 502 << QStringLiteral("upstream_error");
        QTest::newRow("hang") << int(FakeFault::HangBeforeHeaders) << 504 << QStringLiteral("timeout");
        QTest::newRow("reset") << int(FakeFault::ResetBeforeHeaders) << 502 << QStringLiteral("upstream_error");
    }

    void lastFailureReachesClient()
    {
        QFETCH(int, fault);
        QFETCH(int, status);
        QFETCH(QString, usageStatus);
        m_a->setDefaultBehaviour(FakeBehaviour { .fault = FakeFault(fault),
            .errorMessage = QStringLiteral("Incorrect API key provided: ") + QString::fromLatin1(kProviderKeyA) });
        auto client = chat(chatBody(QStringLiteral("acme/chat"), false, onlyProviders({ QStringLiteral("fa") })));
        QCOMPARE(client->status(), status);
        QVERIFY(client->header("content-type").startsWith("application/json"));
        const QJsonObject error
            = QJsonDocument::fromJson(client->body()).object().value(QStringLiteral("error")).toObject();
        QVERIFY2(!error.value(QStringLiteral("message")).toString().isEmpty(), client->body().constData());
        QVERIFY(!client->body().contains("<html"));
        QVERIFY(!client->body().contains(kProviderKeyA)); // a provider echoing our key: scrubbed
        const UsageRecord row = usageRow(client->header("x-request-id"));
        QCOMPARE(usageStatusName(row.status), usageStatus);
        QCOMPARE(row.httpStatus, status);
        QVERIFY(!row.cost.has_value());
        QVERIFY(row.servedProvider.isEmpty());
        QCOMPARE(row.attempts.size(), std::size_t(1));
    }

    void midStreamFailureEndsWithErrorEvent_data()
    {
        QTest::addColumn<int>("fault");
        QTest::addColumn<QString>("usageStatus");
        QTest::newRow("stall") << int(FakeFault::StallMidStream) << QStringLiteral("timeout");
        QTest::newRow("reset") << int(FakeFault::ResetMidStream) << QStringLiteral("upstream_error");
        QTest::newRow("truncated") << int(FakeFault::TruncatedBody) << QStringLiteral("upstream_error");
        // Framed as a complete body, but the provider never said [DONE].
        QTest::newRow("clean end without [DONE]") << int(FakeFault::EndWithoutDone) << QStringLiteral("upstream_error");
    }

    void midStreamFailureEndsWithErrorEvent()
    {
        QFETCH(int, fault);
        QFETCH(QString, usageStatus);
        m_a->setDefaultBehaviour(
            FakeBehaviour { .completionTokens = 8, .fault = FakeFault(fault), .faultAfterEvents = 3 });
        auto client = chat(chatBody(QStringLiteral("acme/chat"), true));
        QCOMPARE(client->status(), 200);
        QCOMPARE(client->header("x-signalbox-provider"), QByteArray("fa")); // no failover after bytes reached us
        const auto &events = client->events();
        QVERIFY(events.size() >= 4);
        QVERIFY(events.last().data.contains("\"error\""));
        for (const auto &event : events)
            QVERIFY(event.data != "[DONE]");
        const UsageRecord row = usageRow(client->header("x-request-id"));
        QCOMPARE(usageStatusName(row.status), usageStatus);
        QCOMPARE(row.servedProvider, QStringLiteral("fa"));
        QVERIFY(row.completionTokens >= 3);
        QVERIFY(row.tokensEstimated);
        QCOMPARE(row.attempts.size(), std::size_t(1));
        QVERIFY(row.attempts[0].mayHaveBeenBilled);
    }

    void malformedAndSplitEventsAreHandled()
    {
        m_a->setDefaultBehaviour(
            FakeBehaviour { .completionTokens = 5, .fault = FakeFault::MalformedSse, .faultAfterEvents = 2 });
        auto client = chat(chatBody(QStringLiteral("acme/chat"), true));
        QCOMPARE(client->status(), 200);
        QCOMPARE(client->events().last().data, QByteArray("[DONE]"));
        for (const auto &event : client->events())
            QVERIFY2(event.data == "[DONE]" || !QJsonDocument::fromJson(event.data).isNull(), event.data.constData());
        const UsageRecord malformed = usageRow(client->header("x-request-id"));
        QCOMPARE(malformed.status, UsageStatus::Ok);
        QCOMPARE(malformed.errorClass, QStringLiteral("upstream_malformed_events"));
        // Every damaged event dropped, the subtle ones included (two objects in
        // one event, a bad literal, bytes not UTF-8: each with "usage":null).
        QVERIFY2(malformed.errorMessage.startsWith(QStringLiteral("5 malformed event(s)")),
                 qPrintable(malformed.errorMessage));

        m_a->setDefaultBehaviour(FakeBehaviour { .completionTokens = 4, .fault = FakeFault::SplitEvents });
        auto split = chat(chatBody(QStringLiteral("acme/chat"), true));
        QCOMPARE(split->status(), 200);
        QCOMPARE(split->events().last().data, QByteArray("[DONE]"));
        QString text;
        for (const auto &event : split->events()) {
            QVERIFY(event.data == "[DONE]" || !QJsonDocument::fromJson(event.data).isNull());
            const QJsonObject chunk = QJsonDocument::fromJson(event.data).object();
            for (const QJsonValue &choice : chunk.value(QStringLiteral("choices")).toArray())
                text += choice.toObject()
                            .value(QStringLiteral("delta"))
                            .toObject()
                            .value(QStringLiteral("content"))
                            .toString();
        }
        QVERIFY2(
            text.startsWith(QStringLiteral("token0")) && text.contains(QStringLiteral("token3")), qPrintable(text));
    }

    void clientDisconnectCancelsUpstream()
    {
        m_a->setDefaultBehaviour(FakeBehaviour { .tokensPerSecond = 20, .completionTokens = 200 });
        auto client = send("POST", "/v1/chat/completions", chatBody(QStringLiteral("acme/chat"), true), m_secret);
        QVERIFY(QTest::qWaitFor([&] { return client->events().size() >= 3; }, 5000));
        const QByteArray id = client->header("x-request-id");
        const auto leftAt = RawHttpClient::Clock::now();
        client->abort();
        QVERIFY(QTest::qWaitFor([&] { return m_a->cancelledRequests() == 1; }, 2000));
        const auto cancelledAt = m_a->lastRequest()->cancelledAt();
        QVERIFY(cancelledAt);
        const auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(*cancelledAt - leftAt);
        qInfo("upstream cancelled %lld ms after the client left", static_cast<long long>(delay.count()));
        QVERIFY(delay < 100ms);
        QVERIFY(QTest::qWaitFor([&] { return rowsWithId(id) == 1; }, 3000));
        const UsageRecord row = usageRow(id);
        QCOMPARE(row.status, UsageStatus::Cancelled);
        QCOMPARE(row.errorClass, QStringLiteral("client_disconnected"));
        QVERIFY(row.completionTokens >= 2);
        QVERIFY(row.completionTokens < 200);
        QVERIFY(row.cost);
    }

    void authIsRequired()
    {
        auto missing = send("POST", "/v1/chat/completions", chatBody(QStringLiteral("acme/chat"), false), QByteArray());
        QVERIFY(QTest::qWaitFor([&] { return missing->isComplete(); }, 5000));
        QCOMPARE(missing->status(), 401);
        QCOMPARE(QJsonDocument::fromJson(missing->body())
                     .object()
                     .value(QStringLiteral("error"))
                     .toObject()
                     .value(QStringLiteral("code"))
                     .toString(),
            QStringLiteral("invalid_api_key"));
        auto wrong = chat(chatBody(QStringLiteral("acme/chat"), false),
            "sbk_AAAAAAAAAAAA_wrongwrongwrongwrongwrongwrongwrongwrongwro");
        QCOMPARE(wrong->status(), 401);
        QCOMPARE(m_a->requestCount() + m_b->requestCount(), 0);
        // The Host header changes nothing.
        auto client = std::make_unique<RawHttpClient>();
        client->connectToPort(m_gateway->port());
        client->send(RawHttpClient::buildRequest(
            "GET", "/v1/models", {}, { { QByteArrayLiteral("Host"), QByteArrayLiteral("localhost") } }));
        QVERIFY(QTest::qWaitFor([&] { return client->isComplete(); }, 5000));
        QCOMPARE(client->status(), 401);
        const UsageRecord row = usageRow(wrong->header("x-request-id"));
        QCOMPARE(row.status, UsageStatus::ClientError);
        QCOMPARE(row.httpStatus, 401);

        // A revoked key stops working (the cache TTL is 0 in these tests).
        VirtualKeyStore keys(m_workspace->database());
        auto created = keys.create(QStringLiteral("short-lived"));
        QVERIFY(created.ok());
        QCOMPARE(chat(chatBody(QStringLiteral("acme/chat"), false), created->secret.toLatin1())->status(), 200);
        QVERIFY(keys.revoke(QStringLiteral("short-lived")).ok());
        QCOMPARE(chat(chatBody(QStringLiteral("acme/chat"), false), created->secret.toLatin1())->status(), 401);
    }

    void badRequests()
    {
        QCOMPARE(chat("{not json")->status(), 400);
        QCOMPARE(chat("{\"model\":\"acme/chat\"}")->status(), 400);
        auto unknown = chat(chatBody(QStringLiteral("nobody/nothing"), false));
        QCOMPARE(unknown->status(), 404);
        QCOMPARE(QJsonDocument::fromJson(unknown->body())
                     .object()
                     .value(QStringLiteral("error"))
                     .toObject()
                     .value(QStringLiteral("code"))
                     .toString(),
            QStringLiteral("model_not_found"));
        const UsageRecord row = usageRow(unknown->header("x-request-id"));
        QCOMPARE(row.status, UsageStatus::ClientError);
        QCOMPARE(row.requestedModel, QStringLiteral("nobody/nothing"));
    }

    void limitsAndSlowClients()
    {
        cleanup();
        init();
        HttpLimits limits;
        limits.maxBodyBytes = 4096;
        limits.maxHeaderBytes = 2048;
        limits.headerTimeout = 300ms;
        m_gateway->stop(0ms);
        DataPlaneOptions options;
        options.keyCacheTtl = 0ms;
        startGateway(options, limits);
        const auto refusedRows = [this] {
            m_gateway->usageWriter()->flush(QDeadlineTimer(5000));
            QSqlQuery query(m_workspace->database());
            QStringList rows;
            if (query.exec(QStringLiteral("SELECT http_status, error_class, endpoint FROM usage_requests"
                                          " WHERE http_status IN (408, 413, 431) ORDER BY http_status")))
                while (query.next())
                    rows << QStringLiteral("%1 %2 %3").arg(query.value(0).toString(), query.value(1).toString(),
                                                           query.value(2).toString());
            return rows;
        };
        QCOMPARE(refusedRows(), QStringList());
        QJsonObject big { { QStringLiteral("padding"), QString(8000, QLatin1Char('x')) } };
        QCOMPARE(chat(chatBody(QStringLiteral("acme/chat"), false, big))->status(), 413);
        auto headers = std::make_unique<RawHttpClient>();
        headers->connectToPort(m_gateway->port());
        headers->send(RawHttpClient::buildRequest(
            "GET", "/v1/models", {}, { { QByteArrayLiteral("X-Big"), QByteArray(4000, 'h') } }));
        QVERIFY(QTest::qWaitFor([&] { return headers->isComplete(); }, 5000));
        QCOMPARE(headers->status(), 431);
        // Slowloris: a header block trickled byte by byte never completes in time.
        auto slow = std::make_unique<RawHttpClient>();
        slow->connectToPort(m_gateway->port());
        slow->send("GET /v1/models HTTP/1.1\r\n");
        QVERIFY(QTest::qWaitFor([&] { return slow->isComplete() || slow->peerClosed(); }, 3000));
        QCOMPARE(slow->status(), 408);
        // Refused by the HTTP layer, yet each reached the gateway: one row each.
        const QStringList rows = refusedRows();
        QCOMPARE(rows.size(), 3);
        QVERIFY2(rows.at(0).startsWith(QStringLiteral("408 ")), qPrintable(rows.join(QLatin1Char('|'))));
        QVERIFY2(rows.at(1).startsWith(QStringLiteral("413 ")) && rows.at(1).endsWith(QStringLiteral("/v1/chat/completions")),
                 qPrintable(rows.join(QLatin1Char('|'))));
        QVERIFY2(rows.at(2).startsWith(QStringLiteral("431 ")), qPrintable(rows.join(QLatin1Char('|'))));
    }

    void modelsKeyAndMetrics()
    {
        auto models = send("GET", "/v1/models", {}, m_secret);
        QVERIFY(QTest::qWaitFor([&] { return models->isComplete(); }, 5000));
        QCOMPARE(models->status(), 200);
        const QJsonArray data
            = QJsonDocument::fromJson(models->body()).object().value(QStringLiteral("data")).toArray();
        QJsonObject chatModel;
        QStringList ids;
        for (const QJsonValue &v : data) {
            ids.append(v.toObject().value(QStringLiteral("id")).toString());
            if (ids.last() == QLatin1StringView("acme/chat"))
                chatModel = v.toObject();
        }
        QVERIFY2(ids.contains(QStringLiteral("fa/chat-a")), qPrintable(ids.join(QLatin1Char(' '))));
        QCOMPARE(chatModel.value(QStringLiteral("pricing")).toObject().value(QStringLiteral("prompt")).toString(),
            QStringLiteral("0.000001")); // the cheapest provider's, per token
        QCOMPARE(chatModel.value(QStringLiteral("object")).toString(), QStringLiteral("model"));

        QCOMPARE(chat(chatBody(QStringLiteral("acme/chat"), false))->status(), 200);
        auto key = send("GET", "/v1/key", {}, m_secret);
        QVERIFY(QTest::qWaitFor([&] { return key->isComplete(); }, 5000));
        QCOMPARE(key->status(), 200);
        const QJsonObject keyData
            = QJsonDocument::fromJson(key->body()).object().value(QStringLiteral("data")).toObject();
        QCOMPARE(keyData.value(QStringLiteral("label")).toString(), QStringLiteral("tests"));

        auto metrics = send("GET", "/metrics", {}, QByteArray());
        QVERIFY(QTest::qWaitFor([&] { return metrics->isComplete(); }, 5000));
        QCOMPARE(metrics->status(), 200);
        QVERIFY2(metrics->body().contains("signalbox_requests_total{"), metrics->body().left(500).constData());
        QVERIFY(metrics->body().contains("provider=\"fa\""));
        // The usage writer's health, for alerts on lost accounting.
        QVERIFY2(metrics->body().contains("\nsignalbox_usage_rows_rejected 0\n"), metrics->body().constData());
        QVERIFY(metrics->body().contains("\nsignalbox_usage_rows_abandoned 0\n"));
        QVERIFY(metrics->body().contains("\nsignalbox_usage_writer_failing 0\n"));
        QVERIFY(metrics->body().contains("\nsignalbox_usage_writer_raises "));
        QVERIFY(metrics->body().contains("\nsignalbox_usage_writer_idle_priority 0\n")
                || metrics->body().contains("\nsignalbox_usage_writer_idle_priority 1\n"));
    }

    // Last: everything the earlier tests sent and logged.
    void zzNoSecretLeaks()
    {
        // Every response body and header a client saw.
        for (const QByteArray &raw : std::as_const(m_bodiesSeen)) {
            QVERIFY(!raw.contains(kProviderKeyA));
            QVERIFY(!raw.contains(kProviderKeyB));
            QVERIFY(!raw.contains(m_secret));
        }
        // Every log line the gateway wrote (debug included).
        QVERIFY(m_log.size() > 0);
        for (const QString &line : std::as_const(m_log)) {
            QVERIFY2(!line.contains(QString::fromLatin1(kProviderKeyA)), qPrintable(line));
            QVERIFY2(!line.contains(QString::fromLatin1(m_secret)), qPrintable(line));
        }
        // Every column of every row of every table of the workspace database.
        QSqlDatabase db = m_workspace->database();
        int cells = 0;
        for (const QString &table : db.tables()) {
            QSqlQuery query(db);
            QVERIFY(query.exec(QStringLiteral("SELECT * FROM \"%1\"").arg(table)));
            while (query.next()) {
                for (int c = 0; c < query.record().count(); ++c) {
                    const QByteArray cell = query.value(c).toByteArray();
                    ++cells;
                    QVERIFY2(!cell.contains(kProviderKeyA) && !cell.contains(kProviderKeyB) && !cell.contains(m_secret),
                        qPrintable(table));
                }
            }
        }
        QVERIFY(cells > 100);
    }
};

TestDataPlane *TestDataPlane::s_self = nullptr;

QTEST_GUILESS_MAIN(TestDataPlane)
#include "tst_dataplane.moc"
