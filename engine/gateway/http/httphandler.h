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
class HttpHandler {
public:
    virtual ~HttpHandler() = default;
    // Called on the worker thread for each complete request, one at a time per
    // connection (pipelined requests wait until this response finishes). The
    // handler may respond at once or later through the responder.
    virtual void handle(HttpRequestPtr request, HttpResponder responder) = 0;
};

// Called once on each worker thread when the server starts.
using HttpHandlerFactory = std::function<std::unique_ptr<HttpHandler>()>;

} // namespace signalbox::engine
