#pragma once

#include "engine/core/result.h"
#include "engine/cost/costengine.h"
#include "engine/cost/priceschedule.h"

#include <QByteArray>
#include <QHash>
#include <QRegularExpression>
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace signalbox::engine {

// Which model ids (as a provider's response names them) a price entry covers.
// Ids are compared lower-cased; a regex is searched anywhere in the id.
struct MatchRule {
    enum class Kind : quint8 { Equals, StartsWith, EndsWith, Contains, Regex, AnyOf, AllOf };
    Kind kind = Kind::Equals;
    QString text;                   // lower-cased; the pattern for Regex
    QRegularExpression regex;       // Kind::Regex only
    std::vector<MatchRule> children;  // AnyOf / AllOf

    bool matches(QStringView lowerCaseId) const;
};

// One priced model of one provider in the price book.
struct PriceEntry {
    QString id;    // "claude-sonnet-4-5"
    QString name;  // "Claude Sonnet 4.5" (may be empty)
    MatchRule match;
    std::optional<qint64> contextWindow;
    bool deprecated = false;
    // Billed audio has a per-request minimum (Groq's Whisper bills at least
    // 10 seconds), a rule of the provider's that the price data cannot say.
    qint64 minimumAudioSeconds = 0;
    PriceSchedule schedule;
};

struct PriceBookProvider {
    // Exact-id index over entries whose rule is only `equals` (or `or` of
    // them): id -> first such entry. Other entries are scanned in order.
    struct Index {
        QHash<QString, int> exact;
        std::vector<int> scanned;
    };

    QString id;    // "anthropic"
    QString name;  // "Anthropic"
    QString apiPattern;  // regex of the provider's API URL, anchored at the start
    std::optional<MatchRule> providerMatch;  // other names for this provider id
    std::optional<MatchRule> modelMatch;     // model ids that imply this provider
    QStringList fallbackProviders;           // search these providers' entries too
    std::vector<PriceEntry> entries;         // first match wins
    Index index;

    // The first entry matching a lower-cased model id, or -1.
    int findEntry(QStringView lowerCaseId) const;
    void buildIndex();
};

// The result of identifying a request's price entry.
struct PriceMatch {
    const PriceBookProvider *provider = nullptr;  // the provider asked for
    const PriceBookProvider *entryProvider = nullptr;  // where the entry was found (a fallback provider)
    const PriceEntry *entry = nullptr;
};

// The genai-prices data: every provider's priced models with the rules that
// map the model ids providers return onto them. Built once, read-only after,
// so lookups are safe from any thread.
class PriceBook {
public:
    // Strict import of the genai-prices JSON (an array of providers). Any
    // wrong type, negative or non-numeric price, unknown price key, invalid
    // match rule or regex, duplicate provider id or missing required field
    // rejects the whole file with a message naming the entry and field.
    static Result<PriceBook> fromGenaiPricesJson(const QByteArray &json);

    const std::vector<PriceBookProvider> &providers() const { return m_providers; }
    const PriceBookProvider *provider(QStringView id) const;  // exact id
    // By id, then by the providers' `provider_match` rules.
    const PriceBookProvider *findProvider(QStringView providerId) const;
    // By API URL (first api_pattern matching at the start of the URL).
    const PriceBookProvider *findProviderByUrl(QStringView url) const;

    // The price entry for a model id as the provider's response names it
    // ("gpt-5-2025-08-07"): the provider's entries in order, then its fallback
    // providers', then the same again with a compact date (-20250807) written
    // as -2025-08-07. std::nullopt when nothing matches.
    std::optional<PriceMatch> find(QStringView providerId, QStringView modelId) const;
    std::optional<PriceMatch> find(const PriceBookProvider &provider, QStringView modelId) const;

    std::size_t entryCount() const;

    // Prices one request's usage with a found entry at time `at`, applying
    // the entry's billing rules (minimum billed audio) first.
    static Result<Cost> price(const PriceMatch &match, const Usage &usage, const QDateTime &at);

private:
    std::vector<PriceBookProvider> m_providers;
    QHash<QString, int> m_providerIndex;  // exact id -> position
};

} // namespace signalbox::engine
