#include "engine/sandbox/fakeprovider.h"

#include "engine/sandbox/fakeconnection.h"
#include "engine/sandbox/openaiwire.h"
#include "engine/sandbox/responseplan.h"

#include <QJsonDocument>
#include <QLoggingCategory>
#include <QTcpServer>
#include <QTcpSocket>

#include <algorithm>
#include <array>
#include <deque>
#include <utility>

namespace signalbox::sandbox {

Q_LOGGING_CATEGORY(lcFakeProvider, "signalbox.sandbox", QtInfoMsg)

namespace {

struct FaultNameEntry {
    FakeFault fault;
    const char *name;
};

constexpr std::array kFaultNames{
    FaultNameEntry{FakeFault::None, "none"},
    FaultNameEntry{FakeFault::Http400, "http400"},
    FaultNameEntry{FakeFault::Http500, "http500"},
    FaultNameEntry{FakeFault::Http503, "http503"},
    FaultNameEntry{FakeFault::Http429, "http429"},
    FaultNameEntry{FakeFault::Html502, "html502"},
    FaultNameEntry{FakeFault::HangBeforeHeaders, "hang-before-headers"},
    FaultNameEntry{FakeFault::ResetBeforeHeaders, "reset-before-headers"},
    FaultNameEntry{FakeFault::StallMidStream, "stall-mid-stream"},
    FaultNameEntry{FakeFault::ResetMidStream, "reset-mid-stream"},
    FaultNameEntry{FakeFault::TruncatedBody, "truncated-body"},
    FaultNameEntry{FakeFault::EndWithoutDone, "end-without-done"},
    FaultNameEntry{FakeFault::MalformedSse, "malformed-sse"},
    FaultNameEntry{FakeFault::SplitEvents, "split-events"},
};

bool isPath(const QByteArray &path, const char *suffix)
{
    // OpenAI's /v1/... and OpenRouter's /api/v1/... both reach the fake.
    return path == QByteArray("/v1") + suffix || path == QByteArray("/api/v1") + suffix;
}

} // namespace

QString faultName(FakeFault fault)
{
    for (const FaultNameEntry &entry : kFaultNames) {
        if (entry.fault == fault)
            return QString::fromLatin1(entry.name);
    }
    return {};
}

std::optional<FakeFault> faultFromName(const QString &name)
{
    for (const FaultNameEntry &entry : kFaultNames) {
        if (name == QLatin1String(entry.name))
            return entry.fault;
    }
    return std::nullopt;
}

QJsonObject RecordedRequest::json() const
{
    return QJsonDocument::fromJson(body).object();
}

class FakeProviderPrivate final : public ConnectionHost {
public:
    explicit FakeProviderPrivate(FakeProvider *owner)
        : q(owner)
    {
    }

    FakeProvider *q;
    QTcpServer server;
    QList<FakeConnection *> connections;
    std::vector<RecordedRequest> records; // ascending ids
    quint64 nextRequestId = 1;
    quint64 nextConnectionId = 1;
    QStringList models{QStringLiteral("fake-model")};
    bool rejectUnknownModels = false;
    QByteArray apiKey;
    FakeBehaviour fallback;
    QList<QPair<QString, FakeBehaviour>> modelBehaviours;
    std::deque<FakeBehaviour> queue;
    int totalConnections = 0;
    int cancelledRequests = 0;
    int protocolErrors = 0;
    bool notify = true; // false while the provider is being destroyed

    RecordedRequest *find(quint64 id)
    {
        const auto it = std::lower_bound(records.begin(), records.end(), id,
                                         [](const RecordedRequest &record, quint64 key) { return record.id < key; });
        return it != records.end() && it->id == id ? &*it : nullptr;
    }

    QStringList allModels() const
    {
        QStringList ids = models;
        for (const auto &[model, behaviour] : modelBehaviours) {
            if (!ids.contains(model))
                ids.append(model);
        }
        return ids;
    }

    FakeBehaviour pick(const QString &model)
    {
        if (!queue.empty()) {
            FakeBehaviour next = std::move(queue.front());
            queue.pop_front();
            return next;
        }
        for (const auto &[id, behaviour] : std::as_const(modelBehaviours)) {
            if (id == model)
                return behaviour;
        }
        return fallback;
    }

    void acceptPending()
    {
        while (QTcpSocket *socket = server.nextPendingConnection()) {
            const quint64 id = nextConnectionId++;
            ++totalConnections;
            connections.append(new FakeConnection(socket, id, this, q));
            if (notify)
                Q_EMIT q->connectionOpened(id);
        }
    }

