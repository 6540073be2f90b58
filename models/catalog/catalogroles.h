#pragma once

#include <Qt>

namespace signalbox::models {

// Roles shared by the catalog models (CatalogTableModel, OffersModel,
// EstimatorModel). Views sort by SortRole: raw numbers, never the text.
enum CatalogRole : int {
    SortRole = Qt::UserRole + 100,  // qlonglong / QString raw value of the cell; unknown prices sort last
    ModelIdRole,                     // QString canonical model id
    ProviderIdsRole,                 // QStringList providers serving the model
    ProviderIdRole,                  // QString (offerings)
    SearchTextRole,                  // QString: id, name, author and providers, lower-cased
    AuthorCountryRole,               // QString ISO code
    ContextRole,                     // qlonglong tokens (0 unknown)
    InputPriceRole,                  // qlonglong attodollars per token, -1 unknown
    OutputPriceRole,                 // qlonglong attodollars per token, -1 unknown
    InputModalitiesRole,             // int (engine::Modalities)
    OutputModalitiesRole,            // int
    ToolsRole,                       // bool
    ReasoningRole,                   // bool
    VisionRole,                      // bool
    OpenWeightsRole,                 // bool
    ProviderCountRole,               // int
    UnpricedRole,                    // bool: no price known for any offering / this offering
};

} // namespace signalbox::models
