#pragma once

// Which provider serves a request. The RoutingTable is an immutable snapshot
// of what the gateway can call (catalog + the user's data + which provider
// keys are present), built on a control thread and shared by every worker;
// a new one replaces it on reload. The Router orders the candidates for one
// request and says why; HealthBoard holds what recent requests taught
// (cool-downs after a 429, latency and throughput), shared by all workers.

#include "engine/catalog/catalog.h"
#include "engine/catalog/userdata.h"
#include "engine/core/result.h"
#include "engine/cost/money.h"
#include "engine/gateway/dataplane/chatrequest.h"

#include <QByteArray>
#include <QDateTime>
#include <QHash>
#include <QMutex>
#include <QString>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace signalbox::engine {

// A provider as the gateway calls it.
struct ProviderEndpoint {
    QString id;
    QString name;
    QByteArray chatUrl; // "<base URL>/chat/completions"
    QByteArray apiKey;  // empty: the provider takes none. Never logged.
    QStringList dataPolicy;
    bool usable = false;
    QString unusableReason; // "no API key: set GROQ_API_KEY", "base URL unknown", ...
};

// An offering the gateway may route to.
struct RouteOffering {
    const ProviderEndpoint *provider = nullptr;
    QString providerModelId;
    QString modelId;
    ModelTraits traits;
    qint64 contextLength = 0;
    PriceSchedule price;
    // Per million tokens at the time the table was built; nullopt: unknown.
    std::optional<Money> promptPerMillion;
    std::optional<Money> completionPerMillion;
    // The sort key for "cheapest first": 3 parts prompt to 1 part completion,
    // a typical chat mix. Unknown prices sort last.
    std::optional<Money> blendedPerMillion;
    // providerId + '/' + providerModelId: the health board's key, built once
    // with the table (routing looks it up several times per request).
    const QString &key() const { return m_key; }

private:
    friend class RoutingTable;
    QString m_key;
};

using ProviderKeyLookup = std::function<Result<QByteArray>(const KeyReference &reference)>;

class RoutingTable {
public:
    // `keyReferences`: where each provider's key is (custom providers); a
    // catalog provider's key is its first keyEnv variable.
    static std::shared_ptr<const RoutingTable> build(std::shared_ptr<const Catalog> catalog,
                                                     const std::vector<CustomProvider> &customProviders,
                                                     const ProviderKeyLookup &lookupKey,
                                                     const QDateTime &now = QDateTime::currentDateTimeUtc(),
                                                     const std::vector<ModelAlias> &aliases = {});

    struct Resolved {
        QString modelId;            // canonical; empty when the name is unknown
        const RouteOffering *pinned = nullptr; // "provider/model" names one offering
        std::vector<const RouteOffering *> offerings; // every offering of the model (usable or not)
    };
    // A client's model name: a canonical id ("openai/gpt-4o"), a provider's
    // own name for it ("gpt-4o-2024-08-06"), an unambiguous short name
    // ("gpt-4o"), "<provider>/<provider's model id>" to pin one provider, or
    // one of the workspace's aliases (catalog user data) for a canonical id.
    Resolved resolve(const QString &name) const;

    const Catalog &catalog() const { return *m_catalog; }
    const std::vector<ProviderEndpoint> &providers() const { return m_providers; }
    const std::vector<RouteOffering> &offerings() const { return m_offerings; }
    // Every key any provider uses, for redaction.
    const std::vector<QByteArray> &secrets() const { return m_secrets; }
    int usableOfferings() const;

private:
    std::shared_ptr<const Catalog> m_catalog;
    std::vector<ProviderEndpoint> m_providers;
    std::vector<RouteOffering> m_offerings;
    std::vector<QByteArray> m_secrets;
    QHash<QString, std::vector<int>> m_byModel;      // canonical id -> offerings
    QHash<QString, int> m_byProviderModel;           // "provider/providerModelId" (lower case) -> offering
    QHash<QString, QStringList> m_byProviderModelId; // provider's model id (lower case) -> canonical ids
    QHash<QString, QStringList> m_byShortName;       // after the last '/' of a canonical id -> canonical ids
    QHash<QString, QString> m_aliases;               // alias -> canonical id
};

// Recent experience with each offering, shared by all worker threads.
class HealthBoard {
public:
    using Clock = std::chrono::steady_clock;
    // A 429's Retry-After (or a default) keeps the offering out of rotation.
    void coolDown(const QString &offeringKey, std::chrono::milliseconds duration, Clock::time_point now = Clock::now());
    std::optional<Clock::time_point> cooldownUntil(const QString &offeringKey, Clock::time_point now = Clock::now()) const;
    // A successful request: time to first byte and output tokens per second.
    void recordSuccess(const QString &offeringKey, qint64 ttfbUs, double tokensPerSecond);
    void recordFailure(const QString &offeringKey);
    struct Stats {
        double ttfbUs = 0;            // moving average; 0 when unknown
        double tokensPerSecond = 0;
        int samples = 0;
        int consecutiveFailures = 0;
    };
    Stats stats(const QString &offeringKey) const;

private:
    struct Entry {
        Stats stats;
        Clock::time_point cooldownUntil{};
    };
    mutable QMutex m_mutex;
    QHash<QString, Entry> m_entries;
};

struct RouteCandidate {
    const RouteOffering *offering = nullptr;
    QString reason; // one line: why it is here, in this place
};

struct RouteDecision {
    QString modelId;  // the canonical model of the first candidate's request model
    std::vector<RouteCandidate> candidates;
    // When there are no candidates: 404 (no such model), 503 (none usable
    // now), 400 (the preferences exclude every provider).
    int status = 200;
    QByteArray errorCode;
    QString error;
    std::optional<int> retryAfterSeconds; // 503 because every candidate is cooling down
};

// The seam routing policies plug into.
class Router {
public:
    virtual ~Router() = default;
    virtual RouteDecision route(const ChatRequest &request, const RoutingTable &table, const HealthBoard &health) const = 0;
};

// Until routing policies land: the offerings of the requested models in
// order, each model's cheapest first (or by the client's provider.sort),
// filtered and ordered by OpenRouter's provider preferences. Offerings
// cooling down after a 429 are left out (all of them cooling: 503 with
// Retry-After); so are unusable ones (no key), with the reason in the error.
class DefaultRouter final : public Router {
public:
    RouteDecision route(const ChatRequest &request, const RoutingTable &table, const HealthBoard &health) const override;
};

} // namespace signalbox::engine
