#include "engine/gateway/http/httpserver.h"

#include "engine/core/logging.h"
#include "engine/gateway/http/httpworker.h"

#include <QTcpServer>
#include <QThread>

#include <algorithm>
#include <functional>

namespace signalbox::engine {

// Accepts on the server's thread and passes the bare descriptor on, so the
// QTcpSocket is created on the worker thread that will own it.
class HttpListener final : public QTcpServer {
public:
    explicit HttpListener(std::function<void(qintptr)> onIncoming, QObject *parent)
        : QTcpServer(parent), m_onIncoming(std::move(onIncoming))
    {
    }

protected:
    void incomingConnection(qintptr descriptor) override { m_onIncoming(descriptor); }

private:
    std::function<void(qintptr)> m_onIncoming;
};

HttpServer::HttpServer(HttpHandlerFactory factory, QObject *parent)
    : QObject(parent), m_factory(std::move(factory))
{
}

HttpServer::~HttpServer()
{
    stop(std::chrono::milliseconds(0));
}

Result<void> HttpServer::start(const Options &options)
{
    if (m_listener)
        return Error{QStringLiteral("listen-failed"), QStringLiteral("The HTTP server is already running.")};
    m_options = options;
    const int count = options.workerThreads > 0 ? options.workerThreads
                                                : std::max(1, std::min(2, QThread::idealThreadCount()));
    for (int i = 0; i < count; ++i) {
        auto *thread = new QThread;
        thread->setObjectName(QStringLiteral("signalbox-http-%1").arg(i));
        auto *worker = new HttpWorker(options.limits, m_factory, &m_openConnections);
        worker->moveToThread(thread);
        thread->start();
        QMetaObject::invokeMethod(worker, &HttpWorker::start, Qt::QueuedConnection);
        m_threads.push_back(thread);
        m_workers.push_back(worker);
    }
    m_listener = new HttpListener([this](qintptr descriptor) { onIncoming(descriptor); }, this);
    if (!m_listener->listen(options.address, options.port)) {
        const QString reason = m_listener->errorString();
        stop(std::chrono::milliseconds(0));
        return Error{QStringLiteral("listen-failed"),
                     QStringLiteral("Cannot listen on %1:%2: %3")
                         .arg(options.address.toString())
                         .arg(options.port)
                         .arg(reason)};
    }
    return {};
}

void HttpServer::onIncoming(qintptr descriptor)
{
    const bool reject = m_openConnections.load() >= m_options.limits.maxConnections;
    if (!reject)
        m_openConnections.fetch_add(1);
    HttpWorker *worker = m_workers[m_nextWorker];
    m_nextWorker = (m_nextWorker + 1) % m_workers.size();
    QMetaObject::invokeMethod(
        worker, [worker, descriptor, reject] { worker->adopt(descriptor, reject); }, Qt::QueuedConnection);
}

void HttpServer::stop(std::chrono::milliseconds grace)
{
    if (m_listener) {
        m_listener->close();
        delete m_listener;
        m_listener = nullptr;
    }
    // Queued behind any adopt() still in flight, so no accepted descriptor is lost.
    for (HttpWorker *worker : m_workers)
        QMetaObject::invokeMethod(worker, [worker, grace] { worker->shutdown(grace); }, Qt::QueuedConnection);
    for (QThread *thread : m_threads) {
        thread->wait();
        delete thread;
    }
    for (HttpWorker *worker : m_workers)
        delete worker; // its thread has finished; nothing runs on it any more
    m_threads.clear();
    m_workers.clear();
    m_nextWorker = 0;
}

bool HttpServer::isListening() const
{
    return m_listener && m_listener->isListening();
}

QHostAddress HttpServer::serverAddress() const
{
    return m_listener ? m_listener->serverAddress() : QHostAddress();
}

quint16 HttpServer::serverPort() const
{
    return m_listener ? m_listener->serverPort() : 0;
}

} // namespace signalbox::engine
