#pragma once

// One HTTP exchange with a provider from a command, through the gateway's own
// upstream client (engine/gateway/upstream), so `providers add` and
// `providers test` see exactly what `serve` would: the same TLS, timeouts and
// DNS-rebinding guard. Blocks the command (runs an event loop) until done.

#include "engine/gateway/upstream/upstreamclient.h"

#include <QByteArray>
#include <QString>

#include <functional>

namespace signalbox::gateway {

struct ProbeResult {
    engine::UpstreamFailure failure = engine::UpstreamFailure::None;
    QString detail; // curl's reason, for the message; never a header or body
    int status = 0;
    QByteArray body; // capped at kMaxProbeBody; `truncated` says so
    bool truncated = false;

    bool answered() const { return failure == engine::UpstreamFailure::None; }
    // "connection refused (…)" / "timed out …": for one-line errors.
    QString failureText() const;
};

inline constexpr qsizetype kMaxProbeBody = 8 * 1024 * 1024;

// `onData` sees every body chunk as it arrives (for time-to-first-token).
ProbeResult runProbe(engine::UpstreamRequest request,
                     const std::function<void(QByteArrayView)> &onData = {});

} // namespace signalbox::gateway
