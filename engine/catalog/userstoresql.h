#pragma once

// SQL plumbing shared by the store classes of engine/catalog (today only
// CatalogUserStore): prepared statements with bound values, a BEGIN IMMEDIATE
// transaction that rolls back unless committed, row readers, and the mapping
// of SQLite failures onto the store's error codes. Internal: include it from
// store .cpp files only.

#include "engine/core/result.h"

#include <QDateTime>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QString>
#include <QVariant>

#include <initializer_list>
#include <vector>

namespace signalbox::engine::storesql {

// SQLite's constraint messages are stable text; they back up the explicit
// explicit checks of a store when two connections race for the same id.
inline Error sqlFailure(const QSqlError &error, const QString &what)
{
    const QString text = error.text();
    QString code = QStringLiteral("storage");
    if (text.contains(QLatin1String("UNIQUE constraint failed")))
        code = QStringLiteral("conflict");
    else if (text.contains(QLatin1String("FOREIGN KEY constraint failed")))
        code = QStringLiteral("not-found");
    else if (text.contains(QLatin1String("CHECK constraint failed"))
        || text.contains(QLatin1String("NOT NULL constraint")))
        code = QStringLiteral("invalid");
    return Error { code, QStringLiteral("%1: %2").arg(what, text.trimmed()) };
}

inline Result<void> exec(
    QSqlQuery &query, const QString &sql, std::initializer_list<QVariant> values, const QString &what)
{
    if (!query.prepare(sql))
        return sqlFailure(query.lastError(), what);
    for (const QVariant &value : values)
        query.addBindValue(value);
    if (!query.exec())
        return sqlFailure(query.lastError(), what);
    return {};
}

// One write of a store, all or nothing. On its own (Mode::Own) it is a
// BEGIN IMMEDIATE transaction, which takes the write lock up front so the
// checks made inside hold until COMMIT. Inside a transaction of the caller's
// (Mode::Savepoint) it is a SAVEPOINT: a write that fails half-way is undone
// on its own, and the caller's COMMIT or ROLLBACK decides the rest. Rolls
// back unless committed.
class WriteTransaction {
    Q_DISABLE_COPY_MOVE(WriteTransaction)
public:
    enum class Mode : quint8 { Own, Savepoint };
    explicit WriteTransaction(QSqlDatabase db, Mode mode = Mode::Own)
        : m_db(std::move(db))
        , m_mode(mode)
    {
    }
    ~WriteTransaction()
    {
        if (!m_open)
            return;
        QSqlQuery query(m_db);
        if (m_mode == Mode::Own) {
            query.exec(QStringLiteral("ROLLBACK"));
        } else {
            query.exec(QStringLiteral("ROLLBACK TO signalbox_store_write"));
            query.exec(QStringLiteral("RELEASE signalbox_store_write"));
        }
    }
    Result<void> begin(const QString &what)
    {
        QSqlQuery query(m_db);
        if (!query.exec(m_mode == Mode::Own ? QStringLiteral("BEGIN IMMEDIATE")
                                            : QStringLiteral("SAVEPOINT signalbox_store_write")))
            return sqlFailure(query.lastError(), what);
        m_open = true;
        return {};
    }
    Result<void> commit(const QString &what)
    {
        QSqlQuery query(m_db);
        if (!query.exec(
                m_mode == Mode::Own ? QStringLiteral("COMMIT") : QStringLiteral("RELEASE signalbox_store_write")))
            return sqlFailure(query.lastError(), what);
        m_open = false;
        return {};
    }

private:
    QSqlDatabase m_db;
    Mode m_mode;
    bool m_open = false;
};

inline Result<bool> exists(
    QSqlDatabase db, const QString &sql, std::initializer_list<QVariant> values, const QString &what)
{
    QSqlQuery query(db);
    if (auto ran = exec(query, sql, values, what); !ran)
        return ran.error();
    return query.next();
}

inline QDateTime timestamp(const QVariant &value)
{
    QDateTime at = QDateTime::fromString(value.toString(), Qt::ISODateWithMs);
    return at.toUTC();
}

template <typename T, typename Reader>
Result<std::vector<T>> readAll(
    QSqlDatabase db, const QString &sql, std::initializer_list<QVariant> values, const QString &what, Reader reader)
{
    QSqlQuery query(db);
    query.setForwardOnly(true);
    if (auto ran = exec(query, sql, values, what); !ran)
        return ran.error();
    std::vector<T> out;
    while (query.next()) {
        auto row = reader(query);
        if (!row)
            return row.error();
        out.push_back(std::move(row.value()));
    }
    return out;
}

// Reads back the one row a write touched, inside its transaction.
template <typename T, typename Reader>
Result<T> readOne(
    QSqlDatabase db, const QString &sql, std::initializer_list<QVariant> values, const QString &what, Reader reader)
{
    auto rows = readAll<T>(std::move(db), sql, values, what, reader);
    if (!rows)
        return rows.error();
    if (rows->empty())
        return Error { QStringLiteral("storage"), what + QStringLiteral(": the row was not written") };
    return std::move(rows->front());
}

// The end of every add and update: the stored row, then COMMIT.
template <typename T, typename Reader>
Result<T> readBackAndCommit(WriteTransaction &transaction, QSqlDatabase db, const QString &sql,
    std::initializer_list<QVariant> key, const QString &what, Reader reader)
{
    auto stored = readOne<T>(std::move(db), sql, key, what, reader);
    if (!stored)
        return stored.error();
    if (auto committed = transaction.commit(what); !committed)
        return committed.error();
    return stored;
}

// A null QString binds as SQL NULL; text columns are NOT NULL DEFAULT ''.
inline QVariant text(const QString &value)
{
    return value.isNull() ? QVariant(QStringLiteral("")) : QVariant(value);
}

inline Error notFound(const QString &what)
{
    return Error { QStringLiteral("not-found"), what };
}

inline Error conflict(const QString &what)
{
    return Error { QStringLiteral("conflict"), what };
}

} // namespace signalbox::engine::storesql
