#include "engine/gateway/upstream/upstreamclient.h"

#include "engine/gateway/upstream/upstreamengine.h"

namespace signalbox::engine {

using detail::UpstreamEngine;
using detail::UpstreamTransfer;

namespace {

UpstreamTransfer &transfer(UpstreamCall *call)
{
    return *static_cast<UpstreamTransfer *>(call); // every UpstreamCall is one
}

const UpstreamTransfer &transfer(const UpstreamCall *call)
{
    return *static_cast<const UpstreamTransfer *>(call);
}

} // namespace

QByteArray upstreamFailureName(UpstreamFailure failure)
{
    switch (failure) {
    case UpstreamFailure::None: return QByteArrayLiteral("none");
    case UpstreamFailure::Resolve: return QByteArrayLiteral("resolve");
    case UpstreamFailure::Connect: return QByteArrayLiteral("connect");
    case UpstreamFailure::Tls: return QByteArrayLiteral("tls");
    case UpstreamFailure::ForbiddenAddress: return QByteArrayLiteral("forbidden-address");
    case UpstreamFailure::ConnectTimeout: return QByteArrayLiteral("connect-timeout");
    case UpstreamFailure::FirstByteTimeout: return QByteArrayLiteral("first-byte-timeout");
    case UpstreamFailure::IdleTimeout: return QByteArrayLiteral("idle-timeout");
    case UpstreamFailure::TotalTimeout: return QByteArrayLiteral("total-timeout");
    case UpstreamFailure::Reset: return QByteArrayLiteral("reset");
    case UpstreamFailure::Protocol: return QByteArrayLiteral("protocol");
    case UpstreamFailure::Cancelled: return QByteArrayLiteral("cancelled");
    }
    return QByteArrayLiteral("unknown");
}

// ---------------------------------------------------------------------------
// UpstreamCall: the public handle. An engine pointer means "not finished".

void UpstreamCall::cancel()
{
    UpstreamTransfer &self = transfer(this);
    if (self.engine)
        self.engine->cancel(self);
}

void UpstreamCall::pause()
{
    UpstreamTransfer &self = transfer(this);
    if (self.engine)
        self.engine->pause(self);
}

void UpstreamCall::resume()
{
    UpstreamTransfer &self = transfer(this);
    if (self.engine)
        self.engine->resume(self);
}

bool UpstreamCall::isPaused() const
{
    return transfer(this).paused;
}

bool UpstreamCall::requestMayHaveBeenSent() const
{
    const UpstreamTransfer &self = transfer(this);
    return self.bytesSent || self.curlSaysRequestSent();
}

const UpstreamTimings &UpstreamCall::timings() const
{
    return m_timings;
}

bool UpstreamCall::isFinished() const
{
    return transfer(this).finished;
}

UpstreamFailure UpstreamCall::failure() const
{
    return transfer(this).result;
}

// ---------------------------------------------------------------------------
// UpstreamClient

UpstreamClient::UpstreamClient()
    : UpstreamClient(Options{})
{
}

UpstreamClient::UpstreamClient(Options options)
    : d(std::make_shared<UpstreamEngine>(options))
{
    d->init();
}

UpstreamClient::~UpstreamClient()
{
    d->shutdown();
}

std::shared_ptr<UpstreamCall> UpstreamClient::start(UpstreamRequest request, UpstreamCallbacks callbacks)
{
    return d->start(std::move(request), std::move(callbacks));
}

int UpstreamClient::inFlight() const
{
    return d->inFlight();
}

int UpstreamClient::connectionsOpened() const
{
    return d->connectionsOpened();
}

} // namespace signalbox::engine
