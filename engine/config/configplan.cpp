#include "engine/config/configplan.h"

#include "engine/catalog/priceschedulejson.h"
#include "engine/catalog/userstore.h"
#include "engine/config/configprice.h"

#include <QHash>
#include <QJsonArray>
#include <QSet>

#include <algorithm>
#include <utility>

namespace signalbox::engine::config {

namespace {

using Values = std::vector<std::pair<QString, QString>>;

QString keyText(const KeyReference &key)
{
    if (key.kind == KeyReference::Kind::None)
        return QStringLiteral("none");
    if (key.kind == KeyReference::Kind::Keychain && key.ref.isEmpty())
        return QStringLiteral("keychain (default entry)");
    return KeyReference::kindName(key.kind) + QLatin1Char(' ') + key.ref;
}

Values valuesOf(const CustomProvider &provider)
{
    return { { QStringLiteral("name"), provider.name }, { QStringLiteral("base_url"), provider.baseUrl },
        { QStringLiteral("dialect"), apiDialectName(provider.dialect) },
        { QStringLiteral("key"), keyText(provider.key) } };
}

Values valuesOf(const CustomOffering &offering)
{
    return { { QStringLiteral("model_id"), offering.modelId }, { QStringLiteral("name"), offering.name },
        // 0 is "unknown": shown as nothing rather than as a limit of zero.
        { QStringLiteral("context_length"),
            offering.contextLength ? QString::number(offering.contextLength) : QString() },
        { QStringLiteral("max_output"), offering.maxOutput ? QString::number(offering.maxOutput) : QString() },
        { QStringLiteral("price"), priceSummary(offering.price) } };
}

Values valuesOf(const PriceOverride &priceOverride)
{
    const bool adjust = priceOverride.kind == PriceOverride::Kind::Adjust;
    return { { QStringLiteral("adjust"), adjust ? adjustmentText(priceOverride.basisPoints) : QString() },
        { QStringLiteral("price"), adjust ? QString() : priceSummary(priceOverride.price) },
        { QStringLiteral("note"), priceOverride.note } };
}

Values valuesOf(const ModelAlias &alias)
{
    return { { QStringLiteral("model_id"), alias.modelId } };
}

Values valuesOf(const QString &id, const QString &project, const QDateTime &expires)
{
    return { { QStringLiteral("id"), id }, { QStringLiteral("project"), project },
        { QStringLiteral("expires"), timeText(expires) } };
}

std::vector<FieldChange> listed(const Values &values, bool adding)
{
    std::vector<FieldChange> out;
    for (const auto &[field, value] : values) {
        if (!value.isEmpty())
            out.push_back(adding ? FieldChange { field, QString(), value } : FieldChange { field, value, QString() });
    }
    return out;
}

std::vector<FieldChange> differences(const Values &before, const Values &after)
{
    std::vector<FieldChange> out;
    for (std::size_t i = 0; i < before.size() && i < after.size(); ++i) {
        if (before[i].second != after[i].second)
            out.push_back({ before[i].first, before[i].second, after[i].second });
    }
    return out;
}

QString offeringKey(const QString &providerId, const QString &providerModelId)
{
    return providerId + QLatin1Char('/') + providerModelId;
}

// Builds the plan section by section, in the order of the file.
class Planner {
public:
    Planner(const ConfigDocument &document, const ConfigState &state, const QDateTime &now, const Catalog *catalog)
        : m_doc(document)
        , m_state(state)
        , m_now(now)
        , m_catalog(catalog)
    {
    }

    ConfigPlan plan()
    {
        if (m_doc.providers)
            providers();
        if (m_doc.overrides)
            overrides();
        if (m_doc.aliases)
            aliases();
        if (m_doc.keys)
            keys();
        return std::move(m_plan);
    }

private:
    ConfigChange &add(
        ConfigChange::Op op, ConfigChange::Kind kind, const QString &name, std::vector<FieldChange> fields)
    {
        ConfigChange change;
        change.op = op;
        change.kind = kind;
        change.name = name;
        change.fields = std::move(fields);
        m_plan.changes.push_back(std::move(change));
        return m_plan.changes.back();
    }

