// The gateway's upstream client (engine/gateway/upstream: libcurl multi on the
// Qt event loop) against the obvious alternative, QNetworkAccessManager, doing
// the same thing: POST a chat request, read the whole JSON answer. Both run on
// this thread's event loop; the upstream servers run on threads of their own:
//   - the fake provider (tests/support/fakeprovider): realistic work per request;
//   - a bare QTcpServer with a fixed answer: shows the clients' own cost.
// Also: time to the first streamed byte, and how soon the provider sees a
// cancelled call's connection close.
//
// Reported per run: requests/s, p50/p99 latency (start -> whole body), and
// client CPU per request (process CPU minus the server thread's).
//
// usage: bench_upstream [requests-per-run]   (Linux)

#include "engine/gateway/upstream/upstreamclient.h"

#include "tests/support/fakeprovider/fakeprovider.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>
#include <QTimer>
#include <QUrl>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#ifdef Q_OS_LINUX
#include <sys/resource.h>
#endif

using namespace signalbox::engine;
using signalbox::testing::FakeBehaviour;
using signalbox::testing::FakeProvider;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

const QByteArray kChatBody = QByteArrayLiteral(
    "{\"model\":\"fake-model\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello in eight words.\"}]}");
const QByteArray kStreamBody = QByteArrayLiteral(
    "{\"model\":\"fake-model\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Count slowly.\"}]}");
const QByteArray kBareAnswer = QByteArrayLiteral(
    "{\"id\":\"chatcmpl-bare\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"fake-model\",\"choices\":"
    "[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"token0 token1 token2 token3\"},"
    "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":6,\"completion_tokens\":4,\"total_tokens\":10}}");

double cpuSeconds(int who)
{
#ifdef Q_OS_LINUX
    rusage usage{};
    getrusage(who, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
#else
    Q_UNUSED(who);
    return 0;
#endif
}

#ifdef Q_OS_LINUX
constexpr int kProcess = RUSAGE_SELF;
constexpr int kThread = RUSAGE_THREAD;
#else
constexpr int kProcess = 0;
constexpr int kThread = 1;
#endif

// The floor for the clients: no parsing beyond finding the end of a request.
class BareServer final : public QTcpServer {
public:
    void incomingConnection(qintptr descriptor) override
    {
        auto *socket = new QTcpSocket(this);
        socket->setSocketDescriptor(descriptor);
        socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        connect(socket, &QTcpSocket::readyRead, socket, [socket] {
            static const QByteArray response = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                + QByteArray::number(kBareAnswer.size()) + "\r\n\r\n" + kBareAnswer;
            // Requests carry a small JSON body after the head; count heads.
            const QByteArray data = socket->readAll();
            for (qsizetype from = 0; (from = data.indexOf("\r\n\r\n", from)) >= 0; from += 4)
                socket->write(response);
            socket->flush();
        });
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    }
};

// A server object living on a thread of its own.
class ServerThread {
public:
    ServerThread()
    {
        m_context.moveToThread(&m_thread);
        m_thread.start();
    }
    ~ServerThread()
    {
        QMetaObject::invokeMethod(&m_context, [this] { m_cleanup(); }, Qt::BlockingQueuedConnection);
        m_thread.quit();
        m_thread.wait();
    }
    Q_DISABLE_COPY_MOVE(ServerThread)

    void run(const std::function<void()> &work)
    {
        QMetaObject::invokeMethod(&m_context, work, Qt::BlockingQueuedConnection);
    }
    double cpu()
    {
        double seconds = 0;
        run([&] { seconds = cpuSeconds(kThread); });
        return seconds;
    }
    void onExit(std::function<void()> cleanup) { m_cleanup = std::move(cleanup); }

private:
    QThread m_thread;
    QObject m_context;
    std::function<void()> m_cleanup = [] {};
};

// One way of making the request: start it, call `done(ok)` once the whole body is in.
class Client {
public:
    virtual ~Client() = default;
    virtual void post(const QByteArray &url, const QByteArray &body, std::function<void(bool)> done) = 0;
    virtual const char *name() const = 0;
};

class CurlClient final : public Client {
public:
    explicit CurlClient(const char *name = "UpstreamClient (curl)", UpstreamClient::Options options = {})
        : m_client(options)
        , m_name(name)
    {
    }
    void post(const QByteArray &url, const QByteArray &body, std::function<void(bool)> done) override
    {
        UpstreamRequest request;
        request.url = url;
        request.body = body;
        request.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer sk-bench"}};
        auto state = std::make_shared<std::pair<int, QByteArray>>();
        UpstreamCallbacks callbacks;
        callbacks.onHead = [state](const UpstreamResponseHead &head) { state->first = head.status; };
        callbacks.onData = [state](QByteArrayView data) { state->second.append(data); };
        callbacks.onFinished = [state, done = std::move(done)](UpstreamFailure failure, const QString &) {
            done(failure == UpstreamFailure::None && state->first == 200 && !state->second.isEmpty());
        };
        m_client.start(std::move(request), std::move(callbacks));
    }
    const char *name() const override { return m_name; }
    UpstreamClient &client() { return m_client; }

private:
    UpstreamClient m_client;
    const char *m_name;
};

class QnamClient final : public Client {
public:
    QnamClient() { m_manager.setProxy(QNetworkProxy::NoProxy); }
    void post(const QByteArray &url, const QByteArray &body, std::function<void(bool)> done) override
    {
        QNetworkReply *reply = m_manager.post(request(url), body);
        QObject::connect(reply, &QNetworkReply::finished, reply, [reply, done = std::move(done)] {
            const QByteArray answer = reply->readAll();
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            reply->deleteLater();
            done(reply->error() == QNetworkReply::NoError && status == 200 && !answer.isEmpty());
        });
    }
    const char *name() const override { return "QNetworkAccessManager"; }
    QNetworkAccessManager &manager() { return m_manager; }
    static QNetworkRequest request(const QByteArray &url)
    {
        QNetworkRequest request(QUrl(QString::fromLatin1(url)));
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
        request.setRawHeader("Authorization", "Bearer sk-bench");
        request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
        return request;
    }

private:
    QNetworkAccessManager m_manager;
};

struct Measurement {
    int connections = -1; // opened on the fake during warm-up and run; -1: not counted
    double requestsPerSecond = 0;
    double p50us = 0;
    double p99us = 0;
    double cpuUsPerRequest = 0;
    int failures = 0;
};

double percentile(std::vector<double> values, double p)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    const auto index = std::min(values.size() - 1, static_cast<std::size_t>(p * static_cast<double>(values.size())));
    return values[index];
}

