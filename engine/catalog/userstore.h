#pragma once

// CatalogUserStore: the catalog user data (userdata.h) in the workspace
// database, tables of migration 2 (engine/storage/schema.cpp). The only place
// with SQL for them. See docs/catalog-user-data.md.

#include "engine/catalog/userdata.h"
#include "engine/core/result.h"

#include <QSqlDatabase>
#include <QString>

#include <vector>

namespace signalbox::engine {

// Reads and writes user data through one connection (the Workspace's, or one
// from Workspace::openConnection() on another thread); use it on that
// connection's thread. Every write is one BEGIN IMMEDIATE transaction, so it
// must not be called inside a transaction of the caller's — unless the store
// is made with Transactions::Caller: then its writes join the transaction the
// caller has opened (engine/config applies a whole file in one) and the
// caller's COMMIT or ROLLBACK decides. Each write is still all or nothing (a
// SAVEPOINT): one that fails leaves the caller's transaction as it found it.
//
// Inputs are normalised (normalised() in userdata.h: trimmed, ids lower case)
// and validated first; the stored value is returned. Error codes:
//  - "invalid": the value breaks a rule (the message says which);
//  - "conflict": the id is taken (add);
//  - "not-found": no such id (update, remove; an offering's provider on add);
//  - "storage": the database failed (disk full, locked past the busy timeout);
//  - "corrupt": a stored row no longer parses (edited outside Signalbox).
class CatalogUserStore {
public:
    enum class Transactions : quint8 {
        Own, // every write is its own BEGIN IMMEDIATE ... COMMIT
        Caller, // each write is a SAVEPOINT inside the caller's open transaction
    };
    explicit CatalogUserStore(QSqlDatabase db, Transactions transactions = Transactions::Own);

    // Everything, ordered by id: what applyUserData() takes.
    Result<UserData> load() const;

    Result<std::vector<CustomProvider>> providers() const;
    Result<CustomProvider> provider(const QString &id) const;
    Result<CustomProvider> addProvider(const CustomProvider &provider);
    // Changes name, base URL, dialect and key reference; the id stays.
    Result<CustomProvider> updateProvider(const CustomProvider &provider);
    // Also removes the provider's offerings (ON DELETE CASCADE) and the price
    // overrides that name it, in the same transaction.
    Result<void> removeProvider(const QString &id);

    // All offerings, or those of one provider.
    Result<std::vector<CustomOffering>> offerings(const QString &providerId = {}) const;
    Result<CustomOffering> addOffering(const CustomOffering &offering);
    Result<CustomOffering> updateOffering(const CustomOffering &offering);
    Result<void> removeOffering(const QString &providerId, const QString &providerModelId);

    Result<std::vector<PriceOverride>> overrides() const;
    Result<PriceOverride> addOverride(const PriceOverride &priceOverride);
    Result<PriceOverride> updateOverride(const PriceOverride &priceOverride);
    Result<void> removeOverride(const QString &providerId, const QString &providerModelId);

    Result<std::vector<ModelAlias>> aliases() const;
    // An alias may not point at another alias, nor be the target of one.
    Result<ModelAlias> addAlias(const ModelAlias &alias);
    Result<ModelAlias> updateAlias(const ModelAlias &alias);
    Result<void> removeAlias(const QString &alias);

private:
    QSqlDatabase m_db;
    bool m_joinsCaller = false;
};

} // namespace signalbox::engine
