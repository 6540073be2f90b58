// The usage log's crash window, end to end: the real signalbox-gateway binary
// under load from concurrent clients, killed with SIGKILL. Every request whose
// answer the client had more than 100 ms before the kill must be in the log
// (docs/usage-log.md: the writer commits at most ~20 ms after a request ends).

#include "engine/catalog/priceschedulejson.h"
#include "engine/catalog/userstore.h"
#include "engine/keys/virtualkeys.h"
#include "engine/storage/workspace.h"
#include "engine/usage/sqliteusagestore.h"
#include "tests/support/fakeprovider/fakeprovider.h"
#include "tests/support/fakeprovider/rawhttpclient.h"

#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace signalbox::engine;
using signalbox::testing::FakeBehaviour;
using signalbox::testing::FakeProvider;
using signalbox::testing::RawHttpClient;
using namespace std::chrono_literals;

class TestGatewayKill : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void everyAnsweredRequestSurvivesKill9()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString folder = dir.filePath(QStringLiteral("ws"));
        FakeProvider provider;
        QVERIFY(provider.listen());
        provider.setDefaultBehaviour(FakeBehaviour{.completionTokens = 4, .promptTokens = 20});
        QByteArray secret;
        QString databasePath;
        {
            auto workspace = Workspace::open(folder);
            QVERIFY(workspace.ok());
            databasePath = workspace.value()->databasePath();
            CatalogUserStore store(workspace.value()->database());
            CustomProvider custom;
            custom.id = QStringLiteral("fake");
            custom.name = QStringLiteral("Fake");
            custom.baseUrl = provider.baseUrl().toString();
            QVERIFY(store.addProvider(custom).ok());
            CustomOffering offering;
            offering.providerId = custom.id;
            offering.providerModelId = QStringLiteral("fake-model");
            offering.modelId = QStringLiteral("acme/chat");
            offering.price = priceScheduleFromJson(
                "[{\"prices\":[{\"unit\":\"input_tokens\",\"rate\":\"0.000001\"},{\"unit\":\"output_tokens\",\"rate\":\"0.000004\"}]}]").value();
            QVERIFY(store.addOffering(offering).ok());
            auto key = VirtualKeyStore(workspace.value()->database()).create(QStringLiteral("load"));
            QVERIFY(key.ok());
            secret = key->secret.toLatin1();
        }

        QProcess gateway;
        gateway.setProcessChannelMode(QProcess::SeparateChannels);
        gateway.start(QStringLiteral(SIGNALBOX_GATEWAY_BIN),
                      {QStringLiteral("--workspace"), folder, QStringLiteral("serve"), QStringLiteral("--listen"),
                       QStringLiteral("127.0.0.1:0")});
        QVERIFY(gateway.waitForStarted(5000));
        QByteArray out;
        QVERIFY(QTest::qWaitFor([&] {
            out += gateway.readAllStandardOutput();
            return out.contains("ready");
        }, 15000));
        const auto match = QRegularExpression(QStringLiteral("127\\.0\\.0\\.1:(\\d+)")).match(QString::fromUtf8(out));
        QVERIFY2(match.hasMatch(), out.constData());
        const quint16 port = static_cast<quint16>(match.captured(1).toUInt());
        QVERIFY2(out.contains("1 routable offerings"), out.constData());

        // 8 clients, each sending requests back to back on its own connection.
        const QByteArray body = "{\"model\":\"acme/chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        const signalbox::testing::HttpHeaders headers{{QByteArrayLiteral("Authorization"), "Bearer " + secret}};
        struct Done {
            QByteArray id;
            RawHttpClient::Clock::time_point at;
        };
        std::vector<Done> answered;
        int failures = 0;
        std::vector<std::unique_ptr<RawHttpClient>> clients;
        const auto sendNext = [&](RawHttpClient *client) {
            client->send(RawHttpClient::buildRequest("POST", "/v1/chat/completions", body, headers));
        };
        for (int i = 0; i < 8; ++i) {
            auto client = std::make_unique<RawHttpClient>();
            RawHttpClient *raw = client.get();
            connect(raw, &RawHttpClient::progressed, this, [&, raw] {
                if (!raw->isComplete())
                    return;
                if (raw->status() == 200)
                    answered.push_back({raw->header("x-request-id"), *raw->completedAt()});
                else
                    ++failures;
                raw->nextResponse();
                sendNext(raw);
            });
            client->connectToPort(port);
            sendNext(raw);
            clients.push_back(std::move(client));
        }
        QTest::qWait(1500);
        const auto killedAt = RawHttpClient::Clock::now();
        gateway.kill(); // SIGKILL: no flush, no destructor
        QVERIFY(gateway.waitForFinished(5000));
        QCOMPARE(gateway.exitStatus(), QProcess::CrashExit);
        clients.clear();
        QCOMPARE(failures, 0);
        QVERIFY2(answered.size() > 100, qPrintable(QString::number(answered.size())));

        auto store = SqliteUsageStore::open(databasePath);
        QVERIFY2(store.ok(), qPrintable(store.ok() ? QString() : store.error().message));
        int required = 0, present = 0, recentPresent = 0, recent = 0;
        for (const Done &done : answered) {
            auto found = store.value()->find(QString::fromLatin1(done.id));
            QVERIFY(found.ok());
            const bool inLog = found.value().has_value();
            if (done.at + 100ms <= killedAt) {
                ++required;
                QVERIFY2(inLog, done.id.constData());
                ++present;
            } else {
                ++recent;
                recentPresent += inLog ? 1 : 0;
            }
        }
        qInfo("answered %d requests in 1.5 s; all %d answered > 100 ms before SIGKILL are in the log; "
              "%d of the %d answered in the last 100 ms made it too",
              static_cast<int>(answered.size()), required, recentPresent, recent);
        QCOMPARE(present, required);
        auto total = store.value()->count(UsageQuery{});
        QVERIFY(total.ok());
        QVERIFY(total.value() >= required);
    }
};

QTEST_GUILESS_MAIN(TestGatewayKill)
#include "tst_gatewaykill.moc"
