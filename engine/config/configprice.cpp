#include "engine/config/configprice.h"

#include "engine/catalog/priceschedulejson.h"
#include "engine/cost/units.h"

#include <QRegularExpression>
#include <QTime>

#include <limits>

namespace signalbox::engine::config {

namespace {

constexpr int kSecondsPerDay = 24 * 60 * 60;

bool isPowerOfTen(qint64 value)
{
    while (value > 1 && value % 10 == 0)
        value /= 10;
    return value == 1;
}

// A rate as text, per `per` units, exactly: nullopt (with a problem) when it
// is not a plain non-negative decimal or is finer than an attodollar per unit.
std::optional<Money> readRate(YamlReader &reader, const Item &item, qint64 per)
{
    auto text = reader.text(item);
    if (!text)
        return std::nullopt;
    static const QRegularExpression decimal(QStringLiteral("^[0-9]{1,12}(\\.[0-9]{1,18})?$"));
    const QString trimmed = text->trimmed();
    if (!decimal.match(trimmed).hasMatch()) {
        reader.problem(item, QStringLiteral("a rate is a plain decimal amount of US dollars, such as 3 or 0.15"));
        return std::nullopt;
    }
    const std::optional<Money> amount = Money::parse(trimmed.toLatin1());
    if (!amount) {
        reader.problem(item, QStringLiteral("not a decimal amount"));
        return std::nullopt;
    }
    const Money rate = amount->scaled(1, per);
    const std::optional<Money> back = rate.times(per);
    if (!back || *back != *amount) {
        reader.problem(item,
            QStringLiteral("%1 per %2 units is not exact to the attodollar per unit; give fewer decimals or the "
                           "per-unit key")
                .arg(trimmed)
                .arg(per));
        return std::nullopt;
    }
    return rate;
}

std::optional<TieredRate> readTieredRate(YamlReader &reader, const Item &item, qint64 per)
{
    if (!item.node.IsMap()) {
        auto base = readRate(reader, item, per);
        if (!base)
            return std::nullopt;
        return TieredRate { *base, {} };
    }
    auto fields = reader.fields(item, { "rate", "tiers" });
    if (!fields)
        return std::nullopt;
    auto rateItem = fields->get(QLatin1StringView("rate"));
    if (!rateItem) {
        reader.problem(item, QStringLiteral("a tiered price needs its base rate (rate: ...)"));
        return std::nullopt;
    }
    auto base = readRate(reader, *rateItem, per);
    TieredRate rate { base.value_or(Money()), {} };
    bool ok = base.has_value();
    if (auto tiersItem = fields->get(QLatin1StringView("tiers"))) {
        auto tiers = reader.elements(*tiersItem);
        ok = ok && tiers.has_value();
        for (const Item &tierItem : tiers.value_or(std::vector<Item> {})) {
            auto tierFields = reader.fields(tierItem, { "above", "rate" });
            if (!tierFields) {
                ok = false;
                continue;
            }
            auto above = tierFields->get(QLatin1StringView("above"));
            auto tierRate = tierFields->get(QLatin1StringView("rate"));
            if (!above || !tierRate) {
                reader.problem(tierItem, QStringLiteral("a tier needs above (input tokens) and rate"));
                ok = false;
                continue;
            }
            auto start = reader.integer(*above, 0, std::numeric_limits<qint64>::max());
            auto money = readRate(reader, *tierRate, per);
            if (!start || !money) {
                ok = false;
                continue;
            }
            rate.tiers.push_back({ *start, *money });
        }
    }
    if (!ok)
        return std::nullopt;
    return rate;
}

std::optional<PriceSet> readPriceSet(YamlReader &reader, const Item &item)
{
    if (item.node.IsNull())
        return PriceSet {};
    if (!item.node.IsMap()) {
        reader.problem(item, QStringLiteral("expected a map of unit: rate (input_mtok: 3)"));
        return std::nullopt;
    }
    PriceSet set;
    bool ok = true;
    for (const auto &entry : item.node) {
        const QString key = QString::fromStdString(entry.first.Scalar());
        const Item child = fieldItem(entry.first, entry.second, item.child(key));
        UnitId unit = unitByPriceKey(key);
        qint64 per = 1;
        if (unit >= 0)
            per = usageUnits()[static_cast<std::size_t>(unit)].per;
        else
            unit = unitByUsageKey(key);
        if (unit < 0) {
            reader.problem(child,
                QStringLiteral("unknown unit (a price key such as input_mtok, output_mtok, cache_read_mtok, or a "
                               "usage key such as input_tokens for a per-token rate)"));
            ok = false;
            continue;
        }
        if (set.find(unit)) {
            reader.problem(child, QStringLiteral("this unit is priced twice"));
            ok = false;
            continue;
        }
        auto rate = readTieredRate(reader, child, per);
        if (!rate) {
            ok = false;
            continue;
        }
        set.prices.push_back({ unit, *rate });
    }
    if (!ok)
        return std::nullopt;
    return set;
}

std::optional<int> readTime(YamlReader &reader, const Item &item)
{
    auto text = reader.text(item);
    if (!text)
        return std::nullopt;
    QTime time = QTime::fromString(text->trimmed(), QStringLiteral("HH:mm:ss"));
    if (!time.isValid())
        time = QTime::fromString(text->trimmed(), QStringLiteral("HH:mm"));
    if (!time.isValid()) {
        reader.problem(item, QStringLiteral("expected a UTC time of day, HH:MM or HH:MM:SS"));
        return std::nullopt;
    }
    return time.msecsSinceStartOfDay() / 1000;
}

std::optional<PriceSchedule::Variant> readVariant(YamlReader &reader, const Item &item)
{
    auto fields = reader.fields(item, { "prices", "from", "utc_window" });
    if (!fields)
        return std::nullopt;
    PriceSchedule::Variant variant;
    auto from = fields->get(QLatin1StringView("from"));
    auto window = fields->get(QLatin1StringView("utc_window"));
    if (from && window) {
        reader.problem(*window, QStringLiteral("from and utc_window exclude each other"));
        return std::nullopt;
    }
    if (from) {
        auto text = reader.text(*from);
        if (!text)
            return std::nullopt;
        const QString trimmed = text->trimmed();
        const QDate date = trimmed.size() == 10 ? QDate::fromString(trimmed, Qt::ISODate) : QDate();
        if (!date.isValid()) {
            reader.problem(*from, QStringLiteral("expected a date, YYYY-MM-DD"));
            return std::nullopt;
        }
        variant.condition.kind = PriceCondition::Kind::FromDate;
        variant.condition.startDate = date;
    }
    if (window) {
        auto ends = reader.elements(*window);
        if (!ends || ends->size() != 2) {
            if (ends)
                reader.problem(*window, QStringLiteral("expected [start, end], two UTC times of day"));
            return std::nullopt;
        }
        auto start = readTime(reader, ends->at(0));
        auto end = readTime(reader, ends->at(1));
        if (!start || !end)
            return std::nullopt;
        variant.condition.kind = PriceCondition::Kind::TimeOfDay;
        variant.condition.startSecond = *start;
        variant.condition.endSecond = *end;
    }
    auto prices = fields->get(QLatin1StringView("prices"));
    if (!prices) {
        reader.problem(item, QStringLiteral("a variant needs its prices (prices: {...})"));
        return std::nullopt;
    }
    auto set = readPriceSet(reader, *prices);
    if (!set)
        return std::nullopt;
    variant.prices = std::move(*set);
    return variant;
}

void writeRate(YAML::Emitter &out, const Money &rate, qint64 per)
{
    const std::optional<Money> scaled = rate.times(per);
    out << YAML::DoubleQuoted << scaled.value_or(rate).toDecimalString().toStdString();
}

void writePriceSet(YAML::Emitter &out, const PriceSet &set)
{
    out << YAML::BeginMap;
    for (const UnitPrice &price : set.prices) {
        const UsageUnit &unit = usageUnits()[static_cast<std::size_t>(price.unit)];
        // Per million tokens (or per thousand pages...) where that is exact,
        // which it always is for a power of ten; per single unit otherwise.
        bool perKey = isPowerOfTen(unit.per) && price.rate.base.times(unit.per).has_value();
        for (const auto &tier : price.rate.tiers)
            perKey = perKey && tier.rate.times(unit.per).has_value();
        const qint64 per = perKey ? unit.per : 1;
        out << YAML::Key << QString(perKey ? unit.priceKey : unit.usageKey).toStdString() << YAML::Value;
        if (!price.rate.isTiered()) {
            writeRate(out, price.rate.base, per);
            continue;
        }
        out << YAML::BeginMap << YAML::Key << "rate" << YAML::Value;
        writeRate(out, price.rate.base, per);
        out << YAML::Key << "tiers" << YAML::Value << YAML::BeginSeq;
        for (const auto &tier : price.rate.tiers) {
            out << YAML::Flow << YAML::BeginMap << YAML::Key << "above" << YAML::Value << tier.start << YAML::Key
                << "rate" << YAML::Value;
            writeRate(out, tier.rate, per);
            out << YAML::EndMap;
        }
        out << YAML::EndSeq << YAML::EndMap;
    }
    out << YAML::EndMap;
}

QString timeText(int seconds)
{
    return QTime::fromMSecsSinceStartOfDay((seconds % kSecondsPerDay) * 1000).toString(QStringLiteral("HH:mm:ss"));
}

} // namespace

std::optional<PriceSchedule> readPriceSchedule(YamlReader &reader, const Item &item)
{
    PriceSchedule schedule;
    if (item.node.IsSequence()) {
        auto variants = reader.elements(item);
        bool ok = variants.has_value();
        for (const Item &variantItem : variants.value_or(std::vector<Item> {})) {
            auto variant = readVariant(reader, variantItem);
            ok = ok && variant.has_value();
            if (variant)
                schedule.variants.push_back(std::move(*variant));
        }
        if (!ok)
            return std::nullopt;
        if (schedule.variants.empty()) {
            reader.problem(item, QStringLiteral("an empty list of variants; leave price out for an unknown price"));
            return std::nullopt;
        }
    } else {
        auto set = readPriceSet(reader, item);
        if (!set)
            return std::nullopt;
        schedule.variants.push_back({ PriceCondition {}, std::move(*set) });
    }
    // The schedule's own rules (ascending tiers, one unconditional variant first...).
    if (auto valid = validatePriceSchedule(schedule); !valid) {
        reader.problem(item, valid.error().message);
        return std::nullopt;
    }
    return schedule;
}

void writePriceSchedule(YAML::Emitter &out, const PriceSchedule &schedule)
{
    if (schedule.variants.size() == 1 && schedule.variants.front().condition.kind == PriceCondition::Kind::Always) {
        writePriceSet(out, schedule.variants.front().prices);
        return;
    }
    out << YAML::BeginSeq;
    for (const auto &variant : schedule.variants) {
        out << YAML::BeginMap;
        switch (variant.condition.kind) {
        case PriceCondition::Kind::Always:
            break;
        case PriceCondition::Kind::FromDate:
            out << YAML::Key << "from" << YAML::Value
                << variant.condition.startDate.toString(Qt::ISODate).toStdString();
            break;
        case PriceCondition::Kind::TimeOfDay:
            out << YAML::Key << "utc_window" << YAML::Value << YAML::Flow << YAML::BeginSeq << YAML::DoubleQuoted
                << timeText(variant.condition.startSecond).toStdString() << YAML::DoubleQuoted
                << timeText(variant.condition.endSecond).toStdString() << YAML::EndSeq;
            break;
        }
        out << YAML::Key << "prices" << YAML::Value;
        writePriceSet(out, variant.prices);
        out << YAML::EndMap;
    }
    out << YAML::EndSeq;
}

QString priceSummary(const PriceSchedule &schedule)
{
    if (!schedule.isKnown())
        return QStringLiteral("unknown");
    YAML::Emitter out;
    out << YAML::Flow;
    writePriceSchedule(out, schedule);
    return QString::fromUtf8(out.c_str());
}

std::optional<int> readAdjustment(YamlReader &reader, const Item &item)
{
    auto text = reader.text(item);
    if (!text)
        return std::nullopt;
    static const QRegularExpression percent(QStringLiteral("^([+-]?)([0-9]{1,6})(?:\\.([0-9]{1,2}))?\\s*%$"));
    const auto match = percent.match(text->trimmed());
    if (!match.hasMatch()) {
        reader.problem(item, QStringLiteral("expected a percentage with at most two decimals, such as -12.5% or +5%"));
        return std::nullopt;
    }
    const qint64 whole = match.captured(2).toLongLong();
    const qint64 hundredths = match.captured(3).leftJustified(2, u'0').toLongLong();
    qint64 basisPoints = whole * 100 + hundredths;
    if (match.captured(1) == QLatin1String("-"))
        basisPoints = -basisPoints;
    if (basisPoints < PriceOverride::kMinBasisPoints || basisPoints > PriceOverride::kMaxBasisPoints) {
        reader.problem(item, QStringLiteral("the adjustment must be between -100% and +1000%"));
        return std::nullopt;
    }
    return static_cast<int>(basisPoints);
}

QString adjustmentText(int basisPoints)
{
    const int magnitude = basisPoints < 0 ? -basisPoints : basisPoints;
    QString number = QString::number(magnitude / 100);
    if (magnitude % 100 != 0) {
        QString fraction = QStringLiteral("%1").arg(magnitude % 100, 2, 10, QLatin1Char('0'));
        while (fraction.endsWith(u'0'))
            fraction.chop(1);
        number += QLatin1Char('.') + fraction;
    }
    return (basisPoints < 0 ? QStringLiteral("-") : QStringLiteral("+")) + number + QLatin1Char('%');
}

} // namespace signalbox::engine::config
