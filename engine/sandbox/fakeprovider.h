#pragma once

// A fake OpenAI-compatible provider: a real HTTP/1.1 server on loopback that
// answers /v1/chat/completions (JSON and SSE) and /v1/models with deterministic
// content, scripted timing and scripted faults, and records what it received.
// The console runs it, clearly labelled as simulated, as the offline "sandbox
// provider"; gateway tests put it behind the gateway (tests/support/fakeprovider
// forwards these names into signalbox::testing). It shares no code with
// engine/gateway on purpose. See docs/fake-provider.md.

#include "engine/sandbox/httprequest.h"

#include <QHostAddress>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <chrono>
#include <memory>
#include <optional>

namespace signalbox::sandbox {

using FakeClock = std::chrono::steady_clock;

enum class FakeFault {
    None,
    Http400,            // OpenAI error body, type invalid_request_error
    Http500,            // OpenAI error body, type server_error
    Http503,            // OpenAI error body, type server_error (overloaded)
    Http429,            // OpenAI error body + "Retry-After: <retryAfterSeconds>"
    Html502,            // a proxy's text/html "502 Bad Gateway" page
    HangBeforeHeaders,  // read the request, never answer; the connection stays open
    ResetBeforeHeaders, // read the request, wait headersDelay, then TCP RST
    StallMidStream,     // send faultAfterEvents content events (half the JSON body), then nothing
    ResetMidStream,     // send faultAfterEvents content events (half the JSON body), then TCP RST
    TruncatedBody,      // JSON: Content-Length larger than what is sent; SSE: no end; then FIN
    MalformedSse,       // SSE: a garbage line and a data event with invalid JSON after faultAfterEvents
                        // content events, then the stream continues normally; JSON: invalid JSON body
    SplitEvents,        // every SSE event (or the JSON body) is written in 3 pieces, cut mid-JSON
    EndWithoutDone,     // SSE: faultAfterEvents content events, then a cleanly framed end with no
                        // finish chunk and no [DONE]; JSON: answered normally
};

// Stable names ("http429", "reset-mid-stream", ...) for the command line and docs.
QString faultName(FakeFault fault);
std::optional<FakeFault> faultFromName(const QString &name);

// How the fake answers one chat completion. An aggregate: write
// FakeBehaviour{.completionTokens = 3, .fault = FakeFault::Http429}.
struct FakeBehaviour {
    // Timing, measured from the moment the whole request was read.
    std::chrono::milliseconds headersDelay{0};    // before the status line
    std::chrono::milliseconds firstTokenDelay{0}; // after the headers, before the first content event
    double tokensPerSecond = 0;                   // between content events; 0 = no pause
    // Content and usage.
    int completionTokens = 8;        // visible tokens "token0 token1 ..." (capped by max_tokens)
    std::optional<int> promptTokens{}; // default: characters of the messages' content / 4, at least 1
    int cachedTokens = 0;            // usage.prompt_tokens_details.cached_tokens
    int reasoningTokens = 0;         // usage.completion_tokens_details.reasoning_tokens (counted in
                                     // completion_tokens, never shown as text)
    bool usage = true;               // false: no usage object, no usage chunk even if asked for
    QString servedModel{};           // "model" in the answer; empty echoes the requested model
    qint64 contentBytes = 0;         // > 0: the answer text is exactly this many bytes (multi-MB tests),
                                     // streamed in completionTokens pieces
    bool chunkedStream = true;       // false: SSE framed by connection close (HTTP/1.0 style)
    // Faults.
    FakeFault fault = FakeFault::None;
    int faultAfterEvents = 2;                  // for the mid-stream faults
    int retryAfterSeconds = 1;                 // Http429
    std::chrono::milliseconds splitGap{5};     // SplitEvents: pause between the pieces of one event
    QString errorMessage{};                    // overrides the message of the HTTP error faults
};

enum class RequestOutcome {
    InProgress, // being answered, hanging or stalled
    Completed,  // every byte of the response was handed to the kernel
    Cancelled,  // the client closed the connection before the response was complete
    Dropped,    // the fake closed or reset the connection on purpose (a fault)
    Abandoned,  // the provider was closed with the request in progress
};

// One request as received, and what became of it. Times are steady_clock, so a
// test can compare them with its own FakeClock::now().
struct RecordedRequest {
    quint64 id = 0;           // 1, 2, ... per provider; the signals carry it
    quint64 connectionId = 0; // 1, 2, ... per accepted connection
    QByteArray method;
    QByteArray target;
    QByteArray path;
    HttpHeaders headers; // in arrival order, including Authorization
    QByteArray body;
    QString model;       // chat completions: the requested model
    bool stream = false; // chat completions: "stream": true
    FakeFault fault = FakeFault::None;
    int status = 0; // the status answered; 0 before headers or for faults without any
    RequestOutcome outcome = RequestOutcome::InProgress;
    int contentEventsSent = 0; // SSE content events written so far
    FakeClock::time_point receivedAt;
    std::optional<FakeClock::time_point> headersSentAt;
    std::optional<FakeClock::time_point> firstContentAt;
    std::optional<FakeClock::time_point> endedAt;

