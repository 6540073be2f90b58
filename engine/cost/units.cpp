#include "engine/cost/units.h"

#include <QHash>
#include <QString>

namespace signalbox::engine {


namespace {
// The unit table of genai-prices 0.1.8 (MIT), one row per usage key:
// usage key, price key, per, direction, family, modality, token type,
// cache TTL, page type, tool type.
const UsageUnit kUnits[] = {
    {QLatin1StringView("audio_seconds"), QLatin1StringView("audio_hours"), 3600, Direction::None, QLatin1StringView("durations"), QLatin1StringView("audio"), {}, {}, {}, {}},
    {QLatin1StringView("cache_audio_read_tokens"), QLatin1StringView("cache_audio_read_mtok"), 1000000, Direction::Input, QLatin1StringView("tokens"), QLatin1StringView("audio"), QLatin1StringView("cache_read"), {}, {}, {}},
    {QLatin1StringView("cache_audio_write_1h_tokens"), QLatin1StringView("cache_audio_write_1h_mtok"), 1000000, Direction::Input, QLatin1StringView("tokens"), QLatin1StringView("audio"), QLatin1StringView("cache_write"), QLatin1StringView("1h"), {}, {}},
    {QLatin1StringView("cache_audio_write_5m_tokens"), QLatin1StringView("cache_audio_write_5m_mtok"), 1000000, Direction::Input, QLatin1StringView("tokens"), QLatin1StringView("audio"), QLatin1StringView("cache_write"), QLatin1StringView("5m"), {}, {}},
    {QLatin1StringView("cache_audio_write_tokens"), QLatin1StringView("cache_audio_write_mtok"), 1000000, Direction::Input, QLatin1StringView("tokens"), QLatin1StringView("audio"), QLatin1StringView("cache_write"), {}, {}, {}},
    {QLatin1StringView("cache_image_read_tokens"), QLatin1StringView("cache_image_read_mtok"), 1000000, Direction::Input, QLatin1StringView("tokens"), QLatin1StringView("image"), QLatin1StringView("cache_read"), {}, {}, {}},
    {QLatin1StringView("cache_image_write_1h_tokens"), QLatin1StringView("cache_image_write_1h_mtok"), 1000000, Direction::Input, QLatin1StringView("tokens"), QLatin1StringView("image"), QLatin1StringView("cache_write"), QLatin1StringView("1h"), {}, {}},
    {QLatin1StringView("cache_image_write_5m_tokens"), QLatin1StringView("cache_image_write_5m_mtok"), 1000000, Direction::Input, QLatin1StringView("tokens"), QLatin1StringView("image"), QLatin1StringView("cache_write"), QLatin1StringView("5m"), {}, {}},
    {QLatin1StringView("cache_image_write_tokens"), QLatin1StringView("cache_image_write_mtok"), 1000000, Direction::Input, QLatin1StringView("tokens"), QLatin1StringView("image"), QLatin1StringView("cache_write"), {}, {}, {}},
    {QLatin1StringView("cache_read_tokens"), QLatin1StringView("cache_read_mtok"), 1000000, Direction::Input, QLatin1StringView("tokens"), {}, QLatin1StringView("cache_read"), {}, {}, {}},
    {QLatin1StringView("cache_text_read_tokens"), QLatin1StringView("cache_text_read_mtok"), 1000000, Direction::Input, QLatin1StringView("tokens"), QLatin1StringView("text"), QLatin1StringView("cache_read"), {}, {}, {}},
    {QLatin1StringView("cache_text_write_1h_tokens"), QLatin1StringView("cache_text_write_1h_mtok"), 1000000, Direction::Input, QLatin1StringView("tokens"), QLatin1StringView("text"), QLatin1StringView("cache_write"), QLatin1StringView("1h"), {}, {}},
    {QLatin1StringView("cache_text_write_5m_tokens"), QLatin1StringView("cache_text_write_5m_mtok"), 1000000, Direction::Input, QLatin1StringView("tokens"), QLatin1StringView("text"), QLatin1StringView("cache_write"), QLatin1StringView("5m"), {}, {}},
    {QLatin1StringView("cache_text_write_tokens"), QLatin1StringView("cache_text_write_mtok"), 1000000, Direction::Input, QLatin1StringView("tokens"), QLatin1StringView("text"), QLatin1StringView("cache_write"), {}, {}, {}},
    {QLatin1StringView("cache_video_read_tokens"), QLatin1StringView("cache_video_read_mtok"), 1000000, Direction::Input, QLatin1StringView("tokens"), QLatin1StringView("video"), QLatin1StringView("cache_read"), {}, {}, {}},
    {QLatin1StringView("cache_video_write_1h_tokens"), QLatin1StringView("cache_video_write_1h_mtok"), 1000000, Direction::Input, QLatin1StringView("tokens"), QLatin1StringView("video"), QLatin1StringView("cache_write"), QLatin1StringView("1h"), {}, {}},
    {QLatin1StringView("cache_video_write_5m_tokens"), QLatin1StringView("cache_video_write_5m_mtok"), 1000000, Direction::Input, QLatin1StringView("tokens"), QLatin1StringView("video"), QLatin1StringView("cache_write"), QLatin1StringView("5m"), {}, {}},
    {QLatin1StringView("cache_video_write_tokens"), QLatin1StringView("cache_video_write_mtok"), 1000000, Direction::Input, QLatin1StringView("tokens"), QLatin1StringView("video"), QLatin1StringView("cache_write"), {}, {}, {}},
    {QLatin1StringView("cache_write_1h_tokens"), QLatin1StringView("cache_write_1h_mtok"), 1000000, Direction::Input, QLatin1StringView("tokens"), {}, QLatin1StringView("cache_write"), QLatin1StringView("1h"), {}, {}},
    {QLatin1StringView("cache_write_5m_tokens"), QLatin1StringView("cache_write_5m_mtok"), 1000000, Direction::Input, QLatin1StringView("tokens"), {}, QLatin1StringView("cache_write"), QLatin1StringView("5m"), {}, {}},
    {QLatin1StringView("cache_write_tokens"), QLatin1StringView("cache_write_mtok"), 1000000, Direction::Input, QLatin1StringView("tokens"), {}, QLatin1StringView("cache_write"), {}, {}, {}},
    {QLatin1StringView("code_executions"), QLatin1StringView("code_executions_kcount"), 1000, Direction::None, QLatin1StringView("tool_calls"), {}, {}, {}, {}, QLatin1StringView("code_execution")},
    {QLatin1StringView("input_annotated_document_pages"), QLatin1StringView("input_annotated_document_kpages"), 1000, Direction::Input, QLatin1StringView("document_pages"), {}, {}, {}, QLatin1StringView("annotated"), {}},
    {QLatin1StringView("input_audio_seconds"), QLatin1StringView("input_audio_hours"), 3600, Direction::Input, QLatin1StringView("durations"), QLatin1StringView("audio"), {}, {}, {}, {}},
    {QLatin1StringView("input_audio_tokens"), QLatin1StringView("input_audio_mtok"), 1000000, Direction::Input, QLatin1StringView("tokens"), QLatin1StringView("audio"), {}, {}, {}, {}},
    {QLatin1StringView("input_audio_tool_tokens"), QLatin1StringView("input_audio_tool_mtok"), 1000000, Direction::Input, QLatin1StringView("tokens"), QLatin1StringView("audio"), QLatin1StringView("tool"), {}, {}, {}},
    {QLatin1StringView("input_characters"), QLatin1StringView("input_mchars"), 1000000, Direction::Input, QLatin1StringView("characters"), {}, {}, {}, {}, {}},
    {QLatin1StringView("input_document_pages"), QLatin1StringView("input_document_kpages"), 1000, Direction::Input, QLatin1StringView("document_pages"), {}, {}, {}, {}, {}},
    {QLatin1StringView("input_image_tokens"), QLatin1StringView("input_image_mtok"), 1000000, Direction::Input, QLatin1StringView("tokens"), QLatin1StringView("image"), {}, {}, {}, {}},
    {QLatin1StringView("input_image_tool_tokens"), QLatin1StringView("input_image_tool_mtok"), 1000000, Direction::Input, QLatin1StringView("tokens"), QLatin1StringView("image"), QLatin1StringView("tool"), {}, {}, {}},
    {QLatin1StringView("input_pixels"), QLatin1StringView("input_gpixels"), 1000000000, Direction::Input, QLatin1StringView("pixels"), {}, {}, {}, {}, {}},
    {QLatin1StringView("input_text_messages"), QLatin1StringView("input_text_messages_kcount"), 1000, Direction::Input, QLatin1StringView("messages"), QLatin1StringView("text"), {}, {}, {}, {}},
    {QLatin1StringView("input_text_tokens"), QLatin1StringView("input_text_mtok"), 1000000, Direction::Input, QLatin1StringView("tokens"), QLatin1StringView("text"), {}, {}, {}, {}},
    {QLatin1StringView("input_text_tool_tokens"), QLatin1StringView("input_text_tool_mtok"), 1000000, Direction::Input, QLatin1StringView("tokens"), QLatin1StringView("text"), QLatin1StringView("tool"), {}, {}, {}},
    {QLatin1StringView("input_tokens"), QLatin1StringView("input_mtok"), 1000000, Direction::Input, QLatin1StringView("tokens"), {}, {}, {}, {}, {}},
    {QLatin1StringView("input_tool_tokens"), QLatin1StringView("input_tool_mtok"), 1000000, Direction::Input, QLatin1StringView("tokens"), {}, QLatin1StringView("tool"), {}, {}, {}},
    {QLatin1StringView("input_video_tokens"), QLatin1StringView("input_video_mtok"), 1000000, Direction::Input, QLatin1StringView("tokens"), QLatin1StringView("video"), {}, {}, {}, {}},
    {QLatin1StringView("input_video_tool_tokens"), QLatin1StringView("input_video_tool_mtok"), 1000000, Direction::Input, QLatin1StringView("tokens"), QLatin1StringView("video"), QLatin1StringView("tool"), {}, {}, {}},
    {QLatin1StringView("output_audio_citation_tokens"), QLatin1StringView("output_audio_citation_mtok"), 1000000, Direction::Output, QLatin1StringView("tokens"), QLatin1StringView("audio"), QLatin1StringView("citation"), {}, {}, {}},
    {QLatin1StringView("output_audio_reasoning_tokens"), QLatin1StringView("output_audio_reasoning_mtok"), 1000000, Direction::Output, QLatin1StringView("tokens"), QLatin1StringView("audio"), QLatin1StringView("reasoning"), {}, {}, {}},
    {QLatin1StringView("output_audio_seconds"), QLatin1StringView("output_audio_hours"), 3600, Direction::Output, QLatin1StringView("durations"), QLatin1StringView("audio"), {}, {}, {}, {}},
    {QLatin1StringView("output_audio_tokens"), QLatin1StringView("output_audio_mtok"), 1000000, Direction::Output, QLatin1StringView("tokens"), QLatin1StringView("audio"), {}, {}, {}, {}},
    {QLatin1StringView("output_citation_tokens"), QLatin1StringView("output_citation_mtok"), 1000000, Direction::Output, QLatin1StringView("tokens"), {}, QLatin1StringView("citation"), {}, {}, {}},
    {QLatin1StringView("output_image_citation_tokens"), QLatin1StringView("output_image_citation_mtok"), 1000000, Direction::Output, QLatin1StringView("tokens"), QLatin1StringView("image"), QLatin1StringView("citation"), {}, {}, {}},
    {QLatin1StringView("output_image_reasoning_tokens"), QLatin1StringView("output_image_reasoning_mtok"), 1000000, Direction::Output, QLatin1StringView("tokens"), QLatin1StringView("image"), QLatin1StringView("reasoning"), {}, {}, {}},
    {QLatin1StringView("output_image_tokens"), QLatin1StringView("output_image_mtok"), 1000000, Direction::Output, QLatin1StringView("tokens"), QLatin1StringView("image"), {}, {}, {}, {}},
    {QLatin1StringView("output_reasoning_tokens"), QLatin1StringView("output_reasoning_mtok"), 1000000, Direction::Output, QLatin1StringView("tokens"), {}, QLatin1StringView("reasoning"), {}, {}, {}},
    {QLatin1StringView("output_text_citation_tokens"), QLatin1StringView("output_text_citation_mtok"), 1000000, Direction::Output, QLatin1StringView("tokens"), QLatin1StringView("text"), QLatin1StringView("citation"), {}, {}, {}},
    {QLatin1StringView("output_text_reasoning_tokens"), QLatin1StringView("output_text_reasoning_mtok"), 1000000, Direction::Output, QLatin1StringView("tokens"), QLatin1StringView("text"), QLatin1StringView("reasoning"), {}, {}, {}},
    {QLatin1StringView("output_text_tokens"), QLatin1StringView("output_text_mtok"), 1000000, Direction::Output, QLatin1StringView("tokens"), QLatin1StringView("text"), {}, {}, {}, {}},
    {QLatin1StringView("output_tokens"), QLatin1StringView("output_mtok"), 1000000, Direction::Output, QLatin1StringView("tokens"), {}, {}, {}, {}, {}},
    {QLatin1StringView("output_video_citation_tokens"), QLatin1StringView("output_video_citation_mtok"), 1000000, Direction::Output, QLatin1StringView("tokens"), QLatin1StringView("video"), QLatin1StringView("citation"), {}, {}, {}},
    {QLatin1StringView("output_video_reasoning_tokens"), QLatin1StringView("output_video_reasoning_mtok"), 1000000, Direction::Output, QLatin1StringView("tokens"), QLatin1StringView("video"), QLatin1StringView("reasoning"), {}, {}, {}},
    {QLatin1StringView("output_video_tokens"), QLatin1StringView("output_video_mtok"), 1000000, Direction::Output, QLatin1StringView("tokens"), QLatin1StringView("video"), {}, {}, {}, {}},
    {QLatin1StringView("requests"), QLatin1StringView("requests_kcount"), 1000, Direction::None, QLatin1StringView("requests"), {}, {}, {}, {}, {}},
    {QLatin1StringView("rerank_searches"), QLatin1StringView("rerank_searches_kcount"), 1000, Direction::None, QLatin1StringView("rerank"), {}, {}, {}, {}, {}},
    {QLatin1StringView("social_searches"), QLatin1StringView("social_searches_kcount"), 1000, Direction::None, QLatin1StringView("tool_calls"), {}, {}, {}, {}, QLatin1StringView("social_search")},
    {QLatin1StringView("storage_searches"), QLatin1StringView("storage_searches_kcount"), 1000, Direction::None, QLatin1StringView("tool_calls"), {}, {}, {}, {}, QLatin1StringView("storage_search")},
    {QLatin1StringView("web_searches"), QLatin1StringView("web_searches_kcount"), 1000, Direction::None, QLatin1StringView("tool_calls"), {}, {}, {}, {}, QLatin1StringView("web_search")},
};

constexpr int kUnitCount = static_cast<int>(sizeof kUnits / sizeof kUnits[0]);

QLatin1StringView dimension(const UsageUnit &unit, int index)
{
    switch (index) {
    case 0:
        return unit.family;
    case 1:
        return unit.modality;
    case 2:
        return unit.tokenType;
    case 3:
        return unit.cacheTtl;
    case 4:
        return unit.pageType;
    default:
        return unit.toolType;
    }
}
constexpr int kNamedDimensions = 6;

struct Indexes {
    QHash<QString, UnitId> byUsage;
    QHash<QString, UnitId> byPrice;
    Indexes()
    {
        for (UnitId id = 0; id < kUnitCount; ++id) {
            byUsage.insert(QString(kUnits[id].usageKey), id);
            byPrice.insert(QString(kUnits[id].priceKey), id);
        }
    }
};

const Indexes &indexes()
{
    static const Indexes instance;
    return instance;
}

UnitId require(QLatin1StringView key)
{
    static const Indexes &index = indexes();
    return index.byUsage.value(QString(key), -1);
}
} // namespace

std::span<const UsageUnit> usageUnits()
{
    return kUnits;
}

UnitId unitByUsageKey(QStringView key)
{
    return indexes().byUsage.value(key.toString(), -1);
}

UnitId unitByPriceKey(QStringView key)
{
    return indexes().byPrice.value(key.toString(), -1);
}

namespace units {
UnitId inputTokens() { static const UnitId id = require(QLatin1StringView("input_tokens")); return id; }
UnitId outputTokens() { static const UnitId id = require(QLatin1StringView("output_tokens")); return id; }
UnitId cacheReadTokens() { static const UnitId id = require(QLatin1StringView("cache_read_tokens")); return id; }
UnitId cacheWriteTokens() { static const UnitId id = require(QLatin1StringView("cache_write_tokens")); return id; }
UnitId cacheWrite1hTokens() { static const UnitId id = require(QLatin1StringView("cache_write_1h_tokens")); return id; }
UnitId cacheWrite5mTokens() { static const UnitId id = require(QLatin1StringView("cache_write_5m_tokens")); return id; }
UnitId reasoningTokens() { static const UnitId id = require(QLatin1StringView("output_reasoning_tokens")); return id; }
UnitId requests() { static const UnitId id = require(QLatin1StringView("requests")); return id; }
} // namespace units

namespace {
int computeDimensionCount(UnitId unit)
{
    const UsageUnit &u = kUnits[unit];
    int count = u.direction == Direction::None ? 0 : 1;
    for (int i = 0; i < kNamedDimensions; ++i)
        count += dimension(u, i).isEmpty() ? 0 : 1;
    return count;
}

bool computeIsAncestor(UnitId ancestor, UnitId descendant)
{
    if (ancestor == descendant)
        return false;
    const UsageUnit &a = kUnits[ancestor];
    const UsageUnit &d = kUnits[descendant];
    if (a.direction != Direction::None && a.direction != d.direction)
        return false;
    for (int i = 0; i < kNamedDimensions; ++i) {
        const QLatin1StringView value = dimension(a, i);
        if (!value.isEmpty() && value != dimension(d, i))
            return false;
    }
    return true;
}

bool computeAreCompatible(UnitId a, UnitId b)
{
    const UsageUnit &x = kUnits[a];
    const UsageUnit &y = kUnits[b];
    if (x.direction != Direction::None && y.direction != Direction::None && x.direction != y.direction)
        return false;
    for (int i = 0; i < kNamedDimensions; ++i) {
        const QLatin1StringView vx = dimension(x, i);
        const QLatin1StringView vy = dimension(y, i);
        if (!vx.isEmpty() && !vy.isEmpty() && vx != vy)
            return false;
    }
    return true;
}

UnitId computeJoinOf(UnitId a, UnitId b)
{
    if (!computeAreCompatible(a, b))
        return -1;
    const UsageUnit &x = kUnits[a];
    const UsageUnit &y = kUnits[b];
    const Direction direction = x.direction != Direction::None ? x.direction : y.direction;
    for (UnitId id = 0; id < kUnitCount; ++id) {
        const UsageUnit &j = kUnits[id];
        if (j.direction != direction)
            continue;
        bool same = true;
        for (int i = 0; i < kNamedDimensions && same; ++i) {
            const QLatin1StringView vx = dimension(x, i);
            const QLatin1StringView want = vx.isEmpty() ? dimension(y, i) : vx;
            same = dimension(j, i) == want;
        }
        if (same)
            return id;
    }
    return -1;
}


// The unit lattice is fixed: work it out once, then answer from tables (the
// cost engine asks these questions on every request).
struct Lattice {
    int dimensions[kUnitCount];
    bool ancestor[kUnitCount][kUnitCount];
    bool compatible[kUnitCount][kUnitCount];
    UnitId join[kUnitCount][kUnitCount];
    Lattice()
    {
        for (UnitId a = 0; a < kUnitCount; ++a) {
            dimensions[a] = computeDimensionCount(a);
            for (UnitId b = 0; b < kUnitCount; ++b) {
                ancestor[a][b] = computeIsAncestor(a, b);
                compatible[a][b] = computeAreCompatible(a, b);
                join[a][b] = computeJoinOf(a, b);
            }
        }
    }
};

const Lattice &lattice()
{
    static const Lattice instance;
    return instance;
}
} // namespace

int dimensionCount(UnitId unit)
{
    return lattice().dimensions[unit];
}

bool isAncestor(UnitId ancestor, UnitId descendant)
{
    return lattice().ancestor[ancestor][descendant];
}

bool areCompatible(UnitId a, UnitId b)
{
    return lattice().compatible[a][b];
}

UnitId joinOf(UnitId a, UnitId b)
{
    return lattice().join[a][b];
}

} // namespace signalbox::engine
