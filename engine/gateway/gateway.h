#pragma once

// The gateway service: the inbound HTTP server, the data plane (chat
// completions, models, key, metrics), the usage-log writer and the metrics
// registry, started and stopped together. Used by `signalbox-gateway serve`
// and the console. Without a database path it serves GET /health only (and
// OpenAI-shaped 404s), which the CLI's own tests use.

#include "engine/core/result.h"
#include "engine/gateway/dataplane/dataplane.h"
#include "engine/gateway/http/httpserver.h"

#include <QHostAddress>
#include <QJsonObject>
#include <QSqlDatabase>

#include <atomic>
#include <chrono>
#include <memory>

namespace signalbox::engine {

class Gateway final {
    Q_DISABLE_COPY_MOVE(Gateway)
public:
    struct Options {
        QHostAddress address = QHostAddress(QHostAddress::LocalHost);
        quint16 port = 0;
        int workerThreads = 0;  // 0: min(2, idealThreadCount)
        HttpLimits limits;
        // The data plane: on when databasePath and routingTable are set.
        std::shared_ptr<const RoutingTable> routingTable;
        DataPlaneOptions dataPlane; // its databasePath: the workspace's signalbox.db
    };

    Gateway();
    ~Gateway();

    Result<void> start(const Options &options);
    // Stops accepting, lets in-flight requests finish for up to `grace`
    // (the rest are cut and recorded as cancelled), then writes every usage
    // row still queued.
    void stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
    bool isRunning() const;
    QHostAddress address() const;
    quint16 port() const;

    // What the gateway can route to, from the workspace: `base` (the bundled
    // or refreshed catalog) with the user's data from `db` on top, and each
    // provider's key looked up where its reference says (never stored).
    // `inMemory`: providers and offerings that are not in the workspace (the
    // console's sandbox provider), added after the workspace's own; nothing
    // of them is written anywhere.
    static Result<std::shared_ptr<const RoutingTable>> loadRoutingTable(QSqlDatabase db, const Catalog &base,
                                                                        const UserData &inMemory = {});

    // Config reload: the next request routes with `table`; requests in flight
    // finish with the one they started with.
    void setRoutingTable(std::shared_ptr<const RoutingTable> table);
    // The workspace configuration version the routing table was built from
    // (Workspace::configVersion()), reported by GET /health.
    void setConfigVersion(qint64 version) { m_configVersion.store(version, std::memory_order_relaxed); }

    // GET /health: status, version, uptime_s; with the data plane also
    // in_flight, requests, errors, routable_offerings; config_version once set.
    QJsonObject health() const;
    DataPlane *dataPlane() const { return m_dataPlane.get(); }
    UsageWriter *usageWriter() const { return m_usage.get(); }
    GatewayMetrics *metrics() const { return m_metrics.get(); }

private:
    std::unique_ptr<UsageWriter> m_usage;
    std::unique_ptr<GatewayMetrics> m_metrics;
    std::unique_ptr<DataPlane> m_dataPlane;
    std::unique_ptr<HttpServer> m_server;
    std::chrono::steady_clock::time_point m_startedAt;
    std::atomic<qint64> m_configVersion{0};
};

} // namespace signalbox::engine
