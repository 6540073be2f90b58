#pragma once

// Applying a configuration file to a workspace: all or nothing. The state is
// read, compared (configplan.h) and written inside one BEGIN IMMEDIATE
// transaction, so no other writer can slip in between the diff and the
// writes; every write goes through CatalogUserStore and VirtualKeyStore
// joining that transaction. Any failure rolls everything back. The triggers
// of migration 5 bump the configuration version once per written row, so a
// running gateway reloads after the commit.

#include "engine/config/configplan.h"

#include <QDateTime>
#include <QSqlDatabase>

namespace signalbox::engine::config {

struct ApplyOutcome {
    ConfigPlan plan; // with conflicts: nothing was written
    bool applied = false; // false for a dry run, an empty plan or conflicts
    qint64 configVersion = 0; // after the apply (or as it is, when nothing was written)
};

// `dryRun`: compare only, reading inside one (deferred) transaction so the
// diff is of one consistent state. Fails ("storage", "corrupt", or a store's
// code) only when the database does; conflicts are in the outcome's plan.
// `catalog`: see planConfig().
Result<ApplyOutcome> applyConfig(QSqlDatabase db, const ConfigDocument &document, bool dryRun,
    const QDateTime &now = QDateTime::currentDateTimeUtc(), const Catalog *catalog = nullptr);

} // namespace signalbox::engine::config
