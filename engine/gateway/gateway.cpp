#include "engine/gateway/gateway.h"

#include "engine/core/version.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace signalbox::engine {

namespace {
const HttpHeaders kJson = {{QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")}};

// The OpenAI routes clients will call; until the data plane lands they get a
// clear 501 instead of a misleading 404.
bool isPlannedRoute(QByteArrayView path)
{
    return path == "/v1/chat/completions" || path == "/v1/models" || path == "/v1/key" || path == "/metrics";
}

class Routes final : public HttpHandler {
public:
    explicit Routes(std::chrono::steady_clock::time_point startedAt)
        : m_startedAt(startedAt)
    {
    }

    void handle(HttpRequestPtr request, HttpResponder responder) override
    {
        const QByteArray &path = request->path;
        if (path == "/health") {
            if (request->method != "GET" && request->method != "HEAD") {
                responder.respondError(405, "method_not_allowed", "Use GET /health");
                return;
            }
            const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - m_startedAt);
            const QJsonObject body{{QStringLiteral("status"), QStringLiteral("ok")},
                                   {QStringLiteral("version"), QString::fromLatin1(kVersion)},
                                   {QStringLiteral("uptime_s"), static_cast<qint64>(uptime.count())}};
            responder.respond(200, kJson, QJsonDocument(body).toJson(QJsonDocument::Compact));
            return;
        }
        if (isPlannedRoute(path)) {
            const QByteArray message = QByteArray("This Signalbox gateway does not serve ") + path + QByteArray(" yet");
            responder.respondError(501, "not_implemented", message, "server_error");
            return;
        }
        const QByteArray message = QByteArray("No such route: ") + request->method + ' ' + path;
        responder.respondError(404, "not_found", message);
    }

private:
    std::chrono::steady_clock::time_point m_startedAt;
};
} // namespace

Gateway::Gateway() = default;

Gateway::~Gateway()
{
    stop(std::chrono::milliseconds(0));
}

Result<void> Gateway::start(const Options &options)
{
    if (m_server)
        return Error{QStringLiteral("already-running"), QStringLiteral("The gateway is already running")};
    m_startedAt = std::chrono::steady_clock::now();
    const auto startedAt = m_startedAt;
    auto server = std::make_unique<HttpServer>([startedAt] { return std::make_unique<Routes>(startedAt); });
    HttpServer::Options serverOptions;
    serverOptions.address = options.address;
    serverOptions.port = options.port;
    serverOptions.workerThreads = options.workerThreads;
    if (auto started = server->start(serverOptions); !started)
        return started.error();
    m_server = std::move(server);
    return {};
}

void Gateway::stop(std::chrono::milliseconds grace)
{
    if (!m_server)
        return;
    m_server->stop(grace);
    m_server.reset();
}

bool Gateway::isRunning() const
{
    return m_server && m_server->isListening();
}

QHostAddress Gateway::address() const
{
    return m_server ? m_server->serverAddress() : QHostAddress();
}

quint16 Gateway::port() const
{
    return m_server ? m_server->serverPort() : 0;
}

} // namespace signalbox::engine
