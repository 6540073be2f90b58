#pragma once

// engine/keys: virtual keys, the credentials clients present to the gateway
// (`Authorization: Bearer sbk_…`). Only a SHA-256 of each secret is stored;
// the secret is shown once, when the key is created. See docs/virtual-keys.md.

#include "engine/core/result.h"

#include <QByteArrayView>
#include <QDateTime>
#include <QSqlDatabase>
#include <QString>

#include <vector>

namespace signalbox::engine {

struct VirtualKey {
    QString id;       // public, 12 characters: also the key's prefix after "sbk_"
    QString name;     // unique, chosen by the admin ("ci-pipeline")
    QString project;  // optional grouping for budgets and reports
    QDateTime createdAt;
    QDateTime expiresAt;  // invalid: never
    QDateTime revokedAt;  // invalid: active
    bool isActiveAt(const QDateTime &now) const;
};

struct CreatedKey {
    VirtualKey key;
    QString secret;  // "sbk_<id>_<43 characters>": show it once, it cannot be recovered
};

// A stored key with the SHA-256 of its secret: what a declarative
// configuration (engine/config) compares and exports. Never the secret.
struct VirtualKeyRecord {
    VirtualKey key;
    QByteArray secretSha256; // 32 bytes
};

// All SQL for virtual keys. Use on the thread of the connection it was given.
// Error codes: "invalid" (bad name, date), "conflict" (name taken), "not-found",
// "unauthorized" (authenticate: unknown, wrong, revoked or expired — the
// message says which, for logs; the gateway answers a bare 401), "storage".
class VirtualKeyStore {
public:
    explicit VirtualKeyStore(QSqlDatabase db);

    Result<CreatedKey> create(const QString &name, const QString &project = {}, const QDateTime &expiresAt = {});
    Result<std::vector<VirtualKey>> list() const;
    // By id or, when no key has that id, by name. Names never equal another
    // key's id (create() and import() refuse it), so this names one key.
    Result<VirtualKey> revoke(const QString &idOrName, const QDateTime &now = QDateTime::currentDateTimeUtc());
    // The key with exactly this id, never one named so ("not-found" otherwise).
    Result<VirtualKey> revokeById(const QString &id, const QDateTime &now = QDateTime::currentDateTimeUtc());
    // Checks a presented secret in constant time over its hash.
    Result<VirtualKey> authenticate(QByteArrayView secret, const QDateTime &now = QDateTime::currentDateTimeUtc()) const;

    // For keys whose secret was made elsewhere (engine/config): every write is
    // one statement, so these also run inside a transaction of the caller's.
    // Every key, revoked ones too, with the hash of its secret.
    Result<std::vector<VirtualKeyRecord>> records() const;
    // Stores a key from its id and the SHA-256 of its secret ("conflict": the
    // name or the id is taken, as a name or as an id, so that `keys revoke X`
    // names one key; "invalid": bad id, hash, name or a past expiry).
    Result<VirtualKey> import(const QString &id, const QString &name, const QString &project,
                              const QByteArray &secretSha256, const QDateTime &expiresAt = {});
    // Changes the project and the expiry (invalid: never) of the key `id`.
    Result<VirtualKey> update(const QString &id, const QString &project, const QDateTime &expiresAt);

    // A key id: 12 base64url characters.
    static bool isKeyId(QStringView id);
    // The rules for a key's name (1 to 100 characters, trimmed) and project
    // (at most 100), as create() and import() apply them; "invalid" otherwise.
    static Result<void> checkNameAndProject(const QString &name, const QString &project);
    // The id of a secret in the format create() makes ("sbk_", 12-character
    // id, "_", at least 43 base64url characters, so at least 256 bits), or an
    // empty string when `secret` is not one. Never echoes the secret.
    static QString idOfSecret(QByteArrayView secret);
    static QByteArray secretHash(QByteArrayView secret);

private:
    QSqlDatabase m_db;
};

} // namespace signalbox::engine
