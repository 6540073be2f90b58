#include "ui/gateway/gatewaycontroller.h"

#include "engine/catalog/catalog.h"
#include "engine/catalog/userstore.h"
#include "engine/gateway/configreloader.h"
#include "engine/gateway/gateway.h"
#include "engine/gateway/runtimefile.h"
#include "engine/storage/database.h"
#include "ui/gateway/sandboxhost.h"

#include <QFileInfo>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QTcpServer>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <utility>
#include <vector>

namespace signalbox::ui {

QString GatewayCounters::text(const QString &separator) const
{
    const auto count = [](qint64 n, const char *one, const char *many) {
        return QStringLiteral("%1 %2").arg(n).arg(QLatin1String(n == 1 ? one : many));
    };
    return QStringList{count(requests, "request", "requests"), count(errors, "error", "errors"),
                       QStringLiteral("%1 in flight").arg(inFlight)}
        .join(separator);
}

Q_LOGGING_CATEGORY(lcConsoleGateway, "signalbox.console.gateway", QtInfoMsg)

namespace {

GatewayCounters countersOf(const QJsonObject &health)
{
    GatewayCounters counters;
    counters.requests = health.value(QLatin1String("requests")).toInteger();
    counters.errors = health.value(QLatin1String("errors")).toInteger();
    counters.inFlight = health.value(QLatin1String("in_flight")).toInteger();
    counters.routableOfferings = health.value(QLatin1String("routable_offerings")).toInt();
    counters.configVersion = health.value(QLatin1String("config_version")).toInteger();
    return counters;
}

// After a failed listen: is the port taken by someone else? (HttpServer's
// error is a sentence; asking the OS again gives the reason as a value.)
bool portTaken(quint16 port)
{
    if (port == 0)
        return false;
    QTcpServer probe;
    if (probe.listen(QHostAddress(QHostAddress::LocalHost), port)) {
        probe.close();
        return false;
    }
    return probe.serverError() == QAbstractSocket::AddressInUseError;
}

// Runs `function` on the thread `context` lives in, in order with everything
// else posted there.
template <typename Function>
void post(QObject *context, Function &&function)
{
    QMetaObject::invokeMethod(context, std::forward<Function>(function), Qt::QueuedConnection);
}

constexpr char kSandboxProviderModelId[] = "chat-simulated";

} // namespace

// --- the control thread: Gateway + ConfigReloader ---------------------------

struct GatewayController::ControlSide final : QObject {
    ControlSide(GatewayController *gui, QString path, Options settings)
        : owner(gui)
        , databasePath(std::move(path))
        , options(settings)
    {
    }

    GatewayController *owner; // GUI thread; outlives this thread (joined before it dies)
    QString databasePath;
    Options options;
    std::shared_ptr<const engine::Catalog> base;
    engine::UserData inMemory;
    std::unique_ptr<engine::Gateway> gateway;
    std::unique_ptr<engine::ConfigReloader> reloader;
    QString connectionName;
    QTimer *healthTimer = nullptr;

    GatewayCounters counters() const
    {
        return gateway ? countersOf(gateway->health()) : GatewayCounters{};
    }

    void reportCounters()
    {
        if (!gateway)
            return;
        post(owner, [target = owner, snapshot = counters()] {
            if (target->m_state != State::Running)
                return;
            target->m_counters = snapshot;
            Q_EMIT target->countersChanged();
        });
    }

    // A reloader for `target` over the current base catalog, wired to the owner.
    std::unique_ptr<engine::ConfigReloader> newReloader(engine::Gateway *target, QSqlDatabase db)
    {
        auto made = std::make_unique<engine::ConfigReloader>(target, std::move(db), *base, options.reloadInterval);
        made->setInMemoryUserData(inMemory);
        QObject::connect(made.get(), &engine::ConfigReloader::reloaded, this,
                         [this](qint64 version, int offerings, const QString &reason) {
                             qCInfo(lcConsoleGateway).noquote()
                                 << QStringLiteral("reloaded configuration version %1 (%2): %3 routable offerings")
                                        .arg(version)
                                        .arg(reason)
                                        .arg(offerings);
                             post(owner, [target = owner, version, offerings, reason] {
                                 Q_EMIT target->configReloaded(version, offerings, reason);
                             });
                             reportCounters();
                         });
        QObject::connect(made.get(), &engine::ConfigReloader::reloadFailed, this, [this](const QString &message) {
            qCWarning(lcConsoleGateway).noquote() << "configuration not reloaded:" << message;
            post(owner, [target = owner, message] { Q_EMIT target->configReloadFailed(message); });
        });
        return made;
    }

