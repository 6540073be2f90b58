#pragma once

// engine/usage: the usage log. One row per request the gateway answered (or
// refused), with its upstream attempts, tokens and exact cost. This folder
// owns the record type, the store interface every backend implements (all SQL
// stays behind it), the SQLite store, and the single writer thread that
// batches the gateway's records into transactions so the request path never
// waits on disk. See docs/usage-log.md.

#include "engine/core/result.h"
#include "engine/cost/money.h"

#include <QDateTime>
#include <QString>
#include <QStringView>

#include <optional>
#include <vector>

namespace signalbox::engine {

// Stored as text: "ok", "upstream_error", "gateway_error", "client_error",
// "cancelled", "timeout".
enum class UsageStatus { Ok, UpstreamError, GatewayError, ClientError, Cancelled, Timeout };

QString usageStatusName(UsageStatus status);
std::optional<UsageStatus> usageStatusFromName(QStringView name);

// One try of a provider within a request (a failover chain has several).
struct UsageAttempt {
    QString providerId;
    QString providerModelId;
    QString outcome; // "ok", "http_429", "http_500", "connect", "first-byte-timeout", "reset", "cancelled", ...
    int httpStatus = 0; // 0: none received
    qint64 durationUs = 0;
    bool mayHaveBeenBilled = false; // request bytes reached the provider and no clean refusal came back

    bool operator==(const UsageAttempt &) const = default;
};

struct UsageRecord {
    QString id; // request id, unique ("req_…", see newUsageRequestId()), also the client's X-Request-Id
    QString keyId; // virtual key id (never the secret); empty if unauthenticated
    QString project;
    QDateTime startedAt; // UTC, millisecond precision
    QDateTime finishedAt;
    QString endpoint; // "/v1/chat/completions"
    QString requestedModel; // as the client sent it
    QString servedModel; // canonical model id actually served, empty if none
    QString servedProvider; // provider id, empty if none
    QString servedProviderModel; // the provider's own model id
    UsageStatus status = UsageStatus::Ok;
    int httpStatus = 0; // what the client got; 0: nothing was sent
    QString errorClass; // "", "upstream_429", "no_candidates", "auth", "bad_request", "client_disconnected", ...
    QString errorMessage; // short, never containing keys (the gateway guarantees this; the store just stores)
    std::vector<UsageAttempt> attempts;
    qint64 promptTokens = 0;
    qint64 completionTokens = 0;
    qint64 cachedTokens = 0;
    qint64 cacheWriteTokens = 0;
    qint64 reasoningTokens = 0;
    bool tokensEstimated = false;
    std::optional<Money> cost; // std::nullopt: unpriced (NOT zero); Money() is a real zero
    qint64 latencyUs = 0; // total, first byte in -> last byte out
    std::optional<qint64> ttftUs; // time to first token (streams) or first byte (JSON); nullopt: none
    qint64 overheadUs = 0; // time the gateway added
    bool stream = false;
    QString routeReason; // why this provider was chosen, one line

    // Position in the log, assigned by the store when the row is written:
    // increases with every commit, never reused. 0 in records not read back
    // from a store; append() ignores it. The tailing cursor (UsageCursor).
    qint64 seq = 0;

    bool operator==(const UsageRecord &) const = default;
};

// The longest text kept per field, in UTF-16 code units. Free text and names
// that come from clients or providers are cut to these lengths when stored
// (a long upstream error must not cost the request its accounting row); the
// id is the one text field that is refused instead, since a cut id could
// collide. The schema's CHECK constraints hold the same limits.
struct UsageLimits {
    static constexpr int kId = 128;
    static constexpr int kKeyId = 64;
    static constexpr int kProject = 100;
    static constexpr int kEndpoint = 200;
    static constexpr int kModel = 300; // requested, served and provider model ids
    static constexpr int kProvider = 64;
    static constexpr int kErrorClass = 64;
    static constexpr int kErrorMessage = 1000;
    static constexpr int kRouteReason = 500;
    static constexpr int kOutcome = 64;
};

// What no store can repair, checked before anything is written: an id of 1 to
// UsageLimits::kId characters; valid start and finish times between 1970 and
// 9999; no negative token count, duration or cost; HTTP statuses 0 or
// 100..599. Error code "invalid", the message names the record and field.
Result<void> validateUsageRecord(const UsageRecord &record);

// `text` cut to at most `limit` UTF-16 code units, never inside a surrogate
// pair. Never null, so it binds as '' rather than SQL NULL.
QString clippedUsageText(const QString &text, int limit);

// A fresh request id: "req_" and 26 characters of Crockford base32 (lower
// case) holding a 48-bit millisecond timestamp and 80 random bits, like a
// ULID. Ids sort by creation time, so the log's id index grows at its end
// instead of taking random inserts; 80 random bits per millisecond make a
// collision practically impossible. Thread-safe.
QString newUsageRequestId();

} // namespace signalbox::engine
