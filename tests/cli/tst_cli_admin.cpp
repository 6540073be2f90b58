// The headless admin chain, driven the way an admin does it: the real
// signalbox-gateway binary as a subprocess for every step, the fake provider
// as a separate process, a real workspace on disk, real HTTP on loopback.

#include "engine/catalog/catalog.h"
#include "engine/catalog/userdata.h"
#include "engine/catalog/userstore.h"
#include "engine/cost/costengine.h"
#include "engine/storage/workspace.h"
#include "tests/support/clirunner.h"

#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <memory>

#ifdef Q_OS_UNIX
#include <csignal>
#endif

using signalbox::testing::Child;
using signalbox::testing::CliOutcome;
using signalbox::testing::cleanEnvironment;

namespace {

const QString kGateway = QStringLiteral(SIGNALBOX_GATEWAY_BIN);
const QString kFake = QStringLiteral(SIGNALBOX_FAKE_PROVIDER_BIN);

struct ChatAnswer {
    int status = 0;
    QByteArray body;
    QHash<QByteArray, QByteArray> headers;
};

QByteArray chatBody(const QString &model, bool stream)
{
    QJsonObject body{{QStringLiteral("model"), model},
                     {QStringLiteral("messages"),
                      QJsonArray{QJsonObject{{QStringLiteral("role"), QStringLiteral("user")},
                                             {QStringLiteral("content"), QStringLiteral("Say hello to the admin test")}}}}};
    if (stream)
        body.insert(QStringLiteral("stream"), true);
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

QNetworkRequest chatRequest(const QString &baseUrl, const QString &secret)
{
    QNetworkRequest request(QUrl(baseUrl + QStringLiteral("/v1/chat/completions")));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setRawHeader("Authorization", "Bearer " + secret.toUtf8());
    return request;
}

ChatAnswer finish(QNetworkReply *reply)
{
    if (!reply->isFinished()) {
        QEventLoop loop;
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        QTimer::singleShot(30000, &loop, &QEventLoop::quit);
        loop.exec();
    }
    ChatAnswer answer;
    answer.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    answer.body = reply->readAll();
    if (answer.status == 0) // no HTTP answer: say why in the failure message
        answer.body = reply->errorString().toUtf8();
    for (const auto &pair : reply->rawHeaderPairs())
        answer.headers.insert(pair.first.toLower(), pair.second);
    reply->deleteLater();
    return answer;
}

ChatAnswer chat(QNetworkAccessManager &manager, const QString &baseUrl, const QString &secret, const QString &model,
                bool stream = false)
{
    return finish(manager.post(chatRequest(baseUrl, secret), chatBody(model, stream)));
}

} // namespace

class TestCliAdmin : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_workspace;
    QNetworkAccessManager m_http;

    CliOutcome cli(const QStringList &arguments, const QByteArray &input = {})
    {
        return signalbox::testing::runCli(kGateway, QStringList{QStringLiteral("--workspace"), m_workspace} + arguments,
                                          input, cleanEnvironment());
    }

    // A fake provider process serving `models`; returns its /v1 base URL.
    QString startFake(Child &child, const QStringList &models, const QStringList &extra = {})
    {
        return signalbox::testing::startFakeProvider(child, kFake, models, extra);
    }

