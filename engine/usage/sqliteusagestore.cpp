#include "engine/usage/sqliteusagestore.h"

#include "engine/core/logging.h"
#include "engine/storage/database.h"

#include <QDir>
#include <QHash>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <algorithm>

#ifdef SIGNALBOX_SQLITE_C_API
#include <sqlite3.h>
#endif

namespace signalbox::engine {

namespace {
constexpr int kUsageSchemaVersion = 4;
// Attempts of a page of records are read with `request_id IN (?, …)` in
// groups of this size: one statement per group instead of one per record.
constexpr int kAttemptGroup = 200;

const QString kRequestColumns = QStringLiteral(
    "seq, id, key_id, project, started_at_ms, finished_at_ms, endpoint, requested_model, served_model,"
    " served_provider, served_provider_model, status, http_status, error_class, error_message,"
    " prompt_tokens, completion_tokens, cached_tokens, cache_write_tokens, reasoning_tokens, tokens_estimated,"
    " cost_nanos, cost_attos, latency_us, ttft_us, overhead_us, stream, route_reason");
const QString kAttemptColumns = QStringLiteral(
    "request_id, attempt, provider_id, provider_model_id, outcome, http_status, duration_us, may_have_been_billed");

// SQLite's primary result codes (the low byte of an extended code).
constexpr int kSqliteBusy = 5;
constexpr int kSqliteLocked = 6;
constexpr int kSqliteFull = 13;
constexpr int kSqliteConstraint = 19;

// An error of SQLite's (`primary` result code, -1 if unknown; its message)
// as the store reports it: busy, full, invalid (a constraint), schema or
// storage. Both append paths (through Qt, through the C API) use it.
Error storeError(const QSqlDatabase &db, const QString &what, int primary, const QString &detail)
{
    QString code = QStringLiteral("storage");
    if (primary == kSqliteBusy || primary == kSqliteLocked)
        code = QStringLiteral("busy");
    else if (primary == kSqliteFull)
        code = QStringLiteral("full");
    else if (primary == kSqliteConstraint)
        code = QStringLiteral("invalid");
    if (detail.contains(QLatin1StringView("no such table")))
        code = QStringLiteral("schema");
    return Error { code, QStringLiteral("%1 (%2): %3").arg(what, QDir::toNativeSeparators(db.databaseName()), detail) };
}

Error storeError(const QSqlDatabase &db, const QString &what, const QSqlError &error)
{
    bool numeric = false;
    const int primary = error.nativeErrorCode().toInt(&numeric) & 0xff;
    // SQLite's own message; Qt's (which never names a table) only without one.
    return storeError(db, what, numeric ? primary : -1,
                      error.databaseText().isEmpty() ? error.text() : error.databaseText());
}

QVariant text(const QString &value, int limit)
{
    return clippedUsageText(value, limit);
}

qint64 msOf(const QDateTime &time)
{
    return time.toMSecsSinceEpoch();
}

QDateTime timeOf(const QVariant &ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms.toLongLong(), Qt::UTC);
}

UsageRecord recordFrom(const QSqlQuery &row)
{
    UsageRecord r;
    r.seq = row.value(0).toLongLong();
    r.id = row.value(1).toString();
    r.keyId = row.value(2).toString();
    r.project = row.value(3).toString();
    r.startedAt = timeOf(row.value(4));
    r.finishedAt = timeOf(row.value(5));
    r.endpoint = row.value(6).toString();
    r.requestedModel = row.value(7).toString();
    r.servedModel = row.value(8).toString();
    r.servedProvider = row.value(9).toString();
    r.servedProviderModel = row.value(10).toString();
    // The CHECK constraint admits only known names.
    r.status = usageStatusFromName(row.value(11).toString()).value_or(UsageStatus::GatewayError);
    r.httpStatus = row.value(12).toInt();
    r.errorClass = row.value(13).toString();
    r.errorMessage = row.value(14).toString();
    r.promptTokens = row.value(15).toLongLong();
    r.completionTokens = row.value(16).toLongLong();
    r.cachedTokens = row.value(17).toLongLong();
    r.cacheWriteTokens = row.value(18).toLongLong();
    r.reasoningTokens = row.value(19).toLongLong();
    r.tokensEstimated = row.value(20).toInt() != 0;
    const QVariant nanos = row.value(21);
    if (!nanos.isNull())
        r.cost = Money::fromNanosAndAttos(nanos.toLongLong(), row.value(22).toLongLong());
    r.latencyUs = row.value(23).toLongLong();
    const QVariant ttft = row.value(24);
    if (!ttft.isNull())
        r.ttftUs = ttft.toLongLong();
    r.overheadUs = row.value(25).toLongLong();
    r.stream = row.value(26).toInt() != 0;
    r.routeReason = row.value(27).toString();
    return r;
}

UsageAttempt attemptFrom(const QSqlQuery &row)
{
    UsageAttempt a;
    a.providerId = row.value(2).toString();
    a.providerModelId = row.value(3).toString();
    a.outcome = row.value(4).toString();
    a.httpStatus = row.value(5).toInt();
    a.durationUs = row.value(6).toLongLong();
    a.mayHaveBeenBilled = row.value(7).toInt() != 0;
    return a;
}

QString placeholders(int count)
{
    QString list;
    list.reserve(count * 2);
    for (int i = 0; i < count; ++i)
        list += i == 0 ? QStringLiteral("?") : QStringLiteral(",?");
    return list;
}

// The WHERE clause and its values for a query's filters and cursor.
struct Filter {
    QString where;
    QVariantList values;
};

Filter filterFor(const UsageQuery &q)
{
    QStringList terms;
    Filter filter;
    if (q.from.isValid()) {
        terms << QStringLiteral("started_at_ms >= ?");
        filter.values << msOf(q.from);
    }
    if (q.to.isValid()) {
        terms << QStringLiteral("started_at_ms < ?");
        filter.values << msOf(q.to);
    }
    if (q.keyId) {
        terms << QStringLiteral("key_id = ?");
        filter.values << clippedUsageText(*q.keyId, UsageLimits::kKeyId);
    }
    if (q.project) {
        terms << QStringLiteral("project = ?");
        filter.values << clippedUsageText(*q.project, UsageLimits::kProject);
    }
    if (q.after) {
        // Row values compare lexicographically and use the (started_at_ms,
        // rowid) order every index on the table already has.
        switch (q.order) {
        case UsageOrder::Committed:
            terms << QStringLiteral("seq > ?");
            filter.values << q.after->seq;
            break;
        case UsageOrder::StartedAt:
            terms << QStringLiteral("(started_at_ms, seq) > (?, ?)");
            filter.values << msOf(q.after->startedAt) << q.after->seq;
            break;
        case UsageOrder::NewestFirst:
            terms << QStringLiteral("(started_at_ms, seq) < (?, ?)");
            filter.values << msOf(q.after->startedAt) << q.after->seq;
            break;
        }
    }
    if (!terms.isEmpty())
        filter.where = QStringLiteral(" WHERE ") + terms.join(QStringLiteral(" AND "));
    return filter;
}

QString orderBy(UsageOrder order)
{
    switch (order) {
    case UsageOrder::Committed:
        return QStringLiteral(" ORDER BY seq");
    case UsageOrder::StartedAt:
        return QStringLiteral(" ORDER BY started_at_ms, seq");
    case UsageOrder::NewestFirst:
        return QStringLiteral(" ORDER BY started_at_ms DESC, seq DESC");
    }
    return {};
}
} // namespace

