// The models.dev importer: capabilities, limits and (older) prices of every
// provider's models.

#include "engine/catalog/importers.h"
#include "engine/catalog/jsonreader.h"
#include "engine/cost/units.h"

#include <QSet>

namespace signalbox::engine {

namespace {

struct CostKey {
    QLatin1StringView key;
    QLatin1StringView usageKey;
};
// models.dev cost keys (USD per million units) and the units they price. A
// key not listed here fails the import, so a new price dimension upstream is
// noticed at refresh time instead of being silently dropped.
constexpr CostKey kCostKeys[] = {
    {QLatin1StringView("input"), QLatin1StringView("input_tokens")},
    {QLatin1StringView("output"), QLatin1StringView("output_tokens")},
    {QLatin1StringView("cache_read"), QLatin1StringView("cache_read_tokens")},
    {QLatin1StringView("cache_write"), QLatin1StringView("cache_write_tokens")},
    {QLatin1StringView("reasoning"), QLatin1StringView("output_reasoning_tokens")},
    {QLatin1StringView("input_audio"), QLatin1StringView("input_audio_tokens")},
    {QLatin1StringView("output_audio"), QLatin1StringView("output_audio_tokens")},
};

Modalities readModalities(StrictJson &reader, const QJsonObject &object, const QString &key, const QString &where)
{
    return modalitiesFromNames(reader.optionalStringList(object, key, where));
}

PriceSet readCost(StrictJson &reader, const QJsonObject &cost, const QString &where)
{
    PriceSet prices;
    for (auto it = cost.begin(); it != cost.end(); ++it) {
        const QString field = QStringLiteral("cost.") + it.key();
        const CostKey *known = nullptr;
        for (const CostKey &candidate : kCostKeys) {
            if (it.key() == candidate.key)
                known = &candidate;
        }
        if (!known) {
            reader.fail(where, field, QStringLiteral("is not a cost this importer knows (expected one of input, "
                                                     "output, cache_read, cache_write, reasoning, input_audio, "
                                                     "output_audio)"));
            return {};
        }
        const auto perMillion = reader.requireMoneyNumber(it.value(), where, field);
        if (!perMillion)
            return {};
        UnitPrice price;
        price.unit = unitByUsageKey(QString(known->usageKey));
        price.rate.base = perMillion->dividedBy(1000000);
        prices.prices.push_back(std::move(price));
    }
    return prices;
}

void readModel(StrictJson &reader, const Provider &provider, const QString &key, const QJsonValue &value,
               SourceCatalog &out)
{
    const QString where = quotedEntry(QStringLiteral("provider"), provider.id) + QStringLiteral(", ")
        + quotedEntry(QStringLiteral("model"), key);
    if (!value.isObject()) {
        reader.fail(where, {}, QStringLiteral("must be an object, got ") + StrictJson::shortText(value));
        return;
    }
    const QJsonObject model = value.toObject();
    SourceOffering source;
    Offering &offering = source.offering;
    offering.providerId = provider.id;
    offering.providerModelId = reader.requireString(model, QStringLiteral("id"), where);
    offering.name = reader.requireString(model, QStringLiteral("name"), where);
    if (reader.failed())
        return;
    if (offering.providerModelId != key) {
        reader.fail(where, QStringLiteral("id"),
                    QStringLiteral("\"%1\" differs from the key it is listed under").arg(offering.providerModelId));
        return;
    }

    ModelTraits &traits = offering.traits;
    traits.known = true;
    traits.attachments = reader.optionalBool(model, QStringLiteral("attachment"), where);
    traits.reasoning = reader.optionalBool(model, QStringLiteral("reasoning"), where);
    traits.tools = reader.optionalBool(model, QStringLiteral("tool_call"), where);
    traits.temperature = reader.optionalBool(model, QStringLiteral("temperature"), where);
    traits.openWeights = reader.optionalBool(model, QStringLiteral("open_weights"), where);
    if (const auto modalities = reader.optionalObject(model, QStringLiteral("modalities"), where)) {
        traits.input = readModalities(reader, *modalities, QStringLiteral("input"),
                                      where + QStringLiteral(", modalities"));
        traits.output = readModalities(reader, *modalities, QStringLiteral("output"),
                                       where + QStringLiteral(", modalities"));
    }
    reader.optionalDate(model, QStringLiteral("knowledge"), where, &source.knowledgeCutoff);
    source.releaseDate = reader.optionalDate(model, QStringLiteral("release_date"), where);
    source.lastUpdated = reader.optionalDate(model, QStringLiteral("last_updated"), where);
    if (const auto limit = reader.optionalObject(model, QStringLiteral("limit"), where)) {
        offering.contextLength = reader.optionalCount(*limit, QStringLiteral("context"), where).value_or(0);
        offering.maxOutput = reader.optionalCount(*limit, QStringLiteral("output"), where).value_or(0);
    }
    // No cost, or an empty one, leaves the price unknown; explicit zeros are free.
    if (const auto cost = reader.optionalObject(model, QStringLiteral("cost"), where); cost && !cost->isEmpty()) {
        PriceSchedule::Variant variant;
        variant.prices = readCost(reader, *cost, where);
        offering.price.variants.push_back(std::move(variant));
    }
    if (reader.failed())
        return;

    const QDate asOf = source.lastUpdated.isValid() ? source.lastUpdated : source.releaseDate;
    offering.provenance = PriceProvenance{PriceSource::ModelsDev, asOf, provider.id + QLatin1Char('/') + key};
    if (source.lastUpdated.isValid() && (!out.newest.isValid() || source.lastUpdated > out.newest))
        out.newest = source.lastUpdated;
    out.offerings.push_back(std::move(source));
}

} // namespace

Result<SourceCatalog> importModelsDev(const QByteArray &json)
{
    StrictJson reader(QStringLiteral("models.dev"));
    const auto document = reader.parse(json);
    if (!document)
        return reader.error();
    if (!document->isObject())
        return Error{QStringLiteral("invalid-catalog"),
                     QStringLiteral("models.dev: the file must hold an object of providers, got ")
                         + StrictJson::typeName(*document)};
    if (const auto duplicate = findDuplicateKey(json)) {
        const QString where = duplicate->path.isEmpty() ? QStringLiteral("the providers")
                                                        : QLatin1Char('"') + duplicate->path + QLatin1Char('"');
        return Error{QStringLiteral("invalid-catalog"),
                     QStringLiteral("models.dev: duplicate id \"%1\" in %2").arg(duplicate->key, where)};
    }

    SourceCatalog out;
    const QJsonObject root = document->toObject();
    for (auto it = root.begin(); it != root.end(); ++it) {
        const QString where = quotedEntry(QStringLiteral("provider"), it.key());
        if (!it.value().isObject()) {
            reader.fail(where, {}, QStringLiteral("must be an object, got ") + StrictJson::shortText(it.value()));
            break;
        }
        const QJsonObject object = it.value().toObject();
        Provider provider;
        provider.id = reader.requireString(object, QStringLiteral("id"), where);
        provider.name = reader.requireString(object, QStringLiteral("name"), where);
        const QJsonObject models = reader.requireObject(object, QStringLiteral("models"), where);
        provider.baseUrl = reader.optionalString(object, QStringLiteral("api"), where).value_or(QString());
        provider.docUrl = reader.optionalString(object, QStringLiteral("doc"), where).value_or(QString());
        provider.keyEnv = reader.optionalStringList(object, QStringLiteral("env"), where);
        if (reader.failed())
            break;
        if (provider.id != it.key()) {
            reader.fail(where, QStringLiteral("id"),
                        QStringLiteral("\"%1\" differs from the key it is listed under").arg(provider.id));
            break;
        }
        for (auto model = models.begin(); model != models.end() && !reader.failed(); ++model)
            readModel(reader, provider, model.key(), model.value(), out);
        if (reader.failed())
            break;
        out.providers.push_back(std::move(provider));
    }
    if (reader.failed())
        return reader.error();
    return out;
}

} // namespace signalbox::engine
