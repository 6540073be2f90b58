#pragma once

// The gateway's inbound HTTP/1.1 server: a listener on the calling thread and
// N worker threads, each with its own event loop. Accepted sockets are handed
// round-robin to the workers and stay there for their whole life.
//
//   accept (server thread) -> parse + limits (worker) -> HttpHandler (worker)
//                          -> HttpResponder framing, backpressure (worker)

#include "engine/core/result.h"
#include "engine/gateway/http/httphandler.h"
#include "engine/gateway/http/httplimits.h"

#include <QHostAddress>
#include <QObject>

#include <atomic>
#include <chrono>
#include <memory>
#include <vector>

class QThread;

namespace signalbox::engine {

class HttpListener;
class HttpWorker;

class HttpServer final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpServer)
public:
    struct Options {
        QHostAddress address = QHostAddress(QHostAddress::LocalHost);
        quint16 port = 0; // 0: any free port, see serverPort()
        int workerThreads = 0; // 0: min(2, QThread::idealThreadCount())
        HttpLimits limits;
    };

    // `factory` is called once on each worker thread (possibly concurrently).
    explicit HttpServer(HttpHandlerFactory factory, QObject *parent = nullptr);
    ~HttpServer() override; // stop() with no grace

    // Starts the workers and listens. Fails with code "listen-failed".
    Result<void> start(const Options &options);
    // Blocking: stops accepting, closes idle connections, lets in-flight
    // exchanges finish for up to `grace`, aborts the rest, joins the threads.
    void stop(std::chrono::milliseconds grace = std::chrono::seconds(5));

    bool isListening() const;
    QHostAddress serverAddress() const;
    quint16 serverPort() const;
    int workerCount() const { return static_cast<int>(m_workers.size()); }
    // Open connections across all workers (rejected ones not included).
    int openConnections() const { return m_openConnections.load(); }
    const HttpLimits &limits() const { return m_options.limits; }

private:
    void onIncoming(qintptr descriptor);

    HttpHandlerFactory m_factory;
    Options m_options;
    HttpListener *m_listener = nullptr;
    std::vector<QThread *> m_threads;
    std::vector<HttpWorker *> m_workers;
    std::size_t m_nextWorker = 0;
    std::atomic<int> m_openConnections{0};
};

} // namespace signalbox::engine
