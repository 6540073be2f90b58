#include "engine/storage/workspace.h"

#include "engine/core/logging.h"
#include "engine/storage/database.h"
#include "engine/storage/schema.h"

#include <QDir>
#include <QFileInfo>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>

namespace signalbox::engine {

QString Workspace::defaultFolder()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
}

Workspace::Workspace(QString folder, QString connectionName, MigrationReport report)
    : m_folder(std::move(folder))
    , m_connectionName(std::move(connectionName))
    , m_report(report)
{
}

Workspace::~Workspace()
{
    closeConnection(m_connectionName);
}

QString Workspace::databasePath() const
{
    return QDir(m_folder).filePath(QString::fromLatin1(kDatabaseFileName));
}

QSqlDatabase Workspace::database() const
{
    return QSqlDatabase::database(m_connectionName, false);
}

Result<QSqlDatabase> Workspace::openConnection(const QString &purpose) const
{
    return engine::openConnection(databasePath(), purpose, OpenMode::ReadWrite);
}

Result<std::unique_ptr<Workspace>> Workspace::open(const QString &folder)
{
    return open(folder, workspaceMigrations());
}

Result<std::unique_ptr<Workspace>> Workspace::open(const QString &folder, std::span<const Migration> migrations)
{
    if (folder.trimmed().isEmpty())
        return Error{QStringLiteral("no-folder"), QStringLiteral("No workspace folder given")};
    const QString absolute = QFileInfo(folder).absoluteFilePath();
    const QFileInfo folderInfo(absolute);
    if (folderInfo.exists() && !folderInfo.isDir())
        return Error{QStringLiteral("not-a-folder"),
                     QStringLiteral("The workspace %1 is a file, not a folder").arg(QDir::toNativeSeparators(absolute))};
    if (!QDir().mkpath(absolute))
        return Error{QStringLiteral("cannot-create"),
                     QStringLiteral("Cannot create the workspace folder %1").arg(QDir::toNativeSeparators(absolute))};

    const QString path = QDir(absolute).filePath(QString::fromLatin1(kDatabaseFileName));
    if (QFileInfo(path).isDir())
        return Error{QStringLiteral("not-a-database"),
                     QStringLiteral("%1 is a folder, not a database").arg(QDir::toNativeSeparators(path))};

    // Everything that could refuse the file happens before the first write:
    // the header check and the version probe use a read-only connection.
    auto version = readSchemaVersion(path);
    if (!version)
        return version.error();
    const int latest = latestVersion(migrations);
    if (version.value() > latest)
        return Error{QStringLiteral("newer-schema"),
                     QStringLiteral("%1 has schema version %2, newer than this Signalbox understands (%3); "
                                    "it was left untouched. Use a newer Signalbox to open it.")
                         .arg(QDir::toNativeSeparators(path))
                         .arg(version.value())
                         .arg(latest)};

    auto opened = engine::openConnection(path, QStringLiteral("workspace"), OpenMode::ReadWrite);
    if (!opened)
        return opened.error();
    QSqlDatabase db = opened.value();
    const QString connectionName = db.connectionName();
    auto report = migrate(db, migrations);
    db = QSqlDatabase();
    opened.value() = QSqlDatabase();
    if (!report) {
        closeConnection(connectionName);
        return Error{report.error().code, QStringLiteral("%1: %2").arg(QDir::toNativeSeparators(path), report.error().message)};
    }
    if (report->changed())
        qCInfo(lcStorage) << "workspace" << absolute << "schema" << report->fromVersion << "->" << report->toVersion;
    return std::unique_ptr<Workspace>(new Workspace(absolute, connectionName, report.value()));
}

Result<qint64> Workspace::configVersion(QSqlDatabase db)
{
    QSqlQuery query(db);
    if (!query.exec(QStringLiteral("SELECT CAST(value AS INTEGER) FROM workspace_meta WHERE key = 'config_version'")))
        return Error{QStringLiteral("storage"),
                     QStringLiteral("cannot read the configuration version: %1").arg(query.lastError().text())};
    if (!query.next())
        return Error{QStringLiteral("storage"), QStringLiteral("the workspace has no configuration version (schema older than 5)")};
    return query.value(0).toLongLong();
}

} // namespace signalbox::engine