    void conflict(const SourceSpot &spot, const QString &message, const QString &code = QStringLiteral("conflict"))
    {
        m_plan.conflicts.push_back(ConfigProblem { code, spot, message });
    }

    void providers()
    {
        QHash<QString, const CustomProvider *> current;
        for (const CustomProvider &provider : m_state.data.providers)
            current.insert(provider.id, &provider);
        QSet<QString> wanted;
        for (const DesiredProvider &desired : *m_doc.providers) {
            const CustomProvider &provider = desired.provider;
            wanted.insert(provider.id);
            // The catalog would skip it (docs/catalog-user-data.md): refused, as
            // `providers add` refuses it, rather than stored and never used.
            if (m_catalog && m_catalog->provider(provider.id)) {
                conflict(desired.idSpot,
                    QStringLiteral("%1 is a catalog provider's id; give the custom provider another id")
                        .arg(provider.id));
                continue;
            }
            const CustomProvider *existing = current.value(provider.id);
            if (!existing)
                add(ConfigChange::Op::Add, ConfigChange::Kind::Provider, provider.id, listed(valuesOf(provider), true))
                    .provider
                    = provider;
            else if (auto fields = differences(valuesOf(*existing), valuesOf(provider)); !fields.empty())
                add(ConfigChange::Op::Change, ConfigChange::Kind::Provider, provider.id, std::move(fields)).provider
                    = provider;
            if (desired.offerings)
                offerings(provider.id, *desired.offerings);
        }
        for (const CustomProvider &provider : m_state.data.providers) {
            if (wanted.contains(provider.id))
                continue;
            add(ConfigChange::Op::Remove, ConfigChange::Kind::Provider, provider.id, listed(valuesOf(provider), false))
                .provider
                = provider;
            m_removedProviders.insert(provider.id);
            // CatalogUserStore::removeProvider takes its offerings and overrides along.
            for (const CustomOffering &offering : m_state.data.offerings) {
                if (offering.providerId != provider.id)
                    continue;
                ConfigChange &change = add(ConfigChange::Op::Remove, ConfigChange::Kind::Offering,
                    offeringKey(offering.providerId, offering.providerModelId), {});
                change.offering = offering;
                change.implied = true;
            }
            for (const PriceOverride &priceOverride : m_state.data.overrides) {
                if (priceOverride.providerId != provider.id)
                    continue;
                ConfigChange &change = add(ConfigChange::Op::Remove, ConfigChange::Kind::Override,
                    offeringKey(priceOverride.providerId, priceOverride.providerModelId), {});
                change.priceOverride = priceOverride;
                change.implied = true;
            }
        }
    }

    void offerings(const QString &providerId, const std::vector<CustomOffering> &wantedOfferings)
    {
        QHash<QString, const CustomOffering *> current;
        for (const CustomOffering &offering : m_state.data.offerings) {
            if (offering.providerId == providerId)
                current.insert(offering.providerModelId, &offering);
        }
        QSet<QString> wanted;
        for (const CustomOffering &offering : wantedOfferings) {
            wanted.insert(offering.providerModelId);
            const QString name = offeringKey(providerId, offering.providerModelId);
            const CustomOffering *existing = current.value(offering.providerModelId);
            if (!existing)
                add(ConfigChange::Op::Add, ConfigChange::Kind::Offering, name, listed(valuesOf(offering), true))
                    .offering
                    = offering;
            else if (auto fields = differences(valuesOf(*existing), valuesOf(offering)); !fields.empty())
                add(ConfigChange::Op::Change, ConfigChange::Kind::Offering, name, std::move(fields)).offering
                    = offering;
        }
        for (const CustomOffering &offering : m_state.data.offerings) {
            if (offering.providerId == providerId && !wanted.contains(offering.providerModelId))
                add(ConfigChange::Op::Remove, ConfigChange::Kind::Offering,
                    offeringKey(providerId, offering.providerModelId), listed(valuesOf(offering), false))
                    .offering
                    = offering;
        }
    }

