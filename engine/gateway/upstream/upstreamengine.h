#pragma once

// Internal to engine/gateway/upstream: what sits behind UpstreamClient.
//  - UpstreamEngine: the CURLM, the Qt glue (socket notifiers, one curl timer),
//    the calls in flight and the delivery of their callbacks.
//  - EngineDriver: the QObject the event loop talks to; it outlives the engine
//    when a callback destroys the client from inside one of its handlers.
//  - UpstreamTransfer: one call's state (the CURL easy handle, buffers, flags).
//  - ResponseHeadParser: header lines as curl passes them -> the final head.
//
// The one rule that makes re-entrancy simple: libcurl callbacks only record
// (bytes, head, progress) and never run user code or call back into the multi
// handle; user callbacks run afterwards, from dispatch(), when no libcurl
// function is on the stack. So a user callback may cancel, pause, resume,
// start or destroy anything.

#include "engine/gateway/upstream/upstreamclient.h"

#include <QHostAddress>
#include <QObject>
#include <QSocketNotifier>

#include <curl/curl.h>

#include <deque>
#include <memory>
#include <unordered_map>

class QThread;

namespace signalbox::engine::detail {

using UpstreamClock = std::chrono::steady_clock;

class ResponseHeadParser {
public:
    enum class Step {
        More,      // keep feeding
        Complete,  // the final (non-1xx) head is ready: take()
        Malformed, // not an HTTP status line
    };
    // One line as CURLOPT_HEADERFUNCTION passes it, CRLF included.
    Step feed(QByteArrayView line);
    UpstreamResponseHead take() { return std::move(m_head); }

private:
    UpstreamResponseHead m_head;
    bool m_inBlock = false;
};

class UpstreamEngine;

struct UpstreamTransfer final : UpstreamCall, std::enable_shared_from_this<UpstreamTransfer> {
    UpstreamTransfer() = default;
    ~UpstreamTransfer();
    UpstreamTransfer(const UpstreamTransfer &) = delete;
    UpstreamTransfer &operator=(const UpstreamTransfer &) = delete;

    // Creates the easy handle and sets every option; an error text if the
    // request cannot be made (bad method, NUL in the URL, ...).
    QString configure(const UpstreamClient::Options &options);
    // Frees the easy handle and header list (the handle must be out of the multi).
    void releaseCurl();
    // Why the transfer ended, from curl's result and what the callbacks saw.
    UpstreamFailure classify(CURLcode code, QString *detail) const;
    bool curlSaysRequestSent() const;
    void noteRequestSent(UpstreamClock::time_point now); // timings.requestSent and .connected

    static size_t onHeader(char *data, size_t size, size_t count, void *self);
    static size_t onBody(char *data, size_t size, size_t count, void *self);
    static int onProgress(void *self, curl_off_t, curl_off_t, curl_off_t, curl_off_t uploaded);
    static curl_socket_t onOpenSocket(void *self, curlsocktype purpose, curl_sockaddr *address);
    bool checkAddresses = true; // Options::checkAddresses, for onOpenSocket

    using UpstreamCall::m_timings;

    UpstreamEngine *engine = nullptr; // null once finished
    CURL *easy = nullptr;             // null once detached from curl
    curl_slist *headerList = nullptr;
    bool inMulti = false;
    UpstreamRequest request; // owns the body curl sends (CURLOPT_POSTFIELDS is not copied)
    UpstreamCallbacks callbacks;
    ResponseHeadParser headParser;
    UpstreamResponseHead head;
    QByteArray pending; // body bytes read, not yet delivered (<= kMaxPendingBytes + one curl write)
    char errorBuffer[CURL_ERROR_SIZE] = {};

    int timerId = 0;        // first-byte or idle watch, on the engine's driver
    bool idlePhase = false; // false: waiting for the first byte; true: watching gaps
    UpstreamClock::time_point lastActivity;

    UpstreamFailure result = UpstreamFailure::None;
    QString detail;
    QString refusedAddress; // the forbidden address we refused to connect to

    bool refused = false;       // the open-socket hook refused an address
    bool malformedHead = false; // the head parser gave up
    bool bytesSent = false;     // some request bytes reached the socket
    bool fullySent = false;     // the whole request did
    bool headReady = false;
    bool headDelivered = false;
    bool transferDone = false; // curl is done with it; `result` is final
    bool finished = false;     // no callback will run any more
    bool paused = false;       // by the user
    bool autoPaused = false;   // by onBody: `pending` is full
    bool curlPaused = false;   // what we last told curl (or it learnt from CURL_WRITEFUNC_PAUSE)
    bool inCallback = false;   // one of this call's callbacks is on the stack
    bool queued = false;       // in the engine's ready queue
};

// The event loop's side: socket activations and timer events. Holds the
// engine weakly and keeps it alive for the length of each handler.
class EngineDriver final : public QObject {
public:
    explicit EngineDriver(std::weak_ptr<UpstreamEngine> engine);
    void socketActivated(curl_socket_t socket, QSocketNotifier *notifier, int select);
    // The engine is gone: delete now, or once the running handler returns.
    void release();

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    struct Busy;
    std::weak_ptr<UpstreamEngine> m_engine;
    int m_busy = 0;
    bool m_released = false;
};

class UpstreamEngine final : public std::enable_shared_from_this<UpstreamEngine> {
public:
    explicit UpstreamEngine(const UpstreamClient::Options &options);
    ~UpstreamEngine();
    UpstreamEngine(const UpstreamEngine &) = delete;
    UpstreamEngine &operator=(const UpstreamEngine &) = delete;

