#pragma once

// The gateway service: the inbound HTTP server with Signalbox's routes. So
// far it answers GET /health; every other route gets an OpenAI-shaped 404 (or
// 501 for the OpenAI endpoints that the data plane has not implemented yet),
// never an HTML page. Used by `signalbox-gateway serve` and, later, the console.

#include "engine/core/result.h"
#include "engine/gateway/http/httpserver.h"

#include <QHostAddress>

#include <chrono>
#include <memory>

namespace signalbox::engine {

class Gateway final {
    Q_DISABLE_COPY_MOVE(Gateway)
public:
    struct Options {
        QHostAddress address = QHostAddress(QHostAddress::LocalHost);
        quint16 port = 0;
        int workerThreads = 0;  // 0: min(2, idealThreadCount)
    };

    Gateway();
    ~Gateway();

    Result<void> start(const Options &options);
    void stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
    bool isRunning() const;
    QHostAddress address() const;
    quint16 port() const;

private:
    std::unique_ptr<HttpServer> m_server;
    std::chrono::steady_clock::time_point m_startedAt;
};

} // namespace signalbox::engine
