#include "engine/catalog/priceschedulejson.h"

#include "engine/cost/units.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QSet>
#include <QTime>

#include <optional>

namespace signalbox::engine {

namespace {

constexpr int kSecondsPerDay = 24 * 60 * 60;

Error invalid(const QString &message)
{
    return Error { QStringLiteral("invalid"), QStringLiteral("Price schedule: ") + message };
}

QString timeText(int seconds)
{
    return QTime::fromMSecsSinceStartOfDay(seconds * 1000).toString(QStringLiteral("HH:mm:ss"));
}

std::optional<int> parseTime(const QJsonValue &value)
{
    if (!value.isString())
        return std::nullopt;
    const QString text = value.toString();
    QTime time = QTime::fromString(text, QStringLiteral("HH:mm:ss"));
    if (!time.isValid())
        time = QTime::fromString(text, QStringLiteral("HH:mm"));
    if (!time.isValid())
        return std::nullopt;
    return time.msecsSinceStartOfDay() / 1000;
}

QString variantName(std::size_t index)
{
    return QStringLiteral("variant %1").arg(index + 1);
}

QString shortJson(const QJsonValue &value)
{
    QJsonArray wrapper { value };
    QString text = QString::fromUtf8(QJsonDocument(wrapper).toJson(QJsonDocument::Compact));
    text = text.mid(1, text.size() - 2);
    if (text.size() > 40)
        text = text.left(37) + QStringLiteral("...");
    return text;
}

// Unknown keys are mistakes (a typo such as "rates" would otherwise silently
// drop a price), so every object is checked against the keys it may have.
Result<void> onlyKeys(const QJsonObject &object, std::initializer_list<QLatin1StringView> allowed, const QString &where)
{
    for (auto it = object.begin(); it != object.end(); ++it) {
        bool known = false;
        for (QLatin1StringView key : allowed)
            known = known || it.key() == key;
        if (!known)
            return invalid(QStringLiteral("%1: unknown field \"%2\"").arg(where, it.key()));
    }
    return {};
}

Result<Money> parseRate(const QJsonValue &value, const QString &where)
{
    if (!value.isString())
        return invalid(QStringLiteral("%1: \"rate\" must be a decimal string such as \"0.000003\", got %2")
                           .arg(where, shortJson(value)));
    const std::optional<Money> money = Money::parse(value.toString().toLatin1());
    if (!money)
        return invalid(QStringLiteral("%1: \"rate\" is not a decimal number: %2").arg(where, shortJson(value)));
    if (money->isNegative())
        return invalid(QStringLiteral("%1: \"rate\" must not be negative, got %2").arg(where, shortJson(value)));
    return *money;
}

Result<UnitPrice> parseUnitPrice(const QJsonValue &value, const QString &where)
{
    if (!value.isObject())
        return invalid(QStringLiteral("%1 must be an object, got %2").arg(where, shortJson(value)));
    const QJsonObject object = value.toObject();
    if (auto keys
        = onlyKeys(object, { QLatin1StringView("unit"), QLatin1StringView("rate"), QLatin1StringView("tiers") }, where);
        !keys)
        return keys.error();
    const QJsonValue unitValue = object.value(QStringLiteral("unit"));
    if (!unitValue.isString())
        return invalid(QStringLiteral("%1: \"unit\" must be a usage key such as \"input_tokens\", got %2")
                           .arg(where, shortJson(unitValue)));
    UnitPrice price;
    price.unit = unitByUsageKey(unitValue.toString());
    if (price.unit < 0)
        return invalid(QStringLiteral("%1: unknown unit \"%2\"").arg(where, unitValue.toString()));
    const QString unitWhere = where + QStringLiteral(" (") + unitValue.toString() + QLatin1Char(')');
    auto base = parseRate(object.value(QStringLiteral("rate")), unitWhere);
    if (!base)
        return base.error();
    price.rate.base = base.value();
    const QJsonValue tiers = object.value(QStringLiteral("tiers"));
    if (tiers.isUndefined())
        return price;
    if (!tiers.isArray())
        return invalid(QStringLiteral("%1: \"tiers\" must be an array, got %2").arg(unitWhere, shortJson(tiers)));
    const QJsonArray tierArray = tiers.toArray();
    for (qsizetype i = 0; i < tierArray.size(); ++i) {
        const QString tierWhere = unitWhere + QStringLiteral(", tier %1").arg(i + 1);
        const QJsonValue tierValue = tierArray.at(i);
        if (!tierValue.isObject())
            return invalid(QStringLiteral("%1 must be an object, got %2").arg(tierWhere, shortJson(tierValue)));
        const QJsonObject tier = tierValue.toObject();
        if (auto keys = onlyKeys(tier, { QLatin1StringView("above"), QLatin1StringView("rate") }, tierWhere); !keys)
            return keys.error();
        const QJsonValue above = tier.value(QStringLiteral("above"));
        const double start = above.toDouble(-1);
        // Whole token counts only; 2^53 is far above any prompt.
        if (!above.isDouble() || start < 1 || start > 9007199254740992.0
            || start != static_cast<double>(static_cast<qint64>(start)))
            return invalid(QStringLiteral("%1: \"above\" must be a whole number of input tokens above 0, got %2")
                               .arg(tierWhere, shortJson(above)));
        auto rate = parseRate(tier.value(QStringLiteral("rate")), tierWhere);
        if (!rate)
            return rate.error();
        price.rate.tiers.push_back(TieredRate::Tier { static_cast<qint64>(start), rate.value() });
    }
    return price;
}

Result<PriceSchedule::Variant> parseVariant(const QJsonValue &value, std::size_t index)
{
    const QString where = variantName(index);
    if (!value.isObject())
        return invalid(QStringLiteral("%1 must be an object, got %2").arg(where, shortJson(value)));
    const QJsonObject object = value.toObject();
    if (auto keys = onlyKeys(
            object, { QLatin1StringView("prices"), QLatin1StringView("from"), QLatin1StringView("utc_window") }, where);
        !keys)
        return keys.error();
    PriceSchedule::Variant variant;
    const QJsonValue from = object.value(QStringLiteral("from"));
    const QJsonValue window = object.value(QStringLiteral("utc_window"));
    if (!from.isUndefined() && !window.isUndefined())
        return invalid(where + QStringLiteral(": \"from\" and \"utc_window\" exclude each other"));
    if (!from.isUndefined()) {
        const QDate date = QDate::fromString(from.toString(), Qt::ISODate);
        if (!from.isString() || !date.isValid())
            return invalid(
                QStringLiteral("%1: \"from\" must be a date \"YYYY-MM-DD\", got %2").arg(where, shortJson(from)));
        variant.condition.kind = PriceCondition::Kind::FromDate;
        variant.condition.startDate = date;
    } else if (!window.isUndefined()) {
        const QJsonArray bounds = window.toArray();
        const auto start = bounds.size() == 2 ? parseTime(bounds.at(0)) : std::nullopt;
        const auto end = bounds.size() == 2 ? parseTime(bounds.at(1)) : std::nullopt;
        if (!window.isArray() || !start || !end)
            return invalid(QStringLiteral("%1: \"utc_window\" must be [\"HH:MM:SS\", \"HH:MM:SS\"], got %2")
                               .arg(where, shortJson(window)));
        variant.condition.kind = PriceCondition::Kind::TimeOfDay;
        variant.condition.startSecond = *start;
        variant.condition.endSecond = *end;
    }
    const QJsonValue prices = object.value(QStringLiteral("prices"));
    if (!prices.isArray())
        return invalid(QStringLiteral("%1: \"prices\" must be an array, got %2")
                           .arg(where, prices.isUndefined() ? QStringLiteral("nothing") : shortJson(prices)));
    const QJsonArray priceArray = prices.toArray();
    for (qsizetype i = 0; i < priceArray.size(); ++i) {
        auto price = parseUnitPrice(priceArray.at(i), where + QStringLiteral(", price %1").arg(i + 1));
        if (!price)
            return price.error();
        variant.prices.prices.push_back(std::move(price.value()));
    }
    return variant;
}

QJsonObject unitPriceToJson(const UnitPrice &price)
{
    QJsonObject object;
    object.insert(QStringLiteral("unit"), QString(usageUnits()[static_cast<std::size_t>(price.unit)].usageKey));
    object.insert(QStringLiteral("rate"), price.rate.base.toDecimalString());
    if (price.rate.isTiered()) {
        QJsonArray tiers;
        for (const TieredRate::Tier &tier : price.rate.tiers) {
            QJsonObject t;
            t.insert(QStringLiteral("above"), static_cast<double>(tier.start));
            t.insert(QStringLiteral("rate"), tier.rate.toDecimalString());
            tiers.append(t);
        }
        object.insert(QStringLiteral("tiers"), tiers);
    }
    return object;
}

} // namespace

Result<void> validatePriceSchedule(const PriceSchedule &schedule)
{
    const auto unitCount = static_cast<UnitId>(usageUnits().size());
    for (std::size_t v = 0; v < schedule.variants.size(); ++v) {
        const PriceSchedule::Variant &variant = schedule.variants[v];
        const QString where = variantName(v);
        const PriceCondition &condition = variant.condition;
        switch (condition.kind) {
        case PriceCondition::Kind::Always:
            break;
        case PriceCondition::Kind::FromDate:
            if (!condition.startDate.isValid())
                return invalid(where + QStringLiteral(": the start date is not a valid date"));
            break;
        case PriceCondition::Kind::TimeOfDay:
            if (condition.startSecond < 0 || condition.startSecond >= kSecondsPerDay || condition.endSecond < 0
                || condition.endSecond >= kSecondsPerDay)
                return invalid(where + QStringLiteral(": the daily window must lie within 00:00:00..23:59:59"));
            if (condition.startSecond == condition.endSecond)
                return invalid(QStringLiteral("%1: the daily window starts and ends at %2, so it never applies")
                                   .arg(where, timeText(condition.startSecond)));
            break;
        }
        QSet<UnitId> seen;
        for (const UnitPrice &price : variant.prices.prices) {
            if (price.unit < 0 || price.unit >= unitCount)
                return invalid(where + QStringLiteral(": a price has no valid unit"));
            const QString unitWhere = where + QStringLiteral(" (")
                + QString(usageUnits()[static_cast<std::size_t>(price.unit)].usageKey) + QLatin1Char(')');
            if (seen.contains(price.unit))
                return invalid(unitWhere + QStringLiteral(": the unit is priced twice"));
            seen.insert(price.unit);
            if (price.rate.base.isNegative())
                return invalid(unitWhere + QStringLiteral(": the rate must not be negative"));
            qint64 previous = 0;
            for (const TieredRate::Tier &tier : price.rate.tiers) {
                if (tier.start <= previous)
                    return invalid(
                        unitWhere + QStringLiteral(": tiers must start above 0 input tokens, in ascending order"));
                if (tier.rate.isNegative())
                    return invalid(unitWhere + QStringLiteral(": a tier rate must not be negative"));
                previous = tier.start;
            }
        }
    }
    return {};
}

QByteArray priceScheduleToJson(const PriceSchedule &schedule)
{
    QJsonArray variants;
    for (const PriceSchedule::Variant &variant : schedule.variants) {
        QJsonObject object;
        switch (variant.condition.kind) {
        case PriceCondition::Kind::Always:
            break;
        case PriceCondition::Kind::FromDate:
            object.insert(QStringLiteral("from"), variant.condition.startDate.toString(Qt::ISODate));
            break;
        case PriceCondition::Kind::TimeOfDay:
            object.insert(QStringLiteral("utc_window"),
                QJsonArray { timeText(variant.condition.startSecond), timeText(variant.condition.endSecond) });
            break;
        }
        QJsonArray prices;
        for (const UnitPrice &price : variant.prices.prices)
            prices.append(unitPriceToJson(price));
        object.insert(QStringLiteral("prices"), prices);
        variants.append(object);
    }
    return QJsonDocument(variants).toJson(QJsonDocument::Compact);
}

Result<PriceSchedule> priceScheduleFromJson(QByteArrayView json)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json.toByteArray(), &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return invalid(
            QStringLiteral("not valid JSON at offset %1: %2").arg(parseError.offset).arg(parseError.errorString()));
    if (!document.isArray())
        return invalid(QStringLiteral("must be an array of variants"));
    const QJsonArray array = document.array();
    PriceSchedule schedule;
    for (qsizetype i = 0; i < array.size(); ++i) {
        auto variant = parseVariant(array.at(i), static_cast<std::size_t>(i));
        if (!variant)
            return variant.error();
        schedule.variants.push_back(std::move(variant.value()));
    }
    if (auto valid = validatePriceSchedule(schedule); !valid)
        return valid.error();
    return schedule;
}

} // namespace signalbox::engine