    void init();     // after make_shared: the multi handle and the driver
    void shutdown(); // ~UpstreamClient: cancel everything, close every connection

    std::shared_ptr<UpstreamCall> start(UpstreamRequest request, UpstreamCallbacks callbacks);
    void cancel(UpstreamTransfer &call);
    void pause(UpstreamTransfer &call);
    void resume(UpstreamTransfer &call);
    int inFlight() const { return static_cast<int>(m_calls.size()); }
    int connectionsOpened() const { return m_connectionsOpened; }

    // From EngineDriver.
    void socketActivated(curl_socket_t socket, QSocketNotifier *notifier, int select);
    void timerFired(int timerId);

    // From UpstreamTransfer's curl callbacks (no user code, no multi calls).
    void queue(UpstreamTransfer &call);
    void watchFirstByte(UpstreamTransfer &call);
    void watchIdle(UpstreamTransfer &call);

private:
    // A connection's notifiers live as long as the socket: curl stops watching
    // a pooled connection after every transfer (CURL_POLL_REMOVE) and watches
    // it again on reuse, so they are only disabled then, and deleted when curl
    // closes the socket (onCurlCloseSocket). Sockets curl did not open through
    // onOpenSocket (the resolver's) lose theirs at CURL_POLL_REMOVE.
    struct SocketWatch {
        QSocketNotifier *read = nullptr;
        QSocketNotifier *write = nullptr;
        bool watched = false; // curl wants events now
        // Opened through CURLOPT_OPENSOCKETFUNCTION for a connection, so curl
        // closes it through CURLOPT_CLOSESOCKETFUNCTION and its notifiers may
        // outlive a CURL_POLL_REMOVE (a pooled connection). Other sockets curl
        // reports (the threaded resolver's socketpair) are closed by curl
        // without telling us: their notifiers go at CURL_POLL_REMOVE.
        bool connection = false;
    };

    static int onCurlSocket(CURL *easy, curl_socket_t socket, int what, void *self, void *socketData);
    static int onCurlTimer(CURLM *multi, long timeoutMs, void *self);

public:
    // CURLOPT_CLOSESOCKETFUNCTION (set on every easy handle, kept by curl with
    // the connection): drops the socket's notifiers, then closes it.
    static int onCurlCloseSocket(void *self, curl_socket_t socket);
    // CURLOPT_OPENSOCKETFUNCTION opened `socket` for a connection (see SocketWatch::connection).
    void adoptConnectionSocket(curl_socket_t socket);

private:
    void forgetSocket(curl_socket_t socket);

    void watchSocket(curl_socket_t socket, int what);
    void setNotifier(QSocketNotifier *&notifier, curl_socket_t socket, QSocketNotifier::Type type, bool on);
    void socketAction(curl_socket_t socket, int select);
    void collectDone();
    void callTimerFired(UpstreamTransfer &call);
    // Takes the call out of curl (an unfinished HTTP/1 connection is closed)
    // and records the outcome; delivery follows from dispatch().
    void endTransfer(UpstreamTransfer &call, UpstreamFailure result, const QString &detail);
    void detach(UpstreamTransfer &call);
    void abandon(UpstreamTransfer &call); // cancel() and shutdown(): no callbacks
    void setCurlPaused(UpstreamTransfer &call, bool paused);
    void armCallTimer(UpstreamTransfer &call, std::chrono::milliseconds timeout);
    void stopCallTimer(UpstreamTransfer &call);
    void scheduleDispatch();
    void dispatch();
    void deliver(const std::shared_ptr<UpstreamTransfer> &call);

    const UpstreamClient::Options m_options;
    CURLM *m_multi = nullptr;
    EngineDriver *m_driver = nullptr;
    QThread *m_thread = nullptr;
    std::unordered_map<UpstreamTransfer *, std::shared_ptr<UpstreamTransfer>> m_calls; // not finished
    std::unordered_map<curl_socket_t, SocketWatch> m_sockets;
    std::unordered_map<int, UpstreamTransfer *> m_callTimers;
    std::deque<std::shared_ptr<UpstreamTransfer>> m_ready; // calls with something to deliver
    int m_curlTimer = 0;
    int m_dispatchTimer = 0;
    int m_connectionsOpened = 0;
    bool m_shutDown = false;
};

} // namespace signalbox::engine::detail
