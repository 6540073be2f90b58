#include "engine/gateway/dataplane/dataplane.h"

#include "engine/core/logging.h"
#include "engine/gateway/dataplane/chatexchange.h"
#include "engine/gateway/http/httplimits.h"
#include "engine/gateway/metrics/gatewaymetrics.h"
#include "engine/gateway/upstream/upstreamclient.h"
#include "engine/storage/database.h"
#include "engine/usage/sqliteusagestore.h"
#include "engine/usage/usagewriter.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QObject>
#include <QSqlDatabase>
#include <QTimer>

#include <unordered_map>

namespace signalbox::engine {

namespace {

const HttpHeaders kJson = {{QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")}};

QJsonValue perTokenPrice(const std::optional<Money> &perMillion)
{
    if (!perMillion)
        return QJsonValue(QJsonValue::Null);
    // OpenRouter gives USD per token as a string.
    return perMillion->scaled(1, 1'000'000).toDecimalString();
}

class DataPlaneHandler final : public HttpHandler {
public:
    DataPlaneHandler(DataPlane &plane, std::function<void(HttpRequestPtr, HttpResponder)> otherRoutes)
        : m_plane(plane), m_otherRoutes(std::move(otherRoutes))
    {
        UpstreamClient::Options options;
        options.checkAddresses = plane.options().checkUpstreamAddresses;
        options.maxConnectionsPerHost = plane.options().maxUpstreamConnections;
        options.maxTotalConnections = plane.options().maxUpstreamConnections;
        m_client = std::make_unique<UpstreamClient>(options);
        m_reaper.setSingleShot(true);
        m_reaper.setInterval(0);
        QObject::connect(&m_reaper, &QTimer::timeout, &m_reaper, [this] {
            for (ChatExchange *exchange : std::exchange(m_released, {}))
                m_exchanges.erase(exchange);
        });
    }

    ~DataPlaneHandler() override
    {
        // Exchanges cancel their upstream calls; no usage row is lost because
        // the server lets in-flight exchanges finish before it stops.
        m_exchanges.clear();
        m_client.reset();
        if (m_db.isValid()) {
            const QString name = m_db.connectionName();
            m_db = QSqlDatabase();
            QSqlDatabase::removeDatabase(name);
        }
    }

    void handle(HttpRequestPtr request, HttpResponder responder) override
    {
        const QByteArray &path = request->path;
        if (path == "/metrics") {
            serveMetrics(*request, responder);
            return;
        }
        if (path == "/v1/chat/completions" || path == "/v1/models" || path == "/v1/key" || path.startsWith("/v1/")) {
            serveApi(std::move(request), std::move(responder));
            return;
        }
        if (path == "/health" || !m_otherRoutes) {
            if (m_otherRoutes)
                m_otherRoutes(std::move(request), std::move(responder));
            else
                responder.respondError(404, "not_found", "No such route");
            return;
        }
        // Anything else reached the gateway too: answered and accounted for.
        serveApi(std::move(request), std::move(responder));
    }

private:
    UsageRecord newRecord(const HttpRequest &request) const
    {
        UsageRecord record;
        record.id = newUsageRequestId();
        record.startedAt = QDateTime::currentDateTimeUtc().addMSecs(
            -std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - request.receivedAt).count());
        record.endpoint = QString::fromUtf8(request.path.left(200));
        return record;
    }

    // Answers at once and records the row.
    void answer(const HttpRequest &request, HttpResponder &responder, UsageRecord record, int status,
                const QByteArray &body, UsageStatus usageStatus, const QString &errorClass = {},
                const QString &errorMessage = {}, HttpHeaders extra = {})
    {
        HttpHeaders headers = kJson;
        headers.append({QByteArrayLiteral("X-Request-Id"), record.id.toLatin1()});
        headers += extra;
        responder.respond(status, headers, body);
        account(std::move(record), status, usageStatus, errorClass, errorMessage, request.receivedAt);
    }

    // The row (and the metrics) of a request the gateway answered itself:
    // nothing was sent upstream, nothing was charged.
    void account(UsageRecord record, int status, UsageStatus usageStatus, const QString &errorClass,
                 const QString &errorMessage, std::chrono::steady_clock::time_point since)
    {
        record.finishedAt = QDateTime::currentDateTimeUtc();
        record.httpStatus = status;
        record.status = usageStatus;
        record.errorClass = errorClass;
        record.errorMessage = errorMessage;
        record.latencyUs = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - since).count();
        record.overheadUs = record.latencyUs;
        if (GatewayMetrics *metrics = m_plane.metrics()) {
            RequestObservation o;
            o.httpStatus = status;
            o.outcome = usageStatusName(usageStatus).toUtf8();
            o.latencyUs = record.latencyUs;
            o.overheadUs = record.overheadUs;
            o.attempts = 0;
            o.cost = Money();
            metrics->observe(o);
        }
        m_plane.noteFinished(record.httpStatus);
        if (UsageWriter *usage = m_plane.usage())
            usage->submit(std::move(record));
    }

public:
    // Refused by the HTTP layer (a header or body over its limit, too slow,
    // not HTTP): it reached the gateway, so it gets its row like any other.
    void refused(const HttpRefusal &refusal) override
    {
        UsageRecord record;
        record.id = newUsageRequestId();
        const auto age = std::chrono::steady_clock::now() - refusal.firstByteAt;
        record.startedAt = QDateTime::currentDateTimeUtc().addMSecs(
            -std::chrono::duration_cast<std::chrono::milliseconds>(age).count());
        record.endpoint = refusal.path.isEmpty() ? QStringLiteral("(request line unread)")
                                                 : QString::fromUtf8(refusal.path.left(200));
        account(std::move(record), refusal.status, UsageStatus::ClientError, QString::fromLatin1(refusal.code),
                QString::fromUtf8(refusal.message), refusal.firstByteAt);
    }

private:
    void answerError(const HttpRequest &request, HttpResponder &responder, UsageRecord record, int status,
                     QByteArrayView code, const QString &message, QByteArrayView type, UsageStatus usageStatus,
                     HttpHeaders extra = {})
    {
        answer(request, responder, std::move(record), status, openAiErrorBody(message.toUtf8(), type, code),
               usageStatus, QString::fromLatin1(code), message, std::move(extra));
    }

    std::optional<VirtualKey> authenticate(const HttpRequest &request, QString *why)
    {
        const QByteArray authorization = request.header("authorization").trimmed();
        if (authorization.isEmpty()) {
            *why = QStringLiteral("Missing API key: send \"Authorization: Bearer <your Signalbox key>\"");
            return std::nullopt;
        }
        if (authorization.size() < 8 || authorization.left(7).toLower() != "bearer ") {
            *why = QStringLiteral("The Authorization header must be \"Bearer <your Signalbox key>\"");
            return std::nullopt;
        }
        const QByteArray secret = authorization.mid(7).trimmed();
        const QByteArray hash = QCryptographicHash::hash(secret, QCryptographicHash::Sha256);
        if (auto cached = m_plane.cachedKey(hash))
            return cached;
        if (!m_db.isValid()) {
            auto opened = openConnection(m_plane.options().databasePath, QStringLiteral("gateway-auth"), OpenMode::ReadWrite);
            if (!opened) {
                qCWarning(lcGateway) << "cannot open the workspace database for key checks:" << opened.error().message;
                *why = QStringLiteral("The gateway cannot check keys right now");
                return std::nullopt;
            }
            m_db = opened.value();
        }
        VirtualKeyStore store(m_db);
        auto key = store.authenticate(secret);
        if (!key) {
            // The reason (unknown, revoked, expired) goes to the debug log
            // only; the client learns just that the key is not valid.
            qCDebug(lcGateway) << "authentication failed:" << key.error().message;
            *why = QStringLiteral("Invalid API key");
            return std::nullopt;
        }
        m_plane.cacheKey(hash, key.value());
        return key.value();
    }

    void serveApi(HttpRequestPtr request, HttpResponder responder)
    {
        UsageRecord record = newRecord(*request);
        if (!request->path.startsWith("/v1/")) {
            answerError(*request, responder, std::move(record), 404, "not_found",
                        QStringLiteral("No such route: %1 %2").arg(QString::fromUtf8(request->method.left(20)),
                                                                    QString::fromUtf8(request->path.left(200))),
                        "invalid_request_error", UsageStatus::ClientError);
            return;
        }
        QString why;
        const auto key = authenticate(*request, &why);
        if (!key) {
            answerError(*request, responder, std::move(record), 401, "invalid_api_key", why, "invalid_request_error",
                        UsageStatus::ClientError, {{QByteArrayLiteral("WWW-Authenticate"), QByteArrayLiteral("Bearer")}});
            return;
        }
        record.keyId = key->id;
        record.project = key->project;
        const QByteArray &path = request->path;
        if (path == "/v1/chat/completions") {
            if (request->method != "POST") {
                answerError(*request, responder, std::move(record), 405, "method_not_allowed",
                            QStringLiteral("Use POST /v1/chat/completions"), "invalid_request_error", UsageStatus::ClientError);
                return;
            }
            auto chat = ChatRequest::parse(request->body);
            if (!chat) {
                answerError(*request, responder, std::move(record), 400, "invalid_request", chat.error().message,
                            "invalid_request_error", UsageStatus::ClientError);
                return;
            }
            refreshTable();
            auto exchange = std::make_shared<ChatExchange>(
                m_plane, *m_client, m_table, request, responder, std::move(record), key.value(),
                [this](ChatExchange *done) { release(done); });
            m_exchanges.emplace(exchange.get(), exchange);
            m_plane.inFlight.fetch_add(1, std::memory_order_relaxed);
            exchange->start(std::move(chat.value()));
            return;
        }
        if (path == "/v1/models" && (request->method == "GET" || request->method == "HEAD")) {
            refreshTable();
            answer(*request, responder, std::move(record), 200, modelsJson(), UsageStatus::Ok);
            return;
        }
        if (path == "/v1/key" && (request->method == "GET" || request->method == "HEAD")) {
            answer(*request, responder, std::move(record), 200, keyJson(key.value()), UsageStatus::Ok);
            return;
        }
        const bool known = path == "/v1/models" || path == "/v1/key";
        if (known) {
            answerError(*request, responder, std::move(record), 405, "method_not_allowed",
                        QStringLiteral("Use GET ") + QString::fromUtf8(path), "invalid_request_error",
                        UsageStatus::ClientError);
            return;
        }
        answerError(*request, responder, std::move(record), 404, "not_found",
                    QStringLiteral("No such route: %1 %2").arg(QString::fromUtf8(request->method),
                                                                QString::fromUtf8(path.left(200))),
                    "invalid_request_error", UsageStatus::ClientError);
    }

    void release(ChatExchange *exchange)
    {
        m_plane.inFlight.fetch_sub(1, std::memory_order_relaxed);
        m_plane.served.fetch_add(1, std::memory_order_relaxed);
        // Not now: the exchange is on the call stack. Next event-loop turn,
        // through a zero timer (a posted event would cost a wake-up write).
        m_released.push_back(exchange);
        if (!m_reaper.isActive())
            m_reaper.start();
    }

    void refreshTable()
    {
        const quint64 version = m_plane.routingTableVersion();
        if (version != m_tableVersion || !m_table) {
            m_table = m_plane.routingTable();
            m_tableVersion = version;
            m_modelsJson.clear();
        }
    }

    QByteArray modelsJson()
    {
        if (!m_modelsJson.isEmpty())
            return m_modelsJson;
        // One entry per model the gateway can route to now (a usable offering),
        // plus one per "<provider>/<model>" offering for pinning a provider.
        QJsonArray data;
        QHash<QString, QJsonObject> models;
        QStringList order;
        for (const RouteOffering &offering : m_table->offerings()) {
            if (!offering.provider->usable)
                continue;
            const Model *model = m_table->catalog().model(offering.modelId);
            QJsonObject &entry = models[offering.modelId];
            const bool first = entry.isEmpty();
            if (first) {
                order.append(offering.modelId);
                entry.insert(QStringLiteral("id"), offering.modelId);
                entry.insert(QStringLiteral("object"), QStringLiteral("model"));
                entry.insert(QStringLiteral("created"), 0);
                entry.insert(QStringLiteral("owned_by"), model && !model->author.isEmpty() ? model->author : offering.provider->id);
                entry.insert(QStringLiteral("name"), model && !model->name.isEmpty() ? model->name : offering.modelId);
                entry.insert(QStringLiteral("context_length"), static_cast<qint64>(model ? model->contextLength : offering.contextLength));
                entry.insert(QStringLiteral("providers"), QJsonArray());
            }
            QJsonArray providers = entry.value(QStringLiteral("providers")).toArray();
            providers.append(offering.provider->id);
            entry.insert(QStringLiteral("providers"), providers);
            // The cheapest usable offering's price, like OpenRouter's listing.
            const auto current = entry.value(QStringLiteral("_blend"));
            const bool cheaper = offering.blendedPerMillion
                && (current.isUndefined() || Money::parse(current.toString().toLatin1()).value_or(Money()) > *offering.blendedPerMillion);
            if (first || cheaper) {
                if (offering.blendedPerMillion)
                    entry.insert(QStringLiteral("_blend"), offering.blendedPerMillion->toDecimalString());
                entry.insert(QStringLiteral("pricing"),
                             QJsonObject{{QStringLiteral("prompt"), perTokenPrice(offering.promptPerMillion)},
                                         {QStringLiteral("completion"), perTokenPrice(offering.completionPerMillion)}});
            }
        }
        for (const QString &id : order) {
            QJsonObject entry = models.value(id);
            entry.remove(QStringLiteral("_blend"));
            data.append(entry);
        }
        for (const RouteOffering &offering : m_table->offerings()) {
            if (!offering.provider->usable)
                continue;
            data.append(QJsonObject{
                {QStringLiteral("id"), offering.key()},
                {QStringLiteral("object"), QStringLiteral("model")},
                {QStringLiteral("created"), 0},
                {QStringLiteral("owned_by"), offering.provider->id},
                {QStringLiteral("canonical_id"), offering.modelId},
                {QStringLiteral("context_length"), offering.contextLength},
                {QStringLiteral("pricing"), QJsonObject{{QStringLiteral("prompt"), perTokenPrice(offering.promptPerMillion)},
                                                        {QStringLiteral("completion"), perTokenPrice(offering.completionPerMillion)}}},
            });
        }
        m_modelsJson = QJsonDocument(QJsonObject{{QStringLiteral("object"), QStringLiteral("list")},
                                                 {QStringLiteral("data"), data}})
                           .toJson(QJsonDocument::Compact);
        return m_modelsJson;
    }

    QByteArray keyJson(const VirtualKey &key)
    {
        QJsonObject data{{QStringLiteral("label"), key.name},
                         {QStringLiteral("id"), key.id},
                         {QStringLiteral("project"), key.project},
                         {QStringLiteral("limit"), QJsonValue(QJsonValue::Null)},
                         {QStringLiteral("limit_remaining"), QJsonValue(QJsonValue::Null)},
                         {QStringLiteral("is_free_tier"), false},
                         {QStringLiteral("expires_at"), key.expiresAt.isValid()
                              ? QJsonValue(key.expiresAt.toString(Qt::ISODateWithMs)) : QJsonValue(QJsonValue::Null)}};
        if (!m_usageStore) {
            // A read connection of this worker's own (a store belongs to its thread).
            if (auto opened = SqliteUsageStore::open(m_plane.options().databasePath))
                m_usageStore = std::move(opened.value());
        }
        if (m_usageStore) {
            UsageQuery query;
            query.keyId = key.id;
            if (auto totals = m_usageStore->totals(query)) {
                data.insert(QStringLiteral("usage"), totals->cost.toDecimalString().toDouble());
                data.insert(QStringLiteral("usage_exact"), totals->cost.toDecimalString());
                data.insert(QStringLiteral("requests"), totals->requests);
                data.insert(QStringLiteral("unpriced_requests"), totals->unpricedRequests);
            }
        }
        return QJsonDocument(QJsonObject{{QStringLiteral("data"), data}}).toJson(QJsonDocument::Compact);
    }

    void serveMetrics(const HttpRequest &request, HttpResponder &responder)
    {
        if (request.method != "GET" && request.method != "HEAD") {
            responder.respondError(405, "method_not_allowed", "Use GET /metrics");
            return;
        }
        GatewayMetrics *metrics = m_plane.metrics();
        if (!metrics) {
            responder.respondError(404, "not_found", "Metrics are off");
            return;
        }
        metrics->setGauge("signalbox_in_flight_requests", "Chat requests being answered now",
                          m_plane.inFlight.load(std::memory_order_relaxed));
        metrics->setGauge("signalbox_uptime_seconds", "Seconds since the gateway started",
                          std::chrono::duration<double>(std::chrono::steady_clock::now() - m_plane.startedAt).count());
        if (UsageWriter *usage = m_plane.usage()) {
            const auto stats = usage->stats();
            metrics->setGauge("signalbox_usage_queue_depth", "Usage rows waiting for the writer", static_cast<double>(stats.queueDepth));
            metrics->setGauge("signalbox_usage_rows_committed", "Usage rows written since start", static_cast<double>(stats.committed));
            // Lost or refused accounting: alert on anything but 0 (docs/usage-log.md).
            metrics->setGauge("signalbox_usage_rows_rejected", "Usage records refused by validation since start (a gateway bug)",
                              static_cast<double>(stats.rejected));
            metrics->setGauge("signalbox_usage_rows_abandoned", "Usage records given up at a shutdown deadline",
                              static_cast<double>(stats.abandoned));
            metrics->setGauge("signalbox_usage_writer_failing", "1 while the usage log's transactions fail and are retried",
                              stats.failing ? 1.0 : 0.0);
            metrics->setGauge("signalbox_usage_writer_raises",
                              "Times the idle-priority usage writer was raised because records waited",
                              static_cast<double>(stats.priorityRaises));
            metrics->setGauge("signalbox_usage_writer_idle_priority",
                              "1 when the usage writer waits and writes under SCHED_IDLE (needs CAP_SYS_NICE or RLIMIT_NICE 20)",
                              stats.idlePriority ? 1.0 : 0.0);
        }
        responder.respond(200, {{QByteArrayLiteral("Content-Type"), GatewayMetrics::contentType()}},
                          metrics->render());
    }

    DataPlane &m_plane;
    std::function<void(HttpRequestPtr, HttpResponder)> m_otherRoutes;
    std::unique_ptr<UpstreamClient> m_client;
    QSqlDatabase m_db;
    std::unique_ptr<UsageStore> m_usageStore;
    std::shared_ptr<const RoutingTable> m_table;
    quint64 m_tableVersion = 0;
    QByteArray m_modelsJson;
    QTimer m_reaper; // zero timer: erases released exchanges
    std::vector<ChatExchange *> m_released;
    std::unordered_map<ChatExchange *, std::shared_ptr<ChatExchange>> m_exchanges;
};

} // namespace

DataPlane::DataPlane(DataPlaneOptions options, std::shared_ptr<const RoutingTable> table, UsageWriter *usage,
                     GatewayMetrics *metrics, std::unique_ptr<Router> router)
    : m_options(std::move(options)),
      m_table(std::move(table)),
      m_router(router ? std::move(router) : std::make_unique<DefaultRouter>()),
      m_usage(usage),
      m_metrics(metrics)
{
}

DataPlane::~DataPlane() = default;

std::shared_ptr<const RoutingTable> DataPlane::routingTable() const
{
    QMutexLocker lock(&m_tableMutex);
    return m_table;
}

void DataPlane::setRoutingTable(std::shared_ptr<const RoutingTable> table)
{
    {
        QMutexLocker lock(&m_tableMutex);
        m_table = std::move(table);
    }
    m_tableVersion.fetch_add(1, std::memory_order_acq_rel);
}

std::optional<VirtualKey> DataPlane::cachedKey(const QByteArray &secretHash) const
{
    QMutexLocker lock(&m_keyMutex);
    const auto it = m_keys.constFind(secretHash);
    if (it == m_keys.constEnd() || it->until < std::chrono::steady_clock::now())
        return std::nullopt;
    if (it->key.expiresAt.isValid() && QDateTime::currentDateTimeUtc() >= it->key.expiresAt)
        return std::nullopt;
    return it->key;
}

void DataPlane::cacheKey(const QByteArray &secretHash, const VirtualKey &key)
{
    QMutexLocker lock(&m_keyMutex);
    if (m_keys.size() > 10'000)
        m_keys.clear(); // bounded: a flood of distinct valid keys cannot grow it
    m_keys.insert(secretHash, {key, std::chrono::steady_clock::now() + m_options.keyCacheTtl});
}

void DataPlane::clearKeyCache()
{
    QMutexLocker lock(&m_keyMutex);
    m_keys.clear();
}

HttpHandlerFactory DataPlane::handlerFactory(std::function<void(HttpRequestPtr, HttpResponder)> otherRoutes)
{
    return [this, otherRoutes] { return std::make_unique<DataPlaneHandler>(*this, otherRoutes); };
}

} // namespace signalbox::engine