struct SqliteUsageStore::Statements {
    explicit Statements(const QSqlDatabase &db)
        : begin(db)
        , commit(db)
        , rollback(db)
        , insertRequest(db)
        , insertAttempt(db)
        , findRequest(db)
        , findAttempts(db)
        , attemptGroup(db)
    {
    }
    QSqlQuery begin;
    QSqlQuery commit;
    QSqlQuery rollback;
    QSqlQuery insertRequest;
    QSqlQuery insertAttempt;
    QSqlQuery findRequest;
    QSqlQuery findAttempts;
    QSqlQuery attemptGroup; // kAttemptGroup ids
#ifdef SIGNALBOX_SQLITE_C_API
    // The append path through SQLite's C API on the same connection, when
    // Qt's driver uses the SQLite this library links (else null: append
    // binds through Qt). QSqlQuery::bindValue() costs a QString::arg() and a
    // hash lookup per value, more than SQLite's own work for the column
    // (docs/usage-log.md, "Cost of a row").
    struct Direct {
        Q_DISABLE_COPY_MOVE(Direct)
        Direct() = default;
        ~Direct()
        {
            for (sqlite3_stmt *statement : { begin, commit, rollback, insertRequest, insertAttempt })
                sqlite3_finalize(statement); // null is a no-op
        }
        sqlite3 *db = nullptr;
        sqlite3_stmt *begin = nullptr;
        sqlite3_stmt *commit = nullptr;
        sqlite3_stmt *rollback = nullptr;
        sqlite3_stmt *insertRequest = nullptr;
        sqlite3_stmt *insertAttempt = nullptr;
    };
    std::unique_ptr<Direct> direct;
#endif
};