    void shutdownConnections()
    {
        const QList<FakeConnection *> open = std::exchange(connections, {});
        for (FakeConnection *connection : open) {
            connection->shutdown();
            connection->deleteLater();
        }
    }

    ResponsePlan route(RecordedRequest &record, const HttpRequest &request, const ExchangeContext &context)
    {
        const bool keepAlive = context.keepAlive;
        const QString invalidRequest = QStringLiteral("invalid_request_error");
        if (!apiKey.isEmpty()) {
            const QByteArray authorization = request.header("Authorization");
            const bool bearer = authorization.size() > 7
                && QByteArrayView(authorization).first(7).compare("Bearer ", Qt::CaseInsensitive) == 0;
            if (!bearer) {
                return errorResponse(401,
                                     QStringLiteral("You didn't provide an API key. You need to provide your API key "
                                                    "in an Authorization header using Bearer auth."),
                                     invalidRequest, {}, keepAlive);
            }
            if (QByteArrayView(authorization).sliced(7) != apiKey) {
                return errorResponse(401, QStringLiteral("Incorrect API key provided."), invalidRequest,
                                     QStringLiteral("invalid_api_key"), keepAlive);
            }
        }
        const auto wrongMethod = [&](const char *allowed) {
            return errorResponse(405,
                                 QStringLiteral("Method %1 is not allowed here; use %2.")
                                     .arg(QString::fromLatin1(request.method), QLatin1String(allowed)),
                                 invalidRequest, {}, keepAlive, {{"Allow", allowed}});
        };
        if (isPath(request.path, "/models")) {
            if (request.method != "GET")
                return wrongMethod("GET");
            return simpleResponse(200, "application/json", modelsJson(allModels()), keepAlive);
        }
        if (!isPath(request.path, "/chat/completions")) {
            return errorResponse(404,
                                 QStringLiteral("Invalid URL (%1 %2)")
                                     .arg(QString::fromLatin1(request.method), QString::fromLatin1(request.path)),
                                 invalidRequest, {}, keepAlive);
        }
        if (request.method != "POST")
            return wrongMethod("POST");

        QString error;
        const std::optional<ChatRequest> chat = parseChatRequest(request.body, &error);
        if (!chat)
            return errorResponse(400, error, invalidRequest, {}, keepAlive);
        record.model = chat->model;
        record.stream = chat->stream;
        if (rejectUnknownModels && !allModels().contains(chat->model)) {
            return errorResponse(
                404,
                QStringLiteral("The model `%1` does not exist or you do not have access to it.").arg(chat->model),
                invalidRequest, QStringLiteral("model_not_found"), keepAlive);
        }
        const FakeBehaviour behaviour = pick(chat->model);
        record.fault = behaviour.fault;
        return chatResponse(*chat, behaviour, context);
    }

    Exchange begin(quint64 connectionId, HttpRequest request, FakeClock::time_point receivedAt) override
    {
        RecordedRequest record;
        record.id = nextRequestId++;
        record.connectionId = connectionId;
        record.receivedAt = receivedAt;
        const ExchangeContext context{record.id, request.minorVersion, request.keepAlive()};
        Exchange exchange{record.id, route(record, request, context)};
        record.method = std::move(request.method);
        record.target = std::move(request.target);
        record.path = std::move(request.path);
        record.headers = std::move(request.headers);
        record.body = std::move(request.body);
        qCDebug(lcFakeProvider) << "request" << record.id << record.method << record.target << record.model
                                << faultName(record.fault);
        records.push_back(std::move(record));
        return exchange;
    }

    void started(quint64 requestId) override
    {
        if (notify)
            Q_EMIT q->requestReceived(requestId);
    }

    void headersSent(quint64 requestId, int status) override
    {
        if (RecordedRequest *record = find(requestId)) {
            record->status = status;
            record->headersSentAt = FakeClock::now();
        }
    }

    void contentEventSent(quint64 requestId) override
    {
        if (RecordedRequest *record = find(requestId)) {
            ++record->contentEventsSent;
            if (!record->firstContentAt)
                record->firstContentAt = FakeClock::now();
        }
    }

