#pragma once

// Catalogs for gateway tests: custom providers (usually fake providers on
// loopback) with priced offerings, layered on an empty catalog exactly as the
// console and `signalbox-gateway serve` layer the user's data on the real one.

#include "engine/catalog/catalog.h"
#include "engine/catalog/userdata.h"

#include <QString>

#include <memory>

namespace signalbox::tests {

struct FixtureOffering {
    QString provider;        // custom provider id
    QString providerModelId; // as its API names the model
    QString modelId;         // canonical
    QByteArray priceJson;    // engine/catalog/priceschedulejson.h; "[]" = unknown
};

// A flat price, USD per million tokens: input, output and (optional) cache read.
QByteArray flatPrice(const char *inputPerMillion, const char *outputPerMillion, const char *cacheReadPerMillion = nullptr);

class GatewayFixture {
public:
    // A provider whose key is in the environment variable `keyEnv` (empty: no key).
    void addProvider(const QString &id, const QString &baseUrl, const QString &keyEnv = {});
    void addOffering(const FixtureOffering &offering);
    const engine::UserData &userData() const { return m_data; }
    std::shared_ptr<const engine::Catalog> catalog() const;

private:
    engine::UserData m_data;
};

} // namespace signalbox::tests
