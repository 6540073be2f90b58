#pragma once

// The usage log in the workspace's SQLite database (tables usage_requests and
// usage_attempts, migration 4 of engine/storage/schema.cpp). All of the usage
// log's SQL for SQLite is in sqliteusagestore.cpp.

#include "engine/usage/usagestore.h"

#include <QSqlDatabase>
#include <QString>

#include <chrono>
#include <memory>

namespace signalbox::engine {

struct SqliteUsageStoreOptions {
    // How long a write waits for another connection's write lock before
    // failing with "busy". Readers never hold it up (WAL).
    std::chrono::milliseconds busyTimeout { 5000 };
    // Where the build has SIGNALBOX_SQLITE_C_API, append() binds through
    // SQLite's C API when Qt's driver uses the same SQLite; true forces
    // Qt's QSqlQuery binding (the tests compare the two). Same rows either way.
    bool bindThroughQt = false;
};

class SqliteUsageStore final : public UsageStore {
public:
    // Opens a connection of its own to the workspace database at
    // `databasePath` (Workspace::databasePath()): WAL, foreign_keys=ON,
    // synchronous=NORMAL, the busy timeout. The schema must already be at
    // version 4 or later (Workspace::open() migrates); a database without the
    // usage tables is refused with "schema". The connection belongs to the
    // calling thread: create, use and destroy the store there.
    static Result<std::unique_ptr<SqliteUsageStore>> open(
        const QString &databasePath, SqliteUsageStoreOptions options = {});

    // Uses a connection the caller opened, keeps open and closes after the
    // store is gone (for example Workspace::database() on the GUI thread).
    explicit SqliteUsageStore(QSqlDatabase db);
    ~SqliteUsageStore() override;

    Result<UsageAppendReport> append(std::span<const UsageRecord> batch) override;
    Result<std::optional<UsageRecord>> find(const QString &id) override;
    Result<std::vector<UsageRecord>> query(const UsageQuery &query) override;
    Result<qint64> count(const UsageQuery &query) override;
    using UsageStore::count;
    Result<UsageTotals> totals(const UsageQuery &query) override;

private:
    struct Statements;

    SqliteUsageStore(QSqlDatabase db, QString ownedConnection);
    Result<void> prepare();
    Result<UsageAppendReport> appendThroughQt(std::span<const UsageRecord> batch);
    Result<UsageAppendReport> appendDirect(std::span<const UsageRecord> batch);

    QSqlDatabase m_db;
    bool m_bindThroughQt = false;
    QString m_ownedConnection; // closed by the destructor; empty for a borrowed connection
    std::unique_ptr<Statements> m_statements; // prepared once: by open(), or on first use of a borrowed connection
};

// A factory for UsageWriter: SqliteUsageStore::open(databasePath, options),
// run on whichever thread calls it.
UsageStoreFactory sqliteUsageStoreFactory(const QString &databasePath, SqliteUsageStoreOptions options = {});

} // namespace signalbox::engine
