#pragma once

#include "engine/catalog/catalog.h"
#include "engine/core/result.h"

#include <QByteArray>

namespace signalbox::engine {

// Where the engine finds the bundled catalog (resources/catalog/, compiled in
// by engine/catalog/sources.cmake).
inline constexpr char kBundledSnapshotPath[] = ":/signalbox/catalog/catalog.sbcat";

// The catalog snapshot: a small header ("SBCT", format version) and a
// zlib-compressed QDataStream body with the merge's providers, models and
// offerings (prices via pricecodec.h), the CatalogInfo and the genai-prices
// JSON the PriceBook is rebuilt from at load. Chosen for load speed and
// exactness; docs/catalog.md has the measurements. Writing is deterministic:
// the same catalog gives the same bytes.
QByteArray writeSnapshot(const Catalog &catalog, const QByteArray &genaiPricesJson);
Result<Catalog> readSnapshot(const QByteArray &bytes);

} // namespace signalbox::engine
