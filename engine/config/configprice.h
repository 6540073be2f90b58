#pragma once

// Internal to engine/config: prices in the configuration file. Amounts are
// decimal text read with Money::parse, never a double, and refused when they
// are not exact to the attodollar per unit. A rate is written per the unit's
// price key ("input_mtok: 3" is $3 per million input tokens) or per single
// unit by its usage key ("input_tokens: 0.000003"):
//
//   price: {input_mtok: 3, output_mtok: {rate: 15, tiers: [{above: 200000, rate: 22.5}]}}
//   price:                                   # variants, as in priceschedulejson.h
//     - prices: {input_mtok: 3}
//     - from: 2026-01-01
//       prices: {input_mtok: 2.5}
//     - utc_window: ["22:00", "06:00"]
//       prices: {input_mtok: 1}
//
// `price: {}` is free; no `price` at all is an unknown price.

#include "engine/config/yamlreader.h"
#include "engine/cost/priceschedule.h"

#include <optional>

namespace signalbox::engine::config {

std::optional<PriceSchedule> readPriceSchedule(YamlReader &reader, const Item &item);
void writePriceSchedule(YAML::Emitter &out, const PriceSchedule &schedule);
// The schedule on one line, as the file writes it (flow style), for diffs.
QString priceSummary(const PriceSchedule &schedule);

// "-12.5%" -> -1250 basis points; "+5%" or "5%" -> 500. At most two decimals.
std::optional<int> readAdjustment(YamlReader &reader, const Item &item);
QString adjustmentText(int basisPoints);

} // namespace signalbox::engine::config
