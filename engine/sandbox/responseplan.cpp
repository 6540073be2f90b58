#include "engine/sandbox/responseplan.h"

#include <QDateTime>
#include <QLocale>

#include <cmath>
#include <optional>

namespace signalbox::sandbox {

using std::chrono::milliseconds;

namespace {

QByteArray httpDate()
{
    return QLocale::c()
        .toString(QDateTime::currentDateTimeUtc(), QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'"))
        .toLatin1();
}

QByteArray html502Page()
{
    return QByteArrayLiteral("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
                             "<center><h1>502 Bad Gateway</h1></center>\r\n"
                             "<hr><center>signalbox-fake-provider</center>\r\n</body>\r\n</html>\r\n");
}

// Content event i (0-based) is due at headers + first-token delay + i token intervals,
// computed from the start each time so rounding never accumulates.
milliseconds contentAt(const FakeBehaviour &behaviour, int index)
{
    const milliseconds first = behaviour.headersDelay + behaviour.firstTokenDelay;
    if (behaviour.tokensPerSecond <= 0 || index <= 0)
        return first;
    return first + milliseconds(std::llround(index * 1000.0 / behaviour.tokensPerSecond));
}

class StreamWriter {
public:
    StreamWriter(ResponsePlan *plan, bool chunked, const FakeBehaviour &behaviour)
        : m_plan(plan)
        , m_chunked(chunked)
        , m_split(behaviour.fault == FakeFault::SplitEvents)
        , m_gap(behaviour.splitGap)
    {
    }

    void head(milliseconds at, const QByteArray &bytes)
    {
        m_plan->writes.push_back({at, bytes, PlannedWrite::Kind::Head});
    }

    // One SSE event, as one write (or three, cut mid-JSON, for SplitEvents).
    void event(milliseconds at, const QByteArray &block, PlannedWrite::Kind kind = PlannedWrite::Kind::Other)
    {
        if (!m_split) {
            m_plan->writes.push_back({at, frame(block), kind});
            return;
        }
        // Every piece at least splitGap after the previous one, even when events are
        // due together, so a reader cannot receive two pieces as one by accident.
        const milliseconds start = m_lastPiece ? qMax(at, *m_lastPiece + m_gap) : at;
        const qsizetype first = block.size() / 3;
        const qsizetype second = 2 * block.size() / 3;
        m_plan->writes.push_back({start, frame(block.first(first)), kind});
        m_plan->writes.push_back({start + m_gap, frame(block.sliced(first, second - first)), PlannedWrite::Kind::Other});
        m_plan->writes.push_back({start + 2 * m_gap, frame(block.sliced(second)), PlannedWrite::Kind::Other});
        m_lastPiece = start + 2 * m_gap;
    }

    void data(milliseconds at, const QByteArray &json, PlannedWrite::Kind kind = PlannedWrite::Kind::Other)
    {
        event(at, QByteArrayLiteral("data: ") + json + QByteArrayLiteral("\n\n"), kind);
    }

    void endOfBody()
    {
        if (m_chunked)
            m_plan->writes.back().bytes.append("0\r\n\r\n");
    }

private:
    QByteArray frame(const QByteArray &bytes) const
    {
        if (!m_chunked)
            return bytes;
        return QByteArray::number(bytes.size(), 16) + QByteArrayLiteral("\r\n") + bytes + QByteArrayLiteral("\r\n");
    }

    ResponsePlan *m_plan;
    bool m_chunked;
    bool m_split;
    milliseconds m_gap;
    std::optional<milliseconds> m_lastPiece;
};

ResponsePlan jsonAnswer(const ChatAnswer &answer, const FakeBehaviour &behaviour, const ExchangeContext &context)
{
    const int tokens = static_cast<int>(answer.pieces.size());
    const milliseconds doneAt = contentAt(behaviour, qMax(0, tokens - 1));
    QByteArray body = completionJson(answer);
    if (behaviour.fault == FakeFault::MalformedSse)
        body.truncate(body.size() / 2); // invalid JSON, honestly framed

    ResponsePlan plan;
    plan.status = 200;
    plan.keepAlive = context.keepAlive;
    const QByteArray head = responseHead(
        200, {{"Content-Type", "application/json"},
              {"Content-Length", QByteArray::number(body.size())},
              {"Connection", plan.keepAlive ? QByteArray("keep-alive") : QByteArray("close")},
              {"x-request-id", "req_fake_" + QByteArray::number(context.requestId)}});

    switch (behaviour.fault) {
    case FakeFault::TruncatedBody:
    case FakeFault::StallMidStream:
    case FakeFault::ResetMidStream:
        plan.keepAlive = false;
        plan.writes.push_back({doneAt, head + body.first(body.size() / 2), PlannedWrite::Kind::Head});
        plan.end = behaviour.fault == FakeFault::TruncatedBody
            ? PlanEnd::Close
            : (behaviour.fault == FakeFault::ResetMidStream ? PlanEnd::Reset : PlanEnd::Hang);
        plan.endAt = doneAt;
        return plan;
    case FakeFault::SplitEvents: {
        const qsizetype first = body.size() / 3;
        const qsizetype second = 2 * body.size() / 3;
        plan.writes.push_back({doneAt, head + body.first(first), PlannedWrite::Kind::Head});
        plan.writes.push_back({doneAt + behaviour.splitGap, body.sliced(first, second - first)});
        plan.writes.push_back({doneAt + 2 * behaviour.splitGap, body.sliced(second)});
        return plan;
    }
    default:
        plan.writes.push_back({doneAt, head + body, PlannedWrite::Kind::Head});
        return plan;
    }
}

ResponsePlan streamAnswer(const ChatRequest &request, const ChatAnswer &answer, const FakeBehaviour &behaviour,
                          const ExchangeContext &context)
{
    const bool chunked = behaviour.chunkedStream && context.minorVersion >= 1;
    ResponsePlan plan;
    plan.status = 200;
    plan.keepAlive = chunked && context.keepAlive;
    HttpHeaders headers{{"Content-Type", "text/event-stream; charset=utf-8"}, {"Cache-Control", "no-cache"}};
    if (chunked)
        headers.emplaceBack("Transfer-Encoding", "chunked");
    headers.emplaceBack("Connection", plan.keepAlive ? QByteArray("keep-alive") : QByteArray("close"));
    headers.emplaceBack("x-request-id", QByteArray("req_fake_" + QByteArray::number(context.requestId)));

    StreamWriter writer(&plan, chunked, behaviour);
    const bool usageNull = request.includeUsage && answer.usage.has_value();
    writer.head(behaviour.headersDelay, responseHead(200, headers));
    writer.data(behaviour.headersDelay, roleChunkJson(answer, usageNull));

    const int tokens = static_cast<int>(answer.pieces.size());
    const int faultAt = qBound(0, behaviour.faultAfterEvents, tokens);
    const bool stopsEarly = behaviour.fault == FakeFault::StallMidStream || behaviour.fault == FakeFault::ResetMidStream
        || behaviour.fault == FakeFault::TruncatedBody;
    // A stream that ends properly framed but early: no finish chunk, no [DONE].
    const bool endsEarly = behaviour.fault == FakeFault::EndWithoutDone;
    const int sent = stopsEarly || endsEarly ? faultAt : tokens;
    for (int i = 0; i <= sent; ++i) {
        if (behaviour.fault == FakeFault::MalformedSse && i == faultAt) {
            const milliseconds at = contentAt(behaviour, qMax(0, i - 1));
            const QByteArray broken = contentChunkJson(answer, "broken", usageNull);
            writer.event(at, QByteArrayLiteral("this line is not server-sent events\n\n"));
            writer.data(at, broken.first(broken.size() / 2));
            // Damage a lenient scanner would let through: two objects in
            // one event, a misspelt literal, bytes that are not UTF-8.
            writer.data(at, broken + broken);
            writer.data(at, QByteArray(broken).replace("\"broken\"", "nul"));
            writer.data(at, QByteArray(broken).replace("broken", "\xC3\x28"));
        }
        if (i < sent)
            writer.data(contentAt(behaviour, i), contentChunkJson(answer, answer.pieces.at(i), usageNull),
                        PlannedWrite::Kind::Content);
    }

    if (stopsEarly) {
        plan.keepAlive = false;
        plan.end = behaviour.fault == FakeFault::StallMidStream
            ? PlanEnd::Hang
            : (behaviour.fault == FakeFault::ResetMidStream ? PlanEnd::Reset : PlanEnd::Close);
        plan.endAt = contentAt(behaviour, sent); // when the next event would have been due
        return plan;
    }

    if (endsEarly) {
        writer.endOfBody();
        return plan;
    }

    const milliseconds lastAt = contentAt(behaviour, qMax(0, tokens - 1));
    writer.data(lastAt, finishChunkJson(answer, usageNull));
    if (request.includeUsage && answer.usage)
        writer.data(lastAt, usageChunkJson(answer));
    writer.data(lastAt, QByteArrayLiteral("[DONE]"));
    writer.endOfBody();
    return plan;
}

} // namespace

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 100: return QByteArrayLiteral("Continue");
    case 200: return QByteArrayLiteral("OK");
    case 400: return QByteArrayLiteral("Bad Request");
    case 401: return QByteArrayLiteral("Unauthorized");
    case 404: return QByteArrayLiteral("Not Found");
    case 405: return QByteArrayLiteral("Method Not Allowed");
    case 413: return QByteArrayLiteral("Content Too Large");
    case 429: return QByteArrayLiteral("Too Many Requests");
    case 431: return QByteArrayLiteral("Request Header Fields Too Large");
    case 500: return QByteArrayLiteral("Internal Server Error");
    case 501: return QByteArrayLiteral("Not Implemented");
    case 502: return QByteArrayLiteral("Bad Gateway");
    case 503: return QByteArrayLiteral("Service Unavailable");
    case 505: return QByteArrayLiteral("HTTP Version Not Supported");
    default: return QByteArrayLiteral("Unknown");
    }
}

