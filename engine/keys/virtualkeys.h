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

// All SQL for virtual keys. Use on the thread of the connection it was given.
// Error codes: "invalid" (bad name, date), "conflict" (name taken), "not-found",
// "unauthorized" (authenticate: unknown, wrong, revoked or expired — the
// message says which, for logs; the gateway answers a bare 401), "storage".
class VirtualKeyStore {
public:
    explicit VirtualKeyStore(QSqlDatabase db);

    Result<CreatedKey> create(const QString &name, const QString &project = {}, const QDateTime &expiresAt = {});
    Result<std::vector<VirtualKey>> list() const;
    // By id or by name.
    Result<VirtualKey> revoke(const QString &idOrName, const QDateTime &now = QDateTime::currentDateTimeUtc());
    // Checks a presented secret in constant time over its hash.
    Result<VirtualKey> authenticate(QByteArrayView secret, const QDateTime &now = QDateTime::currentDateTimeUtc()) const;

private:
    QSqlDatabase m_db;
};

} // namespace signalbox::engine
