// See upstreamprobe.h.

#include "app/gateway/upstreamprobe.h"

#include <QEventLoop>

#include <algorithm>

namespace signalbox::gateway {

QString ProbeResult::failureText() const
{
    using engine::UpstreamFailure;
    QString what;
    switch (failure) {
    case UpstreamFailure::None:
        return QStringLiteral("HTTP %1").arg(status);
    case UpstreamFailure::Resolve:
        what = QStringLiteral("the host name does not resolve");
        break;
    case UpstreamFailure::Connect:
        what = QStringLiteral("cannot connect");
        break;
    case UpstreamFailure::Tls:
        what = QStringLiteral("TLS handshake or certificate check failed");
        break;
    case UpstreamFailure::ForbiddenAddress:
        what = QStringLiteral("the host resolves to an address Signalbox never calls (link-local or metadata)");
        break;
    case UpstreamFailure::ConnectTimeout:
        what = QStringLiteral("timed out connecting");
        break;
    case UpstreamFailure::FirstByteTimeout:
        what = QStringLiteral("no answer in time");
        break;
    case UpstreamFailure::IdleTimeout:
        what = QStringLiteral("the answer stalled");
        break;
    case UpstreamFailure::TotalTimeout:
        what = QStringLiteral("the answer took too long");
        break;
    case UpstreamFailure::Reset:
        what = QStringLiteral("the connection was reset");
        break;
    case UpstreamFailure::Protocol:
        what = QStringLiteral("a malformed or truncated HTTP answer");
        break;
    case UpstreamFailure::Cancelled:
        what = QStringLiteral("cancelled");
        break;
    }
    return detail.isEmpty() ? what : QStringLiteral("%1 (%2)").arg(what, detail);
}

ProbeResult runProbe(engine::UpstreamRequest request, const std::function<void(QByteArrayView)> &onData)
{
    ProbeResult result;
    engine::UpstreamClient client;
    QEventLoop loop;
    bool done = false;
    engine::UpstreamCallbacks callbacks;
    callbacks.onHead = [&result](const engine::UpstreamResponseHead &head) { result.status = head.status; };
    callbacks.onData = [&result, &onData](QByteArrayView bytes) {
        if (onData)
            onData(bytes);
        const qsizetype room = kMaxProbeBody - result.body.size();
        if (bytes.size() > room)
            result.truncated = true;
        result.body.append(bytes.first(std::min(room, bytes.size())));
    };
    callbacks.onFinished = [&result, &loop, &done](engine::UpstreamFailure failure, const QString &detail) {
        result.failure = failure;
        result.detail = detail;
        done = true;
        loop.quit();
    };
    const auto call = client.start(std::move(request), std::move(callbacks));
    if (!done)
        loop.exec();
    return result;
}

} // namespace signalbox::gateway