    // A new reloader for the running gateway (a new catalog); the routing
    // table it loaded first.
    engine::Result<std::shared_ptr<const engine::RoutingTable>> makeReloader(QSqlDatabase db)
    {
        reloader = newReloader(gateway.get(), std::move(db));
        return reloader->loadInitial();
    }

    // A message when the workspace has a provider of its own with the
    // sandbox's id; empty when not (or when it cannot tell).
    QString workspaceProviderClash()
    {
        QString name;
        bool clash = false;
        {
            auto db = engine::openConnection(databasePath, QStringLiteral("console-sandbox-check"),
                                             engine::OpenMode::ReadOnly);
            if (!db)
                return {};
            name = db->connectionName();
            const engine::CatalogUserStore store(db.value());
            clash = store.provider(QLatin1String(kSandboxProviderId)).ok();
        } // every copy of the connection is gone before it is closed
        engine::closeConnection(name);
        return clash ? tr("this workspace already has a provider with the id 'sandbox'; rename it to use the "
                          "sandbox provider")
                     : QString();
    }

    QString workspaceFolder() const { return QFileInfo(databasePath).absolutePath(); }

    // gateway.json, so that `signalbox-gateway status` finds the console's
    // gateway as it finds a headless one (engine/gateway/runtimefile.h).
    void announce(quint16 port)
    {
        engine::GatewayRuntimeInfo info;
        info.url = QStringLiteral("http://127.0.0.1:%1").arg(port);
        info.address = QStringLiteral("127.0.0.1");
        info.port = port;
        info.process = QStringLiteral("Signalbox console");
        if (auto written = engine::writeGatewayRuntimeFile(workspaceFolder(), info); !written)
            qCWarning(lcConsoleGateway).noquote() << written.error().message << "-- `signalbox-gateway status` will not find it";
    }

    void stopGateway()
    {
        if (healthTimer)
            healthTimer->stop();
        reloader.reset(); // holds a copy of the connection and a pointer to the gateway
        if (gateway) {
            const bool wasRunning = gateway->isRunning();
            if (wasRunning)
                engine::removeGatewayRuntimeFile(workspaceFolder());
            gateway->stop(options.stopGrace); // every usage row written before it returns
            gateway.reset();
            if (wasRunning)
                qCInfo(lcConsoleGateway) << "stopped; every usage row is written";
        }
        if (!connectionName.isEmpty()) {
            engine::closeConnection(connectionName);
            connectionName.clear();
        }
    }