// `requests` calls, `concurrency` in flight at a time, on this thread's event loop.
Measurement measure(Client &client, const QByteArray &url, int requests, int concurrency, ServerThread &server)
{
    std::vector<double> latencies;
    latencies.reserve(static_cast<std::size_t>(requests));
    int started = 0;
    int finished = 0;
    int failures = 0;
    QEventLoop loop;
    std::function<void()> startOne = [&] {
        ++started;
        const auto begin = Clock::now();
        client.post(url, kChatBody, [&, begin](bool ok) {
            latencies.push_back(std::chrono::duration<double, std::micro>(Clock::now() - begin).count());
            failures += ok ? 0 : 1;
            ++finished;
            if (started < requests)
                startOne();
            else if (finished == requests)
                loop.quit();
        });
    };
    const double serverCpuBefore = server.cpu();
    const double cpuBefore = cpuSeconds(kProcess);
    const auto begin = Clock::now();
    for (int i = 0; i < std::min(concurrency, requests); ++i)
        startOne();
    loop.exec();
    const double seconds = std::chrono::duration<double>(Clock::now() - begin).count();
    const double clientCpu = (cpuSeconds(kProcess) - cpuBefore) - (server.cpu() - serverCpuBefore);

    Measurement result;
    result.requestsPerSecond = requests / seconds;
    result.p50us = percentile(latencies, 0.50);
    result.p99us = percentile(latencies, 0.99);
    result.cpuUsPerRequest = clientCpu * 1e6 / requests;
    result.failures = failures;
    return result;
}

void print(const char *upstream, int concurrency, const Client &client, const Measurement &m)
{
    const QString connections = m.connections >= 0 ? QString::number(m.connections) : QStringLiteral("-");
    std::printf("  %-5s %3d in flight  %-30s %9.0f %9.1f %9.1f %9.1f %6s%s\n", upstream, concurrency, client.name(),
                m.requestsPerSecond, m.p50us, m.p99us, m.cpuUsPerRequest, qPrintable(connections),
                m.failures ? qPrintable(QStringLiteral("  (%1 FAILED)").arg(m.failures)) : "");
}

void printRatio(const Measurement &curl, const Measurement &qnam)
{
    std::printf("  %-5s %15s  %-30s %8.2fx %8.2fx %8.2fx %8.2fx\n", "", "", "ratio curl / QNAM",
                curl.requestsPerSecond / std::max(1.0, qnam.requestsPerSecond), curl.p50us / std::max(1.0, qnam.p50us),
                curl.p99us / std::max(1.0, qnam.p99us), curl.cpuUsPerRequest / std::max(0.01, qnam.cpuUsPerRequest));
}

