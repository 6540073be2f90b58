// The OpenRouter importer: GET https://openrouter.ai/api/v1/models, whose
// prices are exact USD-per-token decimal strings.

#include "engine/catalog/importers.h"
#include "engine/catalog/jsonreader.h"
#include "engine/cost/units.h"

#include <QSet>
#include <QTimeZone>

namespace signalbox::engine {

namespace {

struct PricingKey {
    QLatin1StringView key;
    QLatin1StringView usageKey;  // empty: read and checked, but not a unit we price
};
// `prompt` and `completion` come first: without both the price is unknown.
// `image` is a price per input image, a unit the cost engine has no usage
// field for yet; it is validated and left out. Keys not listed here are
// ignored: the live API grows fields, and a refresh must not break on them.
constexpr PricingKey kPricingKeys[] = {
    {QLatin1StringView("prompt"), QLatin1StringView("input_tokens")},
    {QLatin1StringView("completion"), QLatin1StringView("output_tokens")},
    {QLatin1StringView("input_cache_read"), QLatin1StringView("cache_read_tokens")},
    {QLatin1StringView("input_cache_write"), QLatin1StringView("cache_write_tokens")},
    {QLatin1StringView("internal_reasoning"), QLatin1StringView("output_reasoning_tokens")},
    {QLatin1StringView("request"), QLatin1StringView("requests")},
    {QLatin1StringView("web_search"), QLatin1StringView("web_searches")},
    {QLatin1StringView("audio"), QLatin1StringView("input_audio_tokens")},
    {QLatin1StringView("image"), QLatin1StringView()},
};

// Reads one price string. std::nullopt with no failure means "unknown"
// (absent, null or "-1").
std::optional<Money> readPrice(StrictJson &reader, const QJsonObject &pricing, const QString &key,
                               const QString &where)
{
    const QJsonValue value = pricing.value(key);
    if (value.isUndefined() || value.isNull())
        return std::nullopt;
    const QString field = QStringLiteral("pricing.") + key;
    if (!value.isString()) {
        reader.fail(where, field, QStringLiteral("must be a decimal string, got ") + StrictJson::shortText(value));
        return std::nullopt;
    }
    const QString text = value.toString().trimmed();
    if (text == QLatin1StringView("-1"))
        return std::nullopt;
    const std::optional<Money> money = Money::parse(text.toLatin1());
    if (!money) {
        reader.fail(where, field, QStringLiteral("is not a decimal number: ") + StrictJson::shortText(value));
        return std::nullopt;
    }
    if (money->isNegative()) {
        reader.fail(where, field, QStringLiteral("must not be negative, got ") + StrictJson::shortText(value));
        return std::nullopt;
    }
    return money;
}

PriceSchedule readPricing(StrictJson &reader, const QJsonObject &pricing, const QString &where)
{
    PriceSet prices;
    bool unknown = false;
    for (const PricingKey &entry : kPricingKeys) {
        const QString key(entry.key);
        const std::optional<Money> price = readPrice(reader, pricing, key, where);
        if (reader.failed())
            return {};
        const bool required = entry.key == QLatin1StringView("prompt") || entry.key == QLatin1StringView("completion");
        if (!price) {
            unknown = unknown || required;
            continue;
        }
        if (entry.usageKey.isEmpty() || (!required && price->isZero()))
            continue;
        UnitPrice unitPrice;
        unitPrice.unit = unitByUsageKey(QString(entry.usageKey));
        unitPrice.rate.base = *price;
        prices.prices.push_back(std::move(unitPrice));
    }
    PriceSchedule schedule;
    if (!unknown)
        schedule.variants.push_back(PriceSchedule::Variant{PriceCondition{}, std::move(prices)});
    return schedule;
}

Modalities readModalities(StrictJson &reader, const QJsonObject &object, const QString &key, const QString &where)
{
    return modalitiesFromNames(reader.optionalStringList(object, key, where));
}

void readModel(StrictJson &reader, const QJsonValue &value, qsizetype index, QDate asOf, QSet<QString> &seen,
               SourceCatalog &out)
{
    QString where = QStringLiteral("data[%1]").arg(index);
    if (!value.isObject()) {
        reader.fail(where, {}, QStringLiteral("must be an object, got ") + StrictJson::shortText(value));
        return;
    }
    const QJsonObject model = value.toObject();
    SourceOffering source;
    Offering &offering = source.offering;
    offering.providerId = QStringLiteral("openrouter");
    offering.providerModelId = reader.requireString(model, QStringLiteral("id"), where);
    if (reader.failed())
        return;
    where = quotedEntry(QStringLiteral("model"), offering.providerModelId);
    if (seen.contains(offering.providerModelId)) {
        reader.fail(where, QStringLiteral("id"), QStringLiteral("is listed twice"));
        return;
    }
    seen.insert(offering.providerModelId);
    offering.name = reader.requireString(model, QStringLiteral("name"), where);
    offering.contextLength = reader.optionalCount(model, QStringLiteral("context_length"), where).value_or(0);
    if (const auto created = reader.optionalCount(model, QStringLiteral("created"), where))
        source.releaseDate = QDateTime::fromSecsSinceEpoch(*created, QTimeZone::utc()).date();

    if (const auto top = reader.optionalObject(model, QStringLiteral("top_provider"), where)) {
        const QString topWhere = where + QStringLiteral(", top_provider");
        if (const auto context = reader.optionalCount(*top, QStringLiteral("context_length"), topWhere))
            offering.contextLength = *context;
        offering.maxOutput = reader.optionalCount(*top, QStringLiteral("max_completion_tokens"), topWhere).value_or(0);
    }

    ModelTraits &traits = offering.traits;
    traits.known = true;
    if (const auto architecture = reader.optionalObject(model, QStringLiteral("architecture"), where)) {
        const QString archWhere = where + QStringLiteral(", architecture");
        traits.input = readModalities(reader, *architecture, QStringLiteral("input_modalities"), archWhere);
        traits.output = readModalities(reader, *architecture, QStringLiteral("output_modalities"), archWhere);
    }
    traits.attachments = traits.input.testFlag(Modality::File);
    const QStringList parameters = reader.optionalStringList(model, QStringLiteral("supported_parameters"), where);
    traits.tools = parameters.contains(QStringLiteral("tools"));
    traits.reasoning = parameters.contains(QStringLiteral("reasoning"))
        || parameters.contains(QStringLiteral("include_reasoning"));
    traits.temperature = parameters.contains(QStringLiteral("temperature"));
    // OpenRouter names a Hugging Face repository only for models with open weights.
    traits.openWeights = !reader.optionalString(model, QStringLiteral("hugging_face_id"), where)
                               .value_or(QString())
                               .isEmpty();

    if (const auto pricing = reader.optionalObject(model, QStringLiteral("pricing"), where))
        offering.price = readPricing(reader, *pricing, where);
    if (reader.failed())
        return;
    offering.provenance = PriceProvenance{PriceSource::OpenRouter, asOf, offering.providerModelId};
    source.lastUpdated = asOf;
    out.offerings.push_back(std::move(source));
}

} // namespace

Result<SourceCatalog> importOpenRouterModels(const QByteArray &json, QDate asOf)
{
    StrictJson reader(QStringLiteral("OpenRouter models"));
    const auto document = reader.parse(json);
    if (!document)
        return reader.error();
    if (!document->isObject())
        return Error{QStringLiteral("invalid-catalog"),
                     QStringLiteral("OpenRouter models: the response must be an object with \"data\", got ")
                         + StrictJson::typeName(*document)};
    const QJsonValue data = document->toObject().value(QStringLiteral("data"));
    if (!data.isArray()) {
        reader.fail({}, QStringLiteral("data"),
                    data.isUndefined() ? QStringLiteral("is missing")
                                       : QStringLiteral("must be an array, got ") + StrictJson::shortText(data));
        return reader.error();
    }

    SourceCatalog out;
    Provider openRouter;
    openRouter.id = QStringLiteral("openrouter");
    openRouter.name = QStringLiteral("OpenRouter");
    openRouter.baseUrl = QStringLiteral("https://openrouter.ai/api/v1");
    openRouter.keyEnv = {QStringLiteral("OPENROUTER_API_KEY")};
    openRouter.docUrl = QStringLiteral("https://openrouter.ai/models");
    openRouter.priceBookId = QStringLiteral("openrouter");
    out.providers.push_back(std::move(openRouter));
    out.newest = asOf;

    const QJsonArray models = data.toArray();
    QSet<QString> seen;
    for (qsizetype i = 0; i < models.size() && !reader.failed(); ++i)
        readModel(reader, models.at(i), i, asOf, seen, out);
    if (reader.failed())
        return reader.error();
    return out;
}

} // namespace signalbox::engine