    void start(quint16 port, quint64 generation)
    {
        // A running gateway moving to another port keeps serving until the
        // new one listens, so a taken port leaves it where it was.
        const bool moving = gateway && gateway->isRunning() && port != gateway->port();
        if (!moving)
            stopGateway();
        const auto failed = [this, generation, moving](const QString &message, bool inUse) {
            qCWarning(lcConsoleGateway).noquote() << (moving ? "not moved:" : "not started:") << message;
            post(owner, [target = owner, generation, message, inUse, moving] {
                if (generation != target->m_startGeneration)
                    return;
                if (moving)
                    target->onMoveFailed(message, inUse);
                else
                    target->onStartFailed(message, inUse);
            });
        };
        if (!base)
            return failed(tr("the catalog is not loaded"), false);

        // The new gateway is built beside the running one (if any) and only
        // replaces it once it listens.
        auto candidate = std::make_unique<engine::Gateway>();
        std::unique_ptr<engine::ConfigReloader> candidateReloader;
        QString candidateConnection;
        std::shared_ptr<const engine::RoutingTable> table;
        QString problem;
        {
            auto db = engine::openConnection(databasePath, QStringLiteral("console-gateway"),
                                             engine::OpenMode::ReadWrite);
            if (!db)
                return failed(db.error().message, false);
            candidateConnection = db->connectionName();
            candidateReloader = newReloader(candidate.get(), db.value());
            if (auto loaded = candidateReloader->loadInitial())
                table = loaded.value();
            else
                problem = tr("the workspace's configuration cannot be read: %1").arg(loaded.error().message);
        } // only the reloader keeps a copy of the connection
        const auto discard = [&] {
            candidateReloader.reset();
            candidate.reset();
            engine::closeConnection(candidateConnection);
        };
        if (!table) {
            discard();
            return failed(problem, false);
        }

        engine::Gateway::Options gatewayOptions;
        gatewayOptions.address = QHostAddress(QHostAddress::LocalHost); // another address only on purpose: not from here
        gatewayOptions.port = port;
        gatewayOptions.routingTable = table;
        gatewayOptions.dataPlane.databasePath = databasePath;
        if (auto started = candidate->start(gatewayOptions); !started) {
            discard();
            const bool inUse = portTaken(port);
            return failed(inUse ? tr("port %1 is already in use").arg(port) : started.error().message, inUse);
        }
        if (moving)
            stopGateway(); // the old one: its requests in flight finish, its usage rows are written
        gateway = std::move(candidate);
        reloader = std::move(candidateReloader);
        connectionName = candidateConnection;
        reloader->startPolling();
        if (!healthTimer) {
            healthTimer = new QTimer(this);
            healthTimer->setTimerType(Qt::CoarseTimer);
            QObject::connect(healthTimer, &QTimer::timeout, this, [this] { reportCounters(); });
        }
        healthTimer->setInterval(options.healthInterval);
        healthTimer->start();
        const quint16 bound = gateway->port();
        announce(bound);
        qCInfo(lcConsoleGateway).noquote() << QStringLiteral("listening on http://127.0.0.1:%1").arg(bound);
        post(owner, [target = owner, generation, bound, snapshot = counters()] {
            if (generation == target->m_startGeneration)
                target->onStarted(bound, snapshot);
        });
    }

