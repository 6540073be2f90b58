#pragma once

#include "engine/catalog/catalog.h"
#include "engine/cost/money.h"
#include "engine/cost/priceschedule.h"

#include <QDateTime>
#include <QString>

#include <optional>

namespace signalbox::models {

// How prices read in the console: per million tokens, exact, and "unknown"
// (never $0) where no price is known.

// The rate of `unit` in `schedule` at `at`: std::nullopt when the price is
// unknown; zero when the schedule is known but does not charge the unit.
std::optional<engine::Money> rateAt(const engine::PriceSchedule &schedule, engine::UnitId unit, const QDateTime &at);

// A per-token rate as dollars per million tokens: "$3.00", "$0.075".
QString perMillionText(const engine::Money &perToken);
QString perMillionText(const std::optional<engine::Money> &perToken);  // "unknown" when empty
QString unknownPriceText();

// Attodollars per token for SortRole; unknown sorts after every price.
qlonglong sortKey(const std::optional<engine::Money> &perToken);

// "> 200K prompt tokens: $6.00 in / $22.50 out", or empty when not tiered.
QString tierText(const engine::PriceSchedule &schedule, const QDateTime &at);
// "00:30–16:30 UTC: $0.27 in / $1.10 out; from 2026-03-13: …", or empty.
QString conditionText(const engine::PriceSchedule &schedule);

// A model's or provider's name for people, its id when it has none.
QString modelDisplayName(const engine::Catalog &catalog, const QString &canonicalId);
QString providerDisplayName(const engine::Catalog &catalog, const QString &providerId);

// "128K", "1M", "1.05M", "unknown".
QString tokenCountText(qint64 tokens);

} // namespace signalbox::models