QByteArray responseHead(int status, const HttpHeaders &headers)
{
    QByteArray head = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status) + "\r\n";
    head += "Date: " + httpDate() + "\r\nServer: signalbox-fake-provider\r\n";
    for (const auto &[name, value] : headers)
        head += name + ": " + value + "\r\n";
    head += "\r\n";
    return head;
}

ResponsePlan simpleResponse(int status, const QByteArray &contentType, const QByteArray &body, bool keepAlive,
                            const HttpHeaders &extraHeaders, milliseconds at)
{
    ResponsePlan plan;
    plan.status = status;
    plan.keepAlive = keepAlive;
    HttpHeaders headers{{"Content-Type", contentType},
                        {"Content-Length", QByteArray::number(body.size())},
                        {"Connection", keepAlive ? QByteArray("keep-alive") : QByteArray("close")}};
    headers.append(extraHeaders);
    plan.writes.push_back({at, responseHead(status, headers) + body, PlannedWrite::Kind::Head});
    return plan;
}

ResponsePlan errorResponse(int status, const QString &message, const QString &type, const QString &code,
                           bool keepAlive, const HttpHeaders &extraHeaders, milliseconds at)
{
    return simpleResponse(status, "application/json", errorJson(message, type, code), keepAlive, extraHeaders, at);
}

