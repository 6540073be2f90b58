#include "engine/sandbox/fakeconnection.h"

#include <QTcpSocket>

#ifdef Q_OS_WIN
#include <winsock2.h>
#else
#include <sys/socket.h>
#endif

namespace signalbox::sandbox {

namespace {
// While a response is being played, further bytes (pipelined requests) wait in
// the inbox; beyond this bound they are dropped rather than buffered.
constexpr qsizetype kMaxInbox = HttpRequestParser::kMaxHeaderBytes + HttpRequestParser::kMaxBodyBytes;
} // namespace

FakeConnection::FakeConnection(QTcpSocket *socket, quint64 id, ConnectionHost *host, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_id(id)
    , m_host(host)
{
    m_socket->setParent(this);
    // Every planned write leaves as soon as it is made: no Nagle coalescing.
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_timer.setSingleShot(true);
    m_timer.setTimerType(Qt::PreciseTimer);
    connect(&m_timer, &QTimer::timeout, this, &FakeConnection::onTimer);
    connect(m_socket, &QTcpSocket::readyRead, this, &FakeConnection::onReadyRead);
    connect(m_socket, &QTcpSocket::bytesWritten, this, &FakeConnection::onBytesWritten);
    connect(m_socket, &QTcpSocket::disconnected, this, &FakeConnection::onClosed);
    connect(m_socket, &QTcpSocket::errorOccurred, this, [this] {
        if (m_socket->state() == QAbstractSocket::UnconnectedState)
            onClosed();
    });
    // Bytes may have arrived before the signals were connected.
    if (m_socket->bytesAvailable() > 0)
        QMetaObject::invokeMethod(this, &FakeConnection::onReadyRead, Qt::QueuedConnection);
}

FakeConnection::~FakeConnection()
{
    m_socket->disconnect(this);
}

void FakeConnection::shutdown()
{
    m_timer.stop();
    m_socket->disconnect(this);
    if (m_host && m_requestId != 0)
        m_host->ended(m_requestId, RequestOutcome::Abandoned);
    m_requestId = 0;
    if (m_host && m_state != State::Closed)
        m_host->connectionClosed(this);
    m_host = nullptr;
    m_state = State::Closed;
    m_socket->abort();
}

void FakeConnection::onReadyRead()
{
    if (m_state == State::Closed)
        return;
    const QByteArray data = m_socket->readAll();
    if (m_inbox.size() + data.size() <= kMaxInbox)
        m_inbox.append(data);
    if (m_state == State::Idle)
        processInbox();
}

void FakeConnection::processInbox()
{
    if (m_state != State::Idle || !m_host || m_inbox.isEmpty())
        return;
    switch (m_parser.feed(m_inbox)) {
    case HttpRequestParser::Status::NeedMore:
        if (m_parser.wantsContinue() && !m_sentContinue) {
            m_sentContinue = true;
            m_socket->write(QByteArrayLiteral("HTTP/1.1 100 Continue\r\n\r\n"));
            m_socket->flush();
        }
        return;
    case HttpRequestParser::Status::Error:
        answerProtocolError(m_parser.errorStatus(), m_parser.errorMessage());
        return;
    case HttpRequestParser::Status::Complete:
        break;
    }
    m_sentContinue = false;
    m_start = FakeClock::now();
    ConnectionHost::Exchange exchange = m_host->begin(m_id, m_parser.takeRequest(), m_start);
    m_requestId = exchange.requestId;
    m_plan = std::move(exchange.plan);
    m_next = 0;
    m_state = State::Playing;
    m_host->started(m_requestId);
    if (m_state == State::Playing) // unless a handler closed the provider meanwhile
        playDue();
}

void FakeConnection::playDue()
{
    while (m_next < m_plan.writes.size()) {
        const PlannedWrite &write = m_plan.writes[m_next];
        const FakeClock::time_point due = m_start + write.at;
        if (due > FakeClock::now()) {
            scheduleAt(due);
            return;
        }
        ++m_next;
        m_socket->write(write.bytes);
        m_socket->flush(); // its own send() now, so events are not merged by us
        if (m_state != State::Playing)
            return; // the write failed and the socket closed
        if (write.kind == PlannedWrite::Kind::Head)
            m_host->headersSent(m_requestId, m_plan.status);
        else if (write.kind == PlannedWrite::Kind::Content)
            m_host->contentEventSent(m_requestId);
    }
    switch (m_plan.end) {
    case PlanEnd::Finish:
        m_state = State::Draining;
        finishIfDrained();
        break;
    case PlanEnd::Hang:
        m_state = State::Hanging; // keep reading, so a client that gives up is seen at once
        break;
    case PlanEnd::Close:
    case PlanEnd::Reset:
        m_state = State::Ending;
        endIfDue();
        break;
    }
}

void FakeConnection::finishIfDrained()
{
    if (m_state != State::Draining || m_socket->bytesToWrite() > 0)
        return;
    const quint64 finished = m_requestId;
    m_requestId = 0;
    m_host->ended(finished, RequestOutcome::Completed);
    if (m_state != State::Draining)
        return;
    if (m_plan.keepAlive) {
        m_state = State::Idle;
        // A pipelined request may already be waiting; answer it from the event loop.
        if (!m_inbox.isEmpty())
            QMetaObject::invokeMethod(this, &FakeConnection::processInbox, Qt::QueuedConnection);
    } else {
        m_state = State::Closing;
        m_socket->disconnectFromHost();
    }
}

void FakeConnection::endIfDue()
{
    if (m_state != State::Ending || m_socket->bytesToWrite() > 0)
        return; // what was planned before the fault must reach the kernel first
    const FakeClock::time_point due = m_start + m_plan.endAt;
    if (due > FakeClock::now()) {
        scheduleAt(due);
        return;
    }
    const quint64 dropped = m_requestId;
    m_requestId = 0;
    m_host->ended(dropped, RequestOutcome::Dropped);
    if (m_state != State::Ending)
        return;
    if (m_plan.end == PlanEnd::Reset) {
        resetSocket();
    } else {
        m_state = State::Closing;
        m_socket->disconnectFromHost();
    }
}

void FakeConnection::onTimer()
{
    if (m_state == State::Playing)
        playDue();
    else if (m_state == State::Ending)
        endIfDue();
}

void FakeConnection::onBytesWritten()
{
    if (m_state == State::Draining)
        finishIfDrained();
    else if (m_state == State::Ending)
        endIfDue();
}

void FakeConnection::scheduleAt(FakeClock::time_point due)
{
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(due - FakeClock::now());
    m_timer.start(qMax(std::chrono::milliseconds(0), wait));
}

void FakeConnection::answerProtocolError(int status, const QByteArray &message)
{
    m_host->protocolError();
    const ResponsePlan plan = errorResponse(status, QString::fromLatin1(message),
                                            QStringLiteral("invalid_request_error"), {}, false);
    m_state = State::Closing;
    m_inbox.clear();
    m_socket->write(plan.writes.front().bytes);
    m_socket->disconnectFromHost();
}

// SO_LINGER {on, 0 s} makes close() discard the connection with a RST instead
// of the FIN handshake. Qt has no socket option for it, so set it natively on
// the descriptor; abort() then closes that descriptor.
void FakeConnection::resetSocket()
{
    const qintptr descriptor = m_socket->socketDescriptor();
    if (descriptor != -1) {
        linger option{};
        option.l_onoff = 1;
        option.l_linger = 0;
#ifdef Q_OS_WIN
        ::setsockopt(static_cast<SOCKET>(descriptor), SOL_SOCKET, SO_LINGER, reinterpret_cast<const char *>(&option),
                     sizeof option);
#else
        ::setsockopt(static_cast<int>(descriptor), SOL_SOCKET, SO_LINGER, &option, sizeof option);
#endif
    }
    m_socket->abort();
    onClosed(); // idempotent: abort() has normally reported the close already
}

void FakeConnection::onClosed()
{
    if (m_state == State::Closed)
        return;
    m_timer.stop();
    m_state = State::Closed;
    if (m_requestId != 0) {
        // The client went away before the response was complete: a cancellation.
        const quint64 cancelled = m_requestId;
        m_requestId = 0;
        m_host->ended(cancelled, RequestOutcome::Cancelled);
        if (!m_host)
            return; // a handler closed the provider, which has forgotten this connection
    }
    m_host->connectionClosed(this);
}

} // namespace signalbox::sandbox
