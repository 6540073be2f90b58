#include "engine/gateway/http/httpconnection.h"

#include "engine/core/logging.h"

#include <QTcpSocket>
#include <QThread>

#include <utility>

#ifdef Q_OS_LINUX
#include <cerrno>
#include <sys/socket.h>
#include <sys/types.h>
#endif

namespace signalbox::engine {

namespace {

// Qt's own read buffer per socket; our parse buffer sits behind it.
constexpr qint64 kSocketReadBufferBytes = 64 * 1024;
// Small bodies go out in the same write as the head.
constexpr qsizetype kCoalesceBodyBytes = 16 * 1024;

bool isFramingHeader(QByteArrayView name)
{
    return httpHeaderNameEquals(name, "content-length") || httpHeaderNameEquals(name, "transfer-encoding")
        || httpHeaderNameEquals(name, "connection");
}

bool isSafeHeaderText(QByteArrayView text)
{
    return !text.contains('\r') && !text.contains('\n');
}

} // namespace

void detail::ResponseChannel::markGone()
{
    if (state == State::Finished || state == State::Gone)
        return;
    state = State::Gone;
    connection = nullptr;
    writableCallbacks.clear();
    auto callbacks = std::exchange(goneCallbacks, {});
    for (auto &callback : callbacks) {
        if (callback)
            callback();
    }
}

HttpConnection::HttpConnection(qintptr descriptor, const HttpLimits &limits, HttpHandler *handler,
                               QObject *parent)
    : QObject(parent), m_limits(limits), m_handler(handler), m_socket(new QTcpSocket(this)), m_parser(limits)
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &HttpConnection::onTimeout);
    m_headTimer.setSingleShot(true);
    m_headTimer.setInterval(0);
    connect(&m_headTimer, &QTimer::timeout, this, &HttpConnection::flushHeldHead);
    if (!m_socket->setSocketDescriptor(descriptor)) {
        qCWarning(lcGateway) << "cannot adopt an accepted socket:" << m_socket->errorString();
        m_phase = Phase::Closed;
        return;
    }
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_socket->setReadBufferSize(kSocketReadBufferBytes);
    m_peerAddress = m_socket->peerAddress();
    m_peerPort = m_socket->peerPort();
    connect(m_socket, &QTcpSocket::readyRead, this, &HttpConnection::onReadyRead);
    connect(m_socket, &QTcpSocket::bytesWritten, this, &HttpConnection::onBytesWritten);
    connect(m_socket, &QTcpSocket::disconnected, this, &HttpConnection::closeNow);
    // The first request's header clock starts at accept (slowloris).
    startTimer(m_limits.headerTimeout);
}

HttpConnection::~HttpConnection()
{
    if (m_channel) {
        auto channel = std::exchange(m_channel, nullptr);
        channel->connection = nullptr;
        channel->markGone();
    }
}

void HttpConnection::startTimer(std::chrono::milliseconds timeout)
{
    m_timer.start(timeout);
}

void HttpConnection::reject(HttpError error)
{
    if (m_phase == Phase::Closed)
        return;
    failRequest(error);
}

void HttpConnection::beginShutdown()
{
    m_closeAfterResponse = true;
    switch (m_phase) {
    case Phase::Idle:
    case Phase::Head:
    case Phase::Body:
        closeNow();
        break;
    case Phase::Dispatched:
    case Phase::Closing:
    case Phase::Closed:
        break;
    }
}

void HttpConnection::abortNow()
{
    closeNow();
}

void HttpConnection::onReadyRead()
{
    readIntoBuffer();
    if (m_phase == Phase::Idle || m_phase == Phase::Head || m_phase == Phase::Body)
        pump();
}

void HttpConnection::readIntoBuffer()
{
    switch (m_phase) {
    case Phase::Idle:
    case Phase::Head:
    case Phase::Body:
        m_buffer += m_socket->readAll();
        break;
    case Phase::Dispatched: {
        // Pipelined requests: read ahead up to the bound, leave the rest to the kernel.
        const qint64 room = m_limits.maxPipelinedBytes - m_buffer.size();
        if (room > 0)
            m_buffer += m_socket->read(room);
        break;
    }
    case Phase::Closing:
        m_socket->readAll(); // discarded: the client reads our response instead of a reset
        break;
    case Phase::Closed:
        break;
    }
}

