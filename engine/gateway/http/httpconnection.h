#pragma once

// Internal to engine/gateway/http: one accepted TCP connection on one worker
// thread. It reads and parses requests (stage 1), enforces the timeouts of
// HttpLimits, hands complete requests to the handler one at a time (stage 2)
// and frames what the handler answers through HttpResponder (stage 3).
// Everything here runs on the worker thread that owns the socket.

#include "engine/gateway/http/httphandler.h"
#include "engine/gateway/http/httplimits.h"
#include "engine/gateway/http/httprequestparser.h"
#include "engine/gateway/http/httpresponder.h"

#include <QByteArray>
#include <QHostAddress>
#include <QObject>
#include <QTimer>

#include <functional>
#include <memory>
#include <vector>

class QTcpSocket;
class QThread;

namespace signalbox::engine {

class HttpConnection;

namespace detail {

// What an HttpResponder points at. Owned jointly by the connection (while the
// exchange runs) and by every copy of the responder; `connection` is cleared
// as soon as the connection lets go of the exchange, so a late write finds
// nullptr instead of a dangling pointer. Touched only on `thread`.
struct ResponseChannel {
    enum class State { Pending, Streaming, Finished, Gone };
    HttpConnection *connection = nullptr;
    QThread *thread = nullptr;
    State state = State::Pending;
    bool waitingWritable = false;
    std::vector<std::function<void()>> goneCallbacks;
    std::vector<std::function<void()>> writableCallbacks;

    void markGone();
};

} // namespace detail

class HttpConnection final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpConnection)
public:
    // Takes over an accepted descriptor; isOpen() is false if that failed.
    HttpConnection(qintptr descriptor, const HttpLimits &limits, HttpHandler *handler, QObject *parent);
    ~HttpConnection() override;

    bool isOpen() const { return m_phase != Phase::Closed; }
    // Answer `error` without reading a request and close (max connections).
    void reject(HttpError error);
    // Server stopping: close now if no request is with the handler, else close
    // after its response.
    void beginShutdown();
    // Close at once; an unfinished exchange sees onClientGone.
    void abortNow();

    // HttpResponder's back end.
    bool sendResponse(detail::ResponseChannel &channel, int status, const HttpHeaders &headers,
                      const QByteArray &body);
    bool sendStreamHead(detail::ResponseChannel &channel, int status, const HttpHeaders &headers);
    bool sendChunk(detail::ResponseChannel &channel, QByteArrayView data);
    bool sendStreamEnd(detail::ResponseChannel &channel);
    // Chunks between these leave in one send() (HttpResponder::beginBatch).
    void beginBatch(detail::ResponseChannel &channel);
    void endBatch(detail::ResponseChannel &channel);
    qint64 bufferedBytes() const;
    qint64 writeHighWater() const { return m_limits.writeHighWaterBytes; }

Q_SIGNALS:
    // The socket is closed; the owner deletes the connection later.
    void finished(signalbox::engine::HttpConnection *connection);

private:
    enum class Phase {
        Idle,       // waiting for the first byte of a request
        Head,       // request line and headers arriving
        Body,       // body arriving
        Dispatched, // the handler owns the exchange
        Closing,    // a final response is being flushed; input is discarded
        Closed,
    };

    void onReadyRead();
    void onBytesWritten();
    void onTimeout();
    void readIntoBuffer();
    void pump();
    void resume();
    void dispatch(std::shared_ptr<HttpRequest> request);
    void failRequest(HttpError error);
    void writeHead(int status, const HttpHeaders &headers, QByteArrayView framing, QByteArrayView body = {});
    QByteArray buildHead(int status, const HttpHeaders &headers, QByteArrayView framing, qsizetype reserveExtra);
    void flushHeldHead();
    void writeOut(QByteArrayView bytes);
    // A stream's bytes out (or into the batch), flushed, high water noted.
    void sendStreamBytes(detail::ResponseChannel &channel, QByteArrayView bytes);
    void finishExchange();
    void closeAfterFlush();
    void closeNow();
    void startTimer(std::chrono::milliseconds timeout);
    bool owns(const detail::ResponseChannel &channel, detail::ResponseChannel::State state) const;

    const HttpLimits m_limits;
    HttpHandler *m_handler;
    QTcpSocket *m_socket;
    HttpRequestParser m_parser;
    QTimer m_timer;
    // A stream's head waits for its first chunk (one send() for both); the
    // zero timer sends it alone if no chunk follows in this event-loop turn.
    QByteArray m_heldHead;
    // Stream bytes collected between beginBatch() and endBatch() (or the
    // stream's end); writeOut() appends here while m_batching.
    QByteArray m_batch;
    bool m_batching = false;
    QTimer m_headTimer;
    QByteArray m_buffer; // read, not yet parsed
    QHostAddress m_peerAddress;
    quint16 m_peerPort = 0;
    std::shared_ptr<detail::ResponseChannel> m_channel;
    Phase m_phase = Phase::Idle;
    bool m_servedAny = false;
    bool m_keepAlive = true;
    bool m_headRequest = false;
    bool m_http10 = false;
    bool m_chunked = false;
    bool m_closeAfterResponse = false;
    bool m_sentContinue = false;
};

} // namespace signalbox::engine
