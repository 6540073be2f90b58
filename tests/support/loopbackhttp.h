#pragma once

// A tiny HTTP/1.1 server on 127.0.0.1 (port 0: the OS picks) for tests of
// code that fetches URLs: it answers every request with one canned response,
// or accepts and never answers. One request per connection
// ("Connection: close"). Not a fake of Signalbox's own code.

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPair>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QUrl>

namespace signalbox::tests {

class LoopbackHttpServer final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LoopbackHttpServer)
public:
    struct Response {
        int status = 200;
        QByteArray reason = QByteArrayLiteral("OK");
        QList<QPair<QByteArray, QByteArray>> headers;
        QByteArray body;
    };
    static Response json(const QByteArray &body, int status = 200, const QByteArray &reason = QByteArrayLiteral("OK"));
    static Response redirect(const QByteArray &location, int status = 302);

    explicit LoopbackHttpServer(QObject *parent = nullptr);
    ~LoopbackHttpServer() override;

    bool listen(); // 127.0.0.1, a free port
    quint16 port() const { return m_server.serverPort(); }
    QUrl url(const QString &path = QStringLiteral("/")) const;

    void setResponse(Response response) { m_response = std::move(response); }
    // Accept connections, read requests, never answer (for timeouts).
    void setSilent(bool silent) { m_silent = silent; }

    int requestCount() const { return m_requests.size(); }
    const QList<QByteArray> &requests() const { return m_requests; } // request lines and headers

Q_SIGNALS:
    void requestReceived(const QByteArray &head);

private:
    void onNewConnection();
    void onReadyRead(QTcpSocket *socket);

    QTcpServer m_server;
    Response m_response;
    bool m_silent = false;
    QList<QByteArray> m_requests;
    QList<QPointer<QTcpSocket>> m_sockets;
};

} // namespace signalbox::tests
