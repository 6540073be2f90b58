#include "engine/gateway/configreloader.h"

#include "engine/gateway/gateway.h"
#include "engine/storage/workspace.h"

namespace signalbox::engine {

ConfigReloader::ConfigReloader(Gateway *gateway, QSqlDatabase db, Catalog base, std::chrono::milliseconds pollInterval,
                               QObject *parent)
    : QObject(parent)
    , m_gateway(gateway)
    , m_db(std::move(db))
    , m_base(std::move(base))
{
    m_timer.setInterval(pollInterval);
    m_timer.setTimerType(Qt::CoarseTimer);
    connect(&m_timer, &QTimer::timeout, this, &ConfigReloader::poll);
}

Result<std::shared_ptr<const RoutingTable>> ConfigReloader::load(qint64 *version)
{
    // The version first: a change committed while the table is built makes
    // the next poll reload once more, never miss it.
    auto current = Workspace::configVersion(m_db);
    if (!current)
        return current.error();
    auto table = Gateway::loadRoutingTable(m_db, m_base, m_inMemory);
    if (!table)
        return table.error();
    *version = current.value();
    return table;
}

Result<std::shared_ptr<const RoutingTable>> ConfigReloader::loadInitial()
{
    qint64 version = 0;
    auto table = load(&version);
    if (!table)
        return table;
    m_loadedVersion = version;
    m_gateway->setConfigVersion(version);
    if (m_gateway->isRunning())
        m_gateway->setRoutingTable(table.value());
    return table;
}

void ConfigReloader::startPolling()
{
    if (m_timer.interval() > 0)
        m_timer.start();
}

Result<void> ConfigReloader::reloadNow(const QString &reason)
{
    qint64 version = 0;
    auto table = load(&version);
    if (!table) {
        if (!m_failing)
            Q_EMIT reloadFailed(table.error().message);
        m_failing = true;
        return table.error();
    }
    m_failing = false;
    m_loadedVersion = version;
    m_gateway->setRoutingTable(table.value());
    m_gateway->setConfigVersion(version);
    if (DataPlane *plane = m_gateway->dataPlane())
        plane->clearKeyCache();
    Q_EMIT reloaded(version, table.value()->usableOfferings(), reason);
    return {};
}

void ConfigReloader::poll()
{
    auto version = Workspace::configVersion(m_db);
    if (!version) {
        if (!m_failing)
            Q_EMIT reloadFailed(version.error().message);
        m_failing = true;
        return;
    }
    if (version.value() != m_loadedVersion || m_failing)
        (void)reloadNow(QStringLiteral("the workspace changed"));
}

} // namespace signalbox::engine
