#pragma once

// Keeps a running gateway in step with its workspace's configuration: custom
// providers and offerings, price overrides, aliases (the routing table) and
// virtual keys (the key cache). It polls Workspace::configVersion() — one
// indexed read — and reloads when the number moved, whoever changed it (the
// console, `config apply`, `providers add`); reloadNow() is for SIGHUP.
// A reload swaps the routing table: requests in flight finish on the table
// they started with, the next one uses the new one. A failed reload keeps
// the current table and says why.

#include "engine/catalog/catalog.h"
#include "engine/catalog/userdata.h"
#include "engine/core/result.h"

#include <QObject>
#include <QSqlDatabase>
#include <QTimer>

#include <chrono>

namespace signalbox::engine {

class Gateway;

class ConfigReloader final : public QObject {
    Q_OBJECT
public:
    // `db`: a connection to the workspace database on this thread; `base`:
    // the catalog under the user's data (bundled or refreshed).
    ConfigReloader(Gateway *gateway, QSqlDatabase db, Catalog base,
                   std::chrono::milliseconds pollInterval = std::chrono::seconds(1), QObject *parent = nullptr);

    // A pollInterval of 0 polls never: reloadNow() only.
    // Loads the routing table, hands it to the gateway and starts polling.
    // Call before Gateway::start() to get the table for its Options, or after.
    Result<std::shared_ptr<const class RoutingTable>> loadInitial();
    void startPolling();

    // Providers and offerings to route to that are not in the workspace (the
    // console's sandbox provider): part of every load from now on. Takes
    // effect at the next reload; call reloadNow() to apply at once.
    void setInMemoryUserData(UserData data) { m_inMemory = std::move(data); }

    // Reloads now, changed or not. `reason` goes into the reloaded() signal.
    Result<void> reloadNow(const QString &reason);
    qint64 loadedVersion() const { return m_loadedVersion; }

Q_SIGNALS:
    void reloaded(qint64 version, int routableOfferings, const QString &reason);
    void reloadFailed(const QString &message);

private:
    void poll();
    Result<std::shared_ptr<const RoutingTable>> load(qint64 *version);

    Gateway *m_gateway;
    QSqlDatabase m_db;
    Catalog m_base;
    UserData m_inMemory;
    QTimer m_timer;
    qint64 m_loadedVersion = -1;
    bool m_failing = false; // say a failure once, not every poll
};

} // namespace signalbox::engine
