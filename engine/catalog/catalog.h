#pragma once

// engine/catalog: who serves which model at what price. Providers, canonical
// models and offerings (a model as one provider serves it), merged from
// models.dev (capabilities, limits) and genai-prices (prices), loaded at
// start-up from a snapshot bundled as a Qt resource. See docs/catalog.md.

#include "engine/core/result.h"
#include "engine/cost/pricebook.h"
#include "engine/cost/priceschedule.h"

#include <QDate>
#include <QDateTime>
#include <QFlags>
#include <QHash>
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace signalbox::engine {

enum class ApiDialect : quint8 { OpenAI, Anthropic };
QString apiDialectName(ApiDialect dialect);  // "openai" | "anthropic"
std::optional<ApiDialect> apiDialectFromName(QStringView name);

struct Provider {
    QString id;       // "amazon-bedrock": models.dev's id, or genai-prices' for providers only it knows
    QString name;     // "Amazon Bedrock"
    QString baseUrl;  // OpenAI-style base ("https://api.groq.com/openai/v1"); may hold ${ENV} placeholders
                      // (Azure resource, AWS region); empty when unknown
    ApiDialect dialect = ApiDialect::OpenAI;
    QStringList keyEnv;      // environment variables with the key (and account, region ...)
    QString docUrl;
    QStringList dataPolicy;  // "no-training", "zero-retention" ... where known; usually empty
    QString priceBookId;     // the genai-prices provider id ("aws"), empty when it has none
};

enum class Modality : quint8 { Text = 1, Image = 2, Audio = 4, Video = 8, Pdf = 16, File = 32 };
Q_DECLARE_FLAGS(Modalities, Modality)
Q_DECLARE_OPERATORS_FOR_FLAGS(Modalities)
// "text", "image", "audio", "video", "pdf", "file"; std::nullopt for others.
std::optional<Modality> modalityFromName(QStringView name);
// The modalities a source lists by name. Unknown names are skipped (a new one
// upstream must not break an import, and no routing rule can ask for it yet);
// an empty list means text only.
Modalities modalitiesFromNames(const QStringList &names);
QStringList modalityNames(Modalities modalities);

// What a model can do, or what one provider supports of it.
struct ModelTraits {
    bool known = false;  // false: no source described it (a price-only entry); the flags mean nothing
    Modalities input = Modality::Text;
    Modalities output = Modality::Text;
    bool tools = false;
    bool reasoning = false;
    bool attachments = false;
    bool temperature = false;
    bool openWeights = false;
    bool vision() const { return input.testFlag(Modality::Image); }
    bool operator==(const ModelTraits &) const = default;
};

struct Model {
    QString id;                 // canonical: "openai/gpt-oss-120b"
    QString name;               // "GPT OSS 120B"
    QString author;             // "openai" (OpenRouter's vendor slugs)
    QString authorName;         // "OpenAI"; empty when resources/catalog/origins.json does not know it
    QString authorCountry;      // ISO 3166-1 alpha-2: "US"; empty when unknown
    QString authorCountryName;  // "United States"
    ModelTraits traits;
    qint64 contextLength = 0;   // the largest of its offerings'; 0 when unknown
    QDate releaseDate;
    QString knowledgeCutoff;    // "2024-10" or "2024-10-31"; empty when unknown
};

enum class PriceSource : quint8 { GenaiPrices, ModelsDev, OpenRouter, User };
QString priceSourceName(PriceSource source);  // "genai-prices" | "models.dev" | "openrouter" | "user"
std::optional<PriceSource> priceSourceFromName(QStringView name);

// Where an offering's price came from, so the console can say "genai-prices,
// 2026-09-23" next to every number.
struct PriceProvenance {
    PriceSource source = PriceSource::User;
    QDate asOf;
    // genai-prices: "<provider>/<entry id>" ("anthropic/claude-sonnet-4-5");
    // models.dev: "<provider>/<model id>"; openrouter: the model id.
    QString entryId;
};

struct Offering {
    QString providerId;       // "groq"
    QString providerModelId;  // as the provider's API names it: "openai/gpt-oss-120b"
    QString modelId;          // canonical: "openai/gpt-oss-120b"
    QString name;             // the source's display name
    qint64 contextLength = 0; // 0 when unknown
    qint64 maxOutput = 0;     // 0 when unknown
    ModelTraits traits;       // what this provider supports of the model
    bool deprecated = false;
    PriceSchedule price;      // no variants: the price is unknown (never read as $0)
    PriceProvenance provenance;
};

// What merging the sources found. Counts are offerings, examples are
// "provider/providerModelId".
struct PriceDisagreement {
    QString providerId;
    QString providerModelId;
    QString genaiEntry;  // "openai/gpt-4o"
    Money modelsDevInput, modelsDevOutput;  // per token
    Money genaiInput, genaiOutput;
};

struct MergeReport {
    int modelsDevOfferings = 0;  // read from models.dev
    int genaiEntries = 0;        // read from genai-prices
    int matched = 0;             // models.dev offerings priced from genai-prices
    int matchedByCanonicalId = 0;  // ... of which found by canonical model, not by the price book's rules
    int onlyInModelsDev = 0;     // models.dev offerings genai-prices has no entry for
    int onlyInModelsDevUnpriced = 0;  // ... of which models.dev has no cost either
    int onlyInGenai = 0;         // offerings added from genai-prices alone
    int skippedDuplicates = 0;   // genai-only entries already there: same id, or same model at the same price
    int openRouterUpdated = 0;   // openrouter offerings priced from the OpenRouter API
    int openRouterAdded = 0;
    int providers = 0, models = 0, offerings = 0;
    QStringList unmappedModelsDevProviders;  // no genai-prices counterpart
    QStringList genaiOnlyProviders;          // added as providers of their own
    QStringList matchedExamples, onlyInModelsDevExamples, onlyInGenaiExamples;  // up to 10 each
    std::vector<PriceDisagreement> disagreements;  // all of them

    QString toText() const;  // what scripts/refresh-catalog.sh prints
};

// Where a catalog came from.
// No generation time: the same inputs give a byte-identical snapshot, so a
// refresh that changes nothing changes no file.
struct CatalogInfo {
    QString modelsDevSource;  // file name
    QString genaiSource;
    QString genaiVersion;     // "0.1.8"
    QDate genaiDate;          // 2026-09-23
    QDate modelsDevNewest;    // the newest last_updated in models.dev
    MergeReport report;
};

// An immutable catalog: built once (by the merge or from the snapshot), then
// read from any thread. Lookups are hash-indexed.
class Catalog {
public:
    Catalog() = default;
    Catalog(std::vector<Provider> providers, std::vector<Model> models, std::vector<Offering> offerings,
            PriceBook priceBook, CatalogInfo info);

    // The snapshot bundled in the engine (:/signalbox/catalog/catalog.sbcat).
    static Result<Catalog> loadBundled();

    const std::vector<Provider> &providers() const { return m_providers; }
    const std::vector<Model> &models() const { return m_models; }
    const std::vector<Offering> &offerings() const { return m_offerings; }
    const PriceBook &priceBook() const { return m_priceBook; }
    const CatalogInfo &info() const { return m_info; }

    const Provider *provider(const QString &id) const;
    const Model *model(const QString &canonicalId) const;
    const Offering *offering(const QString &providerId, const QString &providerModelId) const;
    std::vector<const Offering *> offeringsOf(const QString &canonicalModelId) const;
    std::vector<const Offering *> offeringsOfProvider(const QString &providerId) const;
    // How many distinct providers serve the model.
    int providerCount(const QString &canonicalModelId) const;

    // The genai-prices entry for a model id as a provider's response names
    // it; the catalog provider id is mapped to its price-book id first.
    std::optional<PriceMatch> findPrice(const QString &providerId, const QString &responseModelId) const;

private:
    void buildIndexes();

    std::vector<Provider> m_providers;
    std::vector<Model> m_models;
    std::vector<Offering> m_offerings;
    PriceBook m_priceBook;
    CatalogInfo m_info;

    QHash<QString, int> m_providerIndex;
    QHash<QString, int> m_modelIndex;
    QHash<QString, int> m_offeringIndex;  // providerId + U+001F + providerModelId
    std::vector<std::vector<int>> m_offeringsByModel;     // parallel to m_models
    std::vector<std::vector<int>> m_offeringsByProvider;  // parallel to m_providers
    std::vector<int> m_providerCounts;                    // parallel to m_models
};

} // namespace signalbox::engine
