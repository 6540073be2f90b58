#include "engine/keys/virtualkeys.h"

#include <QCryptographicHash>
#include <QRandomGenerator>
#include <QSqlError>
#include <QSqlQuery>

#include <algorithm>

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

// "conflict" when `id` or `name` is already some key's id or name: ids and
// names share one namespace, so `keys revoke X` can only mean one key.
Result<void> takenBy(QSqlDatabase db, const QString &id, const QString &name)
{
    QSqlQuery taken(db);
    taken.prepare(QStringLiteral("SELECT id, name FROM virtual_keys WHERE id IN (?, ?) OR name IN (?, ?) LIMIT 1"));
    taken.addBindValue(id);
    taken.addBindValue(name);
    taken.addBindValue(id);
    taken.addBindValue(name);
    if (!taken.exec())
        return storageError(taken);
    if (!taken.next())
        return {};
    const QString otherId = taken.value(0).toString();
    const QString otherName = taken.value(1).toString();
    QString why;
    if (otherName == name)
        why = QStringLiteral("A key named \"%1\" exists already").arg(name);
    else if (otherId == name)
        why = QStringLiteral("\"%1\" is the id of another key; give this key another name").arg(name);
    else if (otherId == id)
        why = QStringLiteral("The key id %1 is taken").arg(id);
    else
        why = QStringLiteral("The key id %1 is another key's name").arg(id);
    return Error{QStringLiteral("conflict"), why};
}

bool isBase64Url(QChar c)
{
    return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9') || c == u'-' || c == u'_';
}
// The stored key with this id, as written just now.
Result<VirtualKey> readKey(const QSqlDatabase &db, const QString &id)
{
    QSqlQuery read(db);
    read.prepare(QStringLiteral("SELECT %1 FROM virtual_keys WHERE id = ?").arg(kColumns));
    read.addBindValue(id);
    if (!read.exec() || !read.next())
        return storageError(read);
    return keyFrom(read);
}

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
    if (auto valid = checkNameAndProject(trimmedName, project); !valid)
        return valid.error();
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

    // A name that is another key's id would make `keys revoke NAME` ambiguous.
    if (auto taken = takenBy(m_db, created.key.id, created.key.name); !taken)
        return taken.error();
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
        // A writer on another connection may have taken the name meanwhile.
        if (auto taken = takenBy(m_db, created.key.id, created.key.name); !taken)
            return taken.error();
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
    // An id first: ids are what `keys list` shows, and a name never equals
    // another key's id (takenBy), except in rows written before that rule.
    QSqlQuery find(m_db);
    find.prepare(QStringLiteral("SELECT id FROM virtual_keys WHERE id = ? UNION ALL "
                                "SELECT id FROM virtual_keys WHERE name = ? AND NOT EXISTS "
                                "(SELECT 1 FROM virtual_keys WHERE id = ?)"));
    find.addBindValue(idOrName);
    find.addBindValue(idOrName.trimmed());
    find.addBindValue(idOrName);
    if (!find.exec())
        return storageError(find);
    if (!find.next())
        return Error{QStringLiteral("not-found"), QStringLiteral("No virtual key \"%1\"").arg(idOrName)};
    const QString id = find.value(0).toString();
    // End the read first: an UPDATE on a connection whose SELECT is still
    // open must upgrade a read snapshot, which SQLite refuses at once
    // ("database is locked", no busy wait) when a running gateway's usage
    // writer committed in between.
    find.finish();
    return revokeById(id, now);
}

Result<VirtualKey> VirtualKeyStore::revokeById(const QString &id, const QDateTime &now)
{
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("UPDATE virtual_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?"));
    query.addBindValue(iso(now));
    query.addBindValue(id);
    if (!query.exec())
        return storageError(query);
    // id is the primary key: one row or none.
    if (query.numRowsAffected() != 1)
        return Error{QStringLiteral("not-found"), QStringLiteral("No virtual key with the id %1").arg(id)};
    return readKey(m_db, id);
}

Result<std::vector<VirtualKeyRecord>> VirtualKeyStore::records() const
{
    QSqlQuery query(m_db);
    if (!query.exec(QStringLiteral("SELECT %1, secret_sha256 FROM virtual_keys ORDER BY name").arg(kColumns)))
        return storageError(query);
    std::vector<VirtualKeyRecord> keys;
    while (query.next())
        keys.push_back({keyFrom(query), query.value(6).toByteArray()});
    return keys;
}

