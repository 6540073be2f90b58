#pragma once

// Shared by tst_userstore and tst_userdata: a small catalog, a custom
// provider with one offering, and money helpers.

#include "engine/catalog/catalog.h"
#include "engine/catalog/userdata.h"

#include <QByteArray>
#include <QDateTime>

namespace userdatafixture {

using namespace signalbox::engine;

inline Money money(const char *text)
{
    return Money::parse(QByteArrayView(text)).value();
}

inline PriceSchedule perToken(const char *input, const char *output)
{
    PriceSet set;
    set.prices.push_back(UnitPrice { units::inputTokens(), TieredRate { money(input), {} } });
    set.prices.push_back(UnitPrice { units::outputTokens(), TieredRate { money(output), {} } });
    PriceSchedule schedule;
    schedule.variants.push_back(PriceSchedule::Variant { PriceCondition {}, std::move(set) });
    return schedule;
}

inline Money rate(const Offering *offering, UnitId unit, const QDateTime &at = QDateTime::currentDateTimeUtc())
{
    return offering->price.pricesAt(at)->find(unit)->rate.base;
}

inline CustomProvider localVllm()
{
    CustomProvider provider;
    provider.id = QStringLiteral("local-vllm");
    provider.name = QStringLiteral("vLLM on the GPU box");
    provider.baseUrl = QStringLiteral("http://192.168.1.20:8000/v1");
    provider.key = KeyReference { KeyReference::Kind::Environment, QStringLiteral("VLLM_API_KEY") };
    return provider;
}

inline CustomOffering qwenOnVllm()
{
    CustomOffering offering;
    offering.providerId = QStringLiteral("local-vllm");
    offering.providerModelId = QStringLiteral("Qwen/Qwen2.5-Coder-32B-Instruct");
    offering.modelId = QStringLiteral("qwen/qwen2.5-coder-32b-instruct");
    offering.contextLength = 32768;
    offering.maxOutput = 8192;
    offering.price = perToken("0.0000001", "0.0000002");
    return offering;
}

inline PriceOverride discount(const QString &provider, const QString &model, int basisPoints)
{
    PriceOverride priceOverride;
    priceOverride.providerId = provider;
    priceOverride.providerModelId = model;
    priceOverride.kind = PriceOverride::Kind::Adjust;
    priceOverride.basisPoints = basisPoints;
    return priceOverride;
}

inline Offering catalogOffering(const QString &provider, const QString &id, const QString &model, PriceSchedule price)
{
    Offering o;
    o.providerId = provider;
    o.providerModelId = id;
    o.modelId = model;
    o.name = id;
    o.contextLength = 128000;
    o.price = std::move(price);
    o.provenance = PriceProvenance { PriceSource::GenaiPrices, QDate(2025, 9, 1), id };
    o.traits.known = true;
    o.traits.tools = true;
    return o;
}

inline Model catalogModel(const QString &id)
{
    Model m;
    m.id = id;
    m.name = id;
    m.contextLength = 128000;
    m.traits.known = true;
    m.traits.tools = true;
    return m;
}

// openai serves gpt-4o; openrouter serves gpt-4o and a differently named
// copy of it ("openai/gpt-4o-copy", which an alias folds into gpt-4o).
inline Catalog baseCatalog()
{
    Provider openai;
    openai.id = QStringLiteral("openai");
    openai.name = QStringLiteral("OpenAI");
    Provider openRouter;
    openRouter.id = QStringLiteral("openrouter");
    openRouter.name = QStringLiteral("OpenRouter");
    std::vector<Offering> offerings = {
        catalogOffering(QStringLiteral("openai"), QStringLiteral("gpt-4o"), QStringLiteral("openai/gpt-4o"),
            perToken("0.0000025", "0.00001")),
        catalogOffering(QStringLiteral("openrouter"), QStringLiteral("openai/gpt-4o"), QStringLiteral("openai/gpt-4o"),
            perToken("0.0000025", "0.00001")),
        catalogOffering(QStringLiteral("openrouter"), QStringLiteral("openai/gpt-4o-copy"),
            QStringLiteral("openai/gpt-4o-copy"), perToken("0.000003", "0.000012")),
    };
    return Catalog({ openai, openRouter },
        { catalogModel(QStringLiteral("openai/gpt-4o")), catalogModel(QStringLiteral("openai/gpt-4o-copy")) },
        std::move(offerings), PriceBook(), CatalogInfo());
}

inline QByteArray openRouterList(const char *gpt4oPrompt)
{
    return QByteArray(R"({"data": [
        {"id": "openai/gpt-4o", "name": "OpenAI: GPT-4o", "context_length": 128000,
         "pricing": {"prompt": ")")
        + gpt4oPrompt + R"(", "completion": "0.00001"}},
        {"id": "openai/gpt-4o-copy", "name": "OpenAI: GPT-4o copy", "context_length": 128000,
         "pricing": {"prompt": "0.000003", "completion": "0.000012"}}]})";
}

} // namespace userdatafixture