Result<std::unique_ptr<SqliteUsageStore>> SqliteUsageStore::open(
    const QString &databasePath, SqliteUsageStoreOptions options)
{
    auto opened = openConnection(databasePath, QStringLiteral("usage"), OpenMode::ReadWrite);
    if (!opened)
        return opened.error();
    const QString name = opened->connectionName();
    // From here on the store owns the connection and closes it on any return.
    std::unique_ptr<SqliteUsageStore> store(new SqliteUsageStore(opened.value(), name));
    opened.value() = QSqlDatabase();
    store->m_bindThroughQt = options.bindThroughQt;

    QSqlQuery query(store->m_db);
    if (!query.exec(QStringLiteral("PRAGMA user_version")) || !query.next())
        return storeError(store->m_db, QStringLiteral("Cannot read the schema version of"), query.lastError());
    const int version = query.value(0).toInt();
    if (version < kUsageSchemaVersion)
        return Error { QStringLiteral("schema"),
            QStringLiteral("%1 has schema version %2 and no usage log yet (version %3): open the workspace "
                           "first, which migrates it")
                .arg(QDir::toNativeSeparators(databasePath))
                .arg(version)
                .arg(kUsageSchemaVersion) };
    // PRAGMA takes no bound parameters; the value is an integer we own.
    if (!query.exec(QStringLiteral("PRAGMA busy_timeout = %1").arg(options.busyTimeout.count())))
        return storeError(store->m_db, QStringLiteral("Cannot set the busy timeout of"), query.lastError());
    query.finish();
    if (auto prepared = store->prepare(); !prepared)
        return prepared.error();
    return store;
}

SqliteUsageStore::SqliteUsageStore(QSqlDatabase db)
    : SqliteUsageStore(std::move(db), QString())
{
}

SqliteUsageStore::SqliteUsageStore(QSqlDatabase db, QString ownedConnection)
    : m_db(std::move(db))
    , m_ownedConnection(std::move(ownedConnection))
{
}

SqliteUsageStore::~SqliteUsageStore()
{
    // Statements first: a connection is closed only when no query uses it.
    m_statements.reset();
    m_db = QSqlDatabase();
    if (!m_ownedConnection.isEmpty())
        closeConnection(m_ownedConnection);
}

