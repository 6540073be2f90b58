#include "tests/support/fakeprovider/rawhttpclient.h"

#include <QTcpSocket>

namespace signalbox::testing {

RawHttpClient::RawHttpClient(QObject *parent)
    : QObject(parent)
    , m_socket(new QTcpSocket(this))
{
    connect(m_socket, &QTcpSocket::connected, this, [this] {
        m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        if (!m_pending.isEmpty())
            send(std::exchange(m_pending, {}));
    });
    connect(m_socket, &QTcpSocket::readyRead, this, &RawHttpClient::onReadyRead);
    connect(m_socket, &QTcpSocket::disconnected, this, &RawHttpClient::onClosed);
    connect(m_socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError error) {
        m_error = error;
        if (m_socket->state() == QAbstractSocket::UnconnectedState)
            onClosed();
    });
}

RawHttpClient::~RawHttpClient()
{
    m_socket->disconnect(this);
}

QByteArray RawHttpClient::buildRequest(const QByteArray &method, const QByteArray &path, const QByteArray &body,
                                       const HttpHeaders &headers)
{
    QByteArray request = method + ' ' + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (!body.isEmpty() || method == "POST") {
        request += "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n";
    }
    for (const auto &[name, value] : headers)
        request += name + ": " + value + "\r\n";
    request += "\r\n";
    request += body;
    return request;
}

void RawHttpClient::connectToPort(quint16 port, const QHostAddress &host)
{
    m_socket->connectToHost(host, port);
}

bool RawHttpClient::isConnected() const
{
    return m_socket->state() == QAbstractSocket::ConnectedState;
}

void RawHttpClient::send(const QByteArray &bytes)
{
    if (!isConnected()) {
        m_pending.append(bytes);
        return;
    }
    m_sentAt = Clock::now();
    m_socket->write(bytes);
    m_socket->flush();
}

void RawHttpClient::abort()
{
    m_socket->disconnect(this); // our own close is not the peer's
    m_socket->abort();
    m_closedAt = Clock::now();
}

void RawHttpClient::nextResponse()
{
    m_raw.clear();
    m_state = State::Head;
    m_framing = Framing::None;
    m_remaining = 0;
    m_status = 0;
    m_headers.clear();
    m_body.clear();
    m_eventScan = 0;
    m_chunks.clear();
    m_events.clear();
    m_reads = 0;
    m_continues = 0;
    m_headAt.reset();
    m_completedAt.reset();
    decode();
}

void RawHttpClient::onReadyRead()
{
    const QByteArray data = m_socket->readAll();
    if (data.isEmpty())
        return;
    ++m_reads;
    m_raw.append(data);
    m_buffer.append(data);
    decode();
    Q_EMIT progressed();
}

void RawHttpClient::onClosed()
{
    if (m_peerClosed)
        return;
    // Bytes that arrived together with the close are still in the socket.
    if (m_socket->bytesAvailable() > 0)
        onReadyRead();
    m_peerClosed = true;
    m_closedAt = Clock::now();
    if (m_state == State::Body && m_framing == Framing::Close) {
        m_state = State::Complete;
        m_completedAt = m_closedAt;
    }
    Q_EMIT progressed();
}

void RawHttpClient::decode()
{
    while (m_state == State::Head) {
        if (!decodeHead())
            break;
    }
    if (m_state == State::Body)
        decodeBody();
    if (m_state == State::Complete && !m_completedAt)
        m_completedAt = Clock::now();
}

