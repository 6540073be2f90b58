#pragma once

// Internal to engine/gateway/http: one worker thread's share of the server.
// Lives on its own QThread with its own event loop; owns that thread's
// handler and connections. Every member runs on the worker thread.

#include "engine/gateway/http/httphandler.h"
#include "engine/gateway/http/httplimits.h"

#include <QObject>
#include <QTimer>

#include <atomic>
#include <chrono>
#include <memory>
#include <unordered_map>

namespace signalbox::engine {

class HttpConnection;

class HttpWorker final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpWorker)
public:
    HttpWorker(const HttpLimits &limits, HttpHandlerFactory factory, std::atomic<int> *openConnections);
    ~HttpWorker() override;

    void start();
    // `counted` connections were counted in openConnections by the acceptor.
    void adopt(qintptr descriptor, bool reject);
    // Close idle connections, let in-flight ones finish within `grace`, abort
    // the rest, destroy the handler and quit the thread's event loop.
    void shutdown(std::chrono::milliseconds grace);

private:
    void onConnectionFinished(HttpConnection *connection);
    void finishShutdownIfDrained();
    void finishShutdown();

    const HttpLimits m_limits;
    HttpHandlerFactory m_factory;
    std::atomic<int> *m_openConnections;
    std::unique_ptr<HttpHandler> m_handler;
    std::unordered_map<HttpConnection *, bool> m_connections; // -> counted in m_openConnections
    QTimer *m_graceTimer; // a child, so it moves to the worker thread with us
    bool m_shuttingDown = false;
    bool m_done = false;
};

} // namespace signalbox::engine