Result<void> SqliteUsageStore::prepare()
{
    if (m_statements)
        return {};
    auto s = std::make_unique<Statements>(m_db);
    // DO NOTHING on the id only: a CHECK or NOT NULL violation still
    // fails the statement (INSERT OR IGNORE would skip such rows silently).
    const QString insertRequestSql
        = QStringLiteral("INSERT INTO usage_requests(%1) VALUES (%2) ON CONFLICT(id) DO NOTHING")
              .arg(kRequestColumns.mid(kRequestColumns.indexOf(QLatin1Char(',')) + 2), placeholders(27));
    const QString insertAttemptSql
        = QStringLiteral("INSERT INTO usage_attempts(%1) VALUES (%2)").arg(kAttemptColumns, placeholders(8));
    const std::pair<QSqlQuery *, QString> statements[] = {
        { &s->begin, QStringLiteral("BEGIN IMMEDIATE") },
        { &s->commit, QStringLiteral("COMMIT") },
        { &s->rollback, QStringLiteral("ROLLBACK") },
        { &s->insertRequest, insertRequestSql },
        { &s->insertAttempt, insertAttemptSql },
        { &s->findRequest, QStringLiteral("SELECT %1 FROM usage_requests WHERE id = ?").arg(kRequestColumns) },
        { &s->findAttempts,
            QStringLiteral("SELECT %1 FROM usage_attempts WHERE request_id = ? ORDER BY attempt")
                .arg(kAttemptColumns) },
        { &s->attemptGroup,
            QStringLiteral("SELECT %1 FROM usage_attempts WHERE request_id IN (%2)")
                .arg(kAttemptColumns, placeholders(kAttemptGroup)) },
    };
    for (const auto &[query, sql] : statements) {
        query->setForwardOnly(true);
        if (!query->prepare(sql))
            return storeError(
                m_db, QStringLiteral("Cannot prepare the usage log's statements for"), query->lastError());
    }
#ifdef SIGNALBOX_SQLITE_C_API
    // Qt's driver must use this very SQLite library (same source id), or its
    // handle means nothing to ours; otherwise stay with Qt's binding.
    const QVariant handle = m_db.driver()->handle();
    QSqlQuery version(m_db);
    if (!m_bindThroughQt && handle.isValid() && qstrcmp(handle.typeName(), "sqlite3*") == 0
        && version.exec(QStringLiteral("SELECT sqlite_source_id()")) && version.next()
        && version.value(0).toString() == QLatin1StringView(sqlite3_sourceid())) {
        auto direct = std::make_unique<Statements::Direct>();
        direct->db = *static_cast<sqlite3 *const *>(handle.constData());
        const std::pair<sqlite3_stmt **, QByteArray> directStatements[] = {
            { &direct->begin, QByteArrayLiteral("BEGIN IMMEDIATE") },
            { &direct->commit, QByteArrayLiteral("COMMIT") },
            { &direct->rollback, QByteArrayLiteral("ROLLBACK") },
            { &direct->insertRequest, insertRequestSql.toUtf8() },
            { &direct->insertAttempt, insertAttemptSql.toUtf8() },
        };
        bool ok = direct->db != nullptr;
        for (const auto &[statement, sql] : directStatements) {
            if (ok
                && sqlite3_prepare_v3(direct->db, sql.constData(), static_cast<int>(sql.size()),
                       SQLITE_PREPARE_PERSISTENT, statement, nullptr)
                    != SQLITE_OK) {
                qCWarning(lcStorage).noquote() << "usage log: cannot prepare" << QString::fromUtf8(sql)
                                               << "through SQLite's C API:" << sqlite3_errmsg(direct->db)
                                               << "-- binding through Qt";
                ok = false;
            }
        }
        if (ok)
            s->direct = std::move(direct);
    }
    version.finish();
#endif
    m_statements = std::move(s);
    return {};
}

Result<UsageAppendReport> SqliteUsageStore::append(std::span<const UsageRecord> batch)
{
    UsageAppendReport report;
    if (batch.empty())
        return report;
    for (const UsageRecord &record : batch) {
        if (auto valid = validateUsageRecord(record); !valid)
            return valid.error();
    }
    if (auto prepared = prepare(); !prepared)
        return prepared.error();
#ifdef SIGNALBOX_SQLITE_C_API
    if (m_statements->direct)
        return appendDirect(batch);
#endif
    return appendThroughQt(batch);
}

