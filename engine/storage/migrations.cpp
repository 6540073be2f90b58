#include "engine/storage/migrations.h"

#include "engine/core/logging.h"

#include <QDateTime>
#include <QSqlError>
#include <QSqlQuery>

namespace signalbox::engine {

namespace {
Error migrationError(const Migration &step, const QString &detail)
{
    return Error{QStringLiteral("migration-failed"),
                 QStringLiteral("Schema migration %1 (%2) failed: %3").arg(step.version).arg(step.name, detail.trimmed())};
}

Result<int> userVersion(QSqlDatabase &db)
{
    QSqlQuery query(db);
    if (!query.exec(QStringLiteral("PRAGMA user_version")) || !query.next())
        return Error{QStringLiteral("corrupt"), QStringLiteral("Cannot read the schema version: ") + query.lastError().text()};
    return query.value(0).toInt();
}

Result<void> applyStep(QSqlDatabase &db, const Migration &step)
{
    QSqlQuery query(db);
    if (!query.exec(QStringLiteral("BEGIN IMMEDIATE")))
        return migrationError(step, query.lastError().text());
    auto rollback = [&](const QString &detail) -> Result<void> {
        QSqlQuery(db).exec(QStringLiteral("ROLLBACK"));
        return migrationError(step, detail);
    };
    for (const QString &statement : step.statements) {
        if (!query.exec(statement))
            return rollback(query.lastError().text());
    }
    query.prepare(QStringLiteral("INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)"));
    query.addBindValue(step.version);
    query.addBindValue(step.name);
    query.addBindValue(QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
    if (!query.exec())
        return rollback(query.lastError().text());
    // PRAGMA takes no bound parameters; the version is an int we own.
    if (!query.exec(QStringLiteral("PRAGMA user_version = %1").arg(step.version)))
        return rollback(query.lastError().text());
    if (!query.exec(QStringLiteral("COMMIT")))
        return rollback(query.lastError().text());
    qCInfo(lcStorage) << "applied migration" << step.version << step.name;
    return {};
}
} // namespace

int latestVersion(std::span<const Migration> migrations)
{
    int latest = 0;
    for (const Migration &step : migrations)
        latest = std::max(latest, step.version);
    return latest;
}

Result<MigrationReport> migrate(QSqlDatabase &db, std::span<const Migration> migrations)
{
    for (std::size_t i = 0; i < migrations.size(); ++i) {
        if (migrations[i].version != static_cast<int>(i) + 1)
            return Error{QStringLiteral("bad-migrations"),
                         QStringLiteral("Migration list is not numbered 1..N (entry %1 has version %2)")
                             .arg(i)
                             .arg(migrations[i].version)};
    }

    auto current = userVersion(db);
    if (!current)
        return current.error();
    const int latest = latestVersion(migrations);
    MigrationReport report{current.value(), current.value()};
    if (current.value() > latest)
        return Error{QStringLiteral("newer-schema"),
                     QStringLiteral("The database has schema version %1, newer than this Signalbox understands (%2); "
                                    "it was left untouched. Use a newer Signalbox to open it.")
                         .arg(current.value())
                         .arg(latest)};

    // The bookkeeping table is created outside the numbered steps so that
    // every step, including the first, can record itself in it.
    if (current.value() < latest) {
        QSqlQuery query(db);
        if (!query.exec(QStringLiteral("CREATE TABLE IF NOT EXISTS schema_migrations ("
                                       " version INTEGER PRIMARY KEY,"
                                       " name TEXT NOT NULL,"
                                       " applied_at TEXT NOT NULL)")))
            return Error{QStringLiteral("migration-failed"),
                         QStringLiteral("Cannot create the migrations table: ") + query.lastError().text()};
    }
    for (const Migration &step : migrations) {
        if (step.version <= report.toVersion)
            continue;
        if (auto applied = applyStep(db, step); !applied)
            return applied.error();
        report.toVersion = step.version;
    }
    return report;
}

} // namespace signalbox::engine