void HttpConnection::pump()
{
    while (!m_buffer.isEmpty()
           && (m_phase == Phase::Idle || m_phase == Phase::Head || m_phase == Phase::Body)) {
        if (m_phase == Phase::Idle) {
            m_phase = Phase::Head;
            if (m_servedAny)
                startTimer(m_limits.headerTimeout);
        }
        const auto outcome = m_parser.feed(m_buffer.constData(), m_buffer.size());
        if (outcome.consumed >= m_buffer.size())
            m_buffer.clear();
        else if (outcome.consumed > 0)
            m_buffer.remove(0, outcome.consumed);

        if (outcome.status == HttpRequestParser::Status::Failed) {
            failRequest(m_parser.error());
            return;
        }
        if (m_phase == Phase::Head && m_parser.headersComplete()) {
            m_phase = Phase::Body;
            startTimer(m_limits.bodyIdleTimeout);
        } else if (m_phase == Phase::Body && outcome.consumed > 0) {
            startTimer(m_limits.bodyIdleTimeout);
        }
        if (outcome.status == HttpRequestParser::Status::Complete) {
            dispatch(m_parser.takeRequest());
            return;
        }
        if (m_parser.expectsContinue() && !m_sentContinue) {
            m_sentContinue = true;
            m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
            m_socket->flush();
        }
        if (outcome.consumed == 0)
            break; // defensive: never spin
    }
}

void HttpConnection::dispatch(std::shared_ptr<HttpRequest> request)
{
    m_timer.stop();
    m_phase = Phase::Dispatched;
    m_servedAny = true;
    m_sentContinue = false;
    request->peerAddress = m_peerAddress;
    request->peerPort = m_peerPort;
    m_keepAlive = request->keepAlive;
    m_headRequest = request->method == "HEAD";
    m_http10 = request->versionMajor == 1 && request->versionMinor == 0;

    auto channel = std::make_shared<detail::ResponseChannel>();
    channel->connection = this;
    channel->thread = thread();
    m_channel = channel;
    if (!m_handler) {
        sendResponse(*channel, 503, {},
                     openAiErrorBody("No handler is installed.", "server_error", "no_handler"));
        return;
    }
    m_handler->handle(std::move(request), HttpResponder(std::move(channel)));
}