Result<VirtualKey> VirtualKeyStore::import(const QString &id, const QString &name, const QString &project,
                                           const QByteArray &secretSha256, const QDateTime &expiresAt)
{
    const auto invalid = [](const QString &why) { return Error{QStringLiteral("invalid"), why}; };
    VirtualKey key;
    key.id = id;
    key.name = name.trimmed();
    key.project = project.trimmed();
    key.createdAt = QDateTime::currentDateTimeUtc();
    key.expiresAt = expiresAt.toUTC();
    if (!isKeyId(id))
        return invalid(QStringLiteral("A key id is 12 base64url characters"));
    if (secretSha256.size() != 32)
        return invalid(QStringLiteral("A key's SHA-256 is 32 bytes"));
    if (auto valid = checkNameAndProject(key.name, key.project); !valid)
        return valid.error();
    if (expiresAt.isValid() && expiresAt <= key.createdAt)
        return invalid(QStringLiteral("The expiry date %1 is in the past").arg(iso(expiresAt)));
    if (key.name == key.id)
        return invalid(QStringLiteral("A key's name cannot be its own id"));
    if (auto taken = takenBy(m_db, key.id, key.name); !taken)
        return taken.error();
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("INSERT INTO virtual_keys(id, name, project, secret_sha256, created_at, expires_at)"
                                 " VALUES (?, ?, ?, ?, ?, ?)"));
    query.addBindValue(key.id);
    query.addBindValue(key.name);
    query.addBindValue(key.project.isEmpty() ? QStringLiteral("") : key.project);
    query.addBindValue(secretSha256);
    query.addBindValue(iso(key.createdAt));
    query.addBindValue(expiresAt.isValid() ? QVariant(iso(expiresAt)) : QVariant());
    if (!query.exec())
        return storageError(query);
    return key;
}

Result<VirtualKey> VirtualKeyStore::update(const QString &id, const QString &project, const QDateTime &expiresAt)
{
    if (project.trimmed().size() > 100)
        return Error{QStringLiteral("invalid"), QStringLiteral("A project name has at most 100 characters")};
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("UPDATE virtual_keys SET project = ?, expires_at = ? WHERE id = ?"));
    query.addBindValue(project.trimmed().isEmpty() ? QStringLiteral("") : project.trimmed());
    query.addBindValue(expiresAt.isValid() ? QVariant(iso(expiresAt)) : QVariant());
    query.addBindValue(id);
    if (!query.exec())
        return storageError(query);
    if (query.numRowsAffected() == 0)
        return Error{QStringLiteral("not-found"), QStringLiteral("No virtual key with the id %1").arg(id)};
    return readKey(m_db, id);
}

Result<void> VirtualKeyStore::checkNameAndProject(const QString &name, const QString &project)
{
    if (name.trimmed().isEmpty() || name.trimmed().size() > 100)
        return Error{QStringLiteral("invalid"), QStringLiteral("A key needs a name of 1 to 100 characters")};
    if (project.trimmed().size() > 100)
        return Error{QStringLiteral("invalid"), QStringLiteral("A project name has at most 100 characters")};
    return {};
}

bool VirtualKeyStore::isKeyId(QStringView id)
{
    return id.size() == kIdLength && std::all_of(id.begin(), id.end(), isBase64Url);
}

QString VirtualKeyStore::idOfSecret(QByteArrayView secret)
{
    const qsizetype prefix = sizeof kPrefix - 1;
    const qsizetype minimum = prefix + kIdLength + 1 + 43;
    if (!secret.startsWith(QByteArrayView(kPrefix)) || secret.size() < minimum || secret.size() > 512
        || secret.at(prefix + kIdLength) != '_')
        return {};
    const QByteArrayView id = secret.sliced(prefix, kIdLength);
    const QByteArrayView rest = secret.sliced(prefix + kIdLength + 1);
    const auto base64Url = [](char c) { return isBase64Url(QChar::fromLatin1(c)); };
    if (!std::all_of(id.begin(), id.end(), base64Url) || !std::all_of(rest.begin(), rest.end(), base64Url))
        return {};
    return QString::fromLatin1(id);
}

QByteArray VirtualKeyStore::secretHash(QByteArrayView secret)
{
    return sha256(secret);
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
