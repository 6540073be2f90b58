#include "engine/gateway/dataplane/chatexchange.h"

#include "engine/core/logging.h"
#include "engine/cost/costengine.h"
#include "engine/gateway/dataplane/dataplane.h"
#include "engine/gateway/dataplane/jsonsplice.h"
#include "engine/gateway/dataplane/jsonvalidate.h"
#include "engine/gateway/http/httplimits.h"
#include "engine/gateway/metrics/gatewaymetrics.h"
#include "engine/keys/providerkeys.h"
#include "engine/usage/usagewriter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

namespace signalbox::engine {

namespace {

using std::chrono::duration_cast;
using std::chrono::microseconds;

qint64 usBetween(ChatExchange::Clock::time_point from, ChatExchange::Clock::time_point to)
{
    return duration_cast<microseconds>(to - from).count();
}

// 401, 403 (the provider refuses our key), 404 (this provider lacks the
// model), 408, 409, 425, 429 and 5xx are worth another provider; other
// 4xx are about the request itself and would fail everywhere.
bool isRetryableStatus(int status)
{
    return status == 401 || status == 403 || status == 404 || status == 408 || status == 409 || status == 425
        || status == 429 || status >= 500;
}

bool isTimeout(UpstreamFailure failure)
{
    return failure == UpstreamFailure::ConnectTimeout || failure == UpstreamFailure::FirstByteTimeout
        || failure == UpstreamFailure::IdleTimeout || failure == UpstreamFailure::TotalTimeout;
}

// Retry-After: seconds or an HTTP date.
std::optional<std::chrono::milliseconds> retryAfter(const HttpHeaders &headers)
{
    const QByteArray value = httpHeaderValue(headers, "retry-after").trimmed();
    if (value.isEmpty())
        return std::nullopt;
    bool ok = false;
    const double seconds = value.toDouble(&ok);
    if (ok && seconds >= 0)
        return std::chrono::milliseconds(static_cast<qint64>(std::min(seconds, 3600.0) * 1000));
    const QDateTime at = QDateTime::fromString(QString::fromLatin1(value), Qt::RFC2822Date);
    if (!at.isValid())
        return std::nullopt;
    const qint64 ms = QDateTime::currentDateTimeUtc().msecsTo(at);
    return std::chrono::milliseconds(std::clamp<qint64>(ms, 0, 3'600'000));
}

QByteArray headerSafe(const QString &text)
{
    QByteArray out = text.toUtf8();
    for (char &c : out) {
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
            c = ' ';
    }
    return out.left(300);
}

QByteArray errorEvent(QByteArrayView message, QByteArrayView type, QByteArrayView code)
{
    return QByteArray("data: " + openAiErrorBody(message, type, code) + "\n\n");
}

// A chunk with text for the user (or a tool call): what time to first token
// measures and what token estimates count. Role-only and finish chunks are not.
bool carriesContent(QByteArrayView data)
{
    static const QByteArrayView contentKey = "\"content\":\"";
    const qsizetype at = data.indexOf(contentKey);
    if (at >= 0 && at + contentKey.size() < data.size() && data[at + contentKey.size()] != '"')
        return true;
    return data.contains("\"tool_calls\":[") || data.contains("\"reasoning\":\"");
}

} // namespace

TokenCounts tokenCountsFromUsage(const QJsonObject &usage)
{
    TokenCounts counts;
    if (usage.isEmpty())
        return counts;
    const auto integer = [](const QJsonValue &v) { return v.isDouble() ? static_cast<qint64>(v.toDouble()) : 0; };
    counts.prompt = integer(usage.value(QStringLiteral("prompt_tokens")));
    counts.completion = integer(usage.value(QStringLiteral("completion_tokens")));
    const QJsonObject promptDetails = usage.value(QStringLiteral("prompt_tokens_details")).toObject();
    counts.cached = integer(promptDetails.value(QStringLiteral("cached_tokens")));
    if (counts.cached == 0)
        counts.cached = integer(usage.value(QStringLiteral("prompt_cache_hit_tokens"))); // DeepSeek
    counts.cacheWrite = integer(promptDetails.value(QStringLiteral("cache_write_tokens"))); // OpenRouter
    const QJsonObject completionDetails = usage.value(QStringLiteral("completion_tokens_details")).toObject();
    counts.reasoning = integer(completionDetails.value(QStringLiteral("reasoning_tokens")));
    counts.reported = usage.contains(QStringLiteral("prompt_tokens")) || usage.contains(QStringLiteral("completion_tokens"));
    counts.prompt = std::max<qint64>(0, counts.prompt);
    counts.completion = std::max<qint64>(0, counts.completion);
    counts.cached = std::clamp<qint64>(counts.cached, 0, counts.prompt);
    counts.cacheWrite = std::clamp<qint64>(counts.cacheWrite, 0, counts.prompt - counts.cached);
    counts.reasoning = std::clamp<qint64>(counts.reasoning, 0, counts.completion);
    return counts;
}

ChatExchange::ChatExchange(DataPlane &plane, UpstreamClient &client, std::shared_ptr<const RoutingTable> table,
                           HttpRequestPtr request, HttpResponder responder, UsageRecord record, VirtualKey key,
                           std::function<void(ChatExchange *)> onDone)
    : m_plane(plane),
      m_client(client),
      m_table(std::move(table)),
      m_request(std::move(request)),
      m_responder(std::move(responder)),
      m_record(std::move(record)),
      m_key(std::move(key)),
      m_onDone(std::move(onDone))
{
}

ChatExchange::~ChatExchange()
{
    if (m_call)
        m_call->cancel();
}

void ChatExchange::start(ChatRequest chat)
{
    m_chat = std::move(chat);
    m_record.requestedModel = m_chat.models.first();
    m_record.stream = m_chat.stream;
    std::weak_ptr<ChatExchange> weak = weak_from_this();
    m_responder.onClientGone([weak] {
        if (auto self = weak.lock())
            self->onClientGone();
    });
    m_decision = m_plane.router().route(m_chat, *m_table, m_plane.health());
    if (m_decision.candidates.empty()) {
        const UsageStatus status = m_decision.status == 503 ? UsageStatus::GatewayError : UsageStatus::ClientError;
        answerError(m_decision.status, m_decision.errorCode, m_decision.error,
                    m_decision.status == 503 ? "server_error" : "invalid_request_error", status,
                    QString::fromLatin1(m_decision.errorCode));
        return;
    }
    tryNext();
}

void ChatExchange::tryNext()
{
    const int attempts = static_cast<int>(m_record.attempts.size());
    if (m_next >= m_decision.candidates.size() || attempts >= m_plane.options().maxAttempts) {
        // Nothing reached the client yet: answer the last failure.
        if (m_lastStatus > 0) {
            answerError(m_lastStatus, "upstream_error", QString(), "upstream_error", UsageStatus::UpstreamError,
                        QStringLiteral("upstream_http_%1").arg(m_lastStatus), m_lastErrorBody);
        } else if (m_lastWasTimeout) {
            answerError(504, "upstream_timeout",
                        QStringLiteral("The provider did not answer in time (%1)").arg(m_lastFailure), "server_error",
                        UsageStatus::Timeout, QStringLiteral("upstream_timeout"));
        } else if (m_lastWasConnect) {
            answerError(503, "no_provider_available",
                        QStringLiteral("No provider could be reached (%1)").arg(m_lastFailure), "server_error",
                        UsageStatus::UpstreamError, QStringLiteral("upstream_unreachable"));
        } else {
            answerError(502, "bad_gateway", QStringLiteral("The provider's answer was broken (%1)").arg(m_lastFailure),
                        "server_error", UsageStatus::UpstreamError, QStringLiteral("upstream_broken"));
        }
        return;
    }
    const RouteCandidate &candidate = m_decision.candidates[m_next++];
    m_offering = candidate.offering;
    m_currentReason = candidate.reason;
    m_mode = Mode::Undecided;
    m_head = {};
    m_body.clear();
    m_sse = SseAssembler();
    m_contentEvents = 0;
    m_droppedEvents = 0;
    m_sawDone = false;
    m_streamError = false;

    const DataPlaneOptions &options = m_plane.options();
    UpstreamRequest upstream;
    upstream.url = m_offering->provider->chatUrl;
    upstream.method = "POST";
    upstream.headers.append({QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")});
    upstream.headers.append({QByteArrayLiteral("Accept"), m_chat.stream ? QByteArrayLiteral("text/event-stream")
                                                                        : QByteArrayLiteral("application/json")});
    if (!m_offering->provider->apiKey.isEmpty())
        upstream.headers.append({QByteArrayLiteral("Authorization"), "Bearer " + m_offering->provider->apiKey});
    upstream.body = m_chat.upstreamBody(m_offering->providerModelId);
    upstream.connectTimeout = options.connectTimeout;
    upstream.firstByteTimeout = options.firstByteTimeout;
    upstream.idleTimeout = options.idleTimeout;
    upstream.totalTimeout = options.totalTimeout;

    m_attemptStart = Clock::now();
    UpstreamCallbacks callbacks;
    callbacks.onHead = [this](const UpstreamResponseHead &head) { onHead(head); };
    callbacks.onData = [this](QByteArrayView bytes) { onData(bytes); };
    callbacks.onFinished = [this](UpstreamFailure failure, const QString &detail) { onFinished(failure, detail); };
    m_call = m_client.start(std::move(upstream), std::move(callbacks));
}

void ChatExchange::onHead(const UpstreamResponseHead &head)
{
    m_head = head;
    if (head.status >= 200 && head.status < 300) {
        const QByteArray type = httpHeaderValue(head.headers, "content-type").toLower();
        m_mode = type.startsWith("text/event-stream") ? Mode::Stream : Mode::Buffered;
    } else {
        m_mode = Mode::Buffered;
    }
}

void ChatExchange::onData(QByteArrayView bytes)
{
    if (m_done)
        return;
    m_dataArrived = Clock::now();
    if (m_mode == Mode::Stream) {
        m_inUpstreamRead = true;
        const bool wellFormed = m_sse.feed(bytes, [this](const SseEvent &event) { onEvent(event); });
        m_inUpstreamRead = false;
        endBatch();
        if (!wellFormed) {
            m_streamError = true;
            if (m_call) {
                auto call = std::exchange(m_call, nullptr);
                call->cancel();
            }
            failAttempt(QStringLiteral("malformed_sse"), m_head.status, true, !m_clientStreamStarted);
        }
        return;
    }
    // Error bodies are kept short; answers up to the limit.
    const qint64 limit = m_head.status >= 200 && m_head.status < 300 ? m_plane.options().maxUpstreamBodyBytes : 64 * 1024;
    if (m_body.size() + bytes.size() > limit) {
        if (m_head.status >= 200 && m_head.status < 300) {
            auto call = std::exchange(m_call, nullptr);
            if (call)
                call->cancel();
            failAttempt(QStringLiteral("answer_too_large"), m_head.status, true, true);
            return;
        }
        m_body += bytes.first(std::max<qsizetype>(0, limit - m_body.size()));
        return;
    }
    m_body += bytes;
}

void ChatExchange::onEvent(const SseEvent &event)
{
    if (m_done)
        return;
    if (event.isDone()) {
        m_sawDone = true;
        return;
    }
    if (!event.hasData) {
        if (event.raw.startsWith(':'))
            forward(event.raw, false); // a keep-alive comment
        else
            ++m_droppedEvents; // a field-only event no OpenAI client uses
        return;
    }
    // A data event that is not a JSON object would break the client's
    // parser: dropped, counted, recorded with the request.
    const std::optional<QList<JsonMember>> members = event.data.startsWith('{') && isWellFormedJson(event.data)
        ? jsonObjectMembers(event.data)
        : std::nullopt;
    if (!members) {
        ++m_droppedEvents;
        return;
    }
    // Validated without a document; only a chunk with usage (the last one)
    // or an error is parsed into one. With include_usage, which Signalbox
    // always asks for, every other chunk carries "usage":null: parsing those
    // whole was most of a stream's CPU.
    bool carriesUsage = false;
    for (const JsonMember &member : *members) {
        if (member.key == "usage")
            carriesUsage = member.value != "null";
    }
    const bool mentionsError = event.data.startsWith("{\"error\"") || event.data.contains("\"error\":{");
    if (!carriesUsage && !mentionsError) {
        const bool content = carriesContent(event.data);
        m_contentEvents += content ? 1 : 0;
        forward(event.raw, content);
        return;
    }
    const QJsonDocument document = QJsonDocument::fromJson(event.data);
    const QJsonObject chunk = document.object();
    if (document.isNull() || !document.isObject()) {
        ++m_droppedEvents;
        return;
    }
    if (chunk.contains(QStringLiteral("error"))) {
        m_streamError = true;
        forward(event.raw, false);
        return;
    }
    const QJsonValue usage = chunk.value(QStringLiteral("usage"));
    const bool hasChoices = !chunk.value(QStringLiteral("choices")).toArray().isEmpty();
    if (!usage.isObject()) {
        const bool content = carriesContent(event.data);
        m_contentEvents += content ? 1 : 0;
        forward(event.raw, content);
        return;
    }
    m_tokens = tokenCountsFromUsage(usage.toObject());
    settleCost();
    if (!m_chat.clientWantsUsage && !hasChoices)
        return; // the usage chunk Signalbox asked for on its own: not the client's
    // Add the cost to the usage the client sees (OpenRouter does the same).
    QByteArray edited = event.data;
    for (const JsonMember &member : *members) {
        if (member.key != "usage")
            continue;
        if (auto usageWithCost = jsonObjectWithEdits(member.value, {{"cost", costJson()}})) {
            if (auto whole = jsonObjectWithEdits(event.data, {{"usage", *usageWithCost},
                                                              {"provider", jsonQuoted(m_offering->provider->id.toUtf8())}}))
                edited = *whole;
        }
    }
    const bool content = hasChoices && carriesContent(event.data);
    m_contentEvents += content ? 1 : 0;
    forward(QByteArray("data: " + edited + "\n\n"), hasChoices);
}

bool ChatExchange::beginClientStream()
{
    if (m_clientStreamStarted)
        return true;
    m_clientStreamStarted = true;
    HttpHeaders headers{{QByteArrayLiteral("Content-Type"), QByteArrayLiteral("text/event-stream")},
                        {QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("no-cache")},
                        {QByteArrayLiteral("X-Accel-Buffering"), QByteArrayLiteral("no")}};
    headers += signalboxHeaders(false);
    m_record.httpStatus = 200;
    return m_responder.beginStream(200, headers);
}

void ChatExchange::forward(QByteArrayView bytes, bool content)
{
    if (!beginClientStream())
        return;
    // Until the first token has left, every event goes out at once (time to
    // first token); after it, the rest of this upstream read leaves in one send().
    if (m_inUpstreamRead && m_firstTokenAt && !m_batching) {
        m_responder.beginBatch();
        m_batching = true;
    }
    m_responder.writeChunk(bytes);
    if (content && !m_firstTokenAt)
        m_firstTokenAt = Clock::now();
    if (!m_batching)
        applyBackpressure();
}

void ChatExchange::endBatch()
{
    if (!m_batching)
        return;
    m_batching = false;
    m_responder.endBatch();
    applyBackpressure();
}

void ChatExchange::applyBackpressure()
{
    if (!m_responder.isWritable() && m_call) {
        // The client reads slower than the provider writes: stop reading the
        // provider until the client caught up (the kernel's buffers then push
        // back on the provider).
        m_call->pause();
        std::weak_ptr<ChatExchange> weak = weak_from_this();
        m_responder.onWritable([weak] {
            if (auto self = weak.lock(); self && self->m_call)
                self->m_call->resume();
        });
    }
}

void ChatExchange::onFinished(UpstreamFailure failure, const QString &detail)
{
    if (m_done)
        return;
    auto call = std::exchange(m_call, nullptr);
    const bool billed = call ? call->requestMayHaveBeenSent() : true;

    if (failure != UpstreamFailure::None) {
        const QString outcome = QString::fromLatin1(upstreamFailureName(failure));
        m_lastWasTimeout = isTimeout(failure);
        m_lastWasConnect = failure == UpstreamFailure::Connect || failure == UpstreamFailure::Resolve
            || failure == UpstreamFailure::ForbiddenAddress || failure == UpstreamFailure::Tls;
        m_lastStatus = 0;
        m_lastFailure = m_offering->provider->id + QStringLiteral(": ") + outcome;
        qCDebug(lcGateway) << "attempt failed" << m_offering->key() << outcome << redactSecrets(detail.toUtf8());
        // A connect failure never reached the provider; anything after the
        // request was sent may be billed.
        const bool mayBeBilled = billed && !m_lastWasConnect && failure != UpstreamFailure::ConnectTimeout;
        failAttempt(outcome, m_head.status, mayBeBilled, !m_clientStreamStarted);
        return;
    }

    const int status = m_head.status;
    if (status < 200 || status >= 300) {
        m_lastStatus = status;
        m_lastErrorBody = m_body;
        m_lastWasTimeout = false;
        m_lastWasConnect = false;
        m_lastFailure = m_offering->provider->id + QStringLiteral(": HTTP %1").arg(status);
        if (status == 429) {
            const auto wait = retryAfter(m_head.headers).value_or(m_plane.options().defaultCooldown);
            m_plane.health().coolDown(m_offering->key(), std::max(wait, std::chrono::milliseconds(1)));
        }
        // A refusal with a status is not billed.
        failAttempt(QStringLiteral("http_%1").arg(status), status, false, isRetryableStatus(status));
        return;
    }

    if (m_mode == Mode::Stream) {
        if (!m_sawDone || m_streamError) {
            m_lastFailure = m_offering->provider->id + QStringLiteral(": stream ended without [DONE]");
            m_lastStatus = 0;
            m_lastWasTimeout = false;
            m_lastWasConnect = false;
            failAttempt(m_streamError ? QStringLiteral("malformed_stream") : QStringLiteral("truncated_stream"), status,
                        true, !m_clientStreamStarted);
            return;
        }
        recordAttempt(QStringLiteral("ok"), status, true);
        finishStream(true, QString());
        return;
    }
    finishBuffered();
}

void ChatExchange::failAttempt(const QString &outcome, int httpStatus, bool mayHaveBeenBilled, bool retryable)
{
    if (m_call) {
        auto call = std::exchange(m_call, nullptr);
        call->cancel();
    }
    recordAttempt(outcome, httpStatus, mayHaveBeenBilled);
    if (m_plane.metrics())
        m_plane.metrics()->upstreamAttempt(m_offering->provider->id.toUtf8(), outcome.toUtf8());
    if (outcome != QLatin1StringView("http_400") && outcome != QLatin1StringView("http_422"))
        m_plane.health().recordFailure(m_offering->key());

    if (m_clientStreamStarted) {
        // Bytes already reached the client: end its stream with an error
        // event, never a [DONE] that would pretend success.
        finishStream(false, QStringLiteral("The provider %1 failed mid-stream (%2)").arg(m_offering->provider->id, outcome));
        return;
    }
    if (!retryable) {
        m_next = m_decision.candidates.size(); // pass this answer on
    }
    tryNext();
}

void ChatExchange::recordAttempt(const QString &outcome, int httpStatus, bool mayHaveBeenBilled)
{
    UsageAttempt attempt;
    attempt.providerId = m_offering->provider->id;
    attempt.providerModelId = m_offering->providerModelId;
    attempt.outcome = outcome;
    attempt.httpStatus = httpStatus;
    attempt.durationUs = usBetween(m_attemptStart, Clock::now());
    attempt.mayHaveBeenBilled = mayHaveBeenBilled;
    m_upstreamUs += attempt.durationUs;
    m_record.attempts.push_back(std::move(attempt));
}

void ChatExchange::settleCost()
{
    if (!m_offering)
        return;
    if (!m_tokens.reported) {
        // No usage from the provider: estimate, and say so.
        m_record.tokensEstimated = true;
        m_tokens.prompt = std::max<qint64>(1, (m_chat.promptCharacters() + 3) / 4);
        if (m_mode == Mode::Stream) {
            m_tokens.completion = m_contentEvents;
        } else {
            qint64 characters = 0;
            const QJsonObject answer = QJsonDocument::fromJson(m_body).object();
            for (const QJsonValue &choice : answer.value(QStringLiteral("choices")).toArray())
                characters += choice.toObject().value(QStringLiteral("message")).toObject()
                                  .value(QStringLiteral("content")).toString().size();
            m_tokens.completion = (characters + 3) / 4;
        }
    }
    const Usage usage = Usage::tokens(m_tokens.prompt, m_tokens.completion, m_tokens.cached, m_tokens.cacheWrite, 0,
                                      m_tokens.reasoning);
    auto cost = computeCost(m_offering->price, usage, m_record.startedAt);
    m_cost = cost && cost->isPriced() ? std::optional<Money>(cost->total()) : std::nullopt;
    m_costSettled = true;
}

QByteArray ChatExchange::costJson() const
{
    return m_cost ? m_cost->toDecimalString().toLatin1() : QByteArrayLiteral("null");
}

void ChatExchange::finishStream(bool clean, const QString &error)
{
    if (!m_costSettled || !m_tokens.reported)
        settleCost();
    if (clean)
        beginClientStream();
    m_responder.beginBatch(); // the last event and the stream's end: one send()
    if (clean) {
        m_responder.writeChunk("data: [DONE]\n\n");
        m_record.status = UsageStatus::Ok;
        if (m_droppedEvents > 0) {
            m_record.errorClass = QStringLiteral("upstream_malformed_events");
            m_record.errorMessage = QStringLiteral("%1 malformed event(s) from the provider were dropped").arg(m_droppedEvents);
        }
    } else {
        m_responder.writeChunk(errorEvent(error.toUtf8(), "server_error", "upstream_stream_failed"));
        m_record.status = m_lastWasTimeout ? UsageStatus::Timeout : UsageStatus::UpstreamError;
        m_record.errorClass = QStringLiteral("upstream_failed_mid_stream");
        m_record.errorMessage = error;
    }
    m_responder.endStream();
    complete();
}

void ChatExchange::finishBuffered()
{
    // Validated without building a document; only `usage` is parsed.
    const std::optional<QList<JsonMember>> members
        = isWellFormedJson(m_body) ? jsonObjectMembers(m_body) : std::nullopt;
    if (!members) {
        m_lastFailure = m_offering->provider->id + QStringLiteral(": the answer is not JSON");
        m_lastStatus = 0;
        m_lastWasTimeout = false;
        m_lastWasConnect = false;
        failAttempt(QStringLiteral("malformed_json"), m_head.status, true, true);
        return;
    }
    recordAttempt(QStringLiteral("ok"), m_head.status, true);

    QByteArrayView usageValue; // the last one, as a JSON object reader would keep
    for (const JsonMember &member : *members) {
        if (member.key == "usage")
            usageValue = member.value;
    }
    const bool usageIsObject = usageValue.startsWith('{');
    m_tokens = tokenCountsFromUsage(
        usageIsObject ? QJsonDocument::fromJson(usageValue.toByteArray()).object() : QJsonObject());
    settleCost();

    QList<JsonEdit> edits{{"provider", jsonQuoted(m_offering->provider->id.toUtf8())}};
    QByteArray usageJson;
    if (usageIsObject) {
        if (auto edited = jsonObjectWithEdits(usageValue, {{"cost", costJson()}}))
            usageJson = *edited;
    }
    if (usageJson.isEmpty()) {
        // No usage from the provider: ours, estimated.
        usageJson = "{\"prompt_tokens\":" + QByteArray::number(m_tokens.prompt) + ",\"completion_tokens\":"
            + QByteArray::number(m_tokens.completion) + ",\"total_tokens\":"
            + QByteArray::number(m_tokens.prompt + m_tokens.completion) + ",\"cost\":" + costJson()
            + ",\"estimated\":true}";
    }
    edits.append({"usage", usageJson});
    const QByteArray body = jsonObjectWithEdits(m_body, edits).value_or(m_body);

    m_record.status = UsageStatus::Ok;
    m_record.httpStatus = 200;
    HttpHeaders headers{{QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")}};
    headers += signalboxHeaders(true);
    m_firstTokenAt = Clock::now();
    m_responder.respond(200, headers, body);
    complete();
}

void ChatExchange::answerError(int status, QByteArrayView code, const QString &message, QByteArrayView type,
                               UsageStatus usageStatus, const QString &errorClass, const QByteArray &rawBody)
{
    QByteArray body;
    QString shownMessage = message;
    if (!rawBody.isEmpty()) {
        // The provider's own error: passed on only when it is an OpenAI-style
        // JSON error (never an HTML page), with every key we know scrubbed.
        const QJsonDocument document = QJsonDocument::fromJson(rawBody);
        const QJsonValue error = document.object().value(QStringLiteral("error"));
        if (error.isObject() && error.toObject().value(QStringLiteral("message")).isString()) {
            body = redactSecrets(redactKnownSecrets(rawBody, m_table->secrets()));
            shownMessage = error.toObject().value(QStringLiteral("message")).toString();
        }
    }
    if (body.isEmpty()) {
        if (shownMessage.isEmpty())
            shownMessage = QStringLiteral("The provider %1 answered HTTP %2 without an error the gateway could pass on")
                               .arg(m_offering ? m_offering->provider->id : QStringLiteral("?"))
                               .arg(status);
        body = openAiErrorBody(redactSecrets(redactKnownSecrets(shownMessage.toUtf8(), m_table->secrets())), type,
                               code);
    }
    m_record.status = usageStatus;
    m_record.httpStatus = status;
    m_record.errorClass = errorClass;
    m_record.errorMessage = QString::fromUtf8(redactSecrets(redactKnownSecrets(shownMessage.toUtf8(), m_table->secrets()))).left(500);
    HttpHeaders headers{{QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")}};
    headers += signalboxHeaders(false);
    if (status == 503 && m_decision.retryAfterSeconds)
        headers.append({QByteArrayLiteral("Retry-After"), QByteArray::number(*m_decision.retryAfterSeconds)});
    m_responder.respond(status, headers, body);
    complete();
}

HttpHeaders ChatExchange::signalboxHeaders(bool withCost) const
{
    HttpHeaders headers;
    headers.append({QByteArrayLiteral("X-Request-Id"), m_record.id.toLatin1()});
    if (m_offering && (m_record.status == UsageStatus::Ok || m_clientStreamStarted || withCost)) {
        headers.append({QByteArrayLiteral("X-Signalbox-Provider"), headerSafe(m_offering->provider->id)});
        headers.append({QByteArrayLiteral("X-Signalbox-Model"), headerSafe(m_offering->modelId)});
        headers.append({QByteArrayLiteral("X-Signalbox-Provider-Model"), headerSafe(m_offering->providerModelId)});
        headers.append({QByteArrayLiteral("X-Signalbox-Route"), headerSafe(m_currentReason)});
    }
    // A stream's head goes out while its attempt is still running.
    const qsizetype attempts = m_record.attempts.size() + (m_call || m_clientStreamStarted ? 1 : 0);
    headers.append({QByteArrayLiteral("X-Signalbox-Attempts"), QByteArray::number(attempts)});
    QStringList fallbacks;
    for (const UsageAttempt &attempt : m_record.attempts) {
        if (attempt.outcome != QLatin1StringView("ok"))
            fallbacks.append(attempt.providerId + QLatin1Char(':') + attempt.outcome);
    }
    if (!fallbacks.isEmpty())
        headers.append({QByteArrayLiteral("X-Signalbox-Fallbacks"), headerSafe(fallbacks.join(QLatin1Char(',')))});
    if (withCost)
        headers.append({QByteArrayLiteral("X-Signalbox-Cost"), m_cost ? m_cost->toDecimalString().toLatin1() : QByteArrayLiteral("unknown")});
    headers.append({QByteArrayLiteral("X-Signalbox-Overhead-Us"), QByteArray::number(overheadUsNow())});
    return headers;
}

qint64 ChatExchange::overheadUsNow() const
{
    const auto now = Clock::now();
    qint64 upstream = m_upstreamUs;
    if (m_call) {
        // In the middle of an attempt (a stream's first event): the provider's
        // time runs until its bytes arrived.
        const auto until = m_dataArrived > m_attemptStart ? m_dataArrived : now;
        upstream += usBetween(m_attemptStart, until);
    }
    return std::max<qint64>(0, usBetween(m_request->receivedAt, now) - upstream);
}

void ChatExchange::onClientGone()
{
    if (m_done)
        return;
    if (m_call) {
        auto call = std::exchange(m_call, nullptr);
        const bool billed = call->requestMayHaveBeenSent();
        call->cancel();
        recordAttempt(QStringLiteral("cancelled"), m_head.status, billed);
    }
    if (m_offering && !m_tokens.reported)
        settleCost();
    m_record.status = UsageStatus::Cancelled;
    m_record.httpStatus = m_clientStreamStarted ? 200 : 499;
    m_record.errorClass = QStringLiteral("client_disconnected");
    m_record.errorMessage = QStringLiteral("The client closed the connection before the answer was complete");
    complete();
}

void ChatExchange::complete()
{
    if (m_done)
        return;
    m_done = true;
    const auto now = Clock::now();
    m_record.finishedAt = QDateTime::currentDateTimeUtc();
    m_record.latencyUs = usBetween(m_request->receivedAt, now);
    if (m_firstTokenAt)
        m_record.ttftUs = usBetween(m_request->receivedAt, *m_firstTokenAt);
    m_record.overheadUs = overheadUsNow();
    const bool servedSome = m_clientStreamStarted
        || (!m_record.attempts.empty() && m_record.attempts.back().outcome == QLatin1StringView("ok"));
    if (m_offering) {
        m_record.routeReason = m_currentReason;
        // A cancelled request was served up to the moment the client left.
        if (servedSome || m_record.status == UsageStatus::Cancelled) {
            m_record.servedProvider = m_offering->provider->id;
            m_record.servedProviderModel = m_offering->providerModelId;
            m_record.servedModel = m_offering->modelId;
        }
    }
    const bool served = !m_record.servedProvider.isEmpty();
    if (served) {
        m_record.promptTokens = m_tokens.prompt;
        m_record.completionTokens = m_tokens.completion;
        m_record.cachedTokens = m_tokens.cached;
        m_record.cacheWriteTokens = m_tokens.cacheWrite;
        m_record.reasoningTokens = m_tokens.reasoning;
        m_record.cost = m_cost;
    }
    // Nothing served: the cost stays unpriced; a failed attempt that may
    // still have cost money says so in its mayHaveBeenBilled flag.
    if (m_record.status == UsageStatus::Ok && m_offering) {
        const qint64 ttfb = m_record.ttftUs.value_or(m_record.latencyUs);
        const double seconds = static_cast<double>(m_record.latencyUs) / 1e6;
        m_plane.health().recordSuccess(m_offering->key(), ttfb,
                                       seconds > 0 ? static_cast<double>(m_tokens.completion) / seconds : 0);
    }
    if (GatewayMetrics *metrics = m_plane.metrics()) {
        RequestObservation o;
        o.provider = m_record.servedProvider.toUtf8();
        o.model = m_record.servedModel.toUtf8();
        o.httpStatus = m_record.httpStatus;
        o.outcome = usageStatusName(m_record.status).toUtf8();
        o.stream = m_record.stream;
        o.latencyUs = m_record.latencyUs;
        o.ttftUs = m_record.ttftUs;
        o.overheadUs = m_record.overheadUs;
        o.promptTokens = m_record.promptTokens;
        o.completionTokens = m_record.completionTokens;
        o.cachedTokens = m_record.cachedTokens;
        o.reasoningTokens = m_record.reasoningTokens;
        // Nothing served: nothing to price (zero), not an unpriced answer.
        o.cost = served ? m_record.cost : std::optional<Money>(Money());
        o.attempts = static_cast<int>(m_record.attempts.size());
        metrics->observe(o);
    }
    DataPlane &plane = m_plane;
    const int httpStatus = m_record.httpStatus;
    if (UsageWriter *usage = m_plane.usage())
        usage->submit(std::move(m_record));
    if (m_onDone) {
        auto onDone = std::move(m_onDone);
        onDone(this); // no longer in flight (the exchange itself is released later)
    }
    // Counted as finished only now: a health reading never shows one request
    // both finished and in flight (noteFinished()).
    plane.noteFinished(httpStatus);
}

} // namespace signalbox::engine