ResponsePlan chatResponse(const ChatRequest &request, const FakeBehaviour &behaviour, const ExchangeContext &context)
{
    const milliseconds headAt = behaviour.headersDelay;
    const bool keepAlive = context.keepAlive;
    const auto message = [&behaviour](const QString &fallback) {
        return behaviour.errorMessage.isEmpty() ? fallback : behaviour.errorMessage;
    };
    switch (behaviour.fault) {
    case FakeFault::Http400:
        return errorResponse(400, message(QStringLiteral("The fake provider was scripted to reject this request.")),
                             QStringLiteral("invalid_request_error"), {}, keepAlive, {}, headAt);
    case FakeFault::Http500:
        return errorResponse(500,
                             message(QStringLiteral("The server had an error while processing your request. "
                                                    "Sorry about that!")),
                             QStringLiteral("server_error"), {}, keepAlive, {}, headAt);
    case FakeFault::Http503:
        return errorResponse(503, message(QStringLiteral("The server is overloaded or not ready yet.")),
                             QStringLiteral("server_error"), {}, keepAlive, {}, headAt);
    case FakeFault::Http429: {
        const QByteArray seconds = QByteArray::number(behaviour.retryAfterSeconds);
        return errorResponse(
            429,
            message(QStringLiteral("Rate limit reached for requests. Please try again in %1s.")
                        .arg(behaviour.retryAfterSeconds)),
            QStringLiteral("requests"), QStringLiteral("rate_limit_exceeded"), keepAlive, {{"Retry-After", seconds}},
            headAt);
    }
    case FakeFault::Html502:
        return simpleResponse(502, "text/html; charset=utf-8", html502Page(), keepAlive, {}, headAt);
    case FakeFault::HangBeforeHeaders: {
        ResponsePlan plan;
        plan.end = PlanEnd::Hang;
        return plan;
    }
    case FakeFault::ResetBeforeHeaders: {
        ResponsePlan plan;
        plan.keepAlive = false;
        plan.end = PlanEnd::Reset;
        plan.endAt = headAt;
        return plan;
    }
    default:
        break;
    }

    ChatAnswer answer;
    answer.id = "chatcmpl-fake" + QByteArray::number(context.requestId);
    answer.created = QDateTime::currentSecsSinceEpoch();
    answer.model = behaviour.servedModel.isEmpty() ? request.model : behaviour.servedModel;
    int visible = qMax(0, behaviour.completionTokens);
    answer.finishReason = "stop";
    if (request.maxTokens && *request.maxTokens < visible) {
        visible = *request.maxTokens;
        answer.finishReason = "length";
    }
    answer.pieces = answerPieces(visible, behaviour.contentBytes);
    if (behaviour.usage) {
        answer.usage = ChatUsage{behaviour.promptTokens.value_or(request.estimatedPromptTokens),
                                 visible + behaviour.reasoningTokens, behaviour.cachedTokens,
                                 behaviour.reasoningTokens};
    }
    return request.stream ? streamAnswer(request, answer, behaviour, context)
                          : jsonAnswer(answer, behaviour, context);
}

} // namespace signalbox::sandbox
