#pragma once

// A byte-level HTTP/1.1 client for tests: sends exactly the bytes it is given
// and decodes the response as it arrives, keeping the framing visible (each
// decoded chunk and each SSE event with its arrival time) so tests can check
// what went over the wire, not just what a high-level client made of it.
// Works against the fake provider and, later, against the gateway.

#include "tests/support/fakeprovider/httprequest.h"

#include <QAbstractSocket>
#include <QHostAddress>
#include <QList>
#include <QObject>

#include <chrono>
#include <optional>

class QTcpSocket;

namespace signalbox::testing {

class RawHttpClient final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RawHttpClient)
public:
    using Clock = std::chrono::steady_clock;
    struct Chunk {
        QByteArray data; // one decoded Transfer-Encoding chunk
        Clock::time_point at;
    };
    struct SseEvent {
        QByteArray block; // the raw event, without its terminating blank line
        QByteArray data;  // its "data:" lines joined by '\n'
        Clock::time_point at;
    };

    explicit RawHttpClient(QObject *parent = nullptr);
    ~RawHttpClient() override;

    // Request bytes with Host and, for a body, Content-Type JSON and Content-Length.
    static QByteArray buildRequest(const QByteArray &method, const QByteArray &path, const QByteArray &body = {},
                                   const HttpHeaders &headers = {});

    void connectToPort(quint16 port, const QHostAddress &host = QHostAddress(QHostAddress::LocalHost));
    bool isConnected() const;
    void send(const QByteArray &bytes); // buffered until connected
    void abort();                       // close from our side at once
    // Forget the complete response and decode the next one on the same connection.
    void nextResponse();

    Clock::time_point sentAt() const { return m_sentAt; }
    bool hasHead() const { return m_state != State::Head; }
    std::optional<Clock::time_point> headAt() const { return m_headAt; }
    int status() const { return m_status; }
    QByteArray header(QByteArrayView name) const { return headerValue(m_headers, name); }
    const HttpHeaders &headers() const { return m_headers; }
    bool isChunked() const { return m_framing == Framing::Chunked; }
    bool isComplete() const { return m_state == State::Complete; }
    std::optional<Clock::time_point> completedAt() const { return m_completedAt; }
    bool framingError() const { return m_state == State::Error; }
    QByteArray body() const { return m_body; }
    const QList<Chunk> &chunks() const { return m_chunks; }
    const QList<SseEvent> &events() const { return m_events; }
    QByteArray raw() const { return m_raw; } // bytes of this response as received
    int readCount() const { return m_reads; } // readyRead batches for this response
    int continues() const { return m_continues; } // "100 Continue" interim responses seen

    bool peerClosed() const { return m_peerClosed; }
    std::optional<Clock::time_point> closedAt() const { return m_closedAt; }
    QAbstractSocket::SocketError socketError() const { return m_error; }

Q_SIGNALS:
    void progressed(); // bytes arrived or the connection closed

private:
    enum class State { Head, Body, Complete, Error };
    enum class Framing { None, Length, Chunked, Close };

    void onReadyRead();
    void onClosed();
    void decode();
    bool decodeHead();
    void decodeBody();
    void scanEvents();

    QTcpSocket *m_socket;
    QByteArray m_pending; // written once connected
    QByteArray m_buffer;  // received, not yet decoded
    QByteArray m_raw;
    State m_state = State::Head;
    Framing m_framing = Framing::None;
    qint64 m_remaining = 0;
    int m_status = 0;
    HttpHeaders m_headers;
    QByteArray m_body;
    qsizetype m_eventScan = 0;
    QList<Chunk> m_chunks;
    QList<SseEvent> m_events;
    int m_reads = 0;
    int m_continues = 0;
    Clock::time_point m_sentAt;
    std::optional<Clock::time_point> m_headAt;
    std::optional<Clock::time_point> m_completedAt;
    bool m_peerClosed = false;
    std::optional<Clock::time_point> m_closedAt;
    QAbstractSocket::SocketError m_error = QAbstractSocket::UnknownSocketError;
};

} // namespace signalbox::testing