// Start -> first body byte of an SSE stream, sequentially.
std::vector<double> firstByteLatencies(const QByteArray &url, int runs, bool useCurl, CurlClient &curl,
                                       QnamClient &qnam)
{
    std::vector<double> result;
    for (int i = 0; i < runs; ++i) {
        QEventLoop loop;
        const auto begin = Clock::now();
        Clock::time_point firstByte;
        if (useCurl) {
            UpstreamRequest request;
            request.url = url;
            request.body = kStreamBody;
            request.headers = {{"Content-Type", "application/json"}};
            UpstreamCallbacks callbacks;
            callbacks.onData = [&](QByteArrayView) {
                if (firstByte == Clock::time_point{})
                    firstByte = Clock::now();
            };
            callbacks.onFinished = [&](UpstreamFailure, const QString &) { loop.quit(); };
            curl.client().start(std::move(request), std::move(callbacks));
        } else {
            QNetworkReply *reply = qnam.manager().post(QnamClient::request(url), kStreamBody);
            QObject::connect(reply, &QNetworkReply::readyRead, reply, [&, reply] {
                if (firstByte == Clock::time_point{})
                    firstByte = Clock::now();
                reply->readAll();
            });
            QObject::connect(reply, &QNetworkReply::finished, reply, [&loop, reply] {
                reply->deleteLater();
                loop.quit();
            });
        }
        loop.exec();
        result.push_back(std::chrono::duration<double, std::micro>(firstByte - begin).count());
    }
    return result;
}

