// Strict import of the genai-prices data format into a PriceBook.

#include "engine/core/json.h"
#include "engine/cost/costengine.h"
#include "engine/cost/pricebook.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QSet>
#include <QTime>

namespace signalbox::engine {

namespace {

// Thrown inside the importer only, caught at its boundary: the first problem
// rejects the whole file, so there is nothing to unwind by hand.
struct ImportFailure {
    QString message;
};

[[noreturn]] void fail(const QString &where, const QString &what)
{
    throw ImportFailure{where + QStringLiteral(": ") + what};
}

QString typeName(const QJsonValue &value)
{
    return jsonTypeName(value);
}

QString requireString(const QJsonObject &object, const QString &field, const QString &where, bool required = true)
{
    const QJsonValue value = object.value(field);
    if (value.isUndefined() && !required)
        return {};
    if (!value.isString())
        fail(where, QStringLiteral("'%1' must be a string, got %2").arg(field, typeName(value)));
    if (required && value.toString().isEmpty())
        fail(where, QStringLiteral("'%1' must not be empty").arg(field));
    return value.toString();
}

MatchRule parseRule(const QJsonValue &value, const QString &where)
{
    if (!value.isObject())
        fail(where, QStringLiteral("a match rule must be an object, got %1").arg(typeName(value)));
    const QJsonObject object = value.toObject();
    if (object.size() != 1)
        fail(where, QStringLiteral("a match rule needs exactly one of equals, starts_with, ends_with, contains, regex, "
                                   "or, and (got %1 keys)")
                        .arg(object.size()));
    const QString kind = object.begin().key();
    const QJsonValue operand = object.begin().value();
    const QString here = where + QLatin1Char('.') + kind;
    MatchRule rule;
    if (kind == QLatin1String("or") || kind == QLatin1String("and")) {
        if (!operand.isArray() || operand.toArray().isEmpty())
            fail(here, QStringLiteral("must be a non-empty array of rules"));
        rule.kind = kind == QLatin1String("or") ? MatchRule::Kind::AnyOf : MatchRule::Kind::AllOf;
        const QJsonArray children = operand.toArray();
        for (qsizetype i = 0; i < children.size(); ++i)
            rule.children.push_back(parseRule(children[i], here + QStringLiteral("[%1]").arg(i)));
        return rule;
    }
    if (!operand.isString() || operand.toString().isEmpty())
        fail(here, QStringLiteral("must be a non-empty string, got %1").arg(typeName(operand)));
    if (kind == QLatin1String("equals"))
        rule.kind = MatchRule::Kind::Equals;
    else if (kind == QLatin1String("starts_with"))
        rule.kind = MatchRule::Kind::StartsWith;
    else if (kind == QLatin1String("ends_with"))
        rule.kind = MatchRule::Kind::EndsWith;
    else if (kind == QLatin1String("contains"))
        rule.kind = MatchRule::Kind::Contains;
    else if (kind == QLatin1String("regex"))
        rule.kind = MatchRule::Kind::Regex;
    else
        fail(where, QStringLiteral("unknown match rule '%1'").arg(kind));
    if (rule.kind == MatchRule::Kind::Regex) {
        rule.text = operand.toString();
        rule.regex = QRegularExpression(rule.text);
        if (!rule.regex.isValid())
            fail(here, QStringLiteral("invalid regular expression '%1': %2").arg(rule.text, rule.regex.errorString()));
        rule.regex.optimize();
    } else {
        rule.text = operand.toString().toLower();
    }
    return rule;
}

Money parseAmount(const QJsonValue &value, const QString &where)
{
    if (!value.isDouble())
        fail(where, QStringLiteral("a price must be a number, got %1").arg(typeName(value)));
    const auto money = Money::fromDouble(value.toDouble());
    if (!money)
        fail(where, QStringLiteral("'%1' is not a usable price").arg(value.toDouble()));
    if (money->isNegative())
        fail(where, QStringLiteral("negative price (%1)").arg(value.toDouble()));
    return *money;
}

TieredRate parseRate(const QJsonValue &value, qint64 per, const QString &where)
{
    TieredRate rate;
    if (!value.isObject()) {
        rate.base = parseAmount(value, where).dividedBy(per);
        return rate;
    }
    const QJsonObject object = value.toObject();
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (it.key() != QLatin1String("base") && it.key() != QLatin1String("tiers"))
            fail(where, QStringLiteral("unknown field '%1' in a tiered price").arg(it.key()));
    }
    rate.base = parseAmount(object.value(QStringLiteral("base")), where + QStringLiteral(".base")).dividedBy(per);
    const QJsonValue tiers = object.value(QStringLiteral("tiers"));
    if (!tiers.isArray() || tiers.toArray().isEmpty())
        fail(where + QStringLiteral(".tiers"), QStringLiteral("must be a non-empty array"));
    const QJsonArray list = tiers.toArray();
    for (qsizetype i = 0; i < list.size(); ++i) {
        const QString here = where + QStringLiteral(".tiers[%1]").arg(i);
        if (!list[i].isObject())
            fail(here, QStringLiteral("must be an object, got %1").arg(typeName(list[i])));
        const QJsonObject tier = list[i].toObject();
        const QJsonValue start = tier.value(QStringLiteral("start"));
        if (!start.isDouble() || start.toDouble() < 0 || start.toDouble() != std::floor(start.toDouble())
            || start.toDouble() > 1e15)
            fail(here + QStringLiteral(".start"), QStringLiteral("must be a whole number of tokens >= 0"));
        rate.tiers.push_back({static_cast<qint64>(start.toDouble()),
                              parseAmount(tier.value(QStringLiteral("price")), here + QStringLiteral(".price")).dividedBy(per)});
    }
    std::sort(rate.tiers.begin(), rate.tiers.end(), [](const auto &a, const auto &b) { return a.start < b.start; });
    return rate;
}

// A PriceSet must price the parents of every priced unit and the join of any
// two compatible priced units, or tokens would be billed twice or not at all.
void validatePriceSet(const PriceSet &prices, const QString &where)
{
    const auto unitName = [](UnitId unit) { return QString(usageUnits()[static_cast<std::size_t>(unit)].priceKey); };
    for (const UnitPrice &price : prices.prices) {
        for (UnitId other = 0; other < static_cast<UnitId>(usageUnits().size()); ++other) {
            if (isAncestor(other, price.unit) && !prices.find(other) && other != units::requests())
                fail(where, QStringLiteral("'%1' is priced but its parent '%2' is not").arg(unitName(price.unit), unitName(other)));
        }
    }
    for (std::size_t i = 0; i < prices.prices.size(); ++i) {
        for (std::size_t j = i + 1; j < prices.prices.size(); ++j) {
            const UnitId a = prices.prices[i].unit;
            const UnitId b = prices.prices[j].unit;
            if (!areCompatible(a, b) || isAncestor(a, b) || isAncestor(b, a))
                continue;
            const UnitId join = joinOf(a, b);
            if (join < 0 || !prices.find(join))
                fail(where, QStringLiteral("'%1' and '%2' are both priced but their overlap is not")
                                .arg(unitName(a), unitName(b)));
        }
    }
}

PriceSet parsePriceSet(const QJsonValue &value, const QString &where)
{
    if (!value.isObject())
        fail(where, QStringLiteral("prices must be an object, got %1").arg(typeName(value)));
    const QJsonObject object = value.toObject();
    PriceSet set;
    for (auto it = object.begin(); it != object.end(); ++it) {
        const QString here = where + QLatin1Char('.') + it.key();
        const UnitId unit = unitByPriceKey(it.key());
        if (unit < 0)
            fail(here, QStringLiteral("unknown price key"));
        if (it.value().isNull())
            continue;
        set.prices.push_back({unit, parseRate(it.value(), usageUnits()[static_cast<std::size_t>(unit)].per, here)});
    }
    validatePriceSet(set, where);
    return set;
}

int parseTimeOfDay(const QJsonValue &value, const QString &where)
{
    static const QRegularExpression pattern(
        QStringLiteral("^(\\d{2}):(\\d{2}):(\\d{2})(?:\\.\\d+)?(Z|([+-])(\\d{2}):(\\d{2}))$"));
    const QRegularExpressionMatch m = pattern.match(value.toString());
    if (!value.isString() || !m.hasMatch())
        fail(where, QStringLiteral("must be a time like \"00:30:00Z\""));
    const int h = m.captured(1).toInt();
    const int min = m.captured(2).toInt();
    const int s = m.captured(3).toInt();
    if (h > 23 || min > 59 || s > 59)
        fail(where, QStringLiteral("'%1' is not a time of day").arg(value.toString()));
    int offset = 0;
    if (m.captured(4) != QLatin1String("Z"))
        offset = (m.captured(5) == QLatin1String("-") ? -1 : 1) * (m.captured(6).toInt() * 3600 + m.captured(7).toInt() * 60);
    return ((h * 3600 + min * 60 + s - offset) % 86400 + 86400) % 86400;
}

PriceCondition parseCondition(const QJsonValue &value, const QString &where)
{
    if (!value.isObject())
        fail(where, QStringLiteral("a constraint must be an object, got %1").arg(typeName(value)));
    const QJsonObject object = value.toObject();
    const QString type = object.value(QStringLiteral("type")).toString();
    PriceCondition condition;
    if (type == QLatin1String("start_date")) {
        condition.kind = PriceCondition::Kind::FromDate;
        condition.startDate = QDate::fromString(object.value(QStringLiteral("start_date")).toString(), Qt::ISODate);
        if (!condition.startDate.isValid())
            fail(where + QStringLiteral(".start_date"), QStringLiteral("must be a date like \"2026-03-13\""));
    } else if (type == QLatin1String("time_of_date")) {
        condition.kind = PriceCondition::Kind::TimeOfDay;
        condition.startSecond = parseTimeOfDay(object.value(QStringLiteral("start_time")), where + QStringLiteral(".start_time"));
        condition.endSecond = parseTimeOfDay(object.value(QStringLiteral("end_time")), where + QStringLiteral(".end_time"));
    } else {
        fail(where + QStringLiteral(".type"), QStringLiteral("unknown constraint type '%1'").arg(type));
    }
    return condition;
}

PriceSchedule parseSchedule(const QJsonValue &value, const QString &where)
{
    PriceSchedule schedule;
    if (!value.isArray()) {
        schedule.variants.push_back({PriceCondition{}, parsePriceSet(value, where)});
        return schedule;
    }
    const QJsonArray list = value.toArray();
    if (list.isEmpty())
        fail(where, QStringLiteral("must not be an empty array"));
    for (qsizetype i = 0; i < list.size(); ++i) {
        const QString here = where + QStringLiteral("[%1]").arg(i);
        if (!list[i].isObject())
            fail(here, QStringLiteral("must be an object, got %1").arg(typeName(list[i])));
        const QJsonObject variant = list[i].toObject();
        PriceSchedule::Variant v;
        if (variant.contains(QStringLiteral("constraint")) && !variant.value(QStringLiteral("constraint")).isNull())
            v.condition = parseCondition(variant.value(QStringLiteral("constraint")), here + QStringLiteral(".constraint"));
        if (!variant.contains(QStringLiteral("prices")))
            fail(here, QStringLiteral("'prices' is missing"));
        v.prices = parsePriceSet(variant.value(QStringLiteral("prices")), here + QStringLiteral(".prices"));
        schedule.variants.push_back(std::move(v));
    }
    return schedule;
}

PriceEntry parseEntry(const QJsonValue &value, const QString &where)
{
    if (!value.isObject())
        fail(where, QStringLiteral("a model must be an object, got %1").arg(typeName(value)));
    const QJsonObject object = value.toObject();
    PriceEntry entry;
    entry.id = requireString(object, QStringLiteral("id"), where);
    const QString here = where + QStringLiteral(" '%1'").arg(entry.id);
    entry.name = requireString(object, QStringLiteral("name"), here, false);
    if (!object.contains(QStringLiteral("match")))
        fail(here, QStringLiteral("'match' is missing"));
    entry.match = parseRule(object.value(QStringLiteral("match")), here + QStringLiteral(" match"));
    if (object.contains(QStringLiteral("context_window"))) {
        const QJsonValue context = object.value(QStringLiteral("context_window"));
        if (!context.isDouble() || context.toDouble() < 0 || context.toDouble() != std::floor(context.toDouble()))
            fail(here, QStringLiteral("'context_window' must be a whole number >= 0, got %1").arg(typeName(context)));
        entry.contextWindow = static_cast<qint64>(context.toDouble());
    }
    if (object.contains(QStringLiteral("deprecated"))) {
        if (!object.value(QStringLiteral("deprecated")).isBool())
            fail(here, QStringLiteral("'deprecated' must be a boolean"));
        entry.deprecated = object.value(QStringLiteral("deprecated")).toBool();
    }
    if (!object.contains(QStringLiteral("prices")))
        fail(here, QStringLiteral("'prices' is missing"));
    entry.schedule = parseSchedule(object.value(QStringLiteral("prices")), here + QStringLiteral(" prices"));
    return entry;
}

QStringList parseStringList(const QJsonObject &object, const QString &field, const QString &where)
{
    const QJsonValue value = object.value(field);
    if (value.isUndefined())
        return {};
    if (!value.isArray())
        fail(where, QStringLiteral("'%1' must be an array of strings").arg(field));
    QStringList out;
    for (const QJsonValue &item : value.toArray()) {
        if (!item.isString())
            fail(where, QStringLiteral("'%1' must be an array of strings").arg(field));
        out << item.toString();
    }
    return out;
}

PriceBookProvider parseProvider(const QJsonValue &value, const QString &where)
{
    if (!value.isObject())
        fail(where, QStringLiteral("a provider must be an object, got %1").arg(typeName(value)));
    const QJsonObject object = value.toObject();
    PriceBookProvider provider;
    provider.id = requireString(object, QStringLiteral("id"), where);
    const QString here = QStringLiteral("provider '%1'").arg(provider.id);
    provider.name = requireString(object, QStringLiteral("name"), here);
    provider.apiPattern = requireString(object, QStringLiteral("api_pattern"), here);
    if (!QRegularExpression(provider.apiPattern).isValid())
        fail(here, QStringLiteral("'api_pattern' is not a valid regular expression"));
    if (object.contains(QStringLiteral("provider_match")))
        provider.providerMatch = parseRule(object.value(QStringLiteral("provider_match")), here + QStringLiteral(" provider_match"));
    if (object.contains(QStringLiteral("model_match")))
        provider.modelMatch = parseRule(object.value(QStringLiteral("model_match")), here + QStringLiteral(" model_match"));
    provider.fallbackProviders = parseStringList(object, QStringLiteral("fallback_model_providers"), here);
    const QJsonValue models = object.value(QStringLiteral("models"));
    if (!models.isArray())
        fail(here, QStringLiteral("'models' must be an array, got %1").arg(typeName(models)));
    const QJsonArray list = models.toArray();
    QSet<QString> ids;
    for (qsizetype i = 0; i < list.size(); ++i) {
        PriceEntry entry = parseEntry(list[i], here + QStringLiteral(", model %1").arg(i));
        if (ids.contains(entry.id))
            fail(here, QStringLiteral("duplicate model id '%1'").arg(entry.id));
        ids.insert(entry.id);
        provider.entries.push_back(std::move(entry));
    }
    // Provider billing rules the price data cannot express.
    if (provider.id == QLatin1String("groq")) {
        for (PriceEntry &entry : provider.entries) {
            if (entry.id == QLatin1String("whisper-large-v3") || entry.id == QLatin1String("whisper-large-v3-turbo"))
                entry.minimumAudioSeconds = 10;
        }
    }
    provider.buildIndex();
    return provider;
}

} // namespace

