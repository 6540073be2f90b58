#pragma once

#include "engine/core/result.h"
#include "engine/storage/migrations.h"

#include <QSqlDatabase>
#include <QString>

#include <memory>
#include <span>

namespace signalbox::engine {

// A workspace is a folder holding `signalbox.db` and whatever else a
// Signalbox installation keeps per user or per server. Opening one creates
// the folder and database when missing and migrates the schema; a database
// from a newer Signalbox, or a file that is not one of ours, is refused
// without being modified.
class Workspace final {
    Q_DISABLE_COPY_MOVE(Workspace)
public:
    static constexpr char kDatabaseFileName[] = "signalbox.db";

    // QStandardPaths::AppDataLocation (needs the application name set).
    static QString defaultFolder();

    static Result<std::unique_ptr<Workspace>> open(const QString &folder);
    // For tests of the migration framework: open with another migration list.
    static Result<std::unique_ptr<Workspace>> open(const QString &folder, std::span<const Migration> migrations);

    ~Workspace();

    QString folder() const { return m_folder; }
    QString databasePath() const;
    int schemaVersion() const { return m_report.toVersion; }
    const MigrationReport &migrationReport() const { return m_report; }

    // The connection opened on the thread that opened the workspace.
    // Other threads call openConnection() for one of their own.
    QSqlDatabase database() const;
    Result<QSqlDatabase> openConnection(const QString &purpose) const;

    // The configuration version of the database `db` (a workspace's): a
    // number every change of catalog user data or virtual keys increases
    // (migration 5's triggers). One indexed read; a running gateway polls it.
    static Result<qint64> configVersion(QSqlDatabase db);

    // The file a running gateway (`signalbox-gateway serve` or the
    // console's) keeps in the workspace folder for `status` to find it
    // (engine/gateway/runtimefile.h).
    static constexpr char kRuntimeFileName[] = "gateway.json";

private:
    Workspace(QString folder, QString connectionName, MigrationReport report);

    QString m_folder;
    QString m_connectionName;
    MigrationReport m_report;
};

} // namespace signalbox::engine
