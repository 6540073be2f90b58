#pragma once

// engine/gateway/upstream: the gateway's outbound HTTP client, the one place
// that talks to LLM providers. libcurl's multi interface driven by the calling
// thread's Qt event loop (socket notifiers + one timer), with connection reuse,
// HTTP/2 over TLS, per-phase timeouts, pause/resume for backpressure,
// synchronous cancellation and a DNS-rebinding guard on every address it
// connects to. Why libcurl and not QNetworkAccessManager: docs/http-stack.md,
// "Upstream: libcurl multi vs QNetworkAccessManager".
//
// Threading: an UpstreamClient and every UpstreamCall it returns are used on
// the one thread that created the client, whose event loop must run. No
// locks; one client per worker thread.
//
// Callbacks never run from inside a method of this API (start, cancel, pause,
// resume, ~UpstreamClient); they run from the event loop. Inside a callback
// everything is allowed: cancel or pause any call, start new ones, drop the
// last handle to the call, destroy the client.

#include "engine/gateway/http/httprequest.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <chrono>
#include <functional>
#include <memory>

namespace signalbox::engine {

enum class UpstreamFailure {
    None,             // the complete body arrived (any HTTP status: 4xx/5xx are answers, not failures)
    Resolve,          // the host name did not resolve
    Connect,          // no address accepted the connection (refused, unreachable)
    Tls,              // TLS handshake or certificate verification failed
    ForbiddenAddress, // no connection: an address the host resolved to was refused because
                      // isForbiddenAddress() holds for it (checkAddresses); nothing was sent there
    ConnectTimeout,   // resolve + connect + TLS handshake took longer than connectTimeout
    FirstByteTimeout, // no status line within firstByteTimeout after the request was sent
    IdleTimeout,      // the response went silent for idleTimeout (not counted while paused)
    TotalTimeout,     // the whole exchange took longer than totalTimeout
    Reset,            // the connection was reset (RST, at any point), or closed before any response byte
    Protocol,         // a malformed or truncated response (body shorter than announced, bad chunking,
                      // HTTP/2 framing), an invalid URL, method or scheme
    Cancelled,        // never passed to onFinished; what failure() reports after cancel()
};

// "none", "resolve", "connect", "tls", "forbidden-address", "connect-timeout",
// "first-byte-timeout", "idle-timeout", "total-timeout", "reset", "protocol",
// "cancelled": stable words for logs, metrics and usage records.
QByteArray upstreamFailureName(UpstreamFailure failure);

struct UpstreamRequest {
    QByteArray url; // absolute http:// or https:// URL
    QByteArray method = "POST";
    // Sent as given, in this order. The client owns framing and routing
    // headers: Host, Content-Length, Transfer-Encoding, Connection, Keep-Alive,
    // Proxy-Connection, Upgrade, TE and Expect given here are dropped, as are
    // lines containing CR, LF or NUL. Nothing is added except Host and
    // Content-Length: no Accept, no User-Agent, no Expect, no Accept-Encoding,
    // no form Content-Type.
    HttpHeaders headers;
    QByteArray body;
    // Zero or negative: no limit of our own (for connectTimeout: curl's 300 s).
    std::chrono::milliseconds connectTimeout{10'000};
    std::chrono::milliseconds firstByteTimeout{120'000}; // request fully sent -> first response byte (status line)
    std::chrono::milliseconds idleTimeout{60'000};       // longest gap between two body reads once the response started
    std::chrono::milliseconds totalTimeout{600'000};
};

struct UpstreamResponseHead {
    int status = 0;
    HttpHeaders headers; // names as received (HTTP/2: lower case), values trimmed
    int httpVersion = 11; // 10, 11, 20
};

// steady_clock points; default-constructed = did not happen.
struct UpstreamTimings {
    std::chrono::steady_clock::time_point started;     // start() was called
    std::chrono::steady_clock::time_point connected;   // connection ready (TCP, plus TLS for https); reused: ~started
    std::chrono::steady_clock::time_point requestSent; // the whole request was handed to the socket
    std::chrono::steady_clock::time_point firstByte;   // the status line arrived
    std::chrono::steady_clock::time_point finished;    // the exchange ended (complete, failed or cancelled)
};

namespace detail {
class UpstreamEngine;
struct UpstreamTransfer;
} // namespace detail

// Handle for one in-flight request; used only on the thread that started it.
// The client keeps the call alive until it has finished: dropping every
// handle does not cancel it (call cancel()). After the call finished, the
// handle stays valid (and its methods harmless) for as long as it is held,
// even after the client is gone.
class UpstreamCall {
public:
    // Synchronous: the transfer is detached before cancel() returns and its
    // HTTP/1 connection closed (not returned to the pool; the provider sees
    // FIN or RST); an HTTP/2 stream is reset instead, the connection stays.
    // No callback runs afterwards, not even one already due. No-op once
    // finished. Callbacks are released (their captures destroyed) at once,
    // or when the callback currently running returns.
    void cancel();
    // Backpressure: while paused no onData (or onFinished; onHead still is)
    // is delivered and curl stops reading the socket, so TCP flow control
    // reaches the provider. The idle timeout does not count while paused;
    // the total timeout does. resume() delivers what is pending from the
    // event loop.
    void pause();
    void resume();
    bool isPaused() const;
    // True once any byte of the request was written to the socket (the
    // provider may bill). False after Resolve, Connect, ConnectTimeout, Tls,
    // ForbiddenAddress and before the connection is ready; conservative
    // (true) when in doubt after that.
    bool requestMayHaveBeenSent() const;
    const UpstreamTimings &timings() const;
    // True once no callback will run any more: onFinished has been called, or
    // cancel() was called, or the client was destroyed.
    bool isFinished() const;
    // Once isFinished(): what onFinished was given, or Cancelled.
    UpstreamFailure failure() const;

protected:
    UpstreamCall() = default;
    ~UpstreamCall() = default;
    UpstreamCall(const UpstreamCall &) = delete;
    UpstreamCall &operator=(const UpstreamCall &) = delete;

    UpstreamTimings m_timings;
};

struct UpstreamCallbacks {
    // Once, when the final (non-1xx) header block is complete.
    std::function<void(const UpstreamResponseHead &)> onHead;
    // Body bytes as they arrive, de-chunked, undecoded: what one event-loop
    // pass read (at most UpstreamClient::kMaxPendingBytes), never held back to
    // fill anything. The view is valid during the call only.
    std::function<void(QByteArrayView)> onData;
    // Exactly once (unless cancel() was called or the client destroyed), after
    // the last onData. None = complete body received. `detail` is for logs:
    // curl's reason, host and port, never a request header (keys!) or body.
    std::function<void(UpstreamFailure, const QString &detail)> onFinished;
};

// One per worker thread; owns a CURLM; not thread-safe; lives on the thread
// whose event loop drives it.
class UpstreamClient final {
public:
    struct Options {
        int maxConnectionsPerHost = 64; // beyond it, calls wait in curl for a free connection
        int maxTotalConnections = 512;  // also the size of the idle-connection pool
        bool checkAddresses = true;     // refuse addresses for which isForbiddenAddress() holds
    };
    // Body bytes one call holds for delivery at most (unless a single read curl
    // hands over is larger: 16 KiB); past it, curl is paused until they are
    // delivered. Bounds what one onData carries.
    static constexpr qsizetype kMaxPendingBytes = 256 * 1024;

    UpstreamClient();
    explicit UpstreamClient(Options options);
    ~UpstreamClient(); // cancels everything still in flight, without callbacks
    UpstreamClient(const UpstreamClient &) = delete;
    UpstreamClient &operator=(const UpstreamClient &) = delete;

    // Never fails synchronously: an unusable request finishes with Protocol
    // from the event loop. Callbacks start running once control returns to it.
    std::shared_ptr<UpstreamCall> start(UpstreamRequest request, UpstreamCallbacks callbacks);
    // Calls started and not finished (see UpstreamCall::isFinished()).
    int inFlight() const;
    // TCP (or TLS) connections this client has opened so far; with reuse,
    // far fewer than the calls it made.
    int connectionsOpened() const;

private:
    std::shared_ptr<detail::UpstreamEngine> d;
};

} // namespace signalbox::engine
