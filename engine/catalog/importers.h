#pragma once

#include "engine/catalog/catalog.h"
#include "engine/core/result.h"

#include <QByteArray>
#include <QDate>

#include <vector>

namespace signalbox::engine {

// One provider's serving of one model as a source describes it, before the
// merge gives it a canonical model.
struct SourceOffering {
    Offering offering;  // offering.modelId is empty until merged
    QDate releaseDate;
    QString knowledgeCutoff;
    QDate lastUpdated;
};

struct SourceCatalog {
    std::vector<Provider> providers;
    std::vector<SourceOffering> offerings;  // grouped by provider, in source order
    QDate newest;                           // the newest lastUpdated
};

// The models.dev catalog (an object of providers, each with an object of
// models; see /work/shared/catalog/README.md). Costs are USD per million
// tokens and become exact per-token prices; provenance is models.dev as of the
// model's last_updated. Strict: a wrong type, a negative or non-numeric cost,
// an unknown cost key, a missing id, name or models, or a duplicate id
// rejects the whole file with an error naming the entry and the field.
Result<SourceCatalog> importModelsDev(const QByteArray &json);

// OpenRouter's GET /api/v1/models response: {"data": [model, ...]}. Prices
// are USD-per-token decimal strings read exactly with Money::parse; "-1" or a
// missing prompt/completion price means the price is unknown (an empty
// schedule, never $0). Provenance is openrouter as of `asOf`. Strict in the
// same way as importModelsDev().
Result<SourceCatalog> importOpenRouterModels(const QByteArray &json, QDate asOf);

} // namespace signalbox::engine
