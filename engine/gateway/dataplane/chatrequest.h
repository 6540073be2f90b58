#pragma once

// A client's POST /v1/chat/completions body as the gateway needs it: what to
// route (model, OpenRouter's `models` and `provider`), how to answer (stream,
// usage options) and the raw body to forward with only Signalbox's own fields
// changed. Parsed once; invalid input gets an OpenAI-style 400.

#include "engine/core/result.h"
#include "engine/gateway/dataplane/jsonsplice.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <optional>

namespace signalbox::engine {

// OpenRouter's `provider` object (https://openrouter.ai/docs provider routing).
struct ProviderPreferences {
    QStringList order;       // try these providers first, in this order
    QStringList only;        // only these providers
    QStringList ignore;      // never these
    bool allowFallbacks = true; // false: only the providers in `order` (or `only`)
    enum class Sort { Default, Price, Throughput, Latency };
    Sort sort = Sort::Default;
    // Per million tokens, USD; an offering priced above either is skipped, and
    // one whose price is unknown too (we cannot promise it is below).
    std::optional<double> maxPromptPerMillion;
    std::optional<double> maxCompletionPerMillion;
    bool requireParameters = false;
    bool denyDataCollection = false; // data_collection: "deny"
    bool zeroDataRetention = false;  // zdr: true
    bool isDefault() const;
};

struct ChatRequest {
    QByteArray body;            // as received
    QJsonObject json;           // parsed
    QStringList models;         // `model` then `models`, de-duplicated, in order of preference
    ProviderPreferences provider;
    bool stream = false;
    bool clientWantsUsage = false; // stream_options.include_usage or usage.include
    bool usesTools = false;

    // The body for one provider: `model` set to its own id, OpenRouter-only
    // routing fields removed, and for streams `stream_options.include_usage`
    // forced on so every stream can be priced.
    QByteArray upstreamBody(const QString &providerModelId) const;
    // Rough prompt size for estimating tokens when a provider reports none:
    // characters of every text part of every message.
    qint64 promptCharacters() const;

    static Result<ChatRequest> parse(const QByteArray &body);
};

} // namespace signalbox::engine
