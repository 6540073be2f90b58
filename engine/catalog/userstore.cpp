#include "engine/catalog/userstore.h"

#include "engine/catalog/priceschedulejson.h"
#include "engine/catalog/userstoresql.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <initializer_list>

namespace signalbox::engine {

using namespace storesql;

namespace {

const QString kNow = QStringLiteral("strftime('%Y-%m-%dT%H:%M:%fZ', 'now')");

const QString kProviderColumns = QStringLiteral("id, name, base_url, dialect, key_kind, key_ref, updated_at");
const QString kOfferingColumns = QStringLiteral(
    "provider_id, provider_model_id, model_id, name, context_length, max_output, price_json, updated_at");
const QString kOverrideColumns
    = QStringLiteral("provider_id, provider_model_id, adjustment_bp, price_json, note, updated_at");
const QString kAliasColumns = QStringLiteral("alias, model_id, updated_at");

const QString kProviderById
    = QStringLiteral("SELECT ") + kProviderColumns + QStringLiteral(" FROM catalog_custom_providers WHERE id = ?");
const QString kOfferingByKey = QStringLiteral("SELECT ") + kOfferingColumns
    + QStringLiteral(" FROM catalog_custom_offerings WHERE provider_id = ? AND provider_model_id = ?");
const QString kOverrideByKey = QStringLiteral("SELECT ") + kOverrideColumns
    + QStringLiteral(" FROM catalog_price_overrides WHERE provider_id = ? AND provider_model_id = ?");
const QString kAliasByKey
    = QStringLiteral("SELECT ") + kAliasColumns + QStringLiteral(" FROM catalog_aliases WHERE alias = ?");

QString quoted(const QString &id)
{
    return QLatin1Char('"') + id + QLatin1Char('"');
}

QString offeringName(const QString &providerId, const QString &providerModelId)
{
    return quoted(providerId + QLatin1Char('/') + providerModelId);
}

Error corrupt(const QString &row, const QString &problem)
{
    return Error { QStringLiteral("corrupt"),
        QStringLiteral("The workspace's catalog user data is damaged: %1 %2").arg(row, problem) };
}

Result<CustomProvider> readProvider(const QSqlQuery &query)
{
    CustomProvider provider;
    provider.id = query.value(0).toString();
    provider.name = query.value(1).toString();
    provider.baseUrl = query.value(2).toString();
    const auto dialect = apiDialectFromName(query.value(3).toString());
    const auto kind = KeyReference::kindFromName(query.value(4).toString());
    if (!dialect || !kind)
        return corrupt(QStringLiteral("custom provider ") + quoted(provider.id),
            QStringLiteral("has an unknown dialect or key kind"));
    provider.dialect = *dialect;
    provider.key = KeyReference { *kind, query.value(5).toString() };
    provider.updatedAt = timestamp(query.value(6));
    return provider;
}

Result<CustomOffering> readOffering(const QSqlQuery &query)
{
    CustomOffering offering;
    offering.providerId = query.value(0).toString();
    offering.providerModelId = query.value(1).toString();
    offering.modelId = query.value(2).toString();
    offering.name = query.value(3).toString();
    offering.contextLength = query.value(4).toLongLong();
    offering.maxOutput = query.value(5).toLongLong();
    auto price = priceScheduleFromJson(query.value(6).toString().toUtf8());
    if (!price)
        return corrupt(QStringLiteral("custom offering ") + offeringName(offering.providerId, offering.providerModelId),
            price.error().message);
    offering.price = std::move(price.value());
    offering.updatedAt = timestamp(query.value(7));
    return offering;
}

Result<PriceOverride> readOverride(const QSqlQuery &query)
{
    PriceOverride priceOverride;
    priceOverride.providerId = query.value(0).toString();
    priceOverride.providerModelId = query.value(1).toString();
    if (!query.isNull(2)) {
        priceOverride.kind = PriceOverride::Kind::Adjust;
        priceOverride.basisPoints = query.value(2).toInt();
    } else {
        priceOverride.kind = PriceOverride::Kind::Replace;
        auto price = priceScheduleFromJson(query.value(3).toString().toUtf8());
        if (!price)
            return corrupt(QStringLiteral("price override ")
                    + offeringName(priceOverride.providerId, priceOverride.providerModelId),
                price.error().message);
        priceOverride.price = std::move(price.value());
    }
    priceOverride.note = query.value(4).toString();
    priceOverride.updatedAt = timestamp(query.value(5));
    return priceOverride;
}

Result<ModelAlias> readAlias(const QSqlQuery &query)
{
    return ModelAlias { query.value(0).toString(), query.value(1).toString(), timestamp(query.value(2)) };
}

QVariant priceOrNull(const PriceOverride &priceOverride)
{
    if (priceOverride.kind == PriceOverride::Kind::Adjust)
        return QVariant(QMetaType::fromType<QString>());
    return QString::fromUtf8(priceScheduleToJson(priceOverride.price));
}

QVariant basisPointsOrNull(const PriceOverride &priceOverride)
{
    if (priceOverride.kind == PriceOverride::Kind::Replace)
        return QVariant(QMetaType::fromType<int>());
    return priceOverride.basisPoints;
}

// Each write on its own, or as a savepoint inside the caller's transaction.
WriteTransaction::Mode writeMode(bool joinsCaller)
{
    return joinsCaller ? WriteTransaction::Mode::Savepoint : WriteTransaction::Mode::Own;
}

} // namespace

CatalogUserStore::CatalogUserStore(QSqlDatabase db, Transactions transactions)
    : m_db(std::move(db))
    , m_joinsCaller(transactions == Transactions::Caller)
{
}

Result<UserData> CatalogUserStore::load() const
{
    UserData data;
    auto providerRows = providers();
    if (!providerRows)
        return providerRows.error();
    auto offeringRows = offerings();
    if (!offeringRows)
        return offeringRows.error();
    auto overrideRows = overrides();
    if (!overrideRows)
        return overrideRows.error();
    auto aliasRows = aliases();
    if (!aliasRows)
        return aliasRows.error();
    data.providers = std::move(providerRows.value());
    data.offerings = std::move(offeringRows.value());
    data.overrides = std::move(overrideRows.value());
    data.aliases = std::move(aliasRows.value());
    return data;
}

// --- providers --------------------------------------------------------------

Result<std::vector<CustomProvider>> CatalogUserStore::providers() const
{
    return readAll<CustomProvider>(m_db,
        QStringLiteral("SELECT ") + kProviderColumns + QStringLiteral(" FROM catalog_custom_providers ORDER BY id"), {},
        QStringLiteral("Cannot read the custom providers"), readProvider);
}

Result<CustomProvider> CatalogUserStore::provider(const QString &id) const
{
    auto rows = readAll<CustomProvider>(m_db, kProviderById, { id.trimmed().toLower() },
        QStringLiteral("Cannot read the custom providers"), readProvider);
    if (!rows)
        return rows.error();
    if (rows->empty())
        return notFound(QStringLiteral("No custom provider ") + quoted(id));
    return std::move(rows->front());
}

Result<CustomProvider> CatalogUserStore::addProvider(const CustomProvider &input)
{
    const CustomProvider provider = normalised(input);
    if (auto valid = validateCustomProvider(provider); !valid)
        return valid.error();
    const QString what = QStringLiteral("Cannot add the custom provider ") + quoted(provider.id);
    WriteTransaction transaction(m_db, writeMode(m_joinsCaller));
    if (auto begun = transaction.begin(what); !begun)
        return begun.error();
    auto taken = exists(m_db, kProviderById, { provider.id }, what);
    if (!taken)
        return taken.error();
    if (taken.value())
        return conflict(QStringLiteral("A custom provider with the id %1 exists already").arg(quoted(provider.id)));
    QSqlQuery query(m_db);
    if (auto ran = exec(query,
            QStringLiteral("INSERT INTO catalog_custom_providers(id, name, base_url, dialect, key_kind, key_ref)"
                           " VALUES (?, ?, ?, ?, ?, ?)"),
            { provider.id, provider.name, provider.baseUrl, apiDialectName(provider.dialect),
                KeyReference::kindName(provider.key.kind), text(provider.key.ref) },
            what);
        !ran)
        return ran.error();
    return readBackAndCommit<CustomProvider>(transaction, m_db, kProviderById, { provider.id }, what, readProvider);
}

Result<CustomProvider> CatalogUserStore::updateProvider(const CustomProvider &input)
{
    const CustomProvider provider = normalised(input);
    if (auto valid = validateCustomProvider(provider); !valid)
        return valid.error();
    const QString what = QStringLiteral("Cannot change the custom provider ") + quoted(provider.id);
    WriteTransaction transaction(m_db, writeMode(m_joinsCaller));
    if (auto begun = transaction.begin(what); !begun)
        return begun.error();
    QSqlQuery query(m_db);
    if (auto ran = exec(query,
            QStringLiteral("UPDATE catalog_custom_providers SET name = ?, base_url = ?, dialect = ?,"
                           " key_kind = ?, key_ref = ?, updated_at = ")
                + kNow + QStringLiteral(" WHERE id = ?"),
            { provider.name, provider.baseUrl, apiDialectName(provider.dialect),
                KeyReference::kindName(provider.key.kind), text(provider.key.ref), provider.id },
            what);
        !ran)
        return ran.error();
    if (query.numRowsAffected() == 0)
        return notFound(QStringLiteral("No custom provider ") + quoted(provider.id));
    return readBackAndCommit<CustomProvider>(transaction, m_db, kProviderById, { provider.id }, what, readProvider);
}

Result<void> CatalogUserStore::removeProvider(const QString &rawId)
{
    const QString id = rawId.trimmed().toLower();
    const QString what = QStringLiteral("Cannot remove the custom provider ") + quoted(id);
    WriteTransaction transaction(m_db, writeMode(m_joinsCaller));
    if (auto begun = transaction.begin(what); !begun)
        return begun;
    QSqlQuery query(m_db);
    if (auto ran
        = exec(query, QStringLiteral("DELETE FROM catalog_price_overrides WHERE provider_id = ?"), { id }, what);
        !ran)
        return ran;
    if (auto ran = exec(query, QStringLiteral("DELETE FROM catalog_custom_providers WHERE id = ?"), { id }, what); !ran)
        return ran;
    if (query.numRowsAffected() == 0)
        return notFound(QStringLiteral("No custom provider ") + quoted(id));
    return transaction.commit(what);
}

// --- offerings --------------------------------------------------------------

Result<std::vector<CustomOffering>> CatalogUserStore::offerings(const QString &providerId) const
{
    const QString what = QStringLiteral("Cannot read the custom offerings");
    const QString select
        = QStringLiteral("SELECT ") + kOfferingColumns + QStringLiteral(" FROM catalog_custom_offerings");
    if (providerId.isEmpty())
        return readAll<CustomOffering>(
            m_db, select + QStringLiteral(" ORDER BY provider_id, provider_model_id"), {}, what, readOffering);
    return readAll<CustomOffering>(m_db, select + QStringLiteral(" WHERE provider_id = ? ORDER BY provider_model_id"),
        { providerId.trimmed().toLower() }, what, readOffering);
}

Result<CustomOffering> CatalogUserStore::addOffering(const CustomOffering &input)
{
    const CustomOffering offering = normalised(input);
    if (auto valid = validateCustomOffering(offering); !valid)
        return valid.error();
    const QString name = offeringName(offering.providerId, offering.providerModelId);
    const QString what = QStringLiteral("Cannot add the custom offering ") + name;
    WriteTransaction transaction(m_db, writeMode(m_joinsCaller));
    if (auto begun = transaction.begin(what); !begun)
        return begun.error();
    auto provider = exists(m_db, kProviderById, { offering.providerId }, what);
    if (!provider)
        return provider.error();
    if (!provider.value())
        return notFound(QStringLiteral("No custom provider %1; add the provider before its models")
                            .arg(quoted(offering.providerId)));
    auto taken = exists(m_db, kOfferingByKey, { offering.providerId, offering.providerModelId }, what);
    if (!taken)
        return taken.error();
    if (taken.value())
        return conflict(QStringLiteral("The custom offering %1 exists already").arg(name));
    QSqlQuery query(m_db);
    if (auto ran = exec(query,
            QStringLiteral("INSERT INTO catalog_custom_offerings(provider_id, provider_model_id, model_id, name,"
                           " context_length, max_output, price_json) VALUES (?, ?, ?, ?, ?, ?, ?)"),
            { offering.providerId, offering.providerModelId, offering.modelId, text(offering.name),
                offering.contextLength, offering.maxOutput, QString::fromUtf8(priceScheduleToJson(offering.price)) },
            what);
        !ran)
        return ran.error();
    return readBackAndCommit<CustomOffering>(
        transaction, m_db, kOfferingByKey, { offering.providerId, offering.providerModelId }, what, readOffering);
}

Result<CustomOffering> CatalogUserStore::updateOffering(const CustomOffering &input)
{
    const CustomOffering offering = normalised(input);
    if (auto valid = validateCustomOffering(offering); !valid)
        return valid.error();
    const QString name = offeringName(offering.providerId, offering.providerModelId);
    const QString what = QStringLiteral("Cannot change the custom offering ") + name;
    WriteTransaction transaction(m_db, writeMode(m_joinsCaller));
    if (auto begun = transaction.begin(what); !begun)
        return begun.error();
    QSqlQuery query(m_db);
    if (auto ran = exec(query,
            QStringLiteral("UPDATE catalog_custom_offerings SET model_id = ?, name = ?, context_length = ?,"
                           " max_output = ?, price_json = ?, updated_at = ")
                + kNow + QStringLiteral(" WHERE provider_id = ? AND provider_model_id = ?"),
            { offering.modelId, text(offering.name), offering.contextLength, offering.maxOutput,
                QString::fromUtf8(priceScheduleToJson(offering.price)), offering.providerId, offering.providerModelId },
            what);
        !ran)
        return ran.error();
    if (query.numRowsAffected() == 0)
        return notFound(QStringLiteral("No custom offering ") + name);
    return readBackAndCommit<CustomOffering>(
        transaction, m_db, kOfferingByKey, { offering.providerId, offering.providerModelId }, what, readOffering);
}

Result<void> CatalogUserStore::removeOffering(const QString &rawProviderId, const QString &rawModelId)
{
    const QString providerId = rawProviderId.trimmed().toLower();
    const QString providerModelId = rawModelId.trimmed();
    const QString name = offeringName(providerId, providerModelId);
    QSqlQuery query(m_db);
    if (auto ran = exec(query,
            QStringLiteral("DELETE FROM catalog_custom_offerings WHERE provider_id = ? AND provider_model_id = ?"),
            { providerId, providerModelId }, QStringLiteral("Cannot remove the custom offering ") + name);
        !ran)
        return ran;
    if (query.numRowsAffected() == 0)
        return notFound(QStringLiteral("No custom offering ") + name);
    return {};
}

// --- price overrides --------------------------------------------------------

Result<std::vector<PriceOverride>> CatalogUserStore::overrides() const
{
    return readAll<PriceOverride>(m_db,
        QStringLiteral("SELECT ") + kOverrideColumns
            + QStringLiteral(" FROM catalog_price_overrides"
                             " ORDER BY provider_id, provider_model_id"),
        {}, QStringLiteral("Cannot read the price overrides"), readOverride);
}

Result<PriceOverride> CatalogUserStore::addOverride(const PriceOverride &input)
{
    const PriceOverride priceOverride = normalised(input);
    if (auto valid = validatePriceOverride(priceOverride); !valid)
        return valid.error();
    const QString name = offeringName(priceOverride.providerId, priceOverride.providerModelId);
    const QString what = QStringLiteral("Cannot add the price override for ") + name;
    WriteTransaction transaction(m_db, writeMode(m_joinsCaller));
    if (auto begun = transaction.begin(what); !begun)
        return begun.error();
    auto taken = exists(m_db, kOverrideByKey, { priceOverride.providerId, priceOverride.providerModelId }, what);
    if (!taken)
        return taken.error();
    if (taken.value())
        return conflict(QStringLiteral("%1 has a price override already; change that one").arg(name));
    QSqlQuery query(m_db);
    if (auto ran = exec(query,
            QStringLiteral("INSERT INTO catalog_price_overrides(provider_id, provider_model_id, adjustment_bp,"
                           " price_json, note) VALUES (?, ?, ?, ?, ?)"),
            { priceOverride.providerId, priceOverride.providerModelId, basisPointsOrNull(priceOverride),
                priceOrNull(priceOverride), text(priceOverride.note) },
            what);
        !ran)
        return ran.error();
    return readBackAndCommit<PriceOverride>(transaction, m_db, kOverrideByKey,
        { priceOverride.providerId, priceOverride.providerModelId }, what, readOverride);
}

Result<PriceOverride> CatalogUserStore::updateOverride(const PriceOverride &input)
{
    const PriceOverride priceOverride = normalised(input);
    if (auto valid = validatePriceOverride(priceOverride); !valid)
        return valid.error();
    const QString name = offeringName(priceOverride.providerId, priceOverride.providerModelId);
    const QString what = QStringLiteral("Cannot change the price override for ") + name;
    WriteTransaction transaction(m_db, writeMode(m_joinsCaller));
    if (auto begun = transaction.begin(what); !begun)
        return begun.error();
    QSqlQuery query(m_db);
    if (auto ran = exec(query,
            QStringLiteral("UPDATE catalog_price_overrides SET adjustment_bp = ?, price_json = ?, note = ?,"
                           " updated_at = ")
                + kNow + QStringLiteral(" WHERE provider_id = ? AND provider_model_id = ?"),
            { basisPointsOrNull(priceOverride), priceOrNull(priceOverride), text(priceOverride.note),
                priceOverride.providerId, priceOverride.providerModelId },
            what);
        !ran)
        return ran.error();
    if (query.numRowsAffected() == 0)
        return notFound(QStringLiteral("No price override for ") + name);
    return readBackAndCommit<PriceOverride>(transaction, m_db, kOverrideByKey,
        { priceOverride.providerId, priceOverride.providerModelId }, what, readOverride);
}

Result<void> CatalogUserStore::removeOverride(const QString &rawProviderId, const QString &rawModelId)
{
    const QString providerId = rawProviderId.trimmed().toLower();
    const QString providerModelId = rawModelId.trimmed();
    const QString name = offeringName(providerId, providerModelId);
    QSqlQuery query(m_db);
    if (auto ran = exec(query,
            QStringLiteral("DELETE FROM catalog_price_overrides WHERE provider_id = ? AND provider_model_id = ?"),
            { providerId, providerModelId }, QStringLiteral("Cannot remove the price override for ") + name);
        !ran)
        return ran;
    if (query.numRowsAffected() == 0)
        return notFound(QStringLiteral("No price override for ") + name);
    return {};
}

// --- aliases ----------------------------------------------------------------

Result<std::vector<ModelAlias>> CatalogUserStore::aliases() const
{
    return readAll<ModelAlias>(m_db,
        QStringLiteral("SELECT ") + kAliasColumns + QStringLiteral(" FROM catalog_aliases ORDER BY alias"), {},
        QStringLiteral("Cannot read the model aliases"), readAlias);
}

namespace {
// One step only: an alias may not point at an alias, nor be a target itself.
Result<void> checkNoChain(QSqlDatabase db, const ModelAlias &alias, const QString &what)
{
    QSqlQuery query(db);
    if (auto ran
        = exec(query, QStringLiteral("SELECT model_id FROM catalog_aliases WHERE alias = ?"), { alias.modelId }, what);
        !ran)
        return ran;
    if (query.next())
        return Error { QStringLiteral("invalid"),
            QStringLiteral("%1 is itself an alias (of %2); point the alias at %2 instead")
                .arg(quoted(alias.modelId), quoted(query.value(0).toString())) };
    if (auto ran = exec(query, QStringLiteral("SELECT alias FROM catalog_aliases WHERE model_id = ? LIMIT 1"),
            { alias.alias }, what);
        !ran)
        return ran;
    if (query.next())
        return Error { QStringLiteral("invalid"),
            QStringLiteral("The alias %1 points at %2, so %2 cannot become an alias itself")
                .arg(quoted(query.value(0).toString()), quoted(alias.alias)) };
    return {};
}
} // namespace

Result<ModelAlias> CatalogUserStore::addAlias(const ModelAlias &input)
{
    const ModelAlias alias = normalised(input);
    if (auto valid = validateModelAlias(alias); !valid)
        return valid.error();
    const QString what = QStringLiteral("Cannot add the alias ") + quoted(alias.alias);
    WriteTransaction transaction(m_db, writeMode(m_joinsCaller));
    if (auto begun = transaction.begin(what); !begun)
        return begun.error();
    auto taken = exists(m_db, kAliasByKey, { alias.alias }, what);
    if (!taken)
        return taken.error();
    if (taken.value())
        return conflict(QStringLiteral("The alias %1 exists already").arg(quoted(alias.alias)));
    if (auto chain = checkNoChain(m_db, alias, what); !chain)
        return chain.error();
    QSqlQuery query(m_db);
    if (auto ran = exec(query, QStringLiteral("INSERT INTO catalog_aliases(alias, model_id) VALUES (?, ?)"),
            { alias.alias, alias.modelId }, what);
        !ran)
        return ran.error();
    return readBackAndCommit<ModelAlias>(transaction, m_db, kAliasByKey, { alias.alias }, what, readAlias);
}

Result<ModelAlias> CatalogUserStore::updateAlias(const ModelAlias &input)
{
    const ModelAlias alias = normalised(input);
    if (auto valid = validateModelAlias(alias); !valid)
        return valid.error();
    const QString what = QStringLiteral("Cannot change the alias ") + quoted(alias.alias);
    WriteTransaction transaction(m_db, writeMode(m_joinsCaller));
    if (auto begun = transaction.begin(what); !begun)
        return begun.error();
    auto known = exists(m_db, kAliasByKey, { alias.alias }, what);
    if (!known)
        return known.error();
    if (!known.value())
        return notFound(QStringLiteral("No alias ") + quoted(alias.alias));
    if (auto chain = checkNoChain(m_db, alias, what); !chain)
        return chain.error();
    QSqlQuery query(m_db);
    if (auto ran = exec(query,
            QStringLiteral("UPDATE catalog_aliases SET model_id = ?, updated_at = ") + kNow
                + QStringLiteral(" WHERE alias = ?"),
            { alias.modelId, alias.alias }, what);
        !ran)
        return ran.error();
    return readBackAndCommit<ModelAlias>(transaction, m_db, kAliasByKey, { alias.alias }, what, readAlias);
}

Result<void> CatalogUserStore::removeAlias(const QString &rawAlias)
{
    const QString alias = rawAlias.trimmed().toLower();
    QSqlQuery query(m_db);
    if (auto ran = exec(query, QStringLiteral("DELETE FROM catalog_aliases WHERE alias = ?"), { alias },
            QStringLiteral("Cannot remove the alias ") + quoted(alias));
        !ran)
        return ran;
    if (query.numRowsAffected() == 0)
        return notFound(QStringLiteral("No alias ") + quoted(alias));
    return {};
}

} // namespace signalbox::engine