Result<UsageAppendReport> SqliteUsageStore::appendThroughQt(std::span<const UsageRecord> batch)
{
    UsageAppendReport report;
    Statements &s = *m_statements;

    const QString what = QStringLiteral("Cannot write the usage log");
    if (!s.begin.exec())
        return storeError(m_db, what, s.begin.lastError());
    auto fail = [&](const QSqlQuery &failed, const QString &id = {}) -> Error {
        Error error = storeError(m_db, what, failed.lastError());
        if (!id.isEmpty())
            error.message += QStringLiteral(" (record %1)").arg(clippedUsageText(id, 40));
        // SQLite may have rolled back already (SQLITE_FULL); then this fails harmlessly.
        s.rollback.exec();
        return error;
    };

    QSqlQuery &insert = s.insertRequest;
    QSqlQuery &attempt = s.insertAttempt;
    for (const UsageRecord &r : batch) {
        int i = 0;
        insert.bindValue(i++, r.id);
        insert.bindValue(i++, text(r.keyId, UsageLimits::kKeyId));
        insert.bindValue(i++, text(r.project, UsageLimits::kProject));
        insert.bindValue(i++, msOf(r.startedAt));
        insert.bindValue(i++, msOf(r.finishedAt));
        insert.bindValue(i++, text(r.endpoint, UsageLimits::kEndpoint));
        insert.bindValue(i++, text(r.requestedModel, UsageLimits::kModel));
        insert.bindValue(i++, text(r.servedModel, UsageLimits::kModel));
        insert.bindValue(i++, text(r.servedProvider, UsageLimits::kProvider));
        insert.bindValue(i++, text(r.servedProviderModel, UsageLimits::kModel));
        insert.bindValue(i++, usageStatusName(r.status));
        insert.bindValue(i++, r.httpStatus);
        insert.bindValue(i++, text(r.errorClass, UsageLimits::kErrorClass));
        insert.bindValue(i++, text(r.errorMessage, UsageLimits::kErrorMessage));
        insert.bindValue(i++, r.promptTokens);
        insert.bindValue(i++, r.completionTokens);
        insert.bindValue(i++, r.cachedTokens);
        insert.bindValue(i++, r.cacheWriteTokens);
        insert.bindValue(i++, r.reasoningTokens);
        insert.bindValue(i++, r.tokensEstimated ? 1 : 0);
        insert.bindValue(i++, r.cost ? QVariant(r.cost->nanos()) : QVariant());
        insert.bindValue(i++, r.cost ? QVariant(r.cost->attos()) : QVariant());
        insert.bindValue(i++, r.latencyUs);
        insert.bindValue(i++, r.ttftUs ? QVariant(*r.ttftUs) : QVariant());
        insert.bindValue(i++, r.overheadUs);
        insert.bindValue(i++, r.stream ? 1 : 0);
        insert.bindValue(i++, text(r.routeReason, UsageLimits::kRouteReason));
        if (!insert.exec())
            return fail(insert, r.id);
        if (insert.numRowsAffected() == 0) {
            report.duplicateIds << r.id;
            continue;
        }
        for (std::size_t n = 0; n < r.attempts.size(); ++n) {
            const UsageAttempt &a = r.attempts[n];
            attempt.bindValue(0, r.id);
            attempt.bindValue(1, static_cast<qint64>(n));
            attempt.bindValue(2, text(a.providerId, UsageLimits::kProvider));
            attempt.bindValue(3, text(a.providerModelId, UsageLimits::kModel));
            attempt.bindValue(4, text(a.outcome, UsageLimits::kOutcome));
            attempt.bindValue(5, a.httpStatus);
            attempt.bindValue(6, a.durationUs);
            attempt.bindValue(7, a.mayHaveBeenBilled ? 1 : 0);
            if (!attempt.exec())
                return fail(attempt, r.id);
        }
        ++report.inserted;
    }
    if (!s.commit.exec())
        return fail(s.commit);
    return report;
}