    void overrides()
    {
        QHash<QString, const PriceOverride *> current;
        for (const PriceOverride &priceOverride : m_state.data.overrides) {
            if (!m_removedProviders.contains(priceOverride.providerId))
                current.insert(offeringKey(priceOverride.providerId, priceOverride.providerModelId), &priceOverride);
        }
        QSet<QString> wanted;
        for (std::size_t i = 0; i < m_doc.overrides->size(); ++i) {
            const PriceOverride &priceOverride = m_doc.overrides->at(i);
            const QString name = offeringKey(priceOverride.providerId, priceOverride.providerModelId);
            if (m_removedProviders.contains(priceOverride.providerId)) {
                conflict(m_doc.overrideSpots.at(i),
                    QStringLiteral("names the custom provider %1, which this file removes (its overrides go with it)")
                        .arg(priceOverride.providerId),
                    QStringLiteral("invalid"));
                continue;
            }
            wanted.insert(name);
            const PriceOverride *existing = current.value(name);
            if (!existing)
                add(ConfigChange::Op::Add, ConfigChange::Kind::Override, name, listed(valuesOf(priceOverride), true))
                    .priceOverride
                    = priceOverride;
            else if (auto fields = differences(valuesOf(*existing), valuesOf(priceOverride)); !fields.empty())
                add(ConfigChange::Op::Change, ConfigChange::Kind::Override, name, std::move(fields)).priceOverride
                    = priceOverride;
        }
        // In the store's order (provider, model), as every other list of the diff.
        for (const PriceOverride &priceOverride : m_state.data.overrides) {
            const QString name = offeringKey(priceOverride.providerId, priceOverride.providerModelId);
            if (current.contains(name) && !wanted.contains(name))
                add(ConfigChange::Op::Remove, ConfigChange::Kind::Override, name,
                    listed(valuesOf(priceOverride), false))
                    .priceOverride
                    = priceOverride;
        }
        if (m_catalog)
            warnAboutUnknownOfferings();
    }

    // An override on an offering nobody has prices nothing; likely a typo.
    void warnAboutUnknownOfferings()
    {
        QSet<QString> custom;
        const bool fileHasProviders = m_doc.providers.has_value();
        for (const CustomOffering &offering : m_state.data.offerings) {
            const bool replacedByFile = fileHasProviders
                && std::any_of(m_doc.providers->cbegin(), m_doc.providers->cend(), [&](const DesiredProvider &p) {
                       return p.provider.id == offering.providerId && p.offerings.has_value();
                   });
            if (!replacedByFile && !m_removedProviders.contains(offering.providerId))
                custom.insert(offeringKey(offering.providerId, offering.providerModelId));
        }
        if (fileHasProviders) {
            for (const DesiredProvider &provider : *m_doc.providers) {
                for (const CustomOffering &offering : provider.offerings.value_or(std::vector<CustomOffering> {}))
                    custom.insert(offeringKey(offering.providerId, offering.providerModelId));
            }
        }
        for (std::size_t i = 0; i < m_doc.overrides->size(); ++i) {
            const PriceOverride &priceOverride = m_doc.overrides->at(i);
            const QString name = offeringKey(priceOverride.providerId, priceOverride.providerModelId);
            if (!custom.contains(name) && !m_catalog->offering(priceOverride.providerId, priceOverride.providerModelId))
                m_plan.warnings.push_back(ConfigProblem { QStringLiteral("warning"), m_doc.overrideSpots.at(i),
                    QStringLiteral("neither the catalog nor a custom provider has the offering %1; the override "
                                   "prices nothing until one does")
                        .arg(name) });
        }
    }

