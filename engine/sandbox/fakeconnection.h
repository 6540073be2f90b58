#pragma once

// One accepted connection of the fake provider: reads requests with its own
// parser, asks the host for a response plan, and plays the plan's writes at
// their scheduled times. Internal to the fake provider.

#include "engine/sandbox/fakeprovider.h"
#include "engine/sandbox/httprequest.h"
#include "engine/sandbox/responseplan.h"

#include <QObject>
#include <QTimer>

class QTcpSocket;

namespace signalbox::sandbox {

class FakeConnection;

// What a connection reports to the provider that owns it.
class ConnectionHost {
public:
    virtual ~ConnectionHost() = default;
    struct Exchange {
        quint64 requestId = 0;
        ResponsePlan plan;
    };
    // receivedAt is the instant the plan's times count from.
    virtual Exchange begin(quint64 connectionId, HttpRequest request, FakeClock::time_point receivedAt) = 0;
    // The connection now answers requestId (the provider announces it here, not in
    // begin(), so a handler that closes the provider finds the request to abandon).
    virtual void started(quint64 requestId) = 0;
    virtual void headersSent(quint64 requestId, int status) = 0;
    virtual void contentEventSent(quint64 requestId) = 0;
    virtual void ended(quint64 requestId, RequestOutcome outcome) = 0;
    virtual void protocolError() = 0;
    virtual void connectionClosed(FakeConnection *connection) = 0;
};

class FakeConnection final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FakeConnection)
public:
    // Takes ownership of the connected socket.
    FakeConnection(QTcpSocket *socket, quint64 id, ConnectionHost *host, QObject *parent = nullptr);
    ~FakeConnection() override;

    quint64 id() const { return m_id; }
    // The provider is closing: report the request in progress as Abandoned, drop
    // the socket, and never call the host again.
    void shutdown();

private:
    enum class State { Idle, Playing, Draining, Ending, Hanging, Closing, Closed };

    void onReadyRead();
    void onClosed();
    void onTimer();
    void onBytesWritten();
    void processInbox();
    void playDue();
    void finishIfDrained();
    void endIfDue();
    void answerProtocolError(int status, const QByteArray &message);
    void resetSocket();
    void scheduleAt(FakeClock::time_point due);

    QTcpSocket *m_socket;
    quint64 m_id;
    ConnectionHost *m_host;
    State m_state = State::Idle;
    QTimer m_timer;
    HttpRequestParser m_parser;
    QByteArray m_inbox;
    bool m_sentContinue = false;
    quint64 m_requestId = 0; // 0 while no request is being answered
    ResponsePlan m_plan;
    size_t m_next = 0;
    FakeClock::time_point m_start;
};

} // namespace signalbox::sandbox