Result<UsageAppendReport> SqliteUsageStore::appendDirect(std::span<const UsageRecord> batch)
{
#ifndef SIGNALBOX_SQLITE_C_API
    return appendThroughQt(batch);
#else
    // The same statements, values and text as appendThroughQt(): text goes
    // in as UTF-16 straight from the records' QStrings (SQLite converts it
    // exactly as it did for Qt), cut to the same limits without a copy.
    UsageAppendReport report;
    const Statements::Direct &s = *m_statements->direct;
    sqlite3 *db = s.db;
    const QString what = QStringLiteral("Cannot write the usage log");
    auto step = [](sqlite3_stmt *statement) {
        const int rc = sqlite3_step(statement);
        sqlite3_reset(statement);
        return rc;
    };
    auto error = [&](int rc, const QString &id = {}) -> Error {
        // A busy step is busy whatever the connection's last code says.
        const int primary = rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? rc : sqlite3_extended_errcode(db) & 0xff;
        Error e = storeError(m_db, what, primary, QString::fromUtf8(sqlite3_errmsg(db)));
        if (!id.isEmpty())
            e.message += QStringLiteral(" (record %1)").arg(clippedUsageText(id, 40));
        return e;
    };
    if (const int rc = step(s.begin); rc != SQLITE_DONE)
        return error(rc);
    auto fail = [&](int rc, const QString &id = {}) -> Error {
        Error e = error(rc, id);
        // SQLite may have rolled back already (SQLITE_FULL); then this fails harmlessly.
        step(s.rollback);
        return e;
    };
    // Binds `text` cut to `limit` UTF-16 units (never inside a surrogate
    // pair), as clippedUsageText() does; a null or empty string is ''.
    auto bindText = [](sqlite3_stmt *statement, int column, const QString &text, int limit) {
        qsizetype size = text.size();
        if (size > limit) {
            size = limit;
            if (size > 0 && text.at(size - 1).isHighSurrogate())
                --size;
        }
        const void *data = size > 0 ? static_cast<const void *>(text.utf16()) : static_cast<const void *>(u"");
        return sqlite3_bind_text16(statement, column, data, static_cast<int>(size * 2), SQLITE_STATIC);
    };
    sqlite3_stmt *insert = s.insertRequest;
    sqlite3_stmt *attempt = s.insertAttempt;
    for (const UsageRecord &r : batch) {
        const QString status = usageStatusName(r.status);
        int i = 1;
        int rc = SQLITE_OK;
        auto ok = [&rc](int result) { rc = rc == SQLITE_OK ? result : rc; };
        ok(bindText(insert, i++, r.id, UsageLimits::kId));
        ok(bindText(insert, i++, r.keyId, UsageLimits::kKeyId));
        ok(bindText(insert, i++, r.project, UsageLimits::kProject));
        ok(sqlite3_bind_int64(insert, i++, msOf(r.startedAt)));
        ok(sqlite3_bind_int64(insert, i++, msOf(r.finishedAt)));
        ok(bindText(insert, i++, r.endpoint, UsageLimits::kEndpoint));
        ok(bindText(insert, i++, r.requestedModel, UsageLimits::kModel));
        ok(bindText(insert, i++, r.servedModel, UsageLimits::kModel));
        ok(bindText(insert, i++, r.servedProvider, UsageLimits::kProvider));
        ok(bindText(insert, i++, r.servedProviderModel, UsageLimits::kModel));
        ok(bindText(insert, i++, status, static_cast<int>(status.size())));
        ok(sqlite3_bind_int64(insert, i++, r.httpStatus));
        ok(bindText(insert, i++, r.errorClass, UsageLimits::kErrorClass));
        ok(bindText(insert, i++, r.errorMessage, UsageLimits::kErrorMessage));
        ok(sqlite3_bind_int64(insert, i++, r.promptTokens));
        ok(sqlite3_bind_int64(insert, i++, r.completionTokens));
        ok(sqlite3_bind_int64(insert, i++, r.cachedTokens));
        ok(sqlite3_bind_int64(insert, i++, r.cacheWriteTokens));
        ok(sqlite3_bind_int64(insert, i++, r.reasoningTokens));
        ok(sqlite3_bind_int64(insert, i++, r.tokensEstimated ? 1 : 0));
        ok(r.cost ? sqlite3_bind_int64(insert, i++, r.cost->nanos()) : sqlite3_bind_null(insert, i++));
        ok(r.cost ? sqlite3_bind_int64(insert, i++, r.cost->attos()) : sqlite3_bind_null(insert, i++));
        ok(sqlite3_bind_int64(insert, i++, r.latencyUs));
        ok(r.ttftUs ? sqlite3_bind_int64(insert, i++, *r.ttftUs) : sqlite3_bind_null(insert, i++));
        ok(sqlite3_bind_int64(insert, i++, r.overheadUs));
        ok(sqlite3_bind_int64(insert, i++, r.stream ? 1 : 0));
        ok(bindText(insert, i++, r.routeReason, UsageLimits::kRouteReason));
        if (rc != SQLITE_OK)
            return fail(rc, r.id);
        if (rc = step(insert); rc != SQLITE_DONE)
            return fail(rc, r.id);
        if (sqlite3_changes(db) == 0) {
            report.duplicateIds << r.id;
            continue;
        }
        for (std::size_t n = 0; n < r.attempts.size(); ++n) {
            const UsageAttempt &a = r.attempts[n];
            rc = SQLITE_OK;
            ok(bindText(attempt, 1, r.id, UsageLimits::kId));
            ok(sqlite3_bind_int64(attempt, 2, static_cast<qint64>(n)));
            ok(bindText(attempt, 3, a.providerId, UsageLimits::kProvider));
            ok(bindText(attempt, 4, a.providerModelId, UsageLimits::kModel));
            ok(bindText(attempt, 5, a.outcome, UsageLimits::kOutcome));
            ok(sqlite3_bind_int64(attempt, 6, a.httpStatus));
            ok(sqlite3_bind_int64(attempt, 7, a.durationUs));
            ok(sqlite3_bind_int64(attempt, 8, a.mayHaveBeenBilled ? 1 : 0));
            if (rc != SQLITE_OK)
                return fail(rc, r.id);
            if (rc = step(attempt); rc != SQLITE_DONE)
                return fail(rc, r.id);
        }
        ++report.inserted;
    }
    if (const int rc = step(s.commit); rc != SQLITE_DONE)
        return fail(rc);
    return report;
#endif
}

