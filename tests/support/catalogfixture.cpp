#include "tests/support/catalogfixture.h"

namespace signalbox::testing {

using namespace signalbox::engine;

Money perMillion(const char *dollars)
{
    return Money::parse(QByteArrayView(dollars))->dividedBy(1'000'000);
}

namespace {
PriceSchedule simple(const char *input, const char *output)
{
    PriceSet set;
    set.prices.push_back({units::inputTokens(), TieredRate{perMillion(input), {}}});
    set.prices.push_back({units::outputTokens(), TieredRate{perMillion(output), {}}});
    PriceSchedule schedule;
    schedule.variants.push_back({PriceCondition{}, set});
    return schedule;
}

Offering offering(const char *provider, const char *model, PriceSchedule price)
{
    Offering o;
    o.providerId = QString::fromLatin1(provider);
    o.providerModelId = QString::fromLatin1(model);
    o.modelId = QString::fromLatin1(model);
    o.name = o.modelId;
    o.contextLength = 128000;
    o.maxOutput = 8192;
    o.price = std::move(price);
    o.provenance = {PriceSource::GenaiPrices, QDate(2026, 9, 23), o.providerId + QLatin1Char('/') + o.modelId};
    return o;
}

Model model(const char *id, const char *name, const char *author, const char *country)
{
    Model m;
    m.id = QString::fromLatin1(id);
    m.name = QString::fromLatin1(name);
    m.author = QString::fromLatin1(author);
    m.authorName = m.author;
    m.authorCountry = QString::fromLatin1(country);
    m.authorCountryName = m.authorCountry == QLatin1String("FR") ? QStringLiteral("France") : QStringLiteral("United States");
    m.traits.known = true;
    m.contextLength = 128000;
    m.releaseDate = QDate(2025, 6, 1);
    return m;
}
} // namespace

std::shared_ptr<const Catalog> smallCatalog()
{
    std::vector<Provider> providers(2);
    providers[0].id = QStringLiteral("alpha");
    providers[0].name = QStringLiteral("Alpha Cloud");
    providers[0].baseUrl = QStringLiteral("https://alpha.example/v1");
    providers[1].id = QStringLiteral("beta");
    providers[1].name = QStringLiteral("Beta AI");

    std::vector<Model> models;
    models.push_back(model("cheap/model", "Cheap Model", "cheap", "US"));
    models.back().traits.tools = true;
    models.push_back(model("mid/model", "Mid Model", "mid", "FR"));
    models.back().traits.reasoning = true;
    models.back().traits.input = Modality::Text | Modality::Image;
    models.back().contextLength = 200000;
    models.push_back(model("pricey/model", "Pricey Model", "pricey", "US"));
    models.push_back(model("mystery/model", "Mystery Model", "mystery", "US"));
    models.back().traits.openWeights = true;

    std::vector<Offering> offerings;
    offerings.push_back(offering("alpha", "cheap/model", simple("0.05", "0.40")));
    offerings.push_back(offering("beta", "cheap/model", simple("0.08", "0.50")));
    offerings.push_back(offering("alpha", "mid/model", simple("1.20", "4.80")));
    PriceSchedule tiered = simple("10", "30");
    tiered.variants[0].prices.prices[0].rate.tiers.push_back({200000, perMillion("20")});
    tiered.variants[0].prices.prices[1].rate.tiers.push_back({200000, perMillion("45")});
    offerings.push_back(offering("beta", "pricey/model", tiered));
    offerings.push_back(offering("beta", "mystery/model", PriceSchedule{}));

    CatalogInfo info;
    info.genaiVersion = QStringLiteral("0.1.8");
    info.genaiDate = QDate(2026, 9, 23);
    return std::make_shared<const Catalog>(std::move(providers), std::move(models), std::move(offerings), PriceBook{},
                                           std::move(info));
}

} // namespace signalbox::testing