    void aliases()
    {
        QHash<QString, const ModelAlias *> current;
        for (const ModelAlias &alias : m_state.data.aliases)
            current.insert(alias.alias, &alias);
        QSet<QString> wanted;
        for (const ModelAlias &alias : *m_doc.aliases) {
            wanted.insert(alias.alias);
            const ModelAlias *existing = current.value(alias.alias);
            if (!existing)
                add(ConfigChange::Op::Add, ConfigChange::Kind::Alias, alias.alias, listed(valuesOf(alias), true)).alias
                    = alias;
            else if (auto fields = differences(valuesOf(*existing), valuesOf(alias)); !fields.empty())
                add(ConfigChange::Op::Change, ConfigChange::Kind::Alias, alias.alias, std::move(fields)).alias = alias;
        }
        for (const ModelAlias &alias : m_state.data.aliases) {
            if (!wanted.contains(alias.alias))
                add(ConfigChange::Op::Remove, ConfigChange::Kind::Alias, alias.alias, listed(valuesOf(alias), false))
                    .alias
                    = alias;
        }
    }

    void keys()
    {
        QHash<QString, const VirtualKeyRecord *> byName;
        QHash<QString, const VirtualKeyRecord *> byId;
        for (const VirtualKeyRecord &record : m_state.keys) {
            byName.insert(record.key.name, &record);
            byId.insert(record.key.id, &record);
        }
        QSet<QString> wanted;
        for (const DesiredKey &key : *m_doc.keys) {
            wanted.insert(key.name);
            const Values after = valuesOf(key.id, key.project, key.expiresAt);
            const VirtualKeyRecord *existing = byName.value(key.name);
            if (!existing) {
                if (const VirtualKeyRecord *other = byId.value(key.id))
                    conflict(key.spot,
                        QStringLiteral("the key id %1 belongs to the workspace's key \"%2\"; a key's "
                                       "secret names one key only")
                            .arg(key.id, other->key.name));
                // Ids and names share one namespace, so `keys revoke X` means one key.
                else if (const VirtualKeyRecord *named = byId.value(key.name))
                    conflict(key.spot,
                        QStringLiteral("the name %1 is the id of the workspace's key \"%2\"; give this key "
                                       "another name")
                            .arg(key.name, named->key.name));
                else if (const VirtualKeyRecord *sameName = byName.value(key.id))
                    conflict(key.spot,
                        QStringLiteral("the key id %1 is the name of the workspace's key \"%2\"")
                            .arg(key.id, sameName->key.name));
                else if (key.expiresAt.isValid() && key.expiresAt <= m_now)
                    conflict(key.expiresSpot,
                        QStringLiteral("a new key cannot expire in the past (%1)").arg(timeText(key.expiresAt)),
                        QStringLiteral("invalid"));
                else
                    add(ConfigChange::Op::Add, ConfigChange::Kind::Key, key.name, listed(after, true)).key = key;
                continue;
            }
            if (existing->key.revokedAt.isValid()) {
                conflict(key.spot,
                    QStringLiteral("the key \"%1\" was revoked at %2 and stays revoked; give its "
                                   "replacement another name")
                        .arg(key.name, timeText(existing->key.revokedAt)));
                continue;
            }
            if (existing->key.id != key.id || existing->secretSha256 != key.secretSha256) {
                conflict(key.spot,
                    QStringLiteral("the key \"%1\" has another secret in the workspace (id %2); to "
                                   "rotate it, add the new key under another name and remove this one")
                        .arg(key.name, existing->key.id));
                continue;
            }
            const Values before = valuesOf(existing->key.id, existing->key.project, existing->key.expiresAt);
            if (auto fields = differences(before, after); !fields.empty())
                add(ConfigChange::Op::Change, ConfigChange::Kind::Key, key.name, std::move(fields)).key = key;
        }
        for (const VirtualKeyRecord &record : m_state.keys) {
            if (wanted.contains(record.key.name) || record.key.revokedAt.isValid())
                continue;
            ConfigChange &change = add(ConfigChange::Op::Remove, ConfigChange::Kind::Key, record.key.name,
                { FieldChange { QStringLiteral("id"), record.key.id, QString() } });
            change.key.id = record.key.id;
            change.key.name = record.key.name;
        }
    }

