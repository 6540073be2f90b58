#include "engine/keys/virtualkeys.h"

#include <QCryptographicHash>
#include <QRandomGenerator>
#include <QSqlError>
#include <QSqlQuery>

namespace signalbox::engine {

namespace {
constexpr char kPrefix[] = "sbk_";
constexpr int kIdLength = 12;
constexpr int kSecretBytes = 32;  // 256 bits: no brute force, so a plain SHA-256 suffices

QString randomToken(int bytes)
{
    QByteArray raw(bytes, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(raw.data()), bytes / 4);
    return QString::fromLatin1(raw.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

QString randomId()
{
    // Base64url of 9 bytes is exactly 12 characters.
    return randomToken(12).left(kIdLength);
}

QByteArray sha256(QByteArrayView text)
{
    return QCryptographicHash::hash(text, QCryptographicHash::Sha256);
}

bool constantTimeEquals(const QByteArray &a, const QByteArray &b)
{
    if (a.size() != b.size())
        return false;
    unsigned char diff = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

QString iso(const QDateTime &time)
{
    return time.isValid() ? time.toUTC().toString(Qt::ISODateWithMs) : QString();
}

QDateTime fromIso(const QVariant &value)
{
    return value.isNull() ? QDateTime() : QDateTime::fromString(value.toString(), Qt::ISODateWithMs);
}

Error storageError(const QSqlQuery &query)
{
    return Error{QStringLiteral("storage"), QStringLiteral("The virtual keys could not be read or written: ")
                                                + query.lastError().text()};
}

VirtualKey keyFrom(const QSqlQuery &query)
{
    VirtualKey key;
    key.id = query.value(0).toString();
    key.name = query.value(1).toString();
    key.project = query.value(2).toString();
    key.createdAt = fromIso(query.value(3));
    key.expiresAt = fromIso(query.value(4));
    key.revokedAt = fromIso(query.value(5));
    return key;
}

const QString kColumns = QStringLiteral("id, name, project, created_at, expires_at, revoked_at");
} // namespace

bool VirtualKey::isActiveAt(const QDateTime &now) const
{
    return !revokedAt.isValid() && (!expiresAt.isValid() || now < expiresAt);
}

VirtualKeyStore::VirtualKeyStore(QSqlDatabase db)
    : m_db(std::move(db))
{
}

Result<CreatedKey> VirtualKeyStore::create(const QString &name, const QString &project, const QDateTime &expiresAt)
{
    const QString trimmedName = name.trimmed();
    if (trimmedName.isEmpty() || trimmedName.size() > 100)
        return Error{QStringLiteral("invalid"), QStringLiteral("A key needs a name of 1 to 100 characters")};
    if (project.size() > 100)
        return Error{QStringLiteral("invalid"), QStringLiteral("A project name has at most 100 characters")};
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (expiresAt.isValid() && expiresAt <= now)
        return Error{QStringLiteral("invalid"), QStringLiteral("The expiry date %1 is in the past").arg(iso(expiresAt))};

    CreatedKey created;
    created.key.id = randomId();
    created.key.name = trimmedName;
    created.key.project = project.trimmed();
    created.key.createdAt = now;
    created.key.expiresAt = expiresAt.toUTC();
    created.secret = QLatin1String(kPrefix) + created.key.id + QLatin1Char('_') + randomToken(kSecretBytes);

    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("INSERT INTO virtual_keys(id, name, project, secret_sha256, created_at, expires_at)"
                                 " VALUES (?, ?, ?, ?, ?, ?)"));
    query.addBindValue(created.key.id);
    query.addBindValue(created.key.name);
    query.addBindValue(created.key.project.isEmpty() ? QStringLiteral("") : created.key.project);  // a null QString binds as NULL
    query.addBindValue(sha256(created.secret.toLatin1()));
    query.addBindValue(iso(now));
    query.addBindValue(expiresAt.isValid() ? QVariant(iso(expiresAt)) : QVariant());
    if (!query.exec()) {
        QSqlQuery taken(m_db);
        taken.prepare(QStringLiteral("SELECT 1 FROM virtual_keys WHERE name = ?"));
        taken.addBindValue(created.key.name);
        if (taken.exec() && taken.next())
            return Error{QStringLiteral("conflict"), QStringLiteral("A key named \"%1\" exists already").arg(created.key.name)};
        return storageError(query);
    }
    return created;
}

Result<std::vector<VirtualKey>> VirtualKeyStore::list() const
{
    QSqlQuery query(m_db);
    if (!query.exec(QStringLiteral("SELECT %1 FROM virtual_keys ORDER BY name").arg(kColumns)))
        return storageError(query);
    std::vector<VirtualKey> keys;
    while (query.next())
        keys.push_back(keyFrom(query));
    return keys;
}

Result<VirtualKey> VirtualKeyStore::revoke(const QString &idOrName, const QDateTime &now)
{
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("UPDATE virtual_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? OR name = ?"));
    query.addBindValue(iso(now));
    query.addBindValue(idOrName);
    query.addBindValue(idOrName.trimmed());
    if (!query.exec())
        return storageError(query);
    if (query.numRowsAffected() == 0)
        return Error{QStringLiteral("not-found"), QStringLiteral("No virtual key \"%1\"").arg(idOrName)};
    QSqlQuery read(m_db);
    read.prepare(QStringLiteral("SELECT %1 FROM virtual_keys WHERE id = ? OR name = ?").arg(kColumns));
    read.addBindValue(idOrName);
    read.addBindValue(idOrName.trimmed());
    if (!read.exec() || !read.next())
        return storageError(read);
    return keyFrom(read);
}

Result<VirtualKey> VirtualKeyStore::authenticate(QByteArrayView secret, const QDateTime &now) const
{
    const auto unauthorized = [](const QString &why) { return Error{QStringLiteral("unauthorized"), why}; };
    // sbk_<12-character id>_<secret>
    const qsizetype prefix = sizeof kPrefix - 1;
    if (!secret.startsWith(QByteArrayView(kPrefix)) || secret.size() < prefix + kIdLength + 2
        || secret.at(prefix + kIdLength) != '_')
        return unauthorized(QStringLiteral("not a Signalbox virtual key"));
    const QString id = QString::fromLatin1(secret.sliced(prefix, kIdLength));

    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("SELECT %1, secret_sha256 FROM virtual_keys WHERE id = ?").arg(kColumns));
    query.addBindValue(id);
    if (!query.exec())
        return storageError(query);
    if (!query.next())
        return unauthorized(QStringLiteral("unknown key id %1").arg(id));
    if (!constantTimeEquals(sha256(secret), query.value(6).toByteArray()))
        return unauthorized(QStringLiteral("wrong secret for key %1").arg(id));
    VirtualKey key = keyFrom(query);
    if (key.revokedAt.isValid())
        return unauthorized(QStringLiteral("key %1 was revoked at %2").arg(id, iso(key.revokedAt)));
    if (key.expiresAt.isValid() && now >= key.expiresAt)
        return unauthorized(QStringLiteral("key %1 expired at %2").arg(id, iso(key.expiresAt)));
    return key;
}

} // namespace signalbox::engine