    QByteArray header(QByteArrayView name) const { return headerValue(headers, name); }
    QJsonObject json() const; // the body as a JSON object (empty if it is not one)
    bool cancelled() const { return outcome == RequestOutcome::Cancelled; }
    std::optional<FakeClock::time_point> cancelledAt() const
    {
        return cancelled() ? endedAt : std::nullopt;
    }
};

class FakeProviderPrivate;

// Lives in, and serves from, the thread that creates it.
class FakeProvider final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FakeProvider)
public:
    explicit FakeProvider(QObject *parent = nullptr);
    ~FakeProvider() override;

    // Port 0 asks the OS for a free port; port() tells which one it gave.
    bool listen(const QHostAddress &address = QHostAddress(QHostAddress::LocalHost), quint16 port = 0);
    bool isListening() const;
    quint16 port() const;
    QHostAddress address() const;
    QUrl baseUrl() const; // http://127.0.0.1:PORT/v1
    QString errorString() const;
    // Stops listening and closes every connection; requests in progress become Abandoned.
    void close();

    // Models listed by GET /v1/models: these plus every model with its own behaviour.
    void setModels(const QStringList &ids); // default {"fake-model"}
    QStringList models() const;
    // Unknown models get 404 model_not_found instead of an answer (default off).
    void setRejectUnknownModels(bool reject);
    // Non-empty: every request must carry "Authorization: Bearer <key>", else 401.
    void setRequiredApiKey(const QByteArray &key);

    // Which behaviour answers a chat completion: the scripted queue first (each
    // entry used once), then the requested model's behaviour, then the default.
    void setDefaultBehaviour(const FakeBehaviour &behaviour);
    FakeBehaviour defaultBehaviour() const;
    void setModelBehaviour(const QString &model, const FakeBehaviour &behaviour);
    void clearModelBehaviours();
    void enqueueBehaviour(const FakeBehaviour &behaviour, int times = 1);
    void clearQueue();
    int queuedBehaviours() const;

    // Observation.
    QList<RecordedRequest> requests() const;
    std::optional<RecordedRequest> request(quint64 id) const;
    std::optional<RecordedRequest> lastRequest() const;
    int requestCount() const;
    void clearRecords(); // forgets finished requests; counters keep counting
    int activeConnections() const;
    int totalConnections() const;   // accepted since listen()
    int cancelledRequests() const;  // requests whose client closed mid-response
    int protocolErrors() const;     // malformed requests answered 4xx/5xx and closed

Q_SIGNALS:
    void requestReceived(quint64 id);
    void requestFinished(quint64 id); // any outcome but InProgress
    void requestCancelled(quint64 id);
    void connectionOpened(quint64 connectionId);
    void connectionClosed(quint64 connectionId);

private:
    friend class FakeProviderPrivate;
    std::unique_ptr<FakeProviderPrivate> d;
};

} // namespace signalbox::sandbox
