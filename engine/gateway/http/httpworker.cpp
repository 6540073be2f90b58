#include "engine/gateway/http/httpworker.h"

#include "engine/gateway/http/httpconnection.h"

#include <QThread>

#include <vector>

namespace signalbox::engine {

HttpWorker::HttpWorker(const HttpLimits &limits, HttpHandlerFactory factory, std::atomic<int> *openConnections)
    : m_limits(limits), m_factory(std::move(factory)), m_openConnections(openConnections),
      m_graceTimer(new QTimer(this))
{
    m_graceTimer->setSingleShot(true);
    connect(m_graceTimer, &QTimer::timeout, this, &HttpWorker::finishShutdown);
}

HttpWorker::~HttpWorker()
{
    // Normally empty: finishShutdown() ran on the worker thread.
    for (const auto &[connection, counted] : m_connections)
        delete connection;
}

void HttpWorker::start()
{
    if (m_factory)
        m_handler = m_factory();
}

void HttpWorker::adopt(qintptr descriptor, bool reject)
{
    auto *connection = new HttpConnection(descriptor, m_limits, m_handler.get(), this);
    const bool counted = !reject;
    if (!connection->isOpen()) {
        if (counted)
            m_openConnections->fetch_sub(1);
        delete connection;
        return;
    }
    m_connections.emplace(connection, counted);
    connect(connection, &HttpConnection::finished, this, &HttpWorker::onConnectionFinished);
    if (reject)
        connection->reject(HttpError::TooManyConnections);
    else if (m_shuttingDown)
        connection->beginShutdown();
}

void HttpWorker::onConnectionFinished(HttpConnection *connection)
{
    const auto it = m_connections.find(connection);
    if (it == m_connections.end())
        return;
    if (it->second)
        m_openConnections->fetch_sub(1);
    m_connections.erase(it);
    connection->deleteLater();
    if (m_shuttingDown)
        QMetaObject::invokeMethod(this, &HttpWorker::finishShutdownIfDrained, Qt::QueuedConnection);
}

void HttpWorker::shutdown(std::chrono::milliseconds grace)
{
    if (m_shuttingDown)
        return;
    m_shuttingDown = true;
    std::vector<HttpConnection *> connections;
    connections.reserve(m_connections.size());
    for (const auto &entry : m_connections)
        connections.push_back(entry.first);
    for (HttpConnection *connection : connections) {
        if (m_connections.count(connection) != 0) // an earlier close may not touch others, but be sure
            connection->beginShutdown();
    }
    m_graceTimer->start(grace);
    QMetaObject::invokeMethod(this, &HttpWorker::finishShutdownIfDrained, Qt::QueuedConnection);
}

void HttpWorker::finishShutdownIfDrained()
{
    if (m_connections.empty())
        finishShutdown();
}

void HttpWorker::finishShutdown()
{
    if (m_done)
        return;
    m_done = true;
    m_graceTimer->stop();
    // Grace is over: whatever is still open is aborted; its handler hears
    // onClientGone and drops its upstream call.
    while (!m_connections.empty()) {
        HttpConnection *connection = m_connections.begin()->first;
        connection->abortNow(); // emits finished -> removed from m_connections
        const auto it = m_connections.find(connection);
        if (it != m_connections.end()) {
            if (it->second)
                m_openConnections->fetch_sub(1);
            m_connections.erase(it);
            connection->deleteLater();
        }
    }
    m_handler.reset();
    QThread::currentThread()->quit();
}

} // namespace signalbox::engine
