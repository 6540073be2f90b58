#pragma once

// A PriceSchedule as JSON text, for the user's prices kept in the workspace
// database (custom offerings, price overrides). Exact: every amount is a
// decimal string written by Money::toDecimalString() and read by
// Money::parse(), never a JSON number, so a price survives any number of
// round trips to the attodollar. See docs/catalog-user-data.md.
//
//   [ { "prices": [ { "unit": "input_tokens", "rate": "0.000003" },
//                   { "unit": "output_tokens", "rate": "0.000015",
//                     "tiers": [ { "above": 200000, "rate": "0.0000225" } ] } ] },
//     { "from": "2026-01-01", "prices": [ ... ] },
//     { "utc_window": [ "00:30:00", "16:30:00" ], "prices": [ ... ] } ]
//
// A variant with neither "from" nor "utc_window" always applies. Units are
// usage keys of engine/cost/units.h; rates are USD per single unit (per
// token, per request), as PriceSet holds them. "[]" is an unknown price.

#include "engine/core/result.h"
#include "engine/cost/priceschedule.h"

#include <QByteArray>
#include <QByteArrayView>

namespace signalbox::engine {

// Compact JSON; variants and prices keep their order.
QByteArray priceScheduleToJson(const PriceSchedule &schedule);

// Strict: unknown keys, unknown units, numbers where a decimal string is
// expected, negative rates, a unit listed twice in one set, tiers not in
// ascending order, an invalid date or window fail with code "invalid" and a
// message naming the variant and field.
Result<PriceSchedule> priceScheduleFromJson(QByteArrayView json);

// The same rules for a schedule built in code (what the store checks before
// writing one).
Result<void> validatePriceSchedule(const PriceSchedule &schedule);

} // namespace signalbox::engine
