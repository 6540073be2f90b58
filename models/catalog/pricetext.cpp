#include "models/catalog/pricetext.h"

#include <QCoreApplication>
#include <QTime>
#include <QtNumeric>

#include <limits>

namespace signalbox::models {

using engine::Money;
using engine::PriceSchedule;
using engine::PriceSet;
using engine::UnitId;

std::optional<Money> rateAt(const PriceSchedule &schedule, UnitId unit, const QDateTime &at)
{
    const PriceSet *set = schedule.pricesAt(at);
    if (!set)
        return std::nullopt;
    const engine::UnitPrice *price = set->find(unit);
    return price ? price->rate.base : Money();
}

QString unknownPriceText()
{
    return QCoreApplication::translate("signalbox::models", "unknown");
}

QString perMillionText(const Money &perToken)
{
    return perToken.times(1'000'000).value_or(Money()).toDisplayString(2, 3);
}

QString perMillionText(const std::optional<Money> &perToken)
{
    return perToken ? perMillionText(*perToken) : unknownPriceText();
}

qlonglong sortKey(const std::optional<Money> &perToken)
{
    if (!perToken)
        return std::numeric_limits<qlonglong>::max();
    // Attodollars; a rate above ~$9.2 a token (a typo in an override) sorts
    // just before unknown instead of overflowing.
    qlonglong attos = 0;
    if (perToken->isNegative() || qMulOverflow(perToken->nanos(), Money::kAttosPerNano, &attos)
        || qAddOverflow(attos, perToken->attos(), &attos))
        return perToken->isNegative() ? std::numeric_limits<qlonglong>::min() : std::numeric_limits<qlonglong>::max() - 1;
    return attos;
}

QString tierText(const PriceSchedule &schedule, const QDateTime &at)
{
    const PriceSet *set = schedule.pricesAt(at);
    if (!set)
        return {};
    const engine::UnitPrice *input = set->find(engine::units::inputTokens());
    const engine::UnitPrice *output = set->find(engine::units::outputTokens());
    const engine::UnitPrice *tiered = input && input->rate.isTiered() ? input : (output && output->rate.isTiered() ? output : nullptr);
    if (!tiered)
        return {};
    QStringList parts;
    for (const auto &tier : tiered->rate.tiers) {
        const Money in = input ? input->rate.rateFor(tier.start + 1) : Money();
        const Money out = output ? output->rate.rateFor(tier.start + 1) : Money();
        parts << QCoreApplication::translate("signalbox::models", "> %1 prompt tokens: %2 in / %3 out")
                     .arg(tokenCountText(tier.start), perMillionText(in), perMillionText(out));
    }
    return parts.join(QStringLiteral("; "));
}

QString conditionText(const PriceSchedule &schedule)
{
    QStringList parts;
    for (const auto &variant : schedule.variants) {
        const auto &c = variant.condition;
        QString when;
        switch (c.kind) {
        case engine::PriceCondition::Kind::Always:
            continue;
        case engine::PriceCondition::Kind::FromDate:
            when = QCoreApplication::translate("signalbox::models", "from %1").arg(c.startDate.toString(Qt::ISODate));
            break;
        case engine::PriceCondition::Kind::TimeOfDay:
            when = QStringLiteral("%1–%2 UTC")
                       .arg(QTime(0, 0).addSecs(c.startSecond).toString(QStringLiteral("HH:mm")),
                            QTime(0, 0).addSecs(c.endSecond).toString(QStringLiteral("HH:mm")));
            break;
        }
        const engine::UnitPrice *in = variant.prices.find(engine::units::inputTokens());
        const engine::UnitPrice *out = variant.prices.find(engine::units::outputTokens());
        parts << QCoreApplication::translate("signalbox::models", "%1: %2 in / %3 out")
                     .arg(when, perMillionText(in ? in->rate.base : Money()), perMillionText(out ? out->rate.base : Money()));
    }
    return parts.join(QStringLiteral("; "));
}

QString modelDisplayName(const engine::Catalog &catalog, const QString &canonicalId)
{
    const engine::Model *model = catalog.model(canonicalId);
    return model && !model->name.isEmpty() ? model->name : canonicalId;
}

QString providerDisplayName(const engine::Catalog &catalog, const QString &providerId)
{
    const engine::Provider *provider = catalog.provider(providerId);
    return provider && !provider->name.isEmpty() ? provider->name : providerId;
}

QString tokenCountText(qint64 tokens)
{
    if (tokens <= 0)
        return unknownPriceText();
    if (tokens >= 1'000'000) {
        const double m = static_cast<double>(tokens) / 1e6;
        return QString::number(m, 'g', m >= 10 ? 4 : 3) + QLatin1Char('M');
    }
    if (tokens >= 1000)
        return QString::number(static_cast<double>(tokens) / 1e3, 'g', 4) + QLatin1Char('K');
    return QString::number(tokens);
}

} // namespace signalbox::models