    QString startGateway(Child &child, const QStringList &extra = {})
    {
        const QString url = child.start(kGateway,
                                        QStringList{QStringLiteral("--workspace"), m_workspace, QStringLiteral("serve"),
                                                    QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0")}
                                            + extra,
                                        QRegularExpression(QStringLiteral("listening on (http://[0-9.:]+)")));
        return url;
    }

    QString createKey(const QString &name)
    {
        const CliOutcome created = cli({QStringLiteral("keys"), QStringLiteral("create"), QStringLiteral("--name"), name,
                                        QStringLiteral("--json")});
        if (created.exitCode != 0)
            return {};
        return QJsonDocument::fromJson(created.out.toUtf8()).object().value(QStringLiteral("secret")).toString();
    }

    // Waits until `status` says the gateway runs the workspace's current configuration.
    bool waitForCurrentConfig()
    {
        for (int i = 0; i < 100; ++i) {
            const CliOutcome status = cli({QStringLiteral("status"), QStringLiteral("--json")});
            if (status.exitCode == 0
                && QJsonDocument::fromJson(status.out.toUtf8()).object().value(QStringLiteral("config_current")).toBool())
                return true;
            QTest::qWait(100);
        }
        return false;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_http.setProxy(QNetworkProxy::NoProxy);
    }

    void init()
    {
        QVERIFY(m_dir.isValid());
        m_workspace = m_dir.filePath(QStringLiteral("ws-%1").arg(QString::fromLatin1(QTest::currentTestFunction())));
    }

    // init → providers add → keys create → serve → chat → usage export: the
    // request is in the log with the cost the gateway reported.
    void chainFromInitToExport()
    {
        Child fake;
        const QString fakeUrl = startFake(fake, {QStringLiteral("gpt-4o-mini")}, {QStringLiteral("--completion-tokens"), QStringLiteral("7")});
        QVERIFY(!fakeUrl.isEmpty());

        const CliOutcome init = cli({QStringLiteral("init")});
        QVERIFY2(init.exitCode == 0, qPrintable(init.describe()));
        QVERIFY(init.out.contains(QStringLiteral("created workspace")));
        const CliOutcome again = cli({QStringLiteral("init")});
        QCOMPARE(again.exitCode, 0);
        QVERIFY2(again.out.contains(QStringLiteral("nothing to do")), qPrintable(again.describe()));

        // Discovery through GET /v1/models.
        const CliOutcome added = cli({QStringLiteral("providers"), QStringLiteral("add"), QStringLiteral("fake"),
                                      QStringLiteral("--base-url"), fakeUrl});
        QVERIFY2(added.exitCode == 0, qPrintable(added.describe()));
        QVERIFY2(added.out.contains(QStringLiteral("gpt-4o-mini")), qPrintable(added.describe()));

        const QString secret = createKey(QStringLiteral("admin-chain"));
        QVERIFY(secret.startsWith(QStringLiteral("sbk_")));

        CliOutcome status = cli({QStringLiteral("status")});
        QCOMPARE(status.exitCode, 5); // nothing serves this workspace yet
        QVERIFY(status.err.contains(QStringLiteral("no gateway is running")));

        Child gateway;
        const QString url = startGateway(gateway);
        if (url.isEmpty()) // QVERIFY2 would evaluate stop() even on success
            QFAIL(qPrintable(gateway.stop()));

        const ChatAnswer answer = chat(m_http, url, secret, QStringLiteral("fake/gpt-4o-mini"));
        QVERIFY2(answer.status == 200, answer.body.constData());
        QCOMPARE(answer.headers.value("x-signalbox-provider"), QByteArray("fake"));
        const QByteArray requestId = answer.headers.value("x-request-id");
        const QByteArray headerCost = answer.headers.value("x-signalbox-cost");
        QVERIFY(!requestId.isEmpty());
        const QJsonObject usage = QJsonDocument::fromJson(answer.body).object().value(QStringLiteral("usage")).toObject();
        const qint64 promptTokens = usage.value(QStringLiteral("prompt_tokens")).toInteger();
        const qint64 completionTokens = usage.value(QStringLiteral("completion_tokens")).toInteger();
        QCOMPARE(completionTokens, 7);
        QVERIFY(promptTokens > 0);

        status = cli({QStringLiteral("status"), QStringLiteral("--json")});
        QVERIFY2(status.exitCode == 0, qPrintable(status.describe()));
        const QJsonObject health = QJsonDocument::fromJson(status.out.toUtf8()).object();
        QCOMPARE(health.value(QStringLiteral("url")).toString(), url);
        QVERIFY(health.value(QStringLiteral("requests")).toInteger() >= 1);
        QCOMPARE(health.value(QStringLiteral("in_flight")).toInteger(), 0);
        QVERIFY(health.value(QStringLiteral("config_current")).toBool());

        gateway.stop(); // a clean stop writes every usage row
        QCOMPARE(gateway.exitCode(), 0);
        QCOMPARE(cli({QStringLiteral("status")}).exitCode, 5);

        const CliOutcome exported = cli({QStringLiteral("usage"), QStringLiteral("export"), QStringLiteral("--format"),
                                         QStringLiteral("jsonl")});
        QVERIFY2(exported.exitCode == 0, qPrintable(exported.describe()));
        QJsonObject row;
        for (const QString &line : exported.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
            const QJsonObject object = QJsonDocument::fromJson(line.toUtf8()).object();
            if (object.value(QStringLiteral("id")).toString() == QString::fromLatin1(requestId))
                row = object;
        }
        QVERIFY2(!row.isEmpty(), qPrintable(exported.describe()));
        QCOMPARE(row.value(QStringLiteral("provider")).toString(), QStringLiteral("fake"));
        QCOMPARE(row.value(QStringLiteral("status")).toString(), QStringLiteral("ok"));
        QCOMPARE(row.value(QStringLiteral("prompt_tokens")).toInteger(), promptTokens);
        QCOMPARE(row.value(QStringLiteral("completion_tokens")).toInteger(), completionTokens);

        // The cost: what the workspace's catalog says this offering costs for
        // these tokens, exactly as the response header reported it.
        auto workspace = signalbox::engine::Workspace::open(m_workspace);
        QVERIFY(workspace);
        auto base = signalbox::engine::Catalog::loadBundled();
        QVERIFY(base);
        auto data = signalbox::engine::CatalogUserStore(workspace.value()->database()).load();
        QVERIFY(data);
        const auto catalog = signalbox::engine::applyUserData(base.value(), data.value());
        const auto *offering = catalog.offering(QStringLiteral("fake"), QStringLiteral("gpt-4o-mini"));
        QVERIFY(offering);
        const auto cost = signalbox::engine::computeCost(
            offering->price, signalbox::engine::Usage::tokens(promptTokens, completionTokens),
            QDateTime::currentDateTimeUtc());
        QVERIFY(cost);
        QVERIFY2(cost.value().isPriced(), "the catalog knows gpt-4o-mini: providers add must have priced it");
        QVERIFY(cost.value().total() > signalbox::engine::Money());
        QCOMPARE(row.value(QStringLiteral("cost_status")).toString(), QStringLiteral("priced"));
        QCOMPARE(row.value(QStringLiteral("cost")).toString(), cost.value().total().toDecimalString());
        QCOMPARE(QString::fromLatin1(headerCost), cost.value().total().toDecimalString());
    }

    // A change applied while a stream runs: the stream finishes on the old
    // configuration, the next request uses the new one.
    void changeWhileStreaming()
    {
        Child slow;
        const QString slowUrl = startFake(slow, {QStringLiteral("acme-chat")},
                                          {QStringLiteral("--completion-tokens"), QStringLiteral("20"),
                                           QStringLiteral("--tokens-per-second"), QStringLiteral("10")});
        Child fresh;
        const QString freshUrl = startFake(fresh, {QStringLiteral("acme-chat")});
        QVERIFY(!slowUrl.isEmpty() && !freshUrl.isEmpty());
        QCOMPARE(cli({QStringLiteral("init")}).exitCode, 0);
        QCOMPARE(cli({QStringLiteral("providers"), QStringLiteral("add"), QStringLiteral("old"), QStringLiteral("--base-url"),
                      slowUrl, QStringLiteral("--models"), QStringLiteral("acme-chat")})
                     .exitCode,
                 0);
        const QString secret = createKey(QStringLiteral("streamer"));
        QVERIFY(!secret.isEmpty());
        Child gateway;
        const QString url = startGateway(gateway, {QStringLiteral("--reload-interval"), QStringLiteral("0.2")});
        QVERIFY(!url.isEmpty());

        // A 2-second stream through "old".
        QNetworkReply *streaming = m_http.post(chatRequest(url, secret), chatBody(QStringLiteral("old/acme-chat"), true));
        QTRY_VERIFY_WITH_TIMEOUT(streaming->bytesAvailable() > 0 || streaming->isFinished(), 10000);
        QVERIFY(!streaming->isFinished());

        // Swap providers underneath it with the declarative file: the
        // providers section lists only "new", so "old" goes.
        QFile file(m_dir.filePath(QStringLiteral("swap.yaml")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("# written while a stream runs through \"old\"\n"
                   "providers:\n"
                   "  - id: new\n"
                   "    base_url: " + freshUrl.toUtf8() + "\n"
                   "    key: none\n"
                   "    offerings:\n"
                   "      - model: acme-chat\n"
                   "        model_id: acme-chat\n");
        file.close();
        const CliOutcome applied = cli({QStringLiteral("config"), QStringLiteral("apply"), file.fileName()});
        QVERIFY2(applied.exitCode == 0, qPrintable(applied.describe()));
        QVERIFY2(applied.out.contains(QStringLiteral("new")) && applied.out.contains(QStringLiteral("old")),
                 qPrintable(applied.describe()));
        QVERIFY(waitForCurrentConfig());
        QVERIFY2(!streaming->isFinished(), "the change must land while the stream still runs");

        const ChatAnswer next = chat(m_http, url, secret, QStringLiteral("new/acme-chat"));
        QVERIFY2(next.status == 200, next.body.constData());
        QCOMPARE(next.headers.value("x-signalbox-provider"), QByteArray("new"));
        const ChatAnswer gone = chat(m_http, url, secret, QStringLiteral("old/acme-chat"));
        QCOMPARE(gone.status, 404);

        const ChatAnswer finished = finish(streaming);
        QCOMPARE(finished.status, 200);
        QCOMPARE(finished.headers.value("x-signalbox-provider"), QByteArray("old"));
        QVERIFY2(finished.body.trimmed().endsWith("data: [DONE]"), finished.body.right(200).constData());
        // Every event arrived: "token0", " token1" .. " token19".
        QCOMPARE(QString::fromUtf8(finished.body).count(QRegularExpression(QStringLiteral("\"content\":\" ?token\\d+\""))), 20);
        QVERIFY(gateway.output().contains(QStringLiteral("reloaded configuration")));
    }

    // With polling off, SIGHUP reloads; a revoked key stops working at once
    // (the reload forgets the key cache).
    void sighupReloadsAndRevocationBites()
    {
#ifndef Q_OS_UNIX
        QSKIP("SIGHUP is Unix only");
#endif
        Child fake;
        const QString fakeUrl = startFake(fake, {QStringLiteral("acme-chat")});
        QVERIFY(!fakeUrl.isEmpty());
        QCOMPARE(cli({QStringLiteral("init")}).exitCode, 0);
        QCOMPARE(cli({QStringLiteral("providers"), QStringLiteral("add"), QStringLiteral("local"), QStringLiteral("--base-url"),
                      fakeUrl, QStringLiteral("--models"), QStringLiteral("acme-chat")})
                     .exitCode,
                 0);
        const QString secret = createKey(QStringLiteral("to-revoke"));
        Child gateway;
        const QString url = startGateway(gateway, {QStringLiteral("--reload-interval"), QStringLiteral("0")});
        QVERIFY(!url.isEmpty());
        QCOMPARE(chat(m_http, url, secret, QStringLiteral("local/acme-chat")).status, 200); // the key is now cached

        const CliOutcome revoked = cli({QStringLiteral("keys"), QStringLiteral("revoke"), QStringLiteral("to-revoke")});
        QVERIFY2(revoked.exitCode == 0, qPrintable(revoked.describe()));
        CliOutcome status = cli({QStringLiteral("status")});
        QVERIFY2(status.out.contains(QStringLiteral("reload pending")), qPrintable(status.describe()));

        gateway.signal(SIGHUP);
        QVERIFY(waitForCurrentConfig());
        QCOMPARE(chat(m_http, url, secret, QStringLiteral("local/acme-chat")).status, 401);
        QVERIFY(gateway.output().contains(QStringLiteral("(SIGHUP)")));
    }

    void errorsAreOneLineWithDocumentedCodes()
    {
        CliOutcome outcome = cli({QStringLiteral("keys"), QStringLiteral("list")});
        QCOMPARE(outcome.exitCode, 3); // no workspace yet
        QCOMPARE(outcome.err.trimmed().count(QLatin1Char('\n')), 0);
        QVERIFY(outcome.err.contains(QStringLiteral("init")));
        QCOMPARE(cli({QStringLiteral("init")}).exitCode, 0);
        QCOMPARE(cli({QStringLiteral("keys"), QStringLiteral("create")}).exitCode, 2); // --name missing
        QCOMPARE(cli({QStringLiteral("keys"), QStringLiteral("create"), QStringLiteral("--name"), QStringLiteral("a"),
                      QStringLiteral("--expires"), QStringLiteral("soon")})
                     .exitCode,
                 2);
        QCOMPARE(cli({QStringLiteral("keys"), QStringLiteral("create"), QStringLiteral("--name"), QStringLiteral("a")}).exitCode, 0);
        outcome = cli({QStringLiteral("keys"), QStringLiteral("create"), QStringLiteral("--name"), QStringLiteral("a")});
        QCOMPARE(outcome.exitCode, 4); // the name is taken
        QCOMPARE(outcome.err.trimmed().count(QLatin1Char('\n')), 0);
        QCOMPARE(cli({QStringLiteral("keys"), QStringLiteral("revoke"), QStringLiteral("nobody")}).exitCode, 3);
        QCOMPARE(cli({QStringLiteral("frobnicate")}).exitCode, 2);

        // A gateway.json that is not one: status says so in one line, exit 5,
        // and leaves the file as it was for whoever looks at it.
        QFile runtime(QDir(m_workspace).filePath(QStringLiteral("gateway.json")));
        QVERIFY(runtime.open(QIODevice::WriteOnly));
        runtime.write("{\"pid\": 1, \"url\": \"ftp://nowhere\"");
        runtime.close();
        outcome = cli({QStringLiteral("status")});
        QCOMPARE(outcome.exitCode, 5);
        QCOMPARE(outcome.err.trimmed().count(QLatin1Char('\n')), 0);
        QVERIFY2(outcome.err.contains(QStringLiteral("is damaged")) && outcome.err.contains(QStringLiteral("restart the gateway")),
                 qPrintable(outcome.describe()));
        QVERIFY(runtime.open(QIODevice::ReadOnly));
        QCOMPARE(runtime.readAll(), QByteArray("{\"pid\": 1, \"url\": \"ftp://nowhere\""));
        runtime.close();

        // Secrets are shown once: list never prints one.
        const CliOutcome list = cli({QStringLiteral("keys"), QStringLiteral("list"), QStringLiteral("--json")});
        QCOMPARE(list.exitCode, 0);
        QVERIFY(!list.out.contains(QStringLiteral("sbk_")));
        const QJsonArray keys = QJsonDocument::fromJson(list.out.toUtf8()).array();
        QCOMPARE(keys.size(), 1);
        QCOMPARE(keys.at(0).toObject().value(QStringLiteral("state")).toString(), QStringLiteral("active"));
    }
};

QTEST_MAIN(TestCliAdmin)
#include "tst_cli_admin.moc"
