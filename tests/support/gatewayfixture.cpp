#include "tests/support/gatewayfixture.h"

#include "engine/catalog/priceschedulejson.h"
#include "engine/cost/money.h"

#include <QtGlobal>

namespace signalbox::tests {

namespace {
QByteArray perToken(const char *perMillion)
{
    const auto money = engine::Money::parse(perMillion);
    Q_ASSERT(money);
    return money->scaled(1, 1'000'000).toDecimalString().toLatin1();
}
} // namespace

QByteArray flatPrice(const char *inputPerMillion, const char *outputPerMillion, const char *cacheReadPerMillion)
{
    QByteArray prices = "{\"unit\":\"input_tokens\",\"rate\":\"" + perToken(inputPerMillion) + "\"},"
        + "{\"unit\":\"output_tokens\",\"rate\":\"" + perToken(outputPerMillion) + "\"}";
    if (cacheReadPerMillion)
        prices += ",{\"unit\":\"cache_read_tokens\",\"rate\":\"" + perToken(cacheReadPerMillion) + "\"}";
    return "[{\"prices\":[" + prices + "]}]";
}

void GatewayFixture::addProvider(const QString &id, const QString &baseUrl, const QString &keyEnv)
{
    engine::CustomProvider provider;
    provider.id = id;
    provider.name = id;
    provider.baseUrl = baseUrl;
    if (!keyEnv.isEmpty()) {
        provider.key.kind = engine::KeyReference::Kind::Environment;
        provider.key.ref = keyEnv;
    }
    m_data.providers.push_back(provider);
}

void GatewayFixture::addOffering(const FixtureOffering &offering)
{
    engine::CustomOffering custom;
    custom.providerId = offering.provider;
    custom.providerModelId = offering.providerModelId;
    custom.modelId = offering.modelId;
    auto schedule = engine::priceScheduleFromJson(offering.priceJson.isEmpty() ? QByteArray("[]") : offering.priceJson);
    Q_ASSERT_X(schedule.ok(), "GatewayFixture", "bad price JSON");
    custom.price = schedule.value();
    m_data.offerings.push_back(custom);
}

std::shared_ptr<const engine::Catalog> GatewayFixture::catalog() const
{
    return std::make_shared<const engine::Catalog>(engine::applyUserData(engine::Catalog(), m_data));
}

} // namespace signalbox::tests