    static QString tr(const char *text) { return GatewayController::tr(text); }
};

// --- the controller (GUI thread) ----------------------------------------------

QString GatewayController::sandboxProviderName()
{
    return tr("Sandbox (simulated)");
}

engine::UserData GatewayController::sandboxUserData(const QUrl &baseUrl)
{
    engine::UserData data;
    engine::CustomProvider provider;
    provider.id = QLatin1String(kSandboxProviderId);
    provider.name = sandboxProviderName();
    provider.baseUrl = baseUrl.toString();
    provider.dialect = engine::ApiDialect::OpenAI;
    provider.key.kind = engine::KeyReference::Kind::None; // a local server that takes no key
    provider.updatedAt = QDateTime::currentDateTimeUtc();
    data.providers.push_back(provider);

    engine::CustomOffering offering;
    offering.providerId = provider.id;
    offering.providerModelId = QLatin1String(kSandboxProviderModelId);
    offering.modelId = QLatin1String(kSandboxModelId);
    offering.name = tr("Sandbox chat (simulated)");
    offering.contextLength = 128000;
    offering.maxOutput = 4096;
    // Free, and known to be: a price set with no prices. Its rows cost an exact $0.
    offering.price.variants.push_back(engine::PriceSchedule::Variant{});
    offering.updatedAt = provider.updatedAt;
    data.offerings.push_back(offering);
    return data;
}

GatewayController::GatewayController(const QString &databasePath, QObject *parent)
    : GatewayController(databasePath, Options{}, parent)
{
}

GatewayController::GatewayController(const QString &databasePath, const Options &options, QObject *parent)
    : QObject(parent)
    , m_databasePath(databasePath)
    , m_options(options)
    , m_controlThread(new QThread)
    , m_sandboxThread(new QThread)
{
    m_controlThread->setObjectName(QStringLiteral("signalbox-console-gateway"));
    m_sandboxThread->setObjectName(QStringLiteral("signalbox-sandbox"));
    m_control = new ControlSide(this, databasePath, options);
    m_control->moveToThread(m_controlThread);
    m_sandbox = new SandboxHost(QLatin1String(kSandboxProviderModelId));
    m_sandbox->moveToThread(m_sandboxThread);
    m_controlThread->start();
    m_sandboxThread->start();
}

GatewayController::~GatewayController()
{
    shutdown();
}

QString GatewayController::hostPort() const
{
    return m_port ? QStringLiteral("127.0.0.1:%1").arg(m_port) : QString();
}

QString GatewayController::baseUrl() const
{
    return m_port ? QStringLiteral("http://127.0.0.1:%1/v1").arg(m_port) : QString();
}

void GatewayController::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

void GatewayController::setSandboxState(SandboxState state)
{
    if (m_sandboxState == state)
        return;
    m_sandboxState = state;
    Q_EMIT sandboxStateChanged(state);
}

void GatewayController::setBaseCatalog(std::shared_ptr<const engine::Catalog> catalog)
{
    if (!catalog || m_shutDown)
        return;
    m_hasCatalog = true;
    m_catalogError.clear();
    ControlSide *control = m_control;
    post(control, [control, catalog] {
        control->base = catalog;
        if (!control->gateway || !control->reloader)
            return;
        // A refreshed catalog: a new reloader over it, the running gateway keeps serving.
        auto table = control->makeReloader(QSqlDatabase::database(control->connectionName, false));
        control->reloader->startPolling(); // after a failure too: the next poll tries again
        if (!table) {
            post(control->owner, [owner = control->owner, message = table.error().message] {
                Q_EMIT owner->configReloadFailed(message);
            });
            return;
        }
        post(control->owner, [owner = control->owner, version = control->reloader->loadedVersion(),
                              offerings = table.value()->usableOfferings()] {
            Q_EMIT owner->configReloaded(version, offerings, QStringLiteral("the catalog changed"));
        });
    });
    if (m_startPending) {
        m_startPending = false;
        startNow();
    }
}

void GatewayController::start(quint16 port)
{
    if (m_shutDown)
        return;
    m_requestedPort = port;
    m_error.clear();
    m_portInUse = false;
    setState(State::Starting);
    if (!m_hasCatalog) {
        if (!m_catalogError.isEmpty())
            return failForCatalog(); // nothing to wait for
        m_startPending = true;       // setBaseCatalog() starts it
        return;
    }
    startNow();
}

void GatewayController::setBaseCatalogError(const QString &message)
{
    if (m_shutDown || m_hasCatalog)
        return;
    m_catalogError = message;
    if (m_startPending) {
        m_startPending = false;
        failForCatalog();
    }
}

void GatewayController::failForCatalog()
{
    ++m_startGeneration; // an answer to an earlier stop must not turn this into "stopped"
    onStartFailed(tr("the model catalog could not be loaded: %1").arg(m_catalogError), false);
}

void GatewayController::startNow()
{
    const quint64 generation = ++m_startGeneration;
    const quint16 port = m_requestedPort;
    ControlSide *control = m_control;
    post(control, [control, port, generation] { control->start(port, generation); });
}

void GatewayController::onStarted(quint16 port, const GatewayCounters &counters)
{
    m_port = port;
    m_counters = counters;
    setState(State::Running);
    Q_EMIT countersChanged();
}

void GatewayController::onStartFailed(const QString &message, bool portInUse)
{
    m_port = 0;
    m_error = message;
    m_portInUse = portInUse;
    m_counters = {};
    setState(State::Failed);
}

void GatewayController::onMoveFailed(const QString &message, bool portInUse)
{
    // Still serving on m_port with its counters; only the move failed.
    m_error = message;
    m_portInUse = portInUse;
    setState(State::Running);
    Q_EMIT countersChanged();
}

void GatewayController::stop()
{
    if (m_shutDown)
        return;
    m_startPending = false;
    if (m_state == State::Stopped || m_state == State::Failed) {
        setState(State::Stopped);
        return;
    }
    const quint64 generation = ++m_startGeneration;
    setState(State::Stopping);
    ControlSide *control = m_control;
    post(control, [control, generation] {
        control->stopGateway();
        post(control->owner, [owner = control->owner, generation] {
            if (generation != owner->m_startGeneration)
                return;
            owner->m_port = 0;
            owner->m_counters = {};
            owner->setState(State::Stopped);
        });
    });
}

void GatewayController::applyInMemory(const engine::UserData &data, const QString &reason)
{
    ControlSide *control = m_control;
    post(control, [control, data, reason] {
        control->inMemory = data;
        if (control->reloader) {
            control->reloader->setInMemoryUserData(data);
            (void)control->reloader->reloadNow(reason);
        }
    });
}

void GatewayController::startSandbox()
{
    if (m_shutDown || m_sandboxState == SandboxState::Starting || m_sandboxState == SandboxState::Running)
        return;
    m_sandboxError.clear();
    const quint64 generation = ++m_sandboxGeneration;
    setSandboxState(SandboxState::Starting);
    SandboxHost *side = m_sandbox;
    GatewayController *owner = this;
    // Back on the GUI thread: listening (then into the routing table) or why not.
    const auto answer = [owner, generation](const QUrl &url, const QString &error) {
        post(owner, [owner, generation, url, error] {
            // Stopped meanwhile, or stopped and started again: that sandbox
            // is closed, a later answer is for the one that runs.
            if (generation != owner->m_sandboxGeneration || owner->m_sandboxState != SandboxState::Starting)
                return;
            if (url.isEmpty()) {
                owner->m_sandboxError = error;
                owner->setSandboxState(SandboxState::Failed);
                return;
            }
            owner->onSandboxListening(url, generation);
        });
    };
    // The workspace's own providers come first: one with the sandbox's id
    // would collide in the routing table. Checked on the control thread.
    post(m_control, [control = m_control, side, answer] {
        if (const QString clash = control->workspaceProviderClash(); !clash.isEmpty())
            return answer(QUrl(), clash);
        post(side, [side, answer] {
            QString error;
            const QUrl url = side->start(&error);
            answer(url, error);
        });
    });
}

void GatewayController::onSandboxListening(const QUrl &url, quint64 generation)
{
    m_sandboxUrl = url;
    applyInMemory(sandboxUserData(url), QStringLiteral("sandbox provider started"));
    // Running once the routing table has it: the control thread answers after the reload.
    ControlSide *control = m_control;
    post(control, [control, generation] {
        post(control->owner, [owner = control->owner, generation] {
            if (generation == owner->m_sandboxGeneration && owner->m_sandboxState == SandboxState::Starting)
                owner->setSandboxState(SandboxState::Running);
        });
    });
}

void GatewayController::stopSandbox()
{
    if (m_shutDown || m_sandboxState == SandboxState::Stopped)
        return;
    ++m_sandboxGeneration;
    // Out of the routing table first; then, once that reload has taken effect
    // (the control thread takes these in order), the server finishes the
    // answers in flight and goes (SandboxHost::retire).
    applyInMemory({}, QStringLiteral("sandbox provider stopped"));
    m_sandboxUrl.clear();
    setSandboxState(SandboxState::Stopped);
    SandboxHost *side = m_sandbox;
    ControlSide *control = m_control;
    const std::chrono::milliseconds grace = m_options.stopGrace;
    post(control, [control, side, grace] { post(side, [side, grace] { side->retire(grace); }); });
}

void GatewayController::shutdown()
{
    if (m_shutDown)
        return;
    m_shutDown = true;
    m_startPending = false;
    ++m_startGeneration;
    ++m_sandboxGeneration;
    // The gateway first, with its grace period: answers the sandbox is still
    // giving reach their clients and their usage rows are written.
    ControlSide *control = m_control;
    post(control, [control] {
        control->stopGateway();
        delete control->healthTimer;
        control->healthTimer = nullptr;
        QThread::currentThread()->quit();
    });
    m_controlThread->wait();
    SandboxHost *side = m_sandbox;
    post(side, [side] {
        side->stop(); // its timers go on this thread
        QThread::currentThread()->quit();
    });
    m_sandboxThread->wait();
    delete m_control;
    m_control = nullptr;
    delete m_sandbox;
    m_sandbox = nullptr;
    delete m_controlThread;
    m_controlThread = nullptr;
    delete m_sandboxThread;
    m_sandboxThread = nullptr;
    m_port = 0;
    m_counters = {};
    m_sandboxUrl.clear();
    setSandboxState(SandboxState::Stopped);
    setState(State::Stopped);
}

} // namespace signalbox::ui