    const ConfigDocument &m_doc;
    const ConfigState &m_state;
    QDateTime m_now;
    const Catalog *m_catalog;
    ConfigPlan m_plan;
    QSet<QString> m_removedProviders;
};

QString shown(const QString &value)
{
    return value.isEmpty() ? QStringLiteral("(none)") : value;
}

} // namespace

QString ConfigChange::opSymbol(Op op)
{
    switch (op) {
    case Op::Add:
        return QStringLiteral("+");
    case Op::Change:
        return QStringLiteral("~");
    case Op::Remove:
        return QStringLiteral("-");
    }
    return QString();
}

QString ConfigChange::opName(Op op)
{
    switch (op) {
    case Op::Add:
        return QStringLiteral("add");
    case Op::Change:
        return QStringLiteral("change");
    case Op::Remove:
        return QStringLiteral("remove");
    }
    return QString();
}

QString ConfigChange::kindName(Kind kind)
{
    switch (kind) {
    case Kind::Provider:
        return QStringLiteral("provider");
    case Kind::Offering:
        return QStringLiteral("offering");
    case Kind::Override:
        return QStringLiteral("price override");
    case Kind::Alias:
        return QStringLiteral("alias");
    case Kind::Key:
        return QStringLiteral("key");
    }
    return QString();
}

Result<ConfigState> loadConfigState(QSqlDatabase db)
{
    auto data = CatalogUserStore(db).load();
    if (!data)
        return data.error();
    auto keys = VirtualKeyStore(db).records();
    if (!keys)
        return keys.error();
    return ConfigState { std::move(data.value()), std::move(keys.value()) };
}

ConfigPlan planConfig(
    const ConfigDocument &document, const ConfigState &state, const QDateTime &now, const Catalog *catalog)
{
    return Planner(document, state, now, catalog).plan();
}

QStringList describeChanges(const std::vector<ConfigChange> &changes)
{
    QStringList lines;
    for (const ConfigChange &change : changes) {
        const QString head = ConfigChange::opSymbol(change.op) + QLatin1Char(' ') + ConfigChange::kindName(change.kind)
            + QLatin1Char(' ') + change.name;
        if (change.op == ConfigChange::Op::Change) {
            for (const FieldChange &field : change.fields)
                lines << QStringLiteral("%1: %2: %3 → %4")
                             .arg(head, field.field, shown(field.before), shown(field.after));
            continue;
        }
        QStringList values;
        for (const FieldChange &field : change.fields)
            values << field.field + QLatin1Char(' ')
                    + (change.op == ConfigChange::Op::Add ? field.after : field.before);
        QString line = head;
        if (!values.isEmpty())
            line += QStringLiteral(" (") + values.join(QStringLiteral(", ")) + QLatin1Char(')');
        if (change.implied)
            line += QStringLiteral(" (with its provider)");
        else if (change.op == ConfigChange::Op::Remove && change.kind == ConfigChange::Kind::Key)
            line += QStringLiteral(": revoked");
        lines << line;
    }
    return lines;
}

QJsonObject changeToJson(const ConfigChange &change)
{
    QJsonArray fields;
    for (const FieldChange &field : change.fields)
        fields.append(QJsonObject { { QStringLiteral("field"), field.field },
            { QStringLiteral("old"), field.before.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(field.before) },
            { QStringLiteral("new"),
                field.after.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(field.after) } });
    QJsonObject object { { QStringLiteral("op"), ConfigChange::opName(change.op) },
        { QStringLiteral("kind"), ConfigChange::kindName(change.kind) }, { QStringLiteral("name"), change.name },
        { QStringLiteral("fields"), fields } };
    if (change.implied)
        object.insert(QStringLiteral("implied"), true);
    return object;
}

} // namespace signalbox::engine::config
