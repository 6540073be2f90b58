#include "engine/storage/database.h"

#include "engine/core/logging.h"

#include <QAtomicInteger>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSqlError>
#include <QSqlQuery>

#include <mutex>

#ifdef SIGNALBOX_SQLITE_C_API
#include <sqlite3.h>
#endif

namespace signalbox::engine {

namespace {
constexpr char kSqliteMagic[] = "SQLite format 3";  // followed by a NUL: 16 bytes in all
constexpr qint64 kSqliteHeaderSize = 100;

QString uniqueConnectionName(const QString &purpose)
{
    static QAtomicInteger<quint64> counter;
    return QStringLiteral("signalbox-%1-%2").arg(purpose).arg(counter.fetchAndAddRelaxed(1));
}

bool exec(QSqlDatabase &db, const QString &sql, QString *detail)
{
    QSqlQuery query(db);
    if (query.exec(sql))
        return true;
    *detail = query.lastError().text();
    return false;
}
} // namespace

Error sqlError(const QString &code, const QString &what, const QString &path, const QString &detail)
{
    QString message = QStringLiteral("%1 %2").arg(what, QDir::toNativeSeparators(path));
    if (!detail.trimmed().isEmpty())
        message += QStringLiteral(": ") + detail.trimmed();
    return Error{code, message};
}

Result<void> checkSqliteHeader(const QString &path)
{
    QFileInfo info(path);
    if (!info.exists() || info.size() == 0)
        return {};  // SQLite treats an empty file as an empty database.
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return sqlError(QStringLiteral("cannot-read"), QStringLiteral("Cannot read"), path, file.errorString());
    const QByteArray header = file.read(kSqliteHeaderSize);
    if (!header.startsWith(QByteArrayView(kSqliteMagic, sizeof kSqliteMagic)))
        return sqlError(QStringLiteral("not-a-database"), QStringLiteral("Not a Signalbox database (not an SQLite file):"),
                        path, {});
    if (header.size() < kSqliteHeaderSize)
        return sqlError(QStringLiteral("corrupt"), QStringLiteral("The database is damaged (truncated header):"), path, {});
    return {};
}

Result<QSqlDatabase> openConnection(const QString &path, const QString &purpose, OpenMode mode)
{
#ifdef SIGNALBOX_SQLITE_C_API
    // Before SQLite initialises (at the first connection): no memory
    // statistics. Debian builds SQLite with them on, and then every
    // allocation of every connection takes one process-wide mutex, the usage
    // writer's idle-priority store work included (docs/usage-log.md).
    // Too late (SQLite already initialised) is harmless: SQLITE_MISUSE.
    static std::once_flag memoryStatisticsOff;
    std::call_once(memoryStatisticsOff, [] { (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
#endif
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QSQLITE")))
        return Error{QStringLiteral("no-sqlite-driver"),
                     QStringLiteral("The Qt SQLite driver (QSQLITE) is not installed; on Debian install libqt6sql6-sqlite")};

    const QString name = uniqueConnectionName(purpose);
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
    db.setDatabaseName(path);
    QString options = QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000");
    if (mode == OpenMode::ReadOnly)
        options += QStringLiteral(";QSQLITE_OPEN_READONLY");
    db.setConnectOptions(options);
    if (!db.open()) {
        const QString detail = db.lastError().text();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(name);
        return sqlError(QStringLiteral("cannot-open"), QStringLiteral("Cannot open database"), path, detail);
    }

    // A cheap read that fails on a file whose header looks right but whose
    // schema pages are garbage.
    QString detail;
    bool ok = exec(db, QStringLiteral("SELECT count(*) FROM sqlite_master"), &detail);
    if (ok && mode == OpenMode::ReadWrite) {
        ok = exec(db, QStringLiteral("PRAGMA journal_mode=WAL"), &detail)
             && exec(db, QStringLiteral("PRAGMA foreign_keys=ON"), &detail)
             && exec(db, QStringLiteral("PRAGMA synchronous=NORMAL"), &detail);
    }
    if (!ok) {
        db.close();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(name);
        return sqlError(QStringLiteral("corrupt"), QStringLiteral("The database is damaged or not a database:"), path, detail);
    }
    qCDebug(lcStorage) << "opened" << name << path << (mode == OpenMode::ReadOnly ? "read-only" : "read-write");
    return db;
}

void closeConnection(const QString &connectionName)
{
    {
        QSqlDatabase db = QSqlDatabase::database(connectionName, false);
        if (db.isOpen())
            db.close();
    }
    QSqlDatabase::removeDatabase(connectionName);
}

Result<int> readSchemaVersion(const QString &path)
{
    if (auto header = checkSqliteHeader(path); !header)
        return header.error();
    if (!QFileInfo::exists(path) || QFileInfo(path).size() == 0)
        return 0;

    auto opened = openConnection(path, QStringLiteral("version-probe"), OpenMode::ReadOnly);
    if (!opened)
        return opened.error();
    const QString name = opened->connectionName();
    int version = -1;
    QString detail;
    {
        QSqlQuery query(opened.value());
        if (query.exec(QStringLiteral("PRAGMA user_version")) && query.next())
            version = query.value(0).toInt();
        else
            detail = query.lastError().text();
    }
    opened.value() = QSqlDatabase();
    closeConnection(name);
    if (version < 0)
        return sqlError(QStringLiteral("corrupt"), QStringLiteral("Cannot read the schema version of"), path, detail);
    return version;
}

} // namespace signalbox::engine
