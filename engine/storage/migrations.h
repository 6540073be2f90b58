#pragma once

#include "engine/core/result.h"

#include <QSqlDatabase>
#include <QString>
#include <QStringList>

#include <span>

namespace signalbox::engine {

// One schema step. `version` numbers start at 1 and increase by one; the
// database's PRAGMA user_version records the last step applied.
struct Migration {
    int version = 0;
    QString name;
    QStringList statements;
};

struct MigrationReport {
    int fromVersion = 0;
    int toVersion = 0;
    bool changed() const { return fromVersion != toVersion; }
};

// Applies every migration newer than the database's user_version, each in its
// own transaction together with its user_version bump, so a failing step
// leaves the database at the previous version. A database newer than the last
// known migration is refused before anything is written.
Result<MigrationReport> migrate(QSqlDatabase &db, std::span<const Migration> migrations);

// The highest version in `migrations` (0 when empty).
int latestVersion(std::span<const Migration> migrations);

} // namespace signalbox::engine
