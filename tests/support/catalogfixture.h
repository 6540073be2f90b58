#pragma once

#include "engine/catalog/catalog.h"

#include <memory>

namespace signalbox::testing {

// A small hand-made catalog with known prices, for model and page tests:
//   cheap/model   $0.05 in, $0.40 out per 1M, two providers (alpha, beta at $0.08/$0.50), tools
//   mid/model     $1.20 in, $4.80 out, one provider (alpha), vision, reasoning, FR origin, 200K context
//   pricey/model  $10 in, $30 out, tiered above 200K prompt tokens ($20 / $45), one provider (beta)
//   mystery/model price unknown (beta), open weights
std::shared_ptr<const engine::Catalog> smallCatalog();

// Per-token rate for a price per million tokens given as text ("1.20").
engine::Money perMillion(const char *dollars);

} // namespace signalbox::testing
