#pragma once

// Helpers for tst_upstream: requests to the fake provider, the body bytes the
// fake planned for a request (to compare byte for byte), a callback recorder,
// and a loopback listener that never completes a handshake.

#include "engine/gateway/upstream/upstreamclient.h"

#include "tests/support/fakeprovider/fakeprovider.h"
#include "tests/support/fakeprovider/openaiwire.h"
#include "tests/support/fakeprovider/responseplan.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTest>

#include <functional>
#include <optional>

#ifdef Q_OS_LINUX
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

namespace upstreamtest {

using signalbox::engine::UpstreamCall;
using signalbox::engine::UpstreamCallbacks;
using signalbox::engine::UpstreamClient;
using signalbox::engine::UpstreamFailure;
using signalbox::engine::UpstreamRequest;
using signalbox::engine::UpstreamResponseHead;
using signalbox::engine::upstreamFailureName;
using signalbox::testing::FakeBehaviour;
using signalbox::testing::FakeFault;
using signalbox::testing::FakeProvider;
using signalbox::testing::RecordedRequest;
using signalbox::testing::RequestOutcome;
using Headers = QList<QPair<QByteArray, QByteArray>>;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

inline QString s(const char *text)
{
    return QString::fromLatin1(text);
}

inline QByteArray chatBody(bool stream)
{
    const QJsonObject body{{s("model"), s("fake-model")},
                           {s("stream"), stream},
                           {s("messages"), QJsonArray{QJsonObject{{s("role"), s("user")}, {s("content"), s("hello")}}}}};
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

inline QByteArray chatUrl(const FakeProvider &fake)
{
    return fake.baseUrl().toString().toUtf8() + "/chat/completions";
}

inline UpstreamRequest chatRequest(const FakeProvider &fake, bool stream)
{
    UpstreamRequest request;
    request.url = chatUrl(fake);
    request.body = chatBody(stream);
    request.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer sk-test-secret"}};
    return request;
}

// Every header of that name, in order (testing::headerValue only finds the first).
inline QList<QByteArray> headerValues(const Headers &headers, QByteArrayView name)
{
    QList<QByteArray> values;
    for (const auto &[key, value] : headers) {
        if (QByteArrayView(key).compare(name, Qt::CaseInsensitive) == 0)
            values.append(value);
    }
    return values;
}

inline QByteArray dechunk(QByteArray body)
{
    QByteArray out;
    qsizetype at = 0;
    for (;;) {
        const qsizetype lineEnd = body.indexOf("\r\n", at);
        if (lineEnd < 0)
            return out;
        bool ok = false;
        const qsizetype size = body.mid(at, lineEnd - at).toLongLong(&ok, 16);
        if (!ok || size == 0)
            return out;
        out += body.mid(lineEnd + 2, size);
        at = lineEnd + 2 + size + 2;
    }
}

// The body bytes the fake put on the wire for `record` under `behaviour`:
// its response plan rebuilt from the recorded request, framing removed.
inline QByteArray plannedBody(const RecordedRequest &record, const FakeBehaviour &behaviour)
{
    QString error;
    const std::optional<signalbox::testing::ChatRequest> chat =
        signalbox::testing::parseChatRequest(record.body, &error);
    if (!chat)
        return {};
    const signalbox::testing::ExchangeContext context{record.id, 1, true};
    const signalbox::testing::ResponsePlan plan = signalbox::testing::chatResponse(*chat, behaviour, context);
    QByteArray wire;
    for (const auto &write : plan.writes)
        wire += write.bytes;
    const qsizetype headEnd = wire.indexOf("\r\n\r\n");
    const QByteArray head = wire.first(headEnd).toLower();
    const QByteArray body = wire.sliced(headEnd + 4);
    return head.contains("transfer-encoding: chunked") ? dechunk(body) : body;
}

// "created" is the fake's clock in seconds; it is the only field the rebuilt
// plan may legitimately differ in.
inline QByteArray withoutCreated(QByteArray body)
{
    static const QRegularExpression created(s("\"created\":[0-9]+"));
    return QString::fromUtf8(body).replace(created, s("\"created\":0")).toUtf8();
}

struct Recorder {
    std::optional<UpstreamResponseHead> head;
    QByteArray body;
    QList<qsizetype> chunkSizes;
    QStringList order;
    int finishes = 0;
    UpstreamFailure failure = UpstreamFailure::None;
    QString detail;
    Clock::time_point firstDataAt;
    Clock::time_point finishedAt;
    std::function<void()> afterHead;
    std::function<void()> afterData;
    std::function<void()> afterFinished;

    UpstreamCallbacks callbacks()
    {
        UpstreamCallbacks callbacks;
        callbacks.onHead = [this](const UpstreamResponseHead &received) {
            head = received;
            order << s("head");
            if (afterHead)
                afterHead();
        };
        callbacks.onData = [this](QByteArrayView data) {
            if (chunkSizes.isEmpty())
                firstDataAt = Clock::now();
            body += data;
            chunkSizes << data.size();
            order << s("data");
            if (afterData)
                afterData();
        };
        callbacks.onFinished = [this](UpstreamFailure result, const QString &text) {
            ++finishes;
            failure = result;
            detail = text;
            finishedAt = Clock::now();
            order << s("finished");
            if (afterFinished)
                afterFinished();
            QVERIFY2(!text.contains(s("sk-test-secret")), "the failure detail leaks a request header");
        };
        return callbacks;
    }
    bool done() const { return finishes > 0; }
    qsizetype events() const { return order.size(); }
};

#ifdef Q_OS_LINUX
// A listener whose accept queue is full: the kernel drops further SYNs, so a
// connect to it hangs until the client gives up, without leaving loopback.
class Blackhole {
public:
    Blackhole()
    {
        m_listener = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (::bind(m_listener, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0
            || ::listen(m_listener, 0) != 0
            || ::getsockname(m_listener, reinterpret_cast<sockaddr *>(&address), &length) != 0)
            return;
        m_filler = ::socket(AF_INET, SOCK_STREAM, 0);
        if (::connect(m_filler, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0)
            port = ntohs(address.sin_port);
    }
    ~Blackhole()
    {
        ::close(m_filler);
        ::close(m_listener);
    }
    Q_DISABLE_COPY_MOVE(Blackhole)
    quint16 port = 0;

private:
    int m_listener = -1;
    int m_filler = -1;
};
#endif

} // namespace upstreamtest
