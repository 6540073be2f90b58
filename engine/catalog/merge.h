#pragma once

#include "engine/catalog/catalog.h"
#include "engine/catalog/importers.h"
#include "engine/catalog/naming.h"
#include "engine/core/result.h"
#include "engine/cost/pricebook.h"

#include <QByteArray>
#include <QDate>

#include <optional>
#include <vector>

namespace signalbox::engine {

// What Signalbox adds to a provider the sources describe: its genai-prices
// id, API dialect and base URL where models.dev has none, the author it
// implies for its own model ids. One entry of resources/catalog/providers.json.
struct ProviderProfile {
    QString id;           // catalog id (models.dev's, or genai-prices' for providers only it knows)
    QString genaiPrices;  // genai-prices provider id; empty when it has none
    bool primary = false; // of several providers mapped to one genai-prices id, the one that gets
                          // the offerings only genai-prices lists
    std::optional<ApiDialect> dialect;
    QString name;
    QString baseUrl;
    QString docUrl;
    QString author;       // first-party author: "anthropic" for anthropic's "claude-3-haiku"
    bool modelIdFromName = false;  // models.dev puts this provider's API ids in "name" (Cloudflare's "@cf/...")
    QStringList keyEnv;
    QStringList dataPolicy;
};

class ProviderDirectory {
public:
    static Result<ProviderDirectory> fromJson(const QByteArray &json);
    static Result<ProviderDirectory> bundled();  // :/signalbox/catalog/providers.json

    const ProviderProfile *find(const QString &catalogId) const;
    const std::vector<ProviderProfile> &profiles() const { return m_profiles; }

private:
    std::vector<ProviderProfile> m_profiles;  // sorted by id
};

struct MergeInputs {
    SourceCatalog modelsDev;
    PriceBook priceBook;
    QByteArray genaiJson;  // the raw genai-prices file: `equals` rules keep their case here
    QString genaiVersion;  // "0.1.8"
    QDate genaiDate;       // the package's publication date: provenance of its prices
    std::optional<SourceCatalog> openRouter;  // a live GET /api/v1/models, when fetched
    ProviderDirectory directory;
    ModelNaming naming;
    QString modelsDevSource;  // file names, for CatalogInfo
    QString genaiSource;
};

// Merges the sources into one catalog (see docs/catalog.md):
//  - providers: models.dev's, completed from providers.json; genai-prices
//    providers without a models.dev counterpart are added;
//  - an offering's price comes from genai-prices when PriceBook::find knows
//    the provider's model id, otherwise from models.dev; OpenRouter API
//    prices, when given, replace both for OpenRouter's offerings;
//  - genai-prices entries no models.dev offering matched become offerings;
//  - offerings are grouped into canonical models by ModelNaming.
// Fails only on inconsistent inputs (a providers.json entry naming an
// unknown genai-prices provider, an ambiguous primary).
Result<Catalog> mergeCatalog(MergeInputs inputs);

// Reads the source files, the bundled providers.json, origins.json and
// aliases.json, and merges: what signalbox-catalog-convert and the tests run.
struct CatalogSourceFiles {
    QString modelsDev;     // models-dev-*.json
    QString genaiPrices;   // genai-prices-*.json
    QString genaiVersion;  // "0.1.8"
    QDate genaiDate;
    QString openRouter;    // optional: a saved GET /api/v1/models response
    QDate openRouterDate;
};
struct BuiltCatalog {
    Catalog catalog;
    QByteArray genaiJson;  // for writeSnapshot()
};
Result<BuiltCatalog> buildCatalog(const CatalogSourceFiles &files);

// A base URL read off a genai-prices api_pattern when it is a plain URL
// ("https://api\.arcee\.ai(?:/|$)" -> "https://api.arcee.ai"); empty otherwise.
QString baseUrlFromApiPattern(const QString &pattern);

} // namespace signalbox::engine
