// The console's own gateway: started by its controller off the GUI thread on
// a real loopback port, a real chat request through it to the sandbox
// provider, the status bar's address and counters, the usage row in the
// workspace after stop, a taken port said plainly, and a workspace change
// picked up without a restart. Found in review: a destroyed controller still
// reached by the window, a failed catalog load that left the start waiting,
// a stale sandbox answer routed to after start/stop/start, a stream cut by
// the sandbox's stop, and a restart on a taken port that left nothing
// serving. Real widgets (offscreen), real HTTP, real SQLite in a QTemporaryDir.

#include "engine/catalog/catalog.h"
#include "engine/catalog/userstore.h"
#include "engine/gateway/runtimefile.h"
#include "engine/keys/virtualkeys.h"
#include "engine/sandbox/fakeprovider.h"
#include "engine/storage/workspace.h"
#include "engine/usage/sqliteusagestore.h"
#include "tests/support/clirunner.h"
#include "ui/gateway/gatewaycontroller.h"
#include "ui/gateway/gatewaypanel.h"
#include "ui/mainwindow.h"

#include <QCheckBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace signalbox;
using namespace std::chrono_literals;
using ui::GatewayController;

namespace {

constexpr int kWaitMs = 30000; // a loaded 2-core machine; a pass takes far less

GatewayController::Options fastOptions()
{
    GatewayController::Options options;
    options.healthInterval = 50ms;
    options.reloadInterval = 100ms;
    return options;
}

struct Answer {
    int status = 0;
    QJsonObject json;
    QByteArray provider;
};

} // namespace