    void ended(quint64 requestId, RequestOutcome outcome) override
    {
        if (RecordedRequest *record = find(requestId)) {
            record->outcome = outcome;
            record->endedAt = FakeClock::now();
        }
        if (outcome == RequestOutcome::Cancelled)
            ++cancelledRequests;
        qCDebug(lcFakeProvider) << "request" << requestId << "ended" << static_cast<int>(outcome);
        if (!notify)
            return;
        if (outcome == RequestOutcome::Cancelled)
            Q_EMIT q->requestCancelled(requestId);
        Q_EMIT q->requestFinished(requestId);
    }

    void protocolError() override { ++protocolErrors; }

    void connectionClosed(FakeConnection *connection) override
    {
        connections.removeOne(connection);
        connection->deleteLater();
        if (notify)
            Q_EMIT q->connectionClosed(connection->id());
    }
};

FakeProvider::FakeProvider(QObject *parent)
    : QObject(parent)
    , d(std::make_unique<FakeProviderPrivate>(this))
{
    connect(&d->server, &QTcpServer::newConnection, this, [this] { d->acceptPending(); });
}

FakeProvider::~FakeProvider()
{
    d->notify = false;
    d->server.close();
    const QList<FakeConnection *> open = std::exchange(d->connections, {});
    for (FakeConnection *connection : open) {
        connection->shutdown();
        delete connection;
    }
}

bool FakeProvider::listen(const QHostAddress &address, quint16 port)
{
    return d->server.listen(address, port);
}

bool FakeProvider::isListening() const
{
    return d->server.isListening();
}

quint16 FakeProvider::port() const
{
    return d->server.serverPort();
}

QHostAddress FakeProvider::address() const
{
    return d->server.serverAddress();
}

QUrl FakeProvider::baseUrl() const
{
    QUrl url;
    url.setScheme(QStringLiteral("http"));
    url.setHost(address().toString());
    url.setPort(port());
    url.setPath(QStringLiteral("/v1"));
    return url;
}

QString FakeProvider::errorString() const
{
    return d->server.errorString();
}

void FakeProvider::close()
{
    d->server.close();
    d->shutdownConnections();
}

void FakeProvider::setModels(const QStringList &ids)
{
    d->models = ids;
}

QStringList FakeProvider::models() const
{
    return d->allModels();
}

void FakeProvider::setRejectUnknownModels(bool reject)
{
    d->rejectUnknownModels = reject;
}

void FakeProvider::setRequiredApiKey(const QByteArray &key)
{
    d->apiKey = key;
}

void FakeProvider::setDefaultBehaviour(const FakeBehaviour &behaviour)
{
    d->fallback = behaviour;
}

FakeBehaviour FakeProvider::defaultBehaviour() const
{
    return d->fallback;
}

void FakeProvider::setModelBehaviour(const QString &model, const FakeBehaviour &behaviour)
{
    for (auto &entry : d->modelBehaviours) {
        if (entry.first == model) {
            entry.second = behaviour;
            return;
        }
    }
    d->modelBehaviours.append({model, behaviour});
}

void FakeProvider::clearModelBehaviours()
{
    d->modelBehaviours.clear();
}

void FakeProvider::enqueueBehaviour(const FakeBehaviour &behaviour, int times)
{
    for (int i = 0; i < times; ++i)
        d->queue.push_back(behaviour);
}

void FakeProvider::clearQueue()
{
    d->queue.clear();
}

int FakeProvider::queuedBehaviours() const
{
    return static_cast<int>(d->queue.size());
}

QList<RecordedRequest> FakeProvider::requests() const
{
    return QList<RecordedRequest>(d->records.begin(), d->records.end());
}

std::optional<RecordedRequest> FakeProvider::request(quint64 id) const
{
    if (const RecordedRequest *record = d->find(id))
        return *record;
    return std::nullopt;
}

std::optional<RecordedRequest> FakeProvider::lastRequest() const
{
    if (d->records.empty())
        return std::nullopt;
    return d->records.back();
}

int FakeProvider::requestCount() const
{
    return static_cast<int>(d->records.size());
}

void FakeProvider::clearRecords()
{
    std::erase_if(d->records,
                  [](const RecordedRequest &record) { return record.outcome != RequestOutcome::InProgress; });
}

int FakeProvider::activeConnections() const
{
    return static_cast<int>(d->connections.size());
}

int FakeProvider::totalConnections() const
{
    return d->totalConnections;
}

int FakeProvider::cancelledRequests() const
{
    return d->cancelledRequests;
}

int FakeProvider::protocolErrors() const
{
    return d->protocolErrors;
}

} // namespace signalbox::sandbox
