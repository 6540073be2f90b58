#pragma once

// The gateway's data plane: what answers /v1/chat/completions, /v1/models,
// /v1/key and /metrics. One DataPlane is shared by every worker thread (its
// parts are thread-safe); each worker gets its own DataPlaneHandler with its
// own upstream client and database connection, so requests never contend on
// a lock in the common case.

#include "engine/core/result.h"
#include "engine/gateway/dataplane/routing.h"
#include "engine/gateway/http/httphandler.h"
#include "engine/keys/virtualkeys.h"

#include <QMutex>
#include <QString>

#include <atomic>
#include <chrono>
#include <memory>

namespace signalbox::engine {

class GatewayMetrics;
class UsageWriter;

struct DataPlaneOptions {
    QString databasePath; // the workspace's signalbox.db: virtual keys
    int maxAttempts = 4;  // providers tried per request, the first included
    std::chrono::milliseconds connectTimeout{10'000};
    std::chrono::milliseconds firstByteTimeout{120'000};
    std::chrono::milliseconds idleTimeout{60'000};
    std::chrono::milliseconds totalTimeout{600'000};
    // A 429 without Retry-After keeps the offering out for this long.
    std::chrono::milliseconds defaultCooldown{5'000};
    // How long an authenticated key is trusted without asking the database
    // again: a revoked key stops working within this time.
    std::chrono::milliseconds keyCacheTtl{10'000};
    qint64 maxUpstreamBodyBytes = 64LL * 1024 * 1024; // a JSON answer larger than this is refused (502)
    bool checkUpstreamAddresses = true;
    // Upstream connections per worker thread (and per provider host): one per
    // request in flight over HTTP/1.1, so it follows the inbound limit
    // (Gateway::start sets it to HttpLimits::maxConnections).
    int maxUpstreamConnections = 512;
};

class DataPlane {
    Q_DISABLE_COPY_MOVE(DataPlane)
public:
    DataPlane(DataPlaneOptions options, std::shared_ptr<const RoutingTable> table, UsageWriter *usage,
              GatewayMetrics *metrics, std::unique_ptr<Router> router = nullptr);
    ~DataPlane();

    const DataPlaneOptions &options() const { return m_options; }

    // The current routing table; replaced atomically by setRoutingTable()
    // (config reload): requests in flight keep the table they started with.
    std::shared_ptr<const RoutingTable> routingTable() const;
    void setRoutingTable(std::shared_ptr<const RoutingTable> table);
    quint64 routingTableVersion() const { return m_tableVersion.load(std::memory_order_acquire); }

    const Router &router() const { return *m_router; }
    HealthBoard &health() { return m_health; }
    UsageWriter *usage() const { return m_usage; }
    GatewayMetrics *metrics() const { return m_metrics; }

    // Authenticated keys, by SHA-256 of the secret.
    std::optional<VirtualKey> cachedKey(const QByteArray &secretHash) const;
    void cacheKey(const QByteArray &secretHash, const VirtualKey &key);

    std::atomic<int> inFlight{0};
    std::atomic<qint64> served{0};
    // Every request with a usage row, and those answered with a status of
    // 400 or more (or nothing at all): what `signalbox-gateway status` shows.
    std::atomic<qint64> requests{0};
    std::atomic<qint64> errors{0};
    // After the request left inFlight: release, so that a reader that loads
    // `requests` (acquire) before `inFlight` never counts a request twice.
    void noteFinished(int httpStatus)
    {
        if (httpStatus >= 400 || httpStatus == 0)
            errors.fetch_add(1, std::memory_order_relaxed);
        requests.fetch_add(1, std::memory_order_release);
    }
    // Forgets every authenticated key: after a configuration change (a key
    // revoked, rotated or expired early), the next request asks the database.
    void clearKeyCache();
    std::chrono::steady_clock::time_point startedAt = std::chrono::steady_clock::now();

    // One per worker thread.
    HttpHandlerFactory handlerFactory(std::function<void(HttpRequestPtr, HttpResponder)> otherRoutes);

private:
    DataPlaneOptions m_options;
    mutable QMutex m_tableMutex;
    std::shared_ptr<const RoutingTable> m_table;
    std::atomic<quint64> m_tableVersion{1};
    std::unique_ptr<Router> m_router;
    HealthBoard m_health;
    UsageWriter *m_usage;
    GatewayMetrics *m_metrics;
    mutable QMutex m_keyMutex;
    struct CachedKey {
        VirtualKey key;
        std::chrono::steady_clock::time_point until;
    };
    QHash<QByteArray, CachedKey> m_keys;
};

} // namespace signalbox::engine
