#pragma once

#include "engine/core/result.h"

#include <QSqlDatabase>
#include <QString>

namespace signalbox::engine {

enum class OpenMode { ReadOnly, ReadWrite };

// Checks, by reading the file's first bytes only, that `path` is empty,
// absent or an SQLite 3 database. Never creates or modifies the file.
Result<void> checkSqliteHeader(const QString &path);

// Reads PRAGMA user_version through a read-only connection; the file is not
// modified (no journal mode change, no checkpoint).
Result<int> readSchemaVersion(const QString &path);

// Opens a new connection to `path` under a unique connection name derived
// from `purpose`. Read-write connections get WAL, foreign_keys=ON and a busy
// timeout. Call closeConnection() with the returned database's name when done.
Result<QSqlDatabase> openConnection(const QString &path, const QString &purpose, OpenMode mode);

void closeConnection(const QString &connectionName);

// Error text for a failed query or open, phrased for users, naming the file.
Error sqlError(const QString &code, const QString &what, const QString &path, const QString &detail);

} // namespace signalbox::engine
