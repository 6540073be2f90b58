#pragma once

// Stage 3 of the inbound pipeline: the handler's handle on one response.
//
// An HttpResponder is a small copyable handle on shared state. It stays safe
// to use after the client has gone or the connection was destroyed: writes
// then return false and do nothing. Every call must be made on the worker
// thread that invoked the handler (the connection's thread); debug builds
// assert it.

#include "engine/gateway/http/httprequest.h"

#include <QByteArray>
#include <QByteArrayView>

#include <functional>
#include <memory>

namespace signalbox::engine {

namespace detail {
struct ResponseChannel;
}

class HttpResponder {
public:
    HttpResponder() = default;

    bool isValid() const { return m_channel != nullptr; }
    // The client disconnected (or the server aborted the connection at the end
    // of its shutdown grace) before the response completed.
    bool isClientGone() const;
    // The whole response has been handed to the socket (or dropped).
    bool isFinished() const;
    bool isStreaming() const;

    // A complete response with Content-Length. The server adds Content-Length
    // and Connection; framing headers the handler passes (Content-Length,
    // Transfer-Encoding, Connection) are ignored.
    bool respond(int status, const HttpHeaders &headers, const QByteArray &body);
    // respond() with an OpenAI-shaped JSON error body.
    bool respondError(int status, QByteArrayView code, QByteArrayView message,
                      QByteArrayView type = "invalid_request_error");

    // A streamed response: chunked transfer coding for HTTP/1.1 clients,
    // raw bytes then close for HTTP/1.0 ones. Each chunk is flushed to the
    // socket at once (Nagle is off).
    bool beginStream(int status, const HttpHeaders &headers);
    bool writeChunk(QByteArrayView data); // an empty chunk is ignored, never a terminator
    bool endStream();
    // Chunks written between these two leave in one send() at endBatch() (or
    // at endStream(), which closes a batch): for events that arrived
    // together, so that ten events cost one system call, not ten. Never keep
    // a batch open across event-loop turns: that would hold events back.
    void beginBatch();
    void endBatch();

    // Backpressure: bytes queued in user space for this connection. At or
    // above HttpLimits::writeHighWaterBytes isWritable() is false; after
    // that, onWritable's callbacks run once the queue drains to
    // HttpLimits::writeLowWaterBytes.
    qint64 bufferedBytes() const;
    bool isWritable() const;
    void onWritable(std::function<void()> callback);

    // Runs on the worker thread as soon as the client disconnects before the
    // response finished (at once if it already has). Use it to abort the
    // upstream call. Never runs after the response finished normally.
    void onClientGone(std::function<void()> callback);

private:
    friend class HttpConnection;
    explicit HttpResponder(std::shared_ptr<detail::ResponseChannel> channel) : m_channel(std::move(channel)) {}
    std::shared_ptr<detail::ResponseChannel> m_channel;
};

} // namespace signalbox::engine
