// The data plane's pure parts: byte-exact JSON edits, SSE reassembly, request
// parsing and routing decisions. No sockets here; tst_dataplane drives the
// whole gateway over loopback.

#include "engine/catalog/userstore.h"
#include "engine/gateway/dataplane/chatrequest.h"
#include "engine/gateway/dataplane/jsonsplice.h"
#include "engine/gateway/dataplane/jsonvalidate.h"
#include "engine/gateway/dataplane/routing.h"
#include "engine/gateway/dataplane/sse.h"
#include "engine/gateway/gateway.h"
#include "engine/storage/workspace.h"
#include "tests/gateway/dataplane_samples.h"
#include "tests/support/gatewayfixture.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace signalbox::engine;
using namespace signalbox::tests;

namespace {
Result<QByteArray> keyFromEnvironment(const KeyReference &reference)
{
    if (reference.kind == KeyReference::Kind::Environment) {
        const QByteArray value = qgetenv(reference.ref.toLatin1().constData());
        if (value.isEmpty())
            return Error{QStringLiteral("key-missing"), QStringLiteral("set %1").arg(reference.ref)};
        return value;
    }
    return QByteArray();
}
} // namespace

class TestDataPlaneUnits : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // The validator the relay uses instead of building a QJsonDocument:
    // agrees with QJsonDocument on everything a provider might send.
    void wellFormedJson_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<bool>("wellFormed");
        QTest::newRow("chunk") << QByteArray("{\"choices\":[{\"delta\":{\"content\":\"hi\"}}],\"usage\":null}") << true;
        QTest::newRow("spaces around") << QByteArray(" \n{\"a\": [1, 2.5e3, -0, true, false, null]}\r\n") << true;
        QTest::newRow("utf-8 and escapes") << QByteArray("{\"t\":\"caf\xC3\xA9 \\u00e9 \\ud83d\\ude00\"}") << true;
        QTest::newRow("two objects") << QByteArray("{\"usage\":null}{\"usage\":null}") << false;
        QTest::newRow("bad literal") << QByteArray("{\"x\":nul,\"usage\":null}") << false;
        QTest::newRow("not utf-8") << QByteArray("{\"t\":\"\xC3\x28\",\"usage\":null}") << false;
        QTest::newRow("half") << QByteArray("{\"choices\":[{\"delta\":{\"con") << false;
        QTest::newRow("trailing comma") << QByteArray("{\"a\":1,}") << false;
        QTest::newRow("NaN") << QByteArray("{\"a\":NaN}") << false;
        QTest::newRow("comment") << QByteArray("{\"a\":1 /* x */}") << false;
        QTest::newRow("empty") << QByteArray() << false;
        QTest::newRow("spaces only") << QByteArray("  \n") << false;
        QTest::newRow("control character in string") << QByteArray("{\"a\":\"x\ty\"}") << false;
        QTest::newRow("nul byte after") << QByteArray("{}\0", 3) << false;
        QTest::newRow("deep nesting") << (QByteArray(100000, '[') + QByteArray(100000, ']')) << true;
        QTest::newRow("deep and unclosed") << QByteArray(100000, '[') << false;
    }
    void wellFormedJson()
    {
        QFETCH(QByteArray, json);
        QFETCH(bool, wellFormed);
        QCOMPARE(isWellFormedJson(json), wellFormed);
        // The same verdict as Qt's parser, except where Qt is lenient (a raw
        // control character in a string, which RFC 8259 and clients refuse)
        // or limited (nesting).
        if (json.size() < 1000 && QByteArrayView(QTest::currentDataTag()) != "control character in string") {
            QJsonParseError error {};
            QJsonDocument::fromJson(json, &error);
            QCOMPARE(error.error == QJsonParseError::NoError, wellFormed);
        }
    }

    void spliceKeepsOtherBytes()
    {
        const QByteArray body(samples::kRequestWithOwnedFields);
        auto members = jsonObjectMembers(body);
        QVERIFY(members);
        QCOMPARE(members->size(), 7);
        QCOMPARE(members->at(1).key, QByteArrayView("seed"));
        QCOMPARE(members->at(1).value, QByteArrayView("9007199254740993"));

        auto chat = ChatRequest::parse(body);
        QVERIFY2(chat.ok(), qPrintable(chat.ok() ? QString() : chat.error().message));
        QCOMPARE(chat->models, QStringList({QStringLiteral("alpha/chat"), QStringLiteral("beta/chat")}));
        QVERIFY(chat->clientWantsUsage);
        QCOMPARE(chat->provider.order, QStringList{QStringLiteral("b")});

        const QByteArray upstream = chat->upstreamBody(QStringLiteral("chat-v2"));
        // Owned fields are gone or replaced; everything else is byte-identical.
        QVERIFY(upstream.contains("\"model\":\"chat-v2\""));
        QVERIFY(!upstream.contains("\"models\""));
        QVERIFY(!upstream.contains("\"provider\""));
        QVERIFY(!upstream.contains("\"usage\""));
        QVERIFY(upstream.contains("\"seed\":9007199254740993"));
        QVERIFY(upstream.contains("\"temperature\":0.30000000000000004"));
        QVERIFY(upstream.contains("\"content\": \"say {\\\"hi\\\"} ]\""));
        QVERIFY(!QJsonDocument::fromJson(upstream).isNull());
    }

    void spliceStreamForcesUsage()
    {
        auto chat = ChatRequest::parse("{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        QVERIFY(chat.ok());
        QVERIFY(chat->stream);
        QVERIFY(!chat->clientWantsUsage);
        const QJsonObject sent = QJsonDocument::fromJson(chat->upstreamBody(QStringLiteral("m"))).object();
        QCOMPARE(sent.value(QStringLiteral("stream_options")).toObject().value(QStringLiteral("include_usage")).toBool(), true);
    }

    void spliceEditsAndRejects()
    {
        auto edited = jsonObjectWithEdits(samples::kUpstreamAnswer, {{"provider", jsonQuoted("fake")}});
        QVERIFY(edited);
        QVERIFY(edited->endsWith(",\"provider\":\"fake\"}"));
        QVERIFY(!jsonObjectWithEdits("[1,2]", {}));
        QVERIFY(!jsonObjectMembers("{\"a\":}"));
        QCOMPARE(jsonObjectWithEdits("{}", {{"a", "1"}}).value(), QByteArray("{\"a\":1}"));
        // A duplicated key is replaced once.
        QCOMPARE(jsonObjectWithEdits("{\"a\":1,\"b\":2,\"a\":3}", {{"a", "9"}}).value(), QByteArray("{\"a\":9,\"b\":2}"));
        QCOMPARE(jsonQuoted("a\"b\\c\n\x01"), QByteArray("\"a\\\"b\\\\c\\n\\u0001\""));
    }

    void parseErrors_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("empty") << QByteArray("  ") << QStringLiteral("empty");
        QTest::newRow("not json") << QByteArray("{model") << QStringLiteral("not valid JSON");
        QTest::newRow("array") << QByteArray("[]") << QStringLiteral("JSON object");
        QTest::newRow("no model") << QByteArray("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}") << QStringLiteral("model is required");
        QTest::newRow("model number") << QByteArray("{\"model\":5,\"messages\":[{\"role\":\"user\"}]}") << QStringLiteral("model must be");
        QTest::newRow("no messages") << QByteArray("{\"model\":\"m\"}") << QStringLiteral("messages is required");
        QTest::newRow("message no role") << QByteArray("{\"model\":\"m\",\"messages\":[{\"content\":\"x\"}]}") << QStringLiteral("role");
        QTest::newRow("stream string") << QByteArray("{\"model\":\"m\",\"stream\":\"yes\",\"messages\":[{\"role\":\"user\"}]}") << QStringLiteral("stream must");
        QTest::newRow("bad sort") << QByteArray("{\"model\":\"m\",\"messages\":[{\"role\":\"user\"}],\"provider\":{\"sort\":\"vibes\"}}") << QStringLiteral("provider.sort");
        QTest::newRow("bad order") << QByteArray("{\"model\":\"m\",\"messages\":[{\"role\":\"user\"}],\"provider\":{\"order\":\"a\"}}") << QStringLiteral("provider.order");
        QTest::newRow("bad max price") << QByteArray("{\"model\":\"m\",\"messages\":[{\"role\":\"user\"}],\"provider\":{\"max_price\":{\"prompt\":-1}}}") << QStringLiteral("max_price.prompt");
        QTest::newRow("bad models") << QByteArray("{\"model\":\"m\",\"models\":[1],\"messages\":[{\"role\":\"user\"}]}") << QStringLiteral("models must");
    }

    void parseErrors()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, fragment);
        auto chat = ChatRequest::parse(body);
        QVERIFY(!chat.ok());
        QVERIFY2(chat.error().message.contains(fragment), qPrintable(chat.error().message));
    }

    void sseReassemblesAtEveryCut()
    {
        const QByteArray stream = "data: {\"a\":1}\n\n: keep-alive\n\ndata: {\"b\":\ndata: 2}\r\n\r\ndata: [DONE]\n\n";
        for (qsizetype cut = 0; cut <= stream.size(); ++cut) {
            for (qsizetype cut2 = cut; cut2 <= stream.size(); cut2 += 7) {
                SseAssembler assembler;
                QList<QByteArray> raws, datas;
                const auto collect = [&](const SseEvent &e) {
                    raws.append(e.raw.toByteArray());
                    datas.append(e.hasData ? e.data : QByteArray("<comment>"));
                };
                QVERIFY(assembler.feed(QByteArrayView(stream).first(cut), collect));
                QVERIFY(assembler.feed(QByteArrayView(stream).sliced(cut, cut2 - cut), collect));
                QVERIFY(assembler.feed(QByteArrayView(stream).sliced(cut2), collect));
                QCOMPARE(datas, QList<QByteArray>({"{\"a\":1}", "<comment>", "{\"b\":\n2}", "[DONE]"}));
                QCOMPARE(raws.join(), stream); // forwarded bytes are exactly the received ones
                QVERIFY(!assembler.hasPending());
            }
        }
    }

    void sseRefusesEndlessEvent()
    {
        SseAssembler assembler;
        const QByteArray piece(1024 * 1024, 'x');
        bool ok = true;
        for (int i = 0; i < 9 && ok; ++i)
            ok = assembler.feed(piece, [](const SseEvent &) {});
        QVERIFY(!ok);
    }

    void routingCheapestFirstAndResolution()
    {
        qputenv("SBX_UNIT_KEY_A", "key-a");
        qunsetenv("SBX_UNIT_KEY_MISSING");
        GatewayFixture fixture;
        fixture.addProvider(QStringLiteral("pa"), QStringLiteral("http://127.0.0.1:1/v1"), QStringLiteral("SBX_UNIT_KEY_A"));
        fixture.addProvider(QStringLiteral("pb"), QStringLiteral("http://127.0.0.1:2/v1/"));
        fixture.addProvider(QStringLiteral("pc"), QStringLiteral("http://127.0.0.1:3/v1"), QStringLiteral("SBX_UNIT_KEY_MISSING"));
        fixture.addProvider(QStringLiteral("pd"), QStringLiteral("http://127.0.0.1:4/v1"));
        fixture.addOffering({QStringLiteral("pa"), QStringLiteral("chat-a"), QStringLiteral("acme/chat"), flatPrice("2", "8")});
        fixture.addOffering({QStringLiteral("pb"), QStringLiteral("chat-b"), QStringLiteral("acme/chat"), flatPrice("1", "4")});
        fixture.addOffering({QStringLiteral("pc"), QStringLiteral("chat-c"), QStringLiteral("acme/chat"), flatPrice("0.1", "0.1")});
        fixture.addOffering({QStringLiteral("pd"), QStringLiteral("chat-d"), QStringLiteral("acme/chat"), "[]"});
        const auto table = RoutingTable::build(fixture.catalog(), fixture.userData().providers, keyFromEnvironment);
        QCOMPARE(table->usableOfferings(), 3);
        QCOMPARE(table->secrets(), std::vector<QByteArray>{QByteArray("key-a")});

        const auto byName = [&](const char *name) { return table->resolve(QString::fromLatin1(name)); };
        QCOMPARE(byName("acme/chat").offerings.size(), std::size_t(4));
        QCOMPARE(byName("ACME/Chat").modelId, QStringLiteral("acme/chat"));
        QCOMPARE(byName("chat").modelId, QStringLiteral("acme/chat"));   // short name
        QCOMPARE(byName("chat-b").modelId, QStringLiteral("acme/chat")); // provider's own id
        const auto pinned = byName("pa/chat-a");
        QVERIFY(pinned.pinned);
        QCOMPARE(pinned.pinned->provider->id, QStringLiteral("pa"));
        QVERIFY(byName("nope").offerings.empty());

        // The workspace's aliases are names clients may use too.
        const std::vector<ModelAlias> aliases{{QStringLiteral("house-chat"), QStringLiteral("acme/chat"), {}},
                                              {QStringLiteral("ghost"), QStringLiteral("acme/unserved"), {}}};
        const auto aliased = RoutingTable::build(fixture.catalog(), fixture.userData().providers, keyFromEnvironment,
                                                 QDateTime::currentDateTimeUtc(), aliases);
        QCOMPARE(aliased->resolve(QStringLiteral("House-Chat")).modelId, QStringLiteral("acme/chat"));
        QCOMPARE(aliased->resolve(QStringLiteral("house-chat")).offerings.size(), std::size_t(4));
        QVERIFY(aliased->resolve(QStringLiteral("ghost")).modelId.isEmpty()); // nobody serves the target
        QVERIFY(table->resolve(QStringLiteral("house-chat")).modelId.isEmpty()); // without the alias: unknown

        HealthBoard health;
        DefaultRouter router;
        auto chat = ChatRequest::parse("{\"model\":\"acme/chat\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        QVERIFY(chat.ok());
        RouteDecision decision = router.route(chat.value(), *table, health);
        QCOMPARE(decision.status, 200);
        QCOMPARE(decision.candidates.size(), std::size_t(3)); // pc has no key
        QCOMPARE(decision.candidates[0].offering->provider->id, QStringLiteral("pb"));
        QCOMPARE(decision.candidates[1].offering->provider->id, QStringLiteral("pa"));
        QCOMPARE(decision.candidates[2].offering->provider->id, QStringLiteral("pd")); // unknown price last
        QVERIFY(decision.candidates[0].reason.contains(QStringLiteral("cheapest first")));
        QVERIFY(decision.candidates[2].reason.contains(QStringLiteral("unknown")));

        // A 429 cool-down takes pb out of rotation.
        health.coolDown(QStringLiteral("pb/chat-b"), std::chrono::seconds(30));
        decision = router.route(chat.value(), *table, health);
        QCOMPARE(decision.candidates.front().offering->provider->id, QStringLiteral("pa"));
    }

    // The console's in-memory sandbox provider and a workspace provider with
    // the same id: the workspace's keeps its own key, and the in-memory one is
    // left out with its model, which then does not route at all.
    void inMemoryProvidersNeverShadowTheWorkspace()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        auto workspace = Workspace::open(dir.path());
        QVERIFY(workspace);
        qputenv("SBX_UNIT_SHADOW_KEY", "real-provider-key");
        CatalogUserStore store(workspace.value()->database());
        CustomProvider real{QStringLiteral("sandbox"), QStringLiteral("Real"), QStringLiteral("https://real.example.com/v1"),
                            ApiDialect::OpenAI, {KeyReference::Kind::Environment, QStringLiteral("SBX_UNIT_SHADOW_KEY")}, {}};
        QVERIFY(store.addProvider(real));
        CustomOffering big;
        big.providerId = QStringLiteral("sandbox");
        big.providerModelId = QStringLiteral("big-model");
        big.modelId = QStringLiteral("acme/big-model");
        QVERIFY(store.addOffering(big));

        UserData inMemory;
        inMemory.providers.push_back({QStringLiteral("sandbox"), QStringLiteral("Sandbox (simulated)"),
                                      QStringLiteral("http://127.0.0.1:9/v1"), ApiDialect::OpenAI, {}, {}});
        CustomOffering simulated;
        simulated.providerId = QStringLiteral("sandbox");
        simulated.providerModelId = QStringLiteral("chat-simulated");
        simulated.modelId = QStringLiteral("sandbox/chat-simulated");
        inMemory.offerings.push_back(simulated);

        GatewayFixture fixture;
        auto table = Gateway::loadRoutingTable(workspace.value()->database(), *fixture.catalog(), inMemory);
        QVERIFY(table);
        const auto resolved = table.value()->resolve(QStringLiteral("sandbox/big-model"));
        QVERIFY(resolved.pinned);
        QCOMPARE(resolved.pinned->provider->chatUrl, QByteArray("https://real.example.com/v1/chat/completions"));
        QCOMPARE(resolved.pinned->provider->apiKey, QByteArray("real-provider-key"));
        QVERIFY(table.value()->resolve(QStringLiteral("sandbox/chat-simulated")).offerings.empty());

        // Without the clash, the in-memory provider routes as itself.
        QVERIFY(store.removeProvider(QStringLiteral("sandbox")));
        table = Gateway::loadRoutingTable(workspace.value()->database(), *fixture.catalog(), inMemory);
        QVERIFY(table);
        const auto sandbox = table.value()->resolve(QStringLiteral("sandbox/chat-simulated"));
        QCOMPARE(sandbox.offerings.size(), std::size_t(1));
        QCOMPARE(sandbox.offerings.front()->provider->chatUrl, QByteArray("http://127.0.0.1:9/v1/chat/completions"));
        QVERIFY(sandbox.offerings.front()->provider->apiKey.isEmpty());
    }

    void routingPreferences()
    {
        GatewayFixture fixture;
        fixture.addProvider(QStringLiteral("pa"), QStringLiteral("http://127.0.0.1:1/v1"));
        fixture.addProvider(QStringLiteral("pb"), QStringLiteral("http://127.0.0.1:2/v1"));
        fixture.addProvider(QStringLiteral("pc"), QStringLiteral("http://127.0.0.1:3/v1"));
        fixture.addOffering({QStringLiteral("pa"), QStringLiteral("m"), QStringLiteral("acme/chat"), flatPrice("2", "8")});
        fixture.addOffering({QStringLiteral("pb"), QStringLiteral("m"), QStringLiteral("acme/chat"), flatPrice("1", "4")});
        fixture.addOffering({QStringLiteral("pc"), QStringLiteral("m"), QStringLiteral("acme/chat"), flatPrice("3", "3")});
        fixture.addOffering({QStringLiteral("pc"), QStringLiteral("small"), QStringLiteral("acme/small"), flatPrice("0.1", "0.1")});
        const auto table = RoutingTable::build(fixture.catalog(), fixture.userData().providers, keyFromEnvironment);
        HealthBoard health;
        DefaultRouter router;
        const auto providersFor = [&](const char *body) {
            auto chat = ChatRequest::parse(body);
            if (!chat)
                return QStringList{QStringLiteral("parse error: ") + chat.error().message};
            const RouteDecision decision = router.route(chat.value(), *table, health);
            QStringList ids;
            for (const auto &c : decision.candidates)
                ids.append(c.offering->key());
            if (ids.isEmpty())
                ids.append(QString::number(decision.status) + QLatin1Char(' ') + QString::fromLatin1(decision.errorCode));
            return ids;
        };
        QCOMPARE(providersFor("{\"model\":\"acme/chat\",\"messages\":[{\"role\":\"user\"}],\"provider\":{\"order\":[\"pc\"]}}"),
                 QStringList({QStringLiteral("pc/m"), QStringLiteral("pb/m"), QStringLiteral("pa/m")}));
        QCOMPARE(providersFor("{\"model\":\"acme/chat\",\"messages\":[{\"role\":\"user\"}],\"provider\":{\"order\":[\"pc\"],\"allow_fallbacks\":false}}"),
                 QStringList({QStringLiteral("pc/m")}));
        QCOMPARE(providersFor("{\"model\":\"acme/chat\",\"messages\":[{\"role\":\"user\"}],\"provider\":{\"ignore\":[\"pb\"]}}"),
                 QStringList({QStringLiteral("pc/m"), QStringLiteral("pa/m")}));
        QCOMPARE(providersFor("{\"model\":\"acme/chat\",\"messages\":[{\"role\":\"user\"}],\"provider\":{\"only\":[\"pa\",\"pc\"]}}"),
                 QStringList({QStringLiteral("pc/m"), QStringLiteral("pa/m")}));
        // Blended 3:1 per million: pb 1.75, pc 3, pa 3.5. max_price prompt 2.5 drops pc (3).
        QCOMPARE(providersFor("{\"model\":\"acme/chat\",\"messages\":[{\"role\":\"user\"}],\"provider\":{\"max_price\":{\"prompt\":2.5}}}"),
                 QStringList({QStringLiteral("pb/m"), QStringLiteral("pa/m")}));
        // Fallback models come after every offering of the first.
        QCOMPARE(providersFor("{\"model\":\"acme/small\",\"models\":[\"acme/chat\"],\"messages\":[{\"role\":\"user\"}],\"provider\":{\"only\":[\"pc\"]}}"),
                 QStringList({QStringLiteral("pc/small"), QStringLiteral("pc/m")}));
        // No provider is known to keep no data: a 404 that says why, not a 503 to retry.
        QCOMPARE(providersFor("{\"model\":\"acme/chat\",\"messages\":[{\"role\":\"user\"}],\"provider\":{\"zdr\":true}}"),
                 QStringList({QStringLiteral("404 no_endpoints_match_preferences")}));
        QCOMPARE(providersFor("{\"model\":\"no/such\",\"messages\":[{\"role\":\"user\"}]}"), QStringList({QStringLiteral("404 model_not_found")}));

        // Everything cooling down: 503 with a Retry-After.
        for (const char *key : {"pa/m", "pb/m", "pc/m"})
            health.coolDown(QString::fromLatin1(key), std::chrono::seconds(20));
        auto chat = ChatRequest::parse("{\"model\":\"acme/chat\",\"messages\":[{\"role\":\"user\"}]}");
        const RouteDecision decision = router.route(chat.value(), *table, health);
        QCOMPARE(decision.status, 503);
        QVERIFY(decision.retryAfterSeconds);
        QVERIFY(*decision.retryAfterSeconds >= 19 && *decision.retryAfterSeconds <= 21);
    }
};

QTEST_GUILESS_MAIN(TestDataPlaneUnits)
#include "tst_dataplane_units.moc"
