#include "engine/catalog/pricecodec.h"

#include "engine/cost/units.h"

#include <QHash>

namespace signalbox::engine {

namespace {
// Counts come from a file: refuse absurd ones before reserving memory.
constexpr quint32 kMaxItems = 1u << 16;

bool ok(const QDataStream &in)
{
    return in.status() == QDataStream::Ok;
}
} // namespace

void writeMoney(QDataStream &out, Money money)
{
    out << money.nanos() << money.attos();
}

bool readMoney(QDataStream &in, Money &money)
{
    qint64 nanos = 0;
    qint64 attos = 0;
    in >> nanos >> attos;
    if (!ok(in) || attos < 0 || attos >= Money::kAttosPerNano)
        return false;
    money = Money::fromNanosAndAttos(nanos, attos);
    return true;
}

void writeTieredRate(QDataStream &out, const TieredRate &rate)
{
    writeMoney(out, rate.base);
    out << static_cast<quint32>(rate.tiers.size());
    for (const TieredRate::Tier &tier : rate.tiers) {
        out << tier.start;
        writeMoney(out, tier.rate);
    }
}

bool readTieredRate(QDataStream &in, TieredRate &rate)
{
    quint32 count = 0;
    if (!readMoney(in, rate.base))
        return false;
    in >> count;
    if (!ok(in) || count > kMaxItems)
        return false;
    rate.tiers.resize(count);
    for (TieredRate::Tier &tier : rate.tiers) {
        in >> tier.start;
        if (!readMoney(in, tier.rate))
            return false;
    }
    return ok(in);
}

void writePriceSet(QDataStream &out, const PriceSet &prices)
{
    out << static_cast<quint32>(prices.prices.size());
    for (const UnitPrice &price : prices.prices) {
        Q_ASSERT(price.unit >= 0);
        const auto &unit = usageUnits()[static_cast<std::size_t>(price.unit)];
        out << QByteArray(unit.usageKey.data(), unit.usageKey.size());
        writeTieredRate(out, price.rate);
    }
}

bool readPriceSet(QDataStream &in, PriceSet &prices)
{
    // Snapshots repeat a handful of keys thousands of times.
    thread_local QHash<QByteArray, UnitId> unitCache;
    quint32 count = 0;
    in >> count;
    if (!ok(in) || count > kMaxItems)
        return false;
    prices.prices.resize(count);
    QByteArray key;
    for (UnitPrice &price : prices.prices) {
        in >> key;
        if (!ok(in))
            return false;
        auto cached = unitCache.constFind(key);
        if (cached == unitCache.cend())
            cached = unitCache.insert(key, unitByUsageKey(QString::fromLatin1(key)));
        price.unit = *cached;
        if (price.unit < 0 || !readTieredRate(in, price.rate))
            return false;
    }
    return true;
}

void writePriceSchedule(QDataStream &out, const PriceSchedule &schedule)
{
    out << static_cast<quint32>(schedule.variants.size());
    for (const PriceSchedule::Variant &variant : schedule.variants) {
        const PriceCondition &condition = variant.condition;
        out << static_cast<quint8>(condition.kind) << condition.startDate << static_cast<qint32>(condition.startSecond)
            << static_cast<qint32>(condition.endSecond);
        writePriceSet(out, variant.prices);
    }
}

bool readPriceSchedule(QDataStream &in, PriceSchedule &schedule)
{
    quint32 count = 0;
    in >> count;
    if (!ok(in) || count > kMaxItems)
        return false;
    schedule.variants.resize(count);
    for (PriceSchedule::Variant &variant : schedule.variants) {
        quint8 kind = 0;
        qint32 start = 0;
        qint32 end = 0;
        in >> kind >> variant.condition.startDate >> start >> end;
        if (!ok(in) || kind > static_cast<quint8>(PriceCondition::Kind::TimeOfDay))
            return false;
        variant.condition.kind = static_cast<PriceCondition::Kind>(kind);
        variant.condition.startSecond = start;
        variant.condition.endSecond = end;
        if (!readPriceSet(in, variant.prices))
            return false;
    }
    return true;
}

} // namespace signalbox::engine
