#include "engine/gateway/dataplane/routing.h"

#include "engine/cost/costengine.h"

#include <QSet>

#include <algorithm>

namespace signalbox::engine {

namespace {

std::optional<Money> perMillion(const PriceSchedule &schedule, const QDateTime &now, bool prompt)
{
    const Usage usage = prompt ? Usage::tokens(1'000'000, 0) : Usage::tokens(0, 1'000'000);
    auto cost = computeCost(schedule, usage, now);
    if (!cost || !cost->isPriced())
        return std::nullopt;
    return prompt ? cost->input : cost->output;
}

QString offeringKeyOf(const QString &providerId, const QString &providerModelId)
{
    return providerId + QLatin1Char('/') + providerModelId;
}

bool hasPlaceholder(const QString &url)
{
    return url.contains(QLatin1StringView("${"));
}

std::optional<Money> moneyPerMillion(double usd)
{
    return Money::fromDouble(usd);
}

} // namespace

std::shared_ptr<const RoutingTable> RoutingTable::build(std::shared_ptr<const Catalog> catalog,
                                                        const std::vector<CustomProvider> &customProviders,
                                                        const ProviderKeyLookup &lookupKey, const QDateTime &now,
                                                        const std::vector<ModelAlias> &aliases)
{
    auto table = std::make_shared<RoutingTable>();
    for (const ModelAlias &alias : aliases)
        table->m_aliases.insert(alias.alias.toLower(), alias.modelId.toLower());
    table->m_catalog = std::move(catalog);
    const Catalog &cat = *table->m_catalog;

    QHash<QString, KeyReference> customKeys;
    for (const auto &custom : customProviders) {
        // The first wins, as in applyUserData(): a later provider with the
        // same id never lends its key reference to the one that was added.
        if (!customKeys.contains(custom.id))
            customKeys.insert(custom.id, custom.key);
    }

    QHash<QString, int> providerIndex;
    table->m_providers.reserve(cat.providers().size());
    for (const Provider &provider : cat.providers()) {
        ProviderEndpoint endpoint;
        endpoint.id = provider.id;
        endpoint.name = provider.name;
        endpoint.dataPolicy = provider.dataPolicy;
        QString base = provider.baseUrl.trimmed();
        while (base.endsWith(QLatin1Char('/')))
            base.chop(1);
        if (provider.dialect != ApiDialect::OpenAI) {
            endpoint.unusableReason = QStringLiteral("speaks the %1 API; the gateway relays the OpenAI dialect only")
                                          .arg(apiDialectName(provider.dialect));
        } else if (base.isEmpty()) {
            endpoint.unusableReason = QStringLiteral("its API address is unknown; add it as a custom provider");
        } else if (hasPlaceholder(base)) {
            endpoint.unusableReason = QStringLiteral("its API address needs account details (%1); add it as a custom "
                                                     "provider with the full address")
                                          .arg(base);
        } else {
            KeyReference reference;
            if (auto custom = customKeys.constFind(provider.id); custom != customKeys.constEnd()) {
                reference = *custom;
            } else if (!provider.keyEnv.isEmpty()) {
                reference.kind = KeyReference::Kind::Environment;
                reference.ref = provider.keyEnv.first();
            }
            endpoint.chatUrl = base.toUtf8() + "/chat/completions";
            if (reference.kind == KeyReference::Kind::None) {
                endpoint.usable = customKeys.contains(provider.id);
                if (!endpoint.usable)
                    endpoint.unusableReason = QStringLiteral("no API key is configured for it");
            } else if (auto key = lookupKey(reference); key && !key->isEmpty()) {
                endpoint.apiKey = key.value();
                endpoint.usable = true;
                table->m_secrets.push_back(endpoint.apiKey);
            } else {
                endpoint.unusableReason = key ? QStringLiteral("its API key is empty") : key.error().message;
            }
        }
        providerIndex.insert(provider.id, static_cast<int>(table->m_providers.size()));
        table->m_providers.push_back(std::move(endpoint));
    }

    table->m_offerings.reserve(cat.offerings().size());
    for (const Offering &offering : cat.offerings()) {
        const int p = providerIndex.value(offering.providerId, -1);
        if (p < 0)
            continue;
        RouteOffering route;
        route.provider = &table->m_providers[static_cast<std::size_t>(p)];
        route.providerModelId = offering.providerModelId;
        route.m_key = offeringKeyOf(offering.providerId, offering.providerModelId);
        route.modelId = offering.modelId;
        route.traits = offering.traits;
        route.contextLength = offering.contextLength;
        route.price = offering.price;
        route.promptPerMillion = perMillion(offering.price, now, true);
        route.completionPerMillion = perMillion(offering.price, now, false);
        if (route.promptPerMillion && route.completionPerMillion)
            route.blendedPerMillion = route.promptPerMillion->scaled(3, 4) + route.completionPerMillion->scaled(1, 4);
        table->m_offerings.push_back(std::move(route));
    }

    QHash<QString, QSet<QString>> byProviderModelId;
    for (int i = 0; i < static_cast<int>(table->m_offerings.size()); ++i) {
        const RouteOffering &route = table->m_offerings[static_cast<std::size_t>(i)];
        table->m_byModel[route.modelId].push_back(i);
        table->m_byProviderModel.insert(route.key().toLower(), i);
        byProviderModelId[route.providerModelId.toLower()].insert(route.modelId);
    }
    for (auto it = byProviderModelId.cbegin(); it != byProviderModelId.cend(); ++it) {
        QStringList ids = it.value().values();
        ids.sort();
        table->m_byProviderModelId.insert(it.key(), ids);
    }
    for (auto it = table->m_byModel.cbegin(); it != table->m_byModel.cend(); ++it) {
        const QString &id = it.key();
        const qsizetype slash = id.lastIndexOf(QLatin1Char('/'));
        if (slash >= 0)
            table->m_byShortName[id.mid(slash + 1)].append(id);
    }
    return table;
}

int RoutingTable::usableOfferings() const
{
    return static_cast<int>(std::count_if(m_offerings.begin(), m_offerings.end(),
                                          [](const RouteOffering &o) { return o.provider->usable; }));
}

RoutingTable::Resolved RoutingTable::resolve(const QString &name) const
{
    Resolved resolved;
    const QString lower = name.trimmed().toLower();
    const auto fill = [&](const QString &modelId) {
        resolved.modelId = modelId;
        for (int i : m_byModel.value(modelId))
            resolved.offerings.push_back(&m_offerings[static_cast<std::size_t>(i)]);
    };
    if (m_byModel.contains(lower)) {
        fill(lower);
        return resolved;
    }
    if (const auto alias = m_aliases.constFind(lower); alias != m_aliases.constEnd()) {
        fill(*alias); // an alias of a model nobody serves resolves to no offerings: 404 as for any unserved model
        if (resolved.offerings.empty())
            resolved.modelId.clear();
        return resolved;
    }
    if (auto it = m_byProviderModel.constFind(lower); it != m_byProviderModel.constEnd()) {
        const RouteOffering *offering = &m_offerings[static_cast<std::size_t>(*it)];
        resolved.modelId = offering->modelId;
        resolved.pinned = offering;
        resolved.offerings.push_back(offering);
        return resolved;
    }
    if (const QStringList ids = m_byProviderModelId.value(lower); ids.size() == 1) {
        fill(ids.first());
        return resolved;
    }
    if (const QStringList ids = m_byShortName.value(lower); ids.size() == 1)
        fill(ids.first());
    return resolved;
}

void HealthBoard::coolDown(const QString &offeringKey, std::chrono::milliseconds duration, Clock::time_point now)
{
    QMutexLocker lock(&m_mutex);
    auto &entry = m_entries[offeringKey];
    entry.cooldownUntil = std::max(entry.cooldownUntil, now + duration);
}

std::optional<HealthBoard::Clock::time_point> HealthBoard::cooldownUntil(const QString &offeringKey,
                                                                         Clock::time_point now) const
{
    QMutexLocker lock(&m_mutex);
    const auto it = m_entries.constFind(offeringKey);
    if (it == m_entries.constEnd() || it->cooldownUntil <= now)
        return std::nullopt;
    return it->cooldownUntil;
}

void HealthBoard::recordSuccess(const QString &offeringKey, qint64 ttfbUs, double tokensPerSecond)
{
    QMutexLocker lock(&m_mutex);
    auto &stats = m_entries[offeringKey].stats;
    constexpr double alpha = 0.2;
    if (stats.samples == 0) {
        stats.ttfbUs = static_cast<double>(ttfbUs);
        stats.tokensPerSecond = tokensPerSecond;
    } else {
        stats.ttfbUs += alpha * (static_cast<double>(ttfbUs) - stats.ttfbUs);
        if (tokensPerSecond > 0)
            stats.tokensPerSecond += alpha * (tokensPerSecond - stats.tokensPerSecond);
    }
    ++stats.samples;
    stats.consecutiveFailures = 0;
}

void HealthBoard::recordFailure(const QString &offeringKey)
{
    QMutexLocker lock(&m_mutex);
    ++m_entries[offeringKey].stats.consecutiveFailures;
}

HealthBoard::Stats HealthBoard::stats(const QString &offeringKey) const
{
    QMutexLocker lock(&m_mutex);
    return m_entries.value(offeringKey).stats;
}

RouteDecision DefaultRouter::route(const ChatRequest &request, const RoutingTable &table,
                                   const HealthBoard &health) const
{
    RouteDecision decision;
    const ProviderPreferences &prefs = request.provider;
    const auto now = HealthBoard::Clock::now();
    QSet<const RouteOffering *> seen;
    QStringList unknownModels;
    QStringList excludedReasons;
    std::optional<HealthBoard::Clock::time_point> earliestCooldownEnd;
    bool anyKnown = false;
    int excludedByPreference = 0, excludedOther = 0;

    const std::optional<Money> maxPrompt =
        prefs.maxPromptPerMillion ? moneyPerMillion(*prefs.maxPromptPerMillion) : std::nullopt;
    const std::optional<Money> maxCompletion =
        prefs.maxCompletionPerMillion ? moneyPerMillion(*prefs.maxCompletionPerMillion) : std::nullopt;

    for (const QString &name : request.models) {
        const RoutingTable::Resolved resolved = table.resolve(name);
        if (resolved.offerings.empty()) {
            unknownModels.append(name);
            continue;
        }
        anyKnown = true;
        if (decision.modelId.isEmpty())
            decision.modelId = resolved.modelId;

        struct Scored {
            const RouteOffering *offering;
            int orderRank;
            QString reason;
        };
        std::vector<Scored> scored;
        for (const RouteOffering *offering : resolved.offerings) {
            const QString &providerId = offering->provider->id;
            const QString label = offering->key();
            if (!offering->provider->usable) {
                excludedReasons.append(label + QStringLiteral(": ") + offering->provider->unusableReason);
                ++excludedOther;
                continue;
            }
            if (!prefs.only.isEmpty() && !prefs.only.contains(providerId)) {
                excludedReasons.append(label + QStringLiteral(": not in provider.only"));
                ++excludedByPreference;
                continue;
            }
            if (prefs.ignore.contains(providerId)) {
                excludedReasons.append(label + QStringLiteral(": in provider.ignore"));
                ++excludedByPreference;
                continue;
            }
            const qsizetype orderRank = prefs.order.indexOf(providerId);
            if (!prefs.allowFallbacks && !prefs.order.isEmpty() && orderRank < 0) {
                excludedReasons.append(label + QStringLiteral(": not in provider.order and fallbacks are off"));
                ++excludedByPreference;
                continue;
            }
            if ((maxPrompt && (!offering->promptPerMillion || *offering->promptPerMillion > *maxPrompt))
                || (maxCompletion
                    && (!offering->completionPerMillion || *offering->completionPerMillion > *maxCompletion))) {
                excludedReasons.append(label + QStringLiteral(": above provider.max_price (or price unknown)"));
                ++excludedByPreference;
                continue;
            }
            if ((prefs.denyDataCollection && !offering->provider->dataPolicy.contains(QLatin1StringView("no-training")))
                || (prefs.zeroDataRetention
                    && !offering->provider->dataPolicy.contains(QLatin1StringView("zero-retention")))) {
                excludedReasons.append(label + QStringLiteral(": its data policy is not known to meet the request's"));
                ++excludedByPreference;
                continue;
            }
            if (prefs.requireParameters && request.usesTools && offering->traits.known && !offering->traits.tools) {
                excludedReasons.append(label + QStringLiteral(": does not support tools"));
                ++excludedByPreference;
                continue;
            }
            if (auto until = health.cooldownUntil(label, now)) {
                excludedReasons.append(label + QStringLiteral(": cooling down after a rate limit"));
                ++excludedOther;
                if (!earliestCooldownEnd || *until < *earliestCooldownEnd)
                    earliestCooldownEnd = until;
                continue;
            }
            scored.push_back({offering, orderRank < 0 ? std::numeric_limits<int>::max() : static_cast<int>(orderRank),
                              QString()});
        }

        const auto price = [](const RouteOffering *o) { return o->blendedPerMillion; };
        const auto byPrice = [&](const Scored &a, const Scored &b) {
            const auto pa = price(a.offering), pb = price(b.offering);
            if (pa.has_value() != pb.has_value())
                return pa.has_value();
            if (pa && pb && *pa != *pb)
                return *pa < *pb;
            return a.offering->key() < b.offering->key();
        };
        const auto byLatency = [&](const Scored &a, const Scored &b) {
            const auto sa = health.stats(a.offering->key()), sb = health.stats(b.offering->key());
            if ((sa.samples > 0) != (sb.samples > 0))
                return sa.samples > 0;
            if (sa.samples > 0 && sa.ttfbUs != sb.ttfbUs)
                return sa.ttfbUs < sb.ttfbUs;
            return byPrice(a, b);
        };
        const auto byThroughput = [&](const Scored &a, const Scored &b) {
            const auto sa = health.stats(a.offering->key()), sb = health.stats(b.offering->key());
            if ((sa.tokensPerSecond > 0) != (sb.tokensPerSecond > 0))
                return sa.tokensPerSecond > 0;
            if (sa.tokensPerSecond != sb.tokensPerSecond)
                return sa.tokensPerSecond > sb.tokensPerSecond;
            return byPrice(a, b);
        };
        std::stable_sort(scored.begin(), scored.end(), [&](const Scored &a, const Scored &b) {
            if (a.orderRank != b.orderRank)
                return a.orderRank < b.orderRank;
            switch (prefs.sort) {
            case ProviderPreferences::Sort::Latency: return byLatency(a, b);
            case ProviderPreferences::Sort::Throughput: return byThroughput(a, b);
            case ProviderPreferences::Sort::Default:
            case ProviderPreferences::Sort::Price: return byPrice(a, b);
            }
            return byPrice(a, b);
        });

        const bool fallbackModel = name != request.models.first();
        int place = 0;
        for (const Scored &s : scored) {
            if (seen.contains(s.offering))
                continue;
            seen.insert(s.offering);
            ++place;
            QString reason;
            if (resolved.pinned)
                reason = QStringLiteral("the request names this provider");
            else if (s.orderRank != std::numeric_limits<int>::max())
                reason = QStringLiteral("provider.order place %1").arg(s.orderRank + 1);
            else if (prefs.sort == ProviderPreferences::Sort::Latency)
                reason = QStringLiteral("lowest latency seen, place %1").arg(place);
            else if (prefs.sort == ProviderPreferences::Sort::Throughput)
                reason = QStringLiteral("highest throughput seen, place %1").arg(place);
            else if (s.offering->blendedPerMillion)
                reason = QStringLiteral("cheapest first, place %1 of %2 ($%3 per 1M tokens at 3:1)")
                             .arg(place)
                             .arg(scored.size())
                             .arg(s.offering->blendedPerMillion->toDecimalString());
            else
                reason = QStringLiteral("price unknown, after the priced offerings");
            if (fallbackModel)
                reason = QStringLiteral("fallback model %1; ").arg(name) + reason;
            decision.candidates.push_back({s.offering, reason});
        }
    }

    if (!decision.candidates.empty())
        return decision;
    if (!anyKnown) {
        decision.status = 404;
        decision.errorCode = "model_not_found";
        decision.error = QStringLiteral("The model %1 does not exist or no provider serves it")
                             .arg(unknownModels.join(QStringLiteral(", ")));
        return decision;
    }
    while (excludedReasons.size() > 6)
        excludedReasons.removeLast();
    if (excludedOther == 0 && excludedByPreference > 0) {
        // Not transient: retrying will not help.
        decision.status = 404;
        decision.errorCode = "no_endpoints_match_preferences";
        decision.error = QStringLiteral("No provider of %1 matches the request's provider preferences: %2")
                             .arg(request.models.first(), excludedReasons.join(QStringLiteral("; ")));
        return decision;
    }
    decision.status = 503;
    decision.errorCode = "no_provider_available";
    if (earliestCooldownEnd) {
        const auto wait = std::chrono::duration_cast<std::chrono::seconds>(*earliestCooldownEnd - now).count() + 1;
        decision.retryAfterSeconds = static_cast<int>(std::max<qint64>(1, wait));
    }
    decision.error = QStringLiteral("No provider can serve %1 now: %2")
                         .arg(request.models.first(), excludedReasons.join(QStringLiteral("; ")));
    return decision;
}

} // namespace signalbox::engine