class TestConsoleGateway : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SignalboxTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_consolegateway"));
        QVERIFY(m_settingsDir.isValid());
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
        m_network.setProxy(QNetworkProxy::NoProxy);
    }

    void init()
    {
        QSettings().clear();
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        auto workspace = engine::Workspace::open(m_dir->path());
        QVERIFY2(workspace, qPrintable(workspace ? QString() : workspace.error().message));
        m_workspace = std::move(workspace).value();
        m_window = std::make_unique<ui::MainWindow>(ui::WorkspaceSummary{
            m_workspace->folder(), m_workspace->databasePath(), m_workspace->schemaVersion()});
        m_window->setShowRefreshReport(false);
        m_controller = std::make_unique<GatewayController>(m_workspace->databasePath(), fastOptions());
        m_window->setGatewayController(m_controller.get());
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        auto key = engine::VirtualKeyStore(m_workspace->database()).create(QStringLiteral("console-test"));
        QVERIFY(key);
        m_secret = key->secret.toLatin1();
    }

    void cleanup()
    {
        if (m_window)
            m_window->setGatewayController(nullptr);
        m_controller.reset(); // blocking stop: nothing outlives the test function
        m_window.reset();
        m_workspace.reset();
        m_dir.reset();
    }

    void chatThroughTheSandboxIsCountedAndLogged()
    {
        // Asked before the catalog is there: it waits for it, as in main().
        m_controller->start(0);
        QCOMPARE(m_controller->state(), GatewayController::State::Starting);
        QVERIFY(m_window->gatewayStatusText().contains(QStringLiteral("waiting for the catalog")));
        m_window->setCatalog(std::make_shared<const engine::Catalog>());
        QTRY_COMPARE_WITH_TIMEOUT(m_controller->state(), GatewayController::State::Running, kWaitMs);
        const QString base = m_controller->baseUrl();
        QVERIFY(base.startsWith(QStringLiteral("http://127.0.0.1:")));
        QVERIFY2(m_window->gatewayStatusText().contains(base), qPrintable(m_window->gatewayStatusText()));
        QVERIFY(m_window->gatewayStatusText().contains(QStringLiteral("0 requests")));

        // `signalbox-gateway status` finds it, as it finds a headless gateway.
        const auto runtime = engine::readGatewayRuntimeFile(m_workspace->folder());
        QVERIFY2(runtime, qPrintable(runtime ? QString() : runtime.error().message));
        QCOMPARE(runtime->url + QStringLiteral("/v1"), base);
        QCOMPARE(runtime->pid, QCoreApplication::applicationPid());
        QCOMPARE(runtime->process, QStringLiteral("Signalbox console"));
        const QStringList statusArguments{QStringLiteral("--workspace"), m_workspace->folder(), QStringLiteral("status")};
        const auto status = testing::runCli(QStringLiteral(SIGNALBOX_GATEWAY_BIN), statusArguments);
        QVERIFY2(status.exitCode == 0, qPrintable(status.describe()));
        QVERIFY2(status.out.contains(runtime->url) && status.out.contains(QStringLiteral("Signalbox console")),
                 qPrintable(status.describe()));

        // The sandbox, switched on where a person would: Settings.
        auto *sandboxToggle = m_window->findChild<QCheckBox *>(QStringLiteral("sandboxToggle"));
        auto *sandboxLabel = m_window->findChild<QLabel *>(QStringLiteral("sandboxLabel"));
        auto *sandboxStatus = m_window->findChild<QLabel *>(QStringLiteral("sandboxStatus"));
        QVERIFY(sandboxToggle && sandboxLabel && sandboxStatus);
        QVERIFY(m_window->showPage(QStringLiteral("settings")));
        QVERIFY(!sandboxStatus->isVisible());
        QSignalSpy reloaded(m_controller.get(), &GatewayController::configReloaded);
        sandboxToggle->click();
        QTRY_COMPARE_WITH_TIMEOUT(m_controller->sandboxState(), GatewayController::SandboxState::Running, kWaitMs);
        QVERIFY(reloaded.count() >= 1);
        QVERIFY(sandboxToggle->isChecked());
        QVERIFY(sandboxStatus->isVisible());
        QVERIFY(sandboxStatus->text().contains(QStringLiteral("SIMULATED")));
        QVERIFY(sandboxLabel->text().contains(QStringLiteral("SIMULATED")));
        QVERIFY(sandboxLabel->text().contains(GatewayController::sandboxProviderName()));
        QVERIFY(sandboxLabel->text().contains(m_controller->sandboxUrl().toString()));

        const Answer answer = chat(base, QString::fromLatin1(GatewayController::kSandboxModelId));
        QCOMPARE(answer.status, 200);
        const QString content = answer.json.value(QStringLiteral("choices")).toArray().at(0).toObject()
                                    .value(QStringLiteral("message")).toObject().value(QStringLiteral("content")).toString();
        QVERIFY2(!content.isEmpty(), QJsonDocument(answer.json).toJson().constData());
        QCOMPARE(answer.provider, QByteArray("sandbox"));

        // Counters are sampled every 50 ms: wait for the settled text as a whole.
        QTRY_VERIFY2_WITH_TIMEOUT(
            m_window->gatewayStatusText().contains(QStringLiteral("1 request · 0 errors · 0 in flight")),
            qPrintable(m_window->gatewayStatusText()), kWaitMs);

        m_controller->stop();
        QTRY_COMPARE_WITH_TIMEOUT(m_controller->state(), GatewayController::State::Stopped, kWaitMs);
        QVERIFY(m_window->gatewayStatusText().contains(QStringLiteral("stopped")));
        QCOMPARE(engine::readGatewayRuntimeFile(m_workspace->folder()).error().code, QStringLiteral("absent"));
        const auto afterStop = testing::runCli(QStringLiteral(SIGNALBOX_GATEWAY_BIN), statusArguments);
        QVERIFY2(afterStop.exitCode == 5 && afterStop.err.contains(QStringLiteral("no gateway is running")),
                 qPrintable(afterStop.describe()));

        // Stopped means flushed: the row is there the moment the state says so.
        auto store = engine::SqliteUsageStore::open(m_workspace->databasePath());
        QVERIFY(store);
        auto rows = store.value()->query(engine::UsageQuery{});
        QVERIFY(rows);
        QCOMPARE(rows->size(), std::size_t(1));
        const engine::UsageRecord &row = rows->front();
        QCOMPARE(row.status, engine::UsageStatus::Ok);
        QCOMPARE(row.servedProvider, QStringLiteral("sandbox"));
        QCOMPARE(row.servedModel, QString::fromLatin1(GatewayController::kSandboxModelId));
        QCOMPARE(row.completionTokens, qint64(16));
        QVERIFY(row.cost.has_value()); // priced, exactly: free
        QCOMPARE(*row.cost, engine::Money());

        // In memory only: the workspace has no trace of the sandbox provider.
        auto userData = engine::CatalogUserStore(m_workspace->database()).load();
        QVERIFY(userData);
        QVERIFY(userData->providers.empty());
        QVERIFY(userData->offerings.empty());

        sandboxToggle->click();
        QTRY_COMPARE_WITH_TIMEOUT(m_controller->sandboxState(), GatewayController::SandboxState::Stopped, kWaitMs);
        QVERIFY(!sandboxStatus->isVisible());
        QVERIFY(!sandboxLabel->text().contains(QStringLiteral("SIMULATED")));
    }

    void aTakenPortIsSaidPlainlyAndAnotherCanBeChosen()
    {
        QTcpServer squatter;
        QVERIFY(squatter.listen(QHostAddress(QHostAddress::LocalHost), 0));
        const quint16 taken = squatter.serverPort();

        m_window->setCatalog(std::make_shared<const engine::Catalog>());
        m_controller->start(taken);
        QTRY_COMPARE_WITH_TIMEOUT(m_controller->state(), GatewayController::State::Failed, kWaitMs);
        QVERIFY(m_controller->portInUse());
        const QString status = m_window->gatewayStatusText();
        QVERIFY2(status.contains(QStringLiteral("port %1 is in use").arg(taken)), qPrintable(status));
        auto *fix = m_window->findChild<QLabel *>(QStringLiteral("gatewayFix"));
        QVERIFY(fix && fix->isVisible());

        // The window keeps working, and the link leads to where the port is set.
        QVERIFY(m_window->showPage(QStringLiteral("catalog")));
        QVERIFY(m_window->page(QStringLiteral("catalog"))->isVisible());
        Q_EMIT fix->linkActivated(QStringLiteral("settings"));
        QCOMPARE(m_window->currentPageId(), QStringLiteral("settings"));
        auto *error = m_window->findChild<QLabel *>(QStringLiteral("gatewayError"));
        QVERIFY(error && error->isVisible());
        QVERIFY2(error->text().contains(QStringLiteral("Port %1 is already in use").arg(taken)), qPrintable(error->text()));

        // Another port, then Retry.
        quint16 freePort = 0;
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress(QHostAddress::LocalHost), 0));
            freePort = probe.serverPort();
        }
        auto *port = m_window->findChild<QSpinBox *>(QStringLiteral("gatewayPort"));
        auto *apply = m_window->findChild<QPushButton *>(QStringLiteral("gatewayApply"));
        QVERIFY(port && apply);
        port->setValue(freePort);
        QVERIFY(apply->isEnabled());
        apply->click();
        QTRY_COMPARE_WITH_TIMEOUT(m_controller->state(), GatewayController::State::Running, kWaitMs);
        QCOMPARE(m_controller->port(), freePort);
        QVERIFY(!error->isVisible());
        QVERIFY(!fix->isVisible());
        QVERIFY(m_window->gatewayStatusText().contains(QStringLiteral("127.0.0.1:%1").arg(freePort)));
        QCOMPARE(ui::GatewaySettings::load().port, freePort); // remembered for the next start
        QVERIFY(ui::GatewaySettings::load().enabled);
    }

    void aWorkspaceChangeIsPickedUpWithoutRestart()
    {
        const QString base = startWithCatalog();
        QVERIFY2(!base.isEmpty(), "the gateway did not start");
        QCOMPARE(chat(base, QStringLiteral("local/echo")).status, 404); // not known yet

        // Someone adds a provider to the workspace (the console's Keys &
        // Providers page and `signalbox-gateway providers add` both do this).
        sandbox::FakeProvider upstream;
        QVERIFY(upstream.listen());
        engine::CatalogUserStore store(m_workspace->database());
        engine::CustomProvider provider;
        provider.id = QStringLiteral("local");
        provider.name = QStringLiteral("Local server");
        provider.baseUrl = upstream.baseUrl().toString();
        QVERIFY(store.addProvider(provider));
        engine::CustomOffering offering;
        offering.providerId = provider.id;
        offering.providerModelId = QStringLiteral("echo");
        offering.modelId = QStringLiteral("local/echo");
        QVERIFY(store.addOffering(offering));

        QTRY_VERIFY_WITH_TIMEOUT(m_controller->counters().routableOfferings == 1, kWaitMs);
        const Answer answer = chat(base, QStringLiteral("local/echo"));
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.provider, QByteArray("local"));
        QCOMPARE(upstream.requestCount(), 1);
        QCOMPARE(int(m_controller->port()), QUrl(base).port()); // the same gateway: no restart
    }

    void aDestroyedControllerIsForgottenByTheWindow()
    {
        // The window does not own the controller; once it is gone the window
        // must not reach it (the catalog hand-over below would).
        m_controller.reset();
        QVERIFY(!m_window->gatewayController());
        m_window->setCatalog(std::make_shared<const engine::Catalog>());
        QVERIFY2(m_window->gatewayStatusText().contains(QStringLiteral("stopped")),
                 qPrintable(m_window->gatewayStatusText()));
    }

    void aCatalogThatFailsToLoadFailsTheWaitingStart()
    {
        m_controller->start(0);
        QVERIFY(m_window->gatewayStatusText().contains(QStringLiteral("waiting for the catalog")));
        const QString reason = QStringLiteral("the bundled catalog is damaged");
        m_window->setCatalogError(reason); // what main() calls when the load fails
        QCOMPARE(m_controller->state(), GatewayController::State::Failed);
        QVERIFY(!m_controller->portInUse());
        const QString status = m_window->gatewayStatusText();
        QVERIFY2(status.contains(QStringLiteral("failed")), qPrintable(status));
        QVERIFY2(status.contains(QStringLiteral("the model catalog could not be loaded: ") + reason), qPrintable(status));
        QVERIFY(!status.contains(QStringLiteral("waiting for the catalog")));
        auto *fix = m_window->findChild<QLabel *>(QStringLiteral("gatewayFix"));
        QVERIFY(fix && !fix->isVisible()); // not a port problem
        QVERIFY(m_window->showPage(QStringLiteral("settings")));
        auto *error = m_window->findChild<QLabel *>(QStringLiteral("gatewayError"));
        QVERIFY(error && error->isVisible());
        QVERIFY2(error->text().contains(reason), qPrintable(error->text()));

        // A later start fails at once for the same reason instead of waiting.
        m_controller->stop();
        m_controller->start(0);
        QCOMPARE(m_controller->state(), GatewayController::State::Failed);
        QVERIFY(m_controller->errorMessage().contains(reason));

        // A catalog that does arrive (a refresh) starts it.
        m_window->setCatalog(std::make_shared<const engine::Catalog>());
        m_controller->start(0);
        QTRY_COMPARE_WITH_TIMEOUT(m_controller->state(), GatewayController::State::Running, kWaitMs);
    }

    void aSandboxStartedStoppedAndStartedRoutesToTheOneRunning()
    {
        const QString base = startWithCatalog();
        QVERIFY2(!base.isEmpty(), "the gateway did not start");

        // Faster than any answer comes back: the first sandbox is closed by
        // the stop before the second one listens, and its answer is stale.
        QSignalSpy reloaded(m_controller.get(), &GatewayController::configReloaded);
        m_controller->startSandbox();
        m_controller->stopSandbox();
        m_controller->startSandbox();
        QTRY_COMPARE_WITH_TIMEOUT(m_controller->sandboxState(), GatewayController::SandboxState::Running, kWaitMs);
        const Answer answer = chat(base, QString::fromLatin1(GatewayController::kSandboxModelId));
        QCOMPARE(answer.status, 200); // not a 502 from the closed first sandbox
        QCOMPARE(answer.provider, QByteArray("sandbox"));

        // Every reload asked for so far has been announced once a later stop's
        // has (the control thread takes them in order): the routing table took
        // the sandbox in once, the one that runs.
        m_controller->stopSandbox();
        const auto reloadsFor = [&reloaded](const QString &reason) {
            int n = 0;
            for (const QList<QVariant> &arguments : std::as_const(reloaded))
                n += arguments.at(2).toString() == reason ? 1 : 0;
            return n;
        };
        QTRY_COMPARE_WITH_TIMEOUT(reloadsFor(QStringLiteral("sandbox provider stopped")), 2, kWaitMs);
        QCOMPARE(reloadsFor(QStringLiteral("sandbox provider started")), 1);
    }

    void stoppingTheSandboxLetsAStreamInFlightFinish()
    {
        const QString base = startWithCatalog();
        QVERIFY2(!base.isEmpty(), "the gateway did not start");
        m_controller->startSandbox();
        QTRY_COMPARE_WITH_TIMEOUT(m_controller->sandboxState(), GatewayController::SandboxState::Running, kWaitMs);
        const QUrl sandboxUrl = m_controller->sandboxUrl();

        // A stream under way: its first bytes are here, 16 paced tokens are not.
        std::unique_ptr<QNetworkReply> reply(
            m_network.post(chatRequest(base), chatBody(QString::fromLatin1(GatewayController::kSandboxModelId), true)));
        QSignalSpy readyRead(reply.get(), &QNetworkReply::readyRead);
        QSignalSpy finished(reply.get(), &QNetworkReply::finished);
        QVERIFY(readyRead.wait(kWaitMs));
        if (reply->isFinished()) // only if this thread stalled for the whole stream
            QSKIP("the stream ended before the stop: nothing in flight to keep");

        m_controller->stopSandbox();
        QCOMPARE(m_controller->sandboxState(), GatewayController::SandboxState::Stopped);
        QVERIFY(reply->isFinished() || finished.wait(kWaitMs));
        QCOMPARE(reply->error(), QNetworkReply::NoError);
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        const QByteArray body = reply->readAll();
        QVERIFY2(body.contains("token15"), body.constData()); // the last of the 16 tokens
        QVERIFY2(body.contains("data: [DONE]"), body.constData());

        // Out of the routing table, and the server closes once it is idle.
        QCOMPARE(chat(base, QString::fromLatin1(GatewayController::kSandboxModelId)).status, 404);
        QTRY_VERIFY_WITH_TIMEOUT(!acceptsConnections(sandboxUrl), kWaitMs);
    }

    void aRestartOnATakenPortKeepsTheGatewayWhereItWas()
    {
        const QString base = startWithCatalog();
        QVERIFY2(!base.isEmpty(), "the gateway did not start");
        const quint16 first = m_controller->port();

        QTcpServer squatter;
        QVERIFY(squatter.listen(QHostAddress(QHostAddress::LocalHost), 0));
        const quint16 taken = squatter.serverPort();

        // Settings: another port, "Restart on this port".
        QVERIFY(m_window->showPage(QStringLiteral("settings")));
        auto *port = m_window->findChild<QSpinBox *>(QStringLiteral("gatewayPort"));
        auto *apply = m_window->findChild<QPushButton *>(QStringLiteral("gatewayApply"));
        auto *error = m_window->findChild<QLabel *>(QStringLiteral("gatewayError"));
        auto *fix = m_window->findChild<QLabel *>(QStringLiteral("gatewayFix"));
        QVERIFY(port && apply && error && fix);
        port->setValue(taken);
        QVERIFY(apply->isEnabled());
        apply->click();
        QCOMPARE(m_controller->state(), GatewayController::State::Starting);
        QTRY_VERIFY_WITH_TIMEOUT(m_controller->state() != GatewayController::State::Starting, kWaitMs);

        // Still serving where it was, and saying why it did not move.
        QCOMPARE(m_controller->state(), GatewayController::State::Running);
        QCOMPARE(m_controller->port(), first);
        QVERIFY(m_controller->portInUse());
        const Answer answer = chat(base, QStringLiteral("nobody/nothing"));
        QCOMPARE(answer.status, 404); // the gateway on the old port answered
        QVERIFY(answer.json.contains(QStringLiteral("error")));
        const QString status = m_window->gatewayStatusText();
        QVERIFY2(status.contains(QStringLiteral("running — ") + base), qPrintable(status));
        QVERIFY2(status.contains(QStringLiteral("port %1 is in use").arg(taken)), qPrintable(status));
        QVERIFY(fix->isVisible());
        QVERIFY(error->isVisible());
        QVERIFY2(error->text().contains(QStringLiteral("Port %1 is already in use").arg(taken)), qPrintable(error->text()));
        QVERIFY2(error->text().contains(QStringLiteral("stayed on 127.0.0.1:%1").arg(first)), qPrintable(error->text()));
        QVERIFY(apply->isEnabled()); // retry

        // Once the port is free, the retry moves it and the old port is let go.
        squatter.close();
        apply->click();
        QTRY_COMPARE_WITH_TIMEOUT(m_controller->state(), GatewayController::State::Running, kWaitMs);
        QCOMPARE(m_controller->port(), taken);
        QVERIFY(!m_controller->portInUse());
        QVERIFY(!error->isVisible());
        QVERIFY(!fix->isVisible());
        QVERIFY(!acceptsConnections(QUrl(base)));
        QCOMPARE(chat(m_controller->baseUrl(), QStringLiteral("nobody/nothing")).status, 404);
    }

