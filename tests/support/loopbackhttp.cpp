#include "tests/support/loopbackhttp.h"

#include <QHostAddress>

namespace signalbox::tests {

LoopbackHttpServer::Response LoopbackHttpServer::json(const QByteArray &body, int status, const QByteArray &reason)
{
    Response response;
    response.status = status;
    response.reason = reason;
    response.headers.append({ QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json") });
    response.body = body;
    return response;
}

LoopbackHttpServer::Response LoopbackHttpServer::redirect(const QByteArray &location, int status)
{
    Response response;
    response.status = status;
    response.reason = QByteArrayLiteral("Found");
    response.headers.append({ QByteArrayLiteral("Location"), location });
    return response;
}

LoopbackHttpServer::LoopbackHttpServer(QObject *parent)
    : QObject(parent)
{
    connect(&m_server, &QTcpServer::newConnection, this, &LoopbackHttpServer::onNewConnection);
}

LoopbackHttpServer::~LoopbackHttpServer()
{
    for (const QPointer<QTcpSocket> &socket : std::as_const(m_sockets)) {
        if (socket)
            socket->abort();
    }
}

bool LoopbackHttpServer::listen()
{
    return m_server.listen(QHostAddress::LocalHost, 0);
}

QUrl LoopbackHttpServer::url(const QString &path) const
{
    QUrl url;
    url.setScheme(QStringLiteral("http"));
    url.setHost(QStringLiteral("127.0.0.1"));
    url.setPort(port());
    url.setPath(path);
    return url;
}

void LoopbackHttpServer::onNewConnection()
{
    while (QTcpSocket *socket = m_server.nextPendingConnection()) {
        socket->setParent(this);
        m_sockets.append(socket);
        socket->setProperty("buffer", QByteArray());
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    }
}

void LoopbackHttpServer::onReadyRead(QTcpSocket *socket)
{
    QByteArray buffer = socket->property("buffer").toByteArray() + socket->readAll();
    const qsizetype end = buffer.indexOf("\r\n\r\n");
    if (end < 0 || socket->property("answered").toBool()) {
        socket->setProperty("buffer", buffer);
        return;
    }
    socket->setProperty("answered", true);
    const QByteArray head = buffer.left(end);
    m_requests.append(head);
    emit requestReceived(head);
    if (m_silent)
        return;

    QByteArray out = "HTTP/1.1 " + QByteArray::number(m_response.status) + ' ' + m_response.reason + "\r\n";
    for (const auto &header : std::as_const(m_response.headers))
        out += header.first + ": " + header.second + "\r\n";
    out += "Content-Length: " + QByteArray::number(m_response.body.size()) + "\r\n";
    out += "Connection: close\r\n\r\n";
    out += m_response.body;
    socket->write(out);
    socket->disconnectFromHost(); // after the bytes are written
}

} // namespace signalbox::tests
