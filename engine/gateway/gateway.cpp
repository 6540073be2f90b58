#include "engine/gateway/gateway.h"

#include "engine/core/logging.h"
#include "engine/core/version.h"
#include "engine/catalog/userstore.h"
#include "engine/gateway/metrics/gatewaymetrics.h"
#include "engine/keys/providerkeys.h"
#include "engine/usage/sqliteusagestore.h"
#include "engine/usage/usagewriter.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>

#include <algorithm>
#include <iterator>

namespace signalbox::engine {

namespace {
const HttpHeaders kJson = {{QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")}};

// The OpenAI routes: without a data plane they get a clear 501 instead of a
// misleading 404.
bool isDataPlaneRoute(QByteArrayView path)
{
    return path == "/v1/chat/completions" || path == "/v1/models" || path == "/v1/key" || path == "/metrics";
}

class Routes final : public HttpHandler {
public:
    explicit Routes(const Gateway *gateway)
        : m_gateway(gateway)
    {
    }

    void handle(HttpRequestPtr request, HttpResponder responder) override
    {
        const QByteArray &path = request->path;
        if (path == "/health") {
            if (request->method != "GET" && request->method != "HEAD") {
                responder.respondError(405, "method_not_allowed", "Use GET /health");
                return;
            }
            responder.respond(200, kJson, QJsonDocument(m_gateway->health()).toJson(QJsonDocument::Compact));
            return;
        }
        if (isDataPlaneRoute(path)) {
            const QByteArray message = QByteArray("This Signalbox gateway does not serve ") + path + QByteArray(" yet");
            responder.respondError(501, "not_implemented", message, "server_error");
            return;
        }
        const QByteArray message = QByteArray("No such route: ") + request->method + ' ' + path;
        responder.respondError(404, "not_found", message);
    }

private:
    const Gateway *m_gateway;
};
} // namespace

Gateway::Gateway() = default;

Gateway::~Gateway()
{
    stop(std::chrono::milliseconds(0));
}

Result<void> Gateway::start(const Options &options)
{
    if (m_server)
        return Error{QStringLiteral("already-running"), QStringLiteral("The gateway is already running")};
    m_startedAt = std::chrono::steady_clock::now();
    const Gateway *self = this;
    HttpHandlerFactory factory = [self] { return std::make_unique<Routes>(self); };
    if (options.routingTable && !options.dataPlane.databasePath.isEmpty()) {
        m_usage = std::make_unique<UsageWriter>(sqliteUsageStoreFactory(options.dataPlane.databasePath));
        if (auto started = m_usage->start(); !started) {
            m_usage.reset();
            return started.error();
        }
        m_metrics = std::make_unique<GatewayMetrics>();
        DataPlaneOptions dataPlaneOptions = options.dataPlane;
        dataPlaneOptions.maxUpstreamConnections = std::max(dataPlaneOptions.maxUpstreamConnections, options.limits.maxConnections);
        m_dataPlane = std::make_unique<DataPlane>(dataPlaneOptions, options.routingTable, m_usage.get(), m_metrics.get());
        // /health and unknown routes keep the plain handler.
        factory = m_dataPlane->handlerFactory([self](HttpRequestPtr request, HttpResponder responder) {
            Routes(self).handle(std::move(request), std::move(responder));
        });
    }
    auto server = std::make_unique<HttpServer>(std::move(factory));
    HttpServer::Options serverOptions;
    serverOptions.address = options.address;
    serverOptions.port = options.port;
    serverOptions.workerThreads = options.workerThreads;
    serverOptions.limits = options.limits;
    if (auto started = server->start(serverOptions); !started) {
        m_dataPlane.reset();
        m_metrics.reset();
        if (m_usage)
            m_usage->stop();
        m_usage.reset();
        return started.error();
    }
    m_server = std::move(server);
    return {};
}

void Gateway::stop(std::chrono::milliseconds grace)
{
    if (m_server) {
        m_server->stop(grace);
        m_server.reset();
    }
    m_dataPlane.reset();
    if (m_usage)
        m_usage->stop(QDeadlineTimer(std::chrono::seconds(30))); // every row of every request answered above; a dead disk is logged, not waited on forever
    m_usage.reset();
    m_metrics.reset();
}

QJsonObject Gateway::health() const
{
    const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - m_startedAt);
    QJsonObject body{{QStringLiteral("status"), QStringLiteral("ok")},
                     {QStringLiteral("version"), QString::fromLatin1(kVersion)},
                     {QStringLiteral("uptime_s"), static_cast<qint64>(uptime.count())}};
    if (const DataPlane *plane = m_dataPlane.get()) {
        // `requests` first (acquire): a request it counts has left inFlight.
        const qint64 requests = plane->requests.load(std::memory_order_acquire);
        body.insert(QStringLiteral("errors"), plane->errors.load(std::memory_order_relaxed));
        body.insert(QStringLiteral("in_flight"), plane->inFlight.load(std::memory_order_relaxed));
        body.insert(QStringLiteral("requests"), requests);
        if (const auto table = plane->routingTable())
            body.insert(QStringLiteral("routable_offerings"), table->usableOfferings());
    }
    if (const qint64 version = m_configVersion.load(std::memory_order_relaxed); version > 0)
        body.insert(QStringLiteral("config_version"), version);
    return body;
}

Result<std::shared_ptr<const RoutingTable>> Gateway::loadRoutingTable(QSqlDatabase db, const Catalog &base,
                                                                     const UserData &inMemory)
{
    CatalogUserStore store(db);
    auto data = store.load();
    if (!data)
        return data.error();
    // In-memory providers (the console's sandbox) never shadow the workspace's
    // or the catalog's: one whose id is taken is left out with its offerings,
    // so its model stops routing instead of borrowing another provider's
    // address or key.
    QSet<QString> added;
    for (const CustomProvider &provider : inMemory.providers) {
        const bool taken = base.provider(provider.id)
            || std::any_of(data->providers.begin(), data->providers.end(),
                           [&provider](const CustomProvider &p) { return p.id == provider.id; });
        if (taken) {
            qCWarning(lcGateway, "in-memory provider %s left out: the workspace or catalog has a provider with that id",
                      qUtf8Printable(provider.id));
            continue;
        }
        data->providers.push_back(provider);
        added.insert(provider.id);
    }
    std::copy_if(inMemory.offerings.begin(), inMemory.offerings.end(), std::back_inserter(data->offerings),
                 [&added](const CustomOffering &offering) { return added.contains(offering.providerId); });
    auto catalog = std::make_shared<const Catalog>(applyUserData(base, data.value()));
    auto resolver = std::make_shared<ProviderKeyResolver>();
    return RoutingTable::build(
        std::move(catalog), data->providers,
        [resolver](const KeyReference &reference) { return resolver->resolve(reference); },
        QDateTime::currentDateTimeUtc(), data->aliases);
}

void Gateway::setRoutingTable(std::shared_ptr<const RoutingTable> table)
{
    if (m_dataPlane && table)
        m_dataPlane->setRoutingTable(std::move(table));
}

bool Gateway::isRunning() const
{
    return m_server && m_server->isListening();
}

QHostAddress Gateway::address() const
{
    return m_server ? m_server->serverAddress() : QHostAddress();
}

quint16 Gateway::port() const
{
    return m_server ? m_server->serverPort() : 0;
}

} // namespace signalbox::engine