Result<PriceBook> PriceBook::fromGenaiPricesJson(const QByteArray &json)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return Error{QStringLiteral("invalid-catalog"),
                     QStringLiteral("genai-prices: not valid JSON at offset %1: %2")
                         .arg(parseError.offset)
                         .arg(parseError.errorString())};
    if (!document.isArray())
        return Error{QStringLiteral("invalid-catalog"), QStringLiteral("genai-prices: the file must be a JSON array of providers")};
    PriceBook book;
    try {
        const QJsonArray list = document.array();
        QSet<QString> ids;
        for (qsizetype i = 0; i < list.size(); ++i) {
            PriceBookProvider provider = parseProvider(list[i], QStringLiteral("provider %1").arg(i));
            if (ids.contains(provider.id))
                fail(QStringLiteral("provider '%1'").arg(provider.id), QStringLiteral("duplicate provider id"));
            ids.insert(provider.id);
            book.m_providerIndex.insert(provider.id, static_cast<int>(book.m_providers.size()));
            book.m_providers.push_back(std::move(provider));
        }
        for (const PriceBookProvider &provider : book.m_providers) {
            for (const QString &fallback : provider.fallbackProviders) {
                if (!ids.contains(fallback))
                    fail(QStringLiteral("provider '%1'").arg(provider.id),
                         QStringLiteral("fallback_model_providers names unknown provider '%1'").arg(fallback));
            }
        }
    } catch (const ImportFailure &failure) {
        return Error{QStringLiteral("invalid-catalog"), QStringLiteral("genai-prices: ") + failure.message};
    }
    return book;
}

} // namespace signalbox::engine