void HttpConnection::failRequest(HttpError error)
{
    const auto &mapping = httpErrorMapping(error);
    m_keepAlive = false;
    m_headRequest = false;
    m_http10 = false;
    if (m_channel) { // cannot happen while parsing, but never leave a handler hanging
        auto channel = std::exchange(m_channel, nullptr);
        channel->connection = nullptr;
        channel->markGone();
    }
    const HttpHeaders headers{{QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")}};
    const QByteArray body = openAiErrorBody(mapping.message, mapping.type, mapping.code);
    if (m_handler) {
        HttpRefusal refusal;
        refusal.status = mapping.status;
        refusal.code = mapping.code;
        refusal.message = mapping.message;
        refusal.peerAddress = m_peerAddress;
        refusal.firstByteAt = HttpRequest::Clock::now();
        if (const HttpRequest *partial = m_parser.partialRequest()) {
            refusal.method = partial->method;
            refusal.path = partial->path.isEmpty() ? partial->target.left(partial->target.indexOf('?')) : partial->path;
            refusal.firstByteAt = partial->firstByteAt;
        }
        m_handler->refused(refusal);
    }
    m_closeAfterResponse = true;
    writeHead(mapping.status, headers, QByteArray("Content-Length: " + QByteArray::number(body.size()) + "\r\n"),
              body);
    m_buffer.clear();
    const bool inputDone = error == HttpError::HeaderTimeout || error == HttpError::BodyTimeout;
    if (inputDone) {
        closeAfterFlush();
    } else {
        // Linger: keep discarding what the client still sends until it closes
        // (it has our "Connection: close") or the linger time is over.
        m_phase = Phase::Closing;
        startTimer(m_limits.lingerTimeout);
        m_socket->flush();
        m_socket->readAll();
    }
}

QByteArray HttpConnection::buildHead(int status, const HttpHeaders &headers, QByteArrayView framing,
                                     qsizetype reserveExtra)
{
    const bool closing = !m_keepAlive || m_closeAfterResponse;
    QByteArray head;
    head.reserve(160 + reserveExtra);
    head += "HTTP/1.1 ";
    head += QByteArray::number(status);
    head += ' ';
    head += httpReasonPhrase(status);
    head += "\r\n";
    for (const auto &[name, value] : headers) {
        if (name.isEmpty() || isFramingHeader(name) || !isSafeHeaderText(name) || !isSafeHeaderText(value))
            continue;
        head += name;
        head += ": ";
        head += value;
        head += "\r\n";
    }
    head += framing;
    if (closing)
        head += "Connection: close\r\n";
    else if (m_http10)
        head += "Connection: keep-alive\r\n";
    head += "\r\n";
    return head;
}

void HttpConnection::writeHead(int status, const HttpHeaders &headers, QByteArrayView framing, QByteArrayView body)
{
    const bool coalesce = !body.isEmpty() && body.size() <= kCoalesceBodyBytes;
    QByteArray head = buildHead(status, headers, framing, coalesce ? body.size() : 0);
    if (coalesce)
        head += body;
    writeOut(head);
    if (!coalesce && !body.isEmpty())
        writeOut(body);
}

void HttpConnection::writeOut(QByteArrayView bytes)
{
    if (m_batching) {
        m_batch += bytes;
        return;
    }
#ifdef Q_OS_LINUX
    // Straight into the kernel while Qt holds nothing for this socket: a
    // buffered QTcpSocket::write() enables the socket's write notifier and
    // disables it again once flushed, and every notifier change costs the
    // event loop a wake-up write and an extra poll() turn. What the kernel
    // does not take goes to Qt's buffer (backpressure as before); order is
    // kept because we only bypass an empty buffer.
    if (m_socket->bytesToWrite() == 0) {
        const auto fd = static_cast<int>(m_socket->socketDescriptor());
        qsizetype sent = 0;
        while (fd >= 0 && sent < bytes.size()) {
            const ssize_t n = ::send(fd, bytes.data() + sent, static_cast<size_t>(bytes.size() - sent),
                                     MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0)
                sent += n;
            else if (!(n < 0 && errno == EINTR))
                break; // full (EAGAIN) or broken: Qt's write path takes over and reports errors
        }
        bytes = bytes.sliced(sent);
    }
#endif
    if (!bytes.isEmpty())
        m_socket->write(bytes.data(), bytes.size());
}

void HttpConnection::flushHeldHead()
{
    if (m_heldHead.isEmpty() || m_phase == Phase::Closed)
        return;
    writeOut(std::exchange(m_heldHead, QByteArray()));
    m_socket->flush();
}

bool HttpConnection::owns(const detail::ResponseChannel &channel, detail::ResponseChannel::State state) const
{
    Q_ASSERT_X(QThread::currentThread() == thread(), "HttpResponder",
               "responders must be used on the worker thread that called the handler");
    return m_phase == Phase::Dispatched && m_channel.get() == &channel && channel.state == state;
}

bool HttpConnection::sendResponse(detail::ResponseChannel &channel, int status, const HttpHeaders &headers,
                                  const QByteArray &body)
{
    if (!owns(channel, detail::ResponseChannel::State::Pending))
        return false;
    const QByteArray framing = "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    writeHead(status, headers, framing, m_headRequest ? QByteArrayView() : QByteArrayView(body));
    m_socket->flush();
    channel.state = detail::ResponseChannel::State::Finished;
    finishExchange();
    return true;
}

bool HttpConnection::sendStreamHead(detail::ResponseChannel &channel, int status, const HttpHeaders &headers)
{
    if (!owns(channel, detail::ResponseChannel::State::Pending))
        return false;
    // HTTP/1.0 has no chunked coding: the body ends when the connection does.
    m_chunked = !m_http10;
    if (!m_chunked)
        m_keepAlive = false;
    // Held for the first chunk, so head and first event leave in one send().
    m_heldHead = buildHead(status, headers,
                           m_chunked ? QByteArrayView("Transfer-Encoding: chunked\r\n") : QByteArrayView(), 0);
    m_headTimer.start();
    channel.state = detail::ResponseChannel::State::Streaming;
    return true;
}

bool HttpConnection::sendChunk(detail::ResponseChannel &channel, QByteArrayView data)
{
    if (!owns(channel, detail::ResponseChannel::State::Streaming))
        return false;
    if (data.isEmpty() || m_headRequest)
        return true;
    QByteArray framed = std::exchange(m_heldHead, QByteArray());
    framed.reserve(framed.size() + data.size() + 12);
    if (m_chunked) {
        framed += QByteArray::number(data.size(), 16);
        framed += "\r\n";
        framed += data;
        framed += "\r\n";
    } else {
        framed += data;
    }
    sendStreamBytes(channel, framed);
    return true;
}

void HttpConnection::sendStreamBytes(detail::ResponseChannel &channel, QByteArrayView bytes)
{
    writeOut(bytes); // while batching: into the batch
    m_socket->flush();
    if (m_socket->bytesToWrite() >= m_limits.writeHighWaterBytes)
        channel.waitingWritable = true;
}

void HttpConnection::beginBatch(detail::ResponseChannel &channel)
{
    if (owns(channel, detail::ResponseChannel::State::Streaming))
        m_batching = true;
}

void HttpConnection::endBatch(detail::ResponseChannel &channel)
{
    if (!m_batching || !owns(channel, detail::ResponseChannel::State::Streaming))
        return;
    m_batching = false;
    if (!m_batch.isEmpty())
        sendStreamBytes(channel, std::exchange(m_batch, QByteArray()));
}

bool HttpConnection::sendStreamEnd(detail::ResponseChannel &channel)
{
    if (!owns(channel, detail::ResponseChannel::State::Streaming))
        return false;
    QByteArray last = std::exchange(m_batch, QByteArray()); // the end closes any batch
    m_batching = false;
    last += std::exchange(m_heldHead, QByteArray());
    if (m_chunked && !m_headRequest)
        last += "0\r\n\r\n";
    if (!last.isEmpty())
        writeOut(last);
    m_socket->flush();
    channel.state = detail::ResponseChannel::State::Finished;
    finishExchange();
    return true;
}

qint64 HttpConnection::bufferedBytes() const
{
    return m_socket->bytesToWrite() + m_heldHead.size() + m_batch.size();
}

void HttpConnection::onBytesWritten()
{
    auto *channel = m_channel.get();
    if (!channel || !channel->waitingWritable || m_socket->bytesToWrite() > m_limits.writeLowWaterBytes)
        return;
    channel->waitingWritable = false;
    const auto callbacks = channel->writableCallbacks; // a callback may register another
    for (const auto &callback : callbacks) {
        if (callback)
            callback();
    }
}

void HttpConnection::finishExchange()
{
    if (m_channel) {
        m_channel->connection = nullptr;
        m_channel->writableCallbacks.clear();
        m_channel->goneCallbacks.clear();
        m_channel.reset();
    }
    m_chunked = false;
    if (!m_keepAlive || m_closeAfterResponse) {
        closeAfterFlush();
        return;
    }
    m_phase = Phase::Idle;
    startTimer(m_limits.keepAliveTimeout);
    // Continue with pipelined bytes from the event loop, not from inside the
    // handler's call stack. With none (the usual case) readyRead brings the
    // next request: no posted event, which would cost a wake-up write.
    if (!m_buffer.isEmpty() || m_socket->bytesAvailable() > 0)
        QMetaObject::invokeMethod(this, &HttpConnection::resume, Qt::QueuedConnection);
}

void HttpConnection::resume()
{
    if (m_phase != Phase::Idle)
        return;
    readIntoBuffer();
    pump();
}

void HttpConnection::closeAfterFlush()
{
    m_phase = Phase::Closing;
    startTimer(m_limits.lingerTimeout);
    m_socket->disconnectFromHost(); // may emit disconnected -> closeNow() right here
}

void HttpConnection::onTimeout()
{
    switch (m_phase) {
    case Phase::Idle:
        if (!m_servedAny && !m_buffer.isEmpty())
            failRequest(HttpError::HeaderTimeout);
        else
            closeNow(); // keep-alive over, or a connection that never spoke
        break;
    case Phase::Head:
        failRequest(HttpError::HeaderTimeout);
        break;
    case Phase::Body:
        failRequest(HttpError::BodyTimeout);
        break;
    case Phase::Closing:
        closeNow();
        break;
    case Phase::Dispatched:
    case Phase::Closed:
        break;
    }
}

void HttpConnection::closeNow()
{
    if (m_phase == Phase::Closed)
        return;
    m_phase = Phase::Closed;
    m_timer.stop();
    m_headTimer.stop();
    m_heldHead.clear();
    m_socket->disconnect(this);
    m_socket->abort();
    if (auto channel = std::exchange(m_channel, nullptr)) {
        channel->connection = nullptr;
        channel->markGone(); // the handler aborts its upstream call here
    }
    emit finished(this);
}

} // namespace signalbox::engine
