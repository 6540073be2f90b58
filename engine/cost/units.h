#pragma once

#include <QLatin1StringView>
#include <QStringView>
#include <QtGlobal>

#include <span>

namespace signalbox::engine {

// The usage units a price can be quoted in, with their dimensions. This is
// the unit model of the genai-prices data (MIT, pydantic): a unit A is an
// *ancestor* of B when all of A's dimensions appear, with the same values,
// in B — cache_read_tokens is part of input_tokens, cache_write_1h_tokens is
// part of cache_write_tokens. Prices are charged on *leaves*: a unit's count
// minus the counts of its priced descendants, so a cached token is never
// billed twice. See docs/cost-engine.md.
enum class Direction : quint8 { None, Input, Output };

struct UsageUnit {
    QLatin1StringView usageKey;  // "cache_read_tokens"
    QLatin1StringView priceKey;  // "cache_read_mtok"
    qint64 per;                  // the price is quoted per this many units (1e6 for _mtok)
    Direction direction;
    // Dimensions other than direction; empty where the unit has none.
    QLatin1StringView family, modality, tokenType, cacheTtl, pageType, toolType;
};

using UnitId = int;

std::span<const UsageUnit> usageUnits();
UnitId unitByUsageKey(QStringView key);  // -1 when unknown
UnitId unitByPriceKey(QStringView key);  // -1 when unknown

// Well-known units, for code that fills usage from provider responses.
namespace units {
UnitId inputTokens();
UnitId outputTokens();
UnitId cacheReadTokens();
UnitId cacheWriteTokens();
UnitId cacheWrite1hTokens();
UnitId cacheWrite5mTokens();
UnitId reasoningTokens();
UnitId requests();
} // namespace units

// True when every dimension of `ancestor` is in `descendant` with the same
// value and the two differ (a unit is not its own ancestor).
bool isAncestor(UnitId ancestor, UnitId descendant);
// Two units are compatible when no dimension has different values in them.
bool areCompatible(UnitId a, UnitId b);
// The unit whose dimensions are the union of a's and b's, or -1.
UnitId joinOf(UnitId a, UnitId b);
int dimensionCount(UnitId unit);

} // namespace signalbox::engine