bool RawHttpClient::decodeHead()
{
    const qsizetype end = m_buffer.indexOf("\r\n\r\n");
    if (end < 0)
        return false;
    const QList<QByteArray> lines = m_buffer.left(end).split('\n');
    m_buffer.remove(0, end + 4);
    const QByteArray statusLine = lines.first().trimmed();
    if (!statusLine.startsWith("HTTP/1.") || statusLine.size() < 12) {
        m_state = State::Error;
        return false;
    }
    const int status = statusLine.mid(9, 3).toInt();
    if (status >= 100 && status < 200) {
        ++m_continues; // interim response; the real one follows
        return true;
    }
    m_status = status;
    m_headAt = Clock::now();
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines.at(i).trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon > 0)
            m_headers.append({line.left(colon), line.mid(colon + 1).trimmed()});
    }
    m_state = State::Body;
    if (header("Transfer-Encoding").toLower().contains("chunked")) {
        m_framing = Framing::Chunked;
    } else if (!header("Content-Length").isEmpty()) {
        m_framing = Framing::Length;
        m_remaining = header("Content-Length").toLongLong();
        if (m_remaining == 0)
            m_state = State::Complete;
    } else if (m_status == 204 || m_status == 304) {
        m_state = State::Complete;
    } else {
        m_framing = Framing::Close;
    }
    return true;
}

void RawHttpClient::decodeBody()
{
    switch (m_framing) {
    case Framing::Length: {
        const qsizetype take = static_cast<qsizetype>(qMin<qint64>(m_remaining, m_buffer.size()));
        m_body.append(m_buffer.left(take));
        m_buffer.remove(0, take);
        m_remaining -= take;
        if (m_remaining == 0)
            m_state = State::Complete;
        break;
    }
    case Framing::Close:
        m_body.append(m_buffer);
        m_buffer.clear();
        break;
    case Framing::Chunked:
        while (m_state == State::Body) {
            const qsizetype lineEnd = m_buffer.indexOf("\r\n");
            if (lineEnd < 0)
                break;
            QByteArray sizeText = m_buffer.left(lineEnd);
            if (const qsizetype extension = sizeText.indexOf(';'); extension >= 0)
                sizeText.truncate(extension);
            bool ok = false;
            const qint64 size = sizeText.trimmed().toLongLong(&ok, 16);
            if (!ok || size < 0) {
                m_state = State::Error;
                break;
            }
            if (size == 0) {
                // Last chunk: the body ends after the (usually empty) trailer section.
                const qsizetype afterLine = lineEnd + 2;
                if (m_buffer.size() >= afterLine + 2 && m_buffer.mid(afterLine, 2) == "\r\n") {
                    m_buffer.remove(0, afterLine + 2);
                    m_state = State::Complete;
                } else if (const qsizetype trailers = m_buffer.indexOf("\r\n\r\n", afterLine); trailers >= 0) {
                    m_buffer.remove(0, trailers + 4);
                    m_state = State::Complete;
                }
                break;
            }
            const qsizetype dataStart = lineEnd + 2;
            if (m_buffer.size() < dataStart + size + 2)
                break;
            if (m_buffer.mid(dataStart + size, 2) != "\r\n") {
                m_state = State::Error;
                break;
            }
            const QByteArray data = m_buffer.mid(dataStart, size);
            m_buffer.remove(0, dataStart + size + 2);
            m_body.append(data);
            m_chunks.append({data, Clock::now()});
        }
        break;
    case Framing::None:
        break;
    }
    scanEvents();
}

void RawHttpClient::scanEvents()
{
    if (!header("Content-Type").startsWith("text/event-stream"))
        return;
    for (;;) {
        const qsizetype end = m_body.indexOf("\n\n", m_eventScan);
        if (end < 0)
            return;
        SseEvent event;
        event.block = m_body.mid(m_eventScan, end - m_eventScan);
        event.at = Clock::now();
        m_eventScan = end + 2;
        QList<QByteArray> data;
        const QList<QByteArray> lines = event.block.split('\n');
        for (QByteArray line : lines) {
            if (line.endsWith('\r'))
                line.chop(1);
            if (!line.startsWith("data:"))
                continue;
            line.remove(0, 5);
            if (line.startsWith(' '))
                line.remove(0, 1);
            data.append(line);
        }
        event.data = data.join('\n');
        m_events.append(event);
    }
}

} // namespace signalbox::testing