Result<std::optional<UsageRecord>> SqliteUsageStore::find(const QString &id)
{
    if (auto prepared = prepare(); !prepared)
        return prepared.error();
    const QString what = QStringLiteral("Cannot read the usage log");
    QSqlQuery &request = m_statements->findRequest;
    request.bindValue(0, id);
    if (!request.exec())
        return storeError(m_db, what, request.lastError());
    if (!request.next()) {
        request.finish();
        return std::optional<UsageRecord>();
    }
    UsageRecord record = recordFrom(request);
    request.finish();

    QSqlQuery &attempts = m_statements->findAttempts;
    attempts.bindValue(0, id);
    if (!attempts.exec())
        return storeError(m_db, what, attempts.lastError());
    while (attempts.next())
        record.attempts.push_back(attemptFrom(attempts));
    attempts.finish();
    return std::optional<UsageRecord>(std::move(record));
}

Result<std::vector<UsageRecord>> SqliteUsageStore::query(const UsageQuery &q)
{
    if (auto prepared = prepare(); !prepared)
        return prepared.error();
    const QString what = QStringLiteral("Cannot read the usage log");
    const Filter filter = filterFor(q);
    QString sql = QStringLiteral("SELECT ") + kRequestColumns + QStringLiteral(" FROM usage_requests") + filter.where
        + orderBy(q.order);
    if (q.limit > 0)
        sql += QStringLiteral(" LIMIT %1").arg(q.limit);

    std::vector<UsageRecord> records;
    {
        QSqlQuery select(m_db);
        select.setForwardOnly(true);
        if (!select.prepare(sql))
            return storeError(m_db, what, select.lastError());
        for (const QVariant &value : filter.values)
            select.addBindValue(value);
        if (!select.exec())
            return storeError(m_db, what, select.lastError());
        if (q.limit > 0)
            records.reserve(static_cast<std::size_t>(std::min(q.limit, 10'000)));
        while (select.next())
            records.push_back(recordFrom(select));
        if (select.lastError().isValid())
            return storeError(m_db, what, select.lastError());
    }
    if (!q.withAttempts || records.empty())
        return records;

    QHash<QString, std::size_t> indexById;
    indexById.reserve(static_cast<qsizetype>(records.size()));
    for (std::size_t i = 0; i < records.size(); ++i)
        indexById.insert(records[i].id, i);
    // Rows come back in primary-key order: (request_id, attempt).
    auto collect = [&](QSqlQuery &attempts) -> Result<void> {
        if (!attempts.exec())
            return storeError(m_db, what, attempts.lastError());
        while (attempts.next()) {
            const auto found = indexById.constFind(attempts.value(0).toString());
            if (found != indexById.constEnd())
                records[*found].attempts.push_back(attemptFrom(attempts));
        }
        attempts.finish();
        return {};
    };
    std::size_t start = 0;
    for (; start + kAttemptGroup <= records.size(); start += kAttemptGroup) {
        QSqlQuery &group = m_statements->attemptGroup;
        for (int i = 0; i < kAttemptGroup; ++i)
            group.bindValue(i, records[start + static_cast<std::size_t>(i)].id);
        if (auto collected = collect(group); !collected)
            return collected.error();
    }
    if (start < records.size()) {
        const int rest = static_cast<int>(records.size() - start);
        QSqlQuery tail(m_db);
        tail.setForwardOnly(true);
        if (!tail.prepare(QStringLiteral("SELECT %1 FROM usage_attempts WHERE request_id IN (%2)")
                              .arg(kAttemptColumns, placeholders(rest))))
            return storeError(m_db, what, tail.lastError());
        for (int i = 0; i < rest; ++i)
            tail.bindValue(i, records[start + static_cast<std::size_t>(i)].id);
        if (auto collected = collect(tail); !collected)
            return collected.error();
    }
    return records;
}

Result<qint64> SqliteUsageStore::count(const UsageQuery &q)
{
    const Filter filter = filterFor(q);
    QSqlQuery select(m_db);
    select.setForwardOnly(true);
    if (!select.prepare(QStringLiteral("SELECT count(*) FROM usage_requests") + filter.where))
        return storeError(m_db, QStringLiteral("Cannot read the usage log"), select.lastError());
    for (const QVariant &value : filter.values)
        select.addBindValue(value);
    if (!select.exec() || !select.next())
        return storeError(m_db, QStringLiteral("Cannot read the usage log"), select.lastError());
    return select.value(0).toLongLong();
}

Result<UsageTotals> SqliteUsageStore::totals(const UsageQuery &q)
{
    // sum() stays an exact integer in SQLite (total() would be a REAL); the
    // attodollar sum carries into nanodollars in Money.
    const Filter filter = filterFor(q);
    QSqlQuery select(m_db);
    select.setForwardOnly(true);
    const QString sql = QStringLiteral(
        "SELECT count(*), count(*) - count(cost_nanos), coalesce(sum(prompt_tokens), 0),"
        " coalesce(sum(completion_tokens), 0), coalesce(sum(cached_tokens), 0), coalesce(sum(cache_write_tokens), 0),"
        " coalesce(sum(reasoning_tokens), 0), coalesce(sum(cost_nanos), 0), coalesce(sum(cost_attos), 0)"
        " FROM usage_requests");
    if (!select.prepare(sql + filter.where))
        return storeError(m_db, QStringLiteral("Cannot read the usage log"), select.lastError());
    for (const QVariant &value : filter.values)
        select.addBindValue(value);
    if (!select.exec() || !select.next())
        return storeError(m_db, QStringLiteral("Cannot sum the usage log"), select.lastError());
    UsageTotals totals;
    totals.requests = select.value(0).toLongLong();
    totals.unpricedRequests = select.value(1).toLongLong();
    totals.promptTokens = select.value(2).toLongLong();
    totals.completionTokens = select.value(3).toLongLong();
    totals.cachedTokens = select.value(4).toLongLong();
    totals.cacheWriteTokens = select.value(5).toLongLong();
    totals.reasoningTokens = select.value(6).toLongLong();
    totals.cost = Money::fromNanosAndAttos(select.value(7).toLongLong(), select.value(8).toLongLong());
    return totals;
}

UsageStoreFactory sqliteUsageStoreFactory(const QString &databasePath, SqliteUsageStoreOptions options)
{
    return [databasePath, options]() -> Result<std::unique_ptr<UsageStore>> {
        auto opened = SqliteUsageStore::open(databasePath, options);
        if (!opened)
            return opened.error();
        return std::unique_ptr<UsageStore>(std::move(opened).value());
    };
}

} // namespace signalbox::engine
