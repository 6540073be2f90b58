#include "engine/config/configapply.h"

#include "engine/catalog/userstore.h"
#include "engine/keys/virtualkeys.h"
#include "engine/storage/workspace.h"

#include <QSqlError>
#include <QSqlQuery>

#include <functional>

namespace signalbox::engine::config {

namespace {

using Op = ConfigChange::Op;
using Kind = ConfigChange::Kind;

// The one transaction of an apply: rolls back unless committed.
class ApplyTransaction {
    Q_DISABLE_COPY_MOVE(ApplyTransaction)
public:
    explicit ApplyTransaction(QSqlDatabase db)
        : m_db(std::move(db))
    {
    }
    ~ApplyTransaction()
    {
        if (m_open)
            QSqlQuery(m_db).exec(QStringLiteral("ROLLBACK"));
    }
    Result<void> run(const QString &statement)
    {
        QSqlQuery query(m_db);
        if (!query.exec(statement))
            return Error { QStringLiteral("storage"),
                QStringLiteral("Cannot apply the configuration: %1").arg(query.lastError().text()) };
        m_open = statement.startsWith(QLatin1String("BEGIN"));
        return {};
    }

private:
    QSqlDatabase m_db;
    bool m_open = false;
};

Error failed(const ConfigChange &change, const Error &error)
{
    return Error { error.code,
        QStringLiteral("%1 %2: %3").arg(ConfigChange::kindName(change.kind), change.name, error.message) };
}

template <typename T> Result<void> check(const ConfigChange &change, const Result<T> &result)
{
    if (!result)
        return failed(change, result.error());
    return {};
}

// Orders the writes so every intermediate state satisfies the stores' rules:
// removals first (an alias freed before another takes its place), a
// provider before its offerings, and whatever a removed provider takes along
// (implied) is not removed twice.
Result<void> write(QSqlDatabase db, const std::vector<ConfigChange> &changes, const QDateTime &now)
{
    CatalogUserStore catalog(db, CatalogUserStore::Transactions::Caller);
    VirtualKeyStore keys(db);
    const auto each = [&](Kind kind, Op op, auto &&action) -> Result<void> {
        for (const ConfigChange &change : changes) {
            if (change.kind == kind && change.op == op && !change.implied) {
                if (auto done = action(change); !done)
                    return done;
            }
        }
        return {};
    };
    const std::vector<std::function<Result<void>()>> steps {
        [&] {
            return each(
                Kind::Key, Op::Remove, [&](const ConfigChange &c) { return check(c, keys.revokeById(c.key.id, now)); });
        },
        [&] {
            return each(Kind::Key, Op::Change,
                [&](const ConfigChange &c) { return check(c, keys.update(c.key.id, c.key.project, c.key.expiresAt)); });
        },
        [&] {
            return each(Kind::Key, Op::Add, [&](const ConfigChange &c) {
                return check(c, keys.import(c.key.id, c.key.name, c.key.project, c.key.secretSha256, c.key.expiresAt));
            });
        },
        [&] {
            return each(Kind::Alias, Op::Remove,
                [&](const ConfigChange &c) { return check(c, catalog.removeAlias(c.alias.alias)); });
        },
        [&] {
            return each(
                Kind::Alias, Op::Change, [&](const ConfigChange &c) { return check(c, catalog.updateAlias(c.alias)); });
        },
        [&] {
            return each(
                Kind::Alias, Op::Add, [&](const ConfigChange &c) { return check(c, catalog.addAlias(c.alias)); });
        },
        [&] {
            return each(Kind::Override, Op::Remove, [&](const ConfigChange &c) {
                return check(c, catalog.removeOverride(c.priceOverride.providerId, c.priceOverride.providerModelId));
            });
        },
        [&] {
            return each(Kind::Offering, Op::Remove, [&](const ConfigChange &c) {
                return check(c, catalog.removeOffering(c.offering.providerId, c.offering.providerModelId));
            });
        },
        [&] {
            return each(Kind::Provider, Op::Remove,
                [&](const ConfigChange &c) { return check(c, catalog.removeProvider(c.provider.id)); });
        },
        [&] {
            return each(Kind::Provider, Op::Change,
                [&](const ConfigChange &c) { return check(c, catalog.updateProvider(c.provider)); });
        },
        [&] {
            return each(Kind::Provider, Op::Add,
                [&](const ConfigChange &c) { return check(c, catalog.addProvider(c.provider)); });
        },
        [&] {
            return each(Kind::Offering, Op::Change,
                [&](const ConfigChange &c) { return check(c, catalog.updateOffering(c.offering)); });
        },
        [&] {
            return each(Kind::Offering, Op::Add,
                [&](const ConfigChange &c) { return check(c, catalog.addOffering(c.offering)); });
        },
        [&] {
            return each(Kind::Override, Op::Change,
                [&](const ConfigChange &c) { return check(c, catalog.updateOverride(c.priceOverride)); });
        },
        [&] {
            return each(Kind::Override, Op::Add,
                [&](const ConfigChange &c) { return check(c, catalog.addOverride(c.priceOverride)); });
        },
    };
    for (const auto &step : steps) {
        if (auto done = step(); !done)
            return done;
    }
    return {};
}

} // namespace

Result<ApplyOutcome> applyConfig(
    QSqlDatabase db, const ConfigDocument &document, bool dryRun, const QDateTime &now, const Catalog *catalog)
{
    ApplyOutcome outcome;
    ApplyTransaction transaction(db);
    // A dry run reads one snapshot without taking the write lock (and rolls
    // back); an apply takes the lock first, so what it compared is what it
    // changes.
    if (auto begun = transaction.run(dryRun ? QStringLiteral("BEGIN") : QStringLiteral("BEGIN IMMEDIATE")); !begun)
        return begun.error();
    auto state = loadConfigState(db);
    if (!state)
        return state.error();
    outcome.plan = planConfig(document, state.value(), now, catalog);
    if (!dryRun && outcome.plan.conflicts.empty() && !outcome.plan.isEmpty()) {
        if (auto written = write(db, outcome.plan.changes, now); !written)
            return written.error(); // the transaction rolls back
        if (auto committed = transaction.run(QStringLiteral("COMMIT")); !committed)
            return committed.error();
        outcome.applied = true;
    }
    auto version = Workspace::configVersion(db);
    if (version)
        outcome.configVersion = version.value();
    return outcome;
}

} // namespace signalbox::engine::config
