#include "engine/gateway/http/httpresponder.h"

#include "engine/gateway/http/httpconnection.h"

#include <QThread>

namespace signalbox::engine {

namespace {

HttpConnection *connectionOf(const std::shared_ptr<detail::ResponseChannel> &channel)
{
    if (!channel)
        return nullptr;
    Q_ASSERT_X(QThread::currentThread() == channel->thread, "HttpResponder",
               "responders must be used on the worker thread that called the handler");
    return channel->connection;
}

} // namespace

bool HttpResponder::isClientGone() const
{
    return m_channel && m_channel->state == detail::ResponseChannel::State::Gone;
}

bool HttpResponder::isFinished() const
{
    return !m_channel || m_channel->state == detail::ResponseChannel::State::Finished
        || m_channel->state == detail::ResponseChannel::State::Gone;
}

bool HttpResponder::isStreaming() const
{
    return m_channel && m_channel->state == detail::ResponseChannel::State::Streaming;
}

bool HttpResponder::respond(int status, const HttpHeaders &headers, const QByteArray &body)
{
    HttpConnection *connection = connectionOf(m_channel);
    return connection && connection->sendResponse(*m_channel, status, headers, body);
}

bool HttpResponder::respondError(int status, QByteArrayView code, QByteArrayView message, QByteArrayView type)
{
    const HttpHeaders headers{{QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")}};
    return respond(status, headers, openAiErrorBody(message, type, code));
}

bool HttpResponder::beginStream(int status, const HttpHeaders &headers)
{
    HttpConnection *connection = connectionOf(m_channel);
    return connection && connection->sendStreamHead(*m_channel, status, headers);
}

bool HttpResponder::writeChunk(QByteArrayView data)
{
    HttpConnection *connection = connectionOf(m_channel);
    return connection && connection->sendChunk(*m_channel, data);
}

bool HttpResponder::endStream()
{
    HttpConnection *connection = connectionOf(m_channel);
    return connection && connection->sendStreamEnd(*m_channel);
}

void HttpResponder::beginBatch()
{
    if (HttpConnection *connection = connectionOf(m_channel))
        connection->beginBatch(*m_channel);
}

void HttpResponder::endBatch()
{
    if (HttpConnection *connection = connectionOf(m_channel))
        connection->endBatch(*m_channel);
}

qint64 HttpResponder::bufferedBytes() const
{
    HttpConnection *connection = connectionOf(m_channel);
    return connection ? connection->bufferedBytes() : 0;
}

bool HttpResponder::isWritable() const
{
    HttpConnection *connection = connectionOf(m_channel);
    return connection && connection->bufferedBytes() < connection->writeHighWater();
}

void HttpResponder::onWritable(std::function<void()> callback)
{
    if (connectionOf(m_channel) && callback)
        m_channel->writableCallbacks.push_back(std::move(callback));
}

void HttpResponder::onClientGone(std::function<void()> callback)
{
    if (!m_channel || !callback)
        return;
    Q_ASSERT(QThread::currentThread() == m_channel->thread);
    switch (m_channel->state) {
    case detail::ResponseChannel::State::Gone:
        callback();
        break;
    case detail::ResponseChannel::State::Pending:
    case detail::ResponseChannel::State::Streaming:
        m_channel->goneCallbacks.push_back(std::move(callback));
        break;
    case detail::ResponseChannel::State::Finished:
        break;
    }
}

} // namespace signalbox::engine
