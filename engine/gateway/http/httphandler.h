#pragma once

// What the gateway implements to serve requests.

#include "engine/gateway/http/httprequest.h"
#include "engine/gateway/http/httpresponder.h"

#include <functional>
#include <memory>

namespace signalbox::engine {

// One handler object per worker thread, made by an HttpHandlerFactory on that
// thread and destroyed there when the server stops; so a handler needs no
// locks for its own state, and QObjects it creates (a QNetworkAccessManager,
// timers) live on the worker's event loop. State shared between workers
// (routing tables, the usage queue) must be thread-safe on its own.
// A request the HTTP layer answered by itself, without calling handle(): a
// header or body over its limit, a client too slow to send them (slowloris),
// bytes that are not HTTP. It reached the gateway, so it is accounted for.
struct HttpRefusal {
    int status = 0;         // 400, 408, 413, 431, ...
    QByteArray code;        // the OpenAI error code sent ("body_too_large")
    QByteArray message;
    QByteArray method;      // as far as it was read: may be empty
    QByteArray path;        // likewise
    QHostAddress peerAddress;
    HttpRequest::Clock::time_point firstByteAt; // when its first byte arrived
};

class HttpHandler {
public:
    virtual ~HttpHandler() = default;
    // Called on the worker thread for each complete request, one at a time per
    // connection (pipelined requests wait until this response finishes). The
    // handler may respond at once or later through the responder.
    virtual void handle(HttpRequestPtr request, HttpResponder responder) = 0;
    // Called on the worker thread after the HTTP layer answered `refusal`.
    virtual void refused(const HttpRefusal &refusal) { Q_UNUSED(refusal) }
};

// Called once on each worker thread when the server starts.
using HttpHandlerFactory = std::function<std::unique_ptr<HttpHandler>()>;

} // namespace signalbox::engine