// Cancel a slow stream after its first bytes; how long until the provider
// records the client leaving (its own steady_clock timestamp).
std::vector<double> cancelLatencies(const QByteArray &url, int runs, bool useCurl, CurlClient &curl,
                                    QnamClient &qnam, ServerThread &server, FakeProvider *fake)
{
    std::vector<double> result;
    for (int i = 0; i < runs; ++i) {
        QEventLoop loop;
        std::shared_ptr<UpstreamCall> call;
        QNetworkReply *reply = nullptr;
        Clock::time_point cancelAt;
        const auto cancelNow = [&] {
            if (cancelAt != Clock::time_point{})
                return;
            cancelAt = Clock::now();
            if (call)
                call->cancel();
            if (reply)
                reply->abort();
            loop.quit();
        };
        if (useCurl) {
            UpstreamRequest request;
            request.url = url;
            request.body = kStreamBody;
            request.headers = {{"Content-Type", "application/json"}};
            UpstreamCallbacks callbacks;
            callbacks.onData = [&](QByteArrayView) { QTimer::singleShot(0, &loop, cancelNow); };
            call = curl.client().start(std::move(request), std::move(callbacks));
        } else {
            reply = qnam.manager().post(QnamClient::request(url), kStreamBody);
            QObject::connect(reply, &QNetworkReply::readyRead, reply, [&] { QTimer::singleShot(0, &loop, cancelNow); });
        }
        loop.exec();
        if (reply)
            reply->deleteLater();
        // Wait for the fake's record of the cancellation.
        std::optional<Clock::time_point> seenAt;
        for (int attempt = 0; attempt < 2000 && !seenAt; ++attempt) {
            server.run([&] {
                if (const auto record = fake->lastRequest())
                    seenAt = record->cancelledAt();
            });
            if (!seenAt) {
                QCoreApplication::processEvents();
                QThread::usleep(100);
            }
        }
        if (seenAt)
            result.push_back(std::chrono::duration<double, std::micro>(*seenAt - cancelAt).count());
        else
            result.push_back(-1);
    }
    return result;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const int requests = argc > 1 ? std::max(200, QByteArray(argv[1]).toInt()) : 4000;

    ServerThread fakeThread;
    FakeProvider *fake = nullptr;
    QByteArray fakeUrl;
    fakeThread.run([&] {
        fake = new FakeProvider;
        fake->listen();
        fake->setDefaultBehaviour(FakeBehaviour{.completionTokens = 8});
        fakeUrl = fake->baseUrl().toString().toUtf8() + "/chat/completions";
    });
    fakeThread.onExit([&] { delete fake; });

    ServerThread bareThread;
    BareServer *bare = nullptr;
    QByteArray bareUrl;
    bareThread.run([&] {
        bare = new BareServer;
        bare->listen(QHostAddress::LocalHost, 0);
        bareUrl = "http://127.0.0.1:" + QByteArray::number(bare->serverPort()) + "/v1/chat/completions";
    });
    bareThread.onExit([&] { delete bare; });

    double load[1] = {0};
#ifdef Q_OS_LINUX
    getloadavg(load, 1);
#endif
    std::printf("bench_upstream: %d requests per run, loopback, servers on their own threads, %d cores, load %.2f\n",
                requests, QThread::idealThreadCount(), load[0]);
    std::printf("  (cpu: this process minus the server thread = the client's own cost, QNAM's HTTP thread included;\n"
                "   conns: connections the fake accepted from this client, warm-up included)\n");
    std::printf("  %-5s %15s  %-30s %9s %9s %9s %9s %6s\n", "", "", "", "req/s", "p50 us", "p99 us", "cpu us/req",
                "conns");

    struct Upstream {
        const char *name;
        QByteArray url;
        ServerThread *thread;
    };
    // Each client: a warm-up (connections opened, pools filled), then the
    // measured run. Connections are counted on the fake over both.
    const auto warmAndMeasure = [&](const Upstream &upstream, Client &client, int concurrency) {
        const bool onFake = upstream.thread == &fakeThread;
        int before = 0;
        if (onFake)
            fakeThread.run([&] { before = fake->totalConnections(); });
        measure(client, upstream.url, std::max(100, requests / 10), concurrency, *upstream.thread);
        Measurement m = measure(client, upstream.url, requests, concurrency, *upstream.thread);
        if (onFake)
            fakeThread.run([&] { m.connections = fake->totalConnections() - before; });
        return m;
    };
    for (const Upstream &upstream : {Upstream{"fake", fakeUrl, &fakeThread}, Upstream{"bare", bareUrl, &bareThread}}) {
        for (int concurrency : {1, 32}) {
            fakeThread.run([&] { fake->clearRecords(); });
            CurlClient curl;
            QnamClient qnam;
            const Measurement curlRun = warmAndMeasure(upstream, curl, concurrency);
            print(upstream.name, concurrency, curl, curlRun);
            if (concurrency > 1) {
                // Qt 6.4's QNAM opens at most 6 HTTP/1 connections per host
                // (QHttp1Configuration arrives in 6.5): compare like with like too.
                CurlClient curlSix("UpstreamClient, 6 conns/host", UpstreamClient::Options{.maxConnectionsPerHost = 6});
                print(upstream.name, concurrency, curlSix, warmAndMeasure(upstream, curlSix, concurrency));
            }
            const Measurement qnamRun = warmAndMeasure(upstream, qnam, concurrency);
            print(upstream.name, concurrency, qnam, qnamRun);
            printRatio(curlRun, qnamRun);
        }
    }

    {
        // Streaming: time to first byte with a fake answering at once, and
        // cancellation seen by the provider, on slow streams.
        CurlClient curl;
        QnamClient qnam;
        const int runs = 200;
        fakeThread.run([&] { fake->setDefaultBehaviour(FakeBehaviour{.completionTokens = 8}); });
        firstByteLatencies(fakeUrl, 20, true, curl, qnam);
        firstByteLatencies(fakeUrl, 20, false, curl, qnam);
        const auto curlFirst = firstByteLatencies(fakeUrl, runs, true, curl, qnam);
        const auto qnamFirst = firstByteLatencies(fakeUrl, runs, false, curl, qnam);
        std::printf("\n  SSE, start -> first body byte (%d sequential streams): p50 / p99 us\n", runs);
        std::printf("    %-30s %9.1f %9.1f\n", curl.name(), percentile(curlFirst, 0.5), percentile(curlFirst, 0.99));
        std::printf("    %-30s %9.1f %9.1f\n", qnam.name(), percentile(qnamFirst, 0.5), percentile(qnamFirst, 0.99));

        fakeThread.run([&] {
            fake->setDefaultBehaviour(FakeBehaviour{.tokensPerSecond = 20, .completionTokens = 100});
        });
        const int cancels = 50;
        const auto curlCancel = cancelLatencies(fakeUrl, cancels, true, curl, qnam, fakeThread, fake);
        const auto qnamCancel = cancelLatencies(fakeUrl, cancels, false, curl, qnam, fakeThread, fake);
        std::printf("\n  cancel() / abort() -> provider records the disconnect (%d slow streams): p50 / max us\n",
                    cancels);
        std::printf("    %-30s %9.1f %9.1f\n", curl.name(), percentile(curlCancel, 0.5),
                    *std::max_element(curlCancel.begin(), curlCancel.end()));
        std::printf("    %-30s %9.1f %9.1f\n", qnam.name(), percentile(qnamCancel, 0.5),
                    *std::max_element(qnamCancel.begin(), qnamCancel.end()));
    }
    return 0;
}