private:
    // Hands the window a catalog (empty: the workspace's own providers only)
    // and starts the gateway on a free port: its base URL once it runs,
    // empty if it did not within kWaitMs.
    QString startWithCatalog()
    {
        m_window->setCatalog(std::make_shared<const engine::Catalog>());
        m_controller->start(0);
        if (!QTest::qWaitFor([this] { return m_controller->state() == GatewayController::State::Running; }, kWaitMs))
            return {};
        return m_controller->baseUrl();
    }

    QNetworkRequest chatRequest(const QString &base) const
    {
        QNetworkRequest request(QUrl(base + QStringLiteral("/chat/completions")));
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
        request.setRawHeader("Authorization", "Bearer " + m_secret);
        return request;
    }

    static QByteArray chatBody(const QString &model, bool stream = false)
    {
        QJsonObject body{
            {QStringLiteral("model"), model},
            {QStringLiteral("messages"),
             QJsonArray{QJsonObject{{QStringLiteral("role"), QStringLiteral("user")},
                                    {QStringLiteral("content"), QStringLiteral("Hello from the console test")}}}}};
        if (stream)
            body.insert(QStringLiteral("stream"), true);
        return QJsonDocument(body).toJson(QJsonDocument::Compact);
    }

    // Whether something listens at `url`'s port (a refused connection answers at once).
    static bool acceptsConnections(const QUrl &url)
    {
        QTcpSocket socket;
        socket.setProxy(QNetworkProxy::NoProxy);
        socket.connectToHost(QHostAddress(QHostAddress::LocalHost), static_cast<quint16>(url.port()));
        return socket.waitForConnected(kWaitMs);
    }

    Answer chat(const QString &base, const QString &model)
    {
        std::unique_ptr<QNetworkReply> reply(m_network.post(chatRequest(base), chatBody(model)));
        QSignalSpy finished(reply.get(), &QNetworkReply::finished);
        Answer answer;
        if (!reply->isFinished() && !finished.wait(kWaitMs))
            return answer;
        answer.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        answer.provider = reply->rawHeader("X-Signalbox-Provider");
        answer.json = QJsonDocument::fromJson(reply->readAll()).object();
        return answer;
    }

    QTemporaryDir m_settingsDir;
    QNetworkAccessManager m_network;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<engine::Workspace> m_workspace;
    std::unique_ptr<ui::MainWindow> m_window;
    std::unique_ptr<GatewayController> m_controller;
    QByteArray m_secret;
};

QTEST_MAIN(TestConsoleGateway)
#include "tst_consolegateway.moc"
