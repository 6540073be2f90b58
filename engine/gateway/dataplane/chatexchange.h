#pragma once

// One POST /v1/chat/completions, from routing to the usage row: tries the
// candidates in order (failover before the first byte reached the client),
// relays a stream event by event, prices the answer and records exactly one
// usage row whatever happens — success, upstream failure, timeout or the
// client leaving. Lives on the worker thread that received the request.

#include "engine/gateway/dataplane/chatrequest.h"
#include "engine/gateway/dataplane/routing.h"
#include "engine/gateway/dataplane/sse.h"
#include "engine/gateway/http/httpresponder.h"
#include "engine/gateway/upstream/upstreamclient.h"
#include "engine/keys/virtualkeys.h"
#include "engine/usage/usagerecord.h"

#include <QDateTime>

#include <chrono>
#include <memory>
#include <optional>

namespace signalbox::engine {

class DataPlane;

// Token counts as a provider reported them (or as we estimated them).
struct TokenCounts {
    qint64 prompt = 0, completion = 0, cached = 0, cacheWrite = 0, reasoning = 0;
    bool reported = false;
};
// Reads an OpenAI-style usage object (with OpenRouter's and DeepSeek's cache fields).
TokenCounts tokenCountsFromUsage(const QJsonObject &usage);

class ChatExchange final : public std::enable_shared_from_this<ChatExchange> {
    Q_DISABLE_COPY_MOVE(ChatExchange)
public:
    using Clock = std::chrono::steady_clock;

    ChatExchange(DataPlane &plane, UpstreamClient &client, std::shared_ptr<const RoutingTable> table,
                 HttpRequestPtr request, HttpResponder responder, UsageRecord record, VirtualKey key,
                 std::function<void(ChatExchange *)> onDone);
    ~ChatExchange();

    void start(ChatRequest chat);

private:
    enum class Mode { Undecided, Stream, Buffered };

    void tryNext();
    void onHead(const UpstreamResponseHead &head);
    void onData(QByteArrayView bytes);
    void onFinished(UpstreamFailure failure, const QString &detail);
    void onEvent(const SseEvent &event);
    void onClientGone();

    void forward(QByteArrayView bytes, bool content);

    void endBatch();

    void applyBackpressure();
    bool beginClientStream();
    void finishStream(bool clean, const QString &error);
    void finishBuffered();
    void failAttempt(const QString &outcome, int httpStatus, bool mayHaveBeenBilled, bool retryable);
    void answerError(int status, QByteArrayView code, const QString &message, QByteArrayView type,
                     UsageStatus usageStatus, const QString &errorClass, const QByteArray &rawBody = {});
    void recordAttempt(const QString &outcome, int httpStatus, bool mayHaveBeenBilled);
    void settleCost();
    HttpHeaders signalboxHeaders(bool withCost) const;
    qint64 overheadUsNow() const;
    QByteArray costJson() const;
    void complete();

    DataPlane &m_plane;
    UpstreamClient &m_client;
    std::shared_ptr<const RoutingTable> m_table;
    HttpRequestPtr m_request;
    HttpResponder m_responder;
    UsageRecord m_record;
    VirtualKey m_key;
    std::function<void(ChatExchange *)> m_onDone;

    ChatRequest m_chat;
    RouteDecision m_decision;
    std::size_t m_next = 0;
    const RouteOffering *m_offering = nullptr; // the current attempt's
    QString m_currentReason;
    std::shared_ptr<UpstreamCall> m_call;
    Clock::time_point m_attemptStart{};
    qint64 m_upstreamUs = 0; // time spent inside finished attempts
    Clock::time_point m_dataArrived{};

    Mode m_mode = Mode::Undecided;
    UpstreamResponseHead m_head;
    QByteArray m_body; // buffered answer or error body
    SseAssembler m_sse;
    bool m_clientStreamStarted = false;
    // Inside one upstream read: events after the first content one are
    // batched into one send() (HttpResponder::beginBatch), flushed when the
    // read has been handled.
    bool m_inUpstreamRead = false;
    bool m_batching = false;
    bool m_sawDone = false;
    bool m_streamError = false;
    int m_contentEvents = 0;
    int m_droppedEvents = 0;
    TokenCounts m_tokens;
    std::optional<Money> m_cost;
    bool m_costSettled = false;
    QString m_lastFailure;
    int m_lastStatus = 0;
    QByteArray m_lastErrorBody;
    bool m_lastWasTimeout = false;
    bool m_lastWasConnect = false;
    bool m_done = false;
    std::optional<Clock::time_point> m_firstTokenAt;
};

} // namespace signalbox::engine
