#pragma once

// The console's own gateway and its sandbox provider, run off the GUI thread.
//
// The engine's Gateway and the ConfigReloader that keeps it in step with the
// workspace live on a control thread of their own (the Gateway then starts
// its HTTP worker threads and usage writer), so starting, loading the routing
// table and stopping never block the GUI, and a busy GUI never stalls
// traffic. The sandbox provider (engine/sandbox, simulated answers) lives on a
// third thread, so the gateway's graceful stop can still wait for the sandbox
// answers it is relaying. Everything here is asynchronous: calls return at
// once, the signals say what happened. No widgets: the status bar and the
// Settings page present it.

#include "engine/catalog/userdata.h"

#include <QObject>
#include <QString>
#include <QUrl>

#include <chrono>
#include <memory>

class QThread;

namespace signalbox::engine {
class Catalog;
}

namespace signalbox::ui {

class SandboxHost;

// What GET /health reports, read on the control thread.
struct GatewayCounters {
    qint64 requests = 0;
    qint64 errors = 0;
    qint64 inFlight = 0;
    int routableOfferings = 0;
    qint64 configVersion = 0;
    // "1 request · 2 errors · 0 in flight" (English plurals), parts joined by `separator`.
    QString text(const QString &separator) const;
};

class GatewayController final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(GatewayController)
public:
    enum class State { Stopped, Starting, Running, Stopping, Failed };
    enum class SandboxState { Stopped, Starting, Running, Failed };

    static constexpr quint16 kDefaultPort = 8787; // as `signalbox-gateway serve`

    // The sandbox provider as the gateway sees it: in memory only, never
    // written to the workspace.
    static constexpr char kSandboxProviderId[] = "sandbox";
    static constexpr char kSandboxModelId[] = "sandbox/chat-simulated";
    static QString sandboxProviderName(); // "Sandbox (simulated)"
    // The custom provider and its one free offering for a sandbox at `baseUrl`.
    static engine::UserData sandboxUserData(const QUrl &baseUrl);

    struct Options {
        std::chrono::milliseconds healthInterval{1000}; // how often the counters refresh
        std::chrono::milliseconds reloadInterval{1000}; // how often the workspace's config version is checked
        std::chrono::milliseconds stopGrace{5000};      // in-flight requests get this long on stop
    };

    // `databasePath`: the workspace's signalbox.db (already migrated).
    explicit GatewayController(const QString &databasePath, QObject *parent = nullptr);
    GatewayController(const QString &databasePath, const Options &options, QObject *parent = nullptr);
    // Stops both and waits for them: every usage row is written first.
    ~GatewayController() override;

    // The catalog under the workspace's data (bundled or refreshed). A start
    // asked for before the first one waits for it; a later one reloads the
    // running gateway's routing table.
    void setBaseCatalog(std::shared_ptr<const engine::Catalog> catalog);
    bool hasBaseCatalog() const { return m_hasCatalog; }
    // The catalog could not be loaded: a start waiting for it fails with
    // `message` as the reason, and so does any start until a catalog
    // arrives. Ignored once a catalog is loaded (it keeps serving).
    void setBaseCatalogError(const QString &message);

    // Listens on 127.0.0.1:`port` (0: any free port). A running gateway
    // moves to the new port: the new listener is bound first and the old
    // gateway stopped only then, so when the new port cannot be had (taken)
    // the old one keeps serving: the state goes back to Running on the old
    // port, with errorMessage() and portInUse() saying why it did not move.
    void start(quint16 port);
    void stop();
    // Blocking: stops the sandbox and the gateway, writes every usage row and
    // ends the threads. For quitting; the destructor calls it.
    void shutdown();

    void startSandbox();
    void stopSandbox();

    State state() const { return m_state; }
    // Set while Running: http://127.0.0.1:PORT/v1
    QString baseUrl() const;
    QString hostPort() const; // 127.0.0.1:PORT
    quint16 port() const { return m_port; }
    quint16 requestedPort() const { return m_requestedPort; }
    // Why the last start failed (Failed) or did not move a running gateway
    // to requestedPort() (Running on port()), and whether the port was taken.
    QString errorMessage() const { return m_error; }
    bool portInUse() const { return m_portInUse; }
    GatewayCounters counters() const { return m_counters; }

    SandboxState sandboxState() const { return m_sandboxState; }
    bool isSandboxRunning() const { return m_sandboxState == SandboxState::Running; }
    QUrl sandboxUrl() const { return m_sandboxUrl; }
    QString sandboxError() const { return m_sandboxError; }

Q_SIGNALS:
    void stateChanged(signalbox::ui::GatewayController::State state);
    void countersChanged();
    // The routing table was rebuilt (workspace change, sandbox on or off, new catalog).
    void configReloaded(qint64 version, int routableOfferings, const QString &reason);
    // A reload failed; the previous routing table keeps serving.
    void configReloadFailed(const QString &message);
    void sandboxStateChanged(signalbox::ui::GatewayController::SandboxState state);

private:
    struct ControlSide;

    void setState(State state);
    void setSandboxState(SandboxState state);
    void startNow();
    void onStarted(quint16 port, const GatewayCounters &counters);
    void onStartFailed(const QString &message, bool portInUse);
    void onMoveFailed(const QString &message, bool portInUse);
    void failForCatalog();
    void onSandboxListening(const QUrl &url, quint64 generation);
    void applyInMemory(const engine::UserData &data, const QString &reason);

    QString m_databasePath;
    Options m_options;
    QThread *m_controlThread = nullptr;
    QThread *m_sandboxThread = nullptr;
    ControlSide *m_control = nullptr; // lives on m_controlThread
    SandboxHost *m_sandbox = nullptr; // lives on m_sandboxThread
    bool m_hasCatalog = false;
    QString m_catalogError; // why the catalog did not load, until one does
    bool m_startPending = false;
    bool m_shutDown = false;
    State m_state = State::Stopped;
    quint16 m_requestedPort = kDefaultPort;
    quint16 m_port = 0;
    QString m_error;
    bool m_portInUse = false;
    GatewayCounters m_counters;
    SandboxState m_sandboxState = SandboxState::Stopped;
    QUrl m_sandboxUrl;
    QString m_sandboxError;
    quint64 m_startGeneration = 0; // answers to an older start() are ignored
    // Bumped by startSandbox(), stopSandbox() and shutdown(): the listening
    // answer and the "in the routing table" marker of a sandbox that a later
    // call overtook are ignored.
    quint64 m_sandboxGeneration = 0;
};

} // namespace signalbox::ui
