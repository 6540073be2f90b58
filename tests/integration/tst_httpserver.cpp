// The gateway's inbound HTTP/1.1 server over real loopback sockets: round
// trips, keep-alive, pipelining, the limits table, streaming, backpressure,
// client disconnects, threading and shutdown.

#include "engine/gateway/http/httpserver.h"
#include "tests/support/fakeprovider/rawhttpclient.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutex>
#include <QTcpSocket>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <atomic>
#include <functional>
#include <memory>

using namespace signalbox::engine;
using signalbox::testing::RawHttpClient;

namespace {

// What the test handler does with a request; `context` lives on the worker
// thread as long as the handler, for timers.
using Behavior = std::function<void(HttpRequestPtr, HttpResponder, QObject *context)>;

class TestHandler final : public HttpHandler {
public:
    explicit TestHandler(Behavior behavior) : m_behavior(std::move(behavior)) {}
    void handle(HttpRequestPtr request, HttpResponder responder) override
    {
        m_behavior(std::move(request), std::move(responder), &m_context);
    }

private:
    Behavior m_behavior;
    QObject m_context;
};

QByteArray threadTag()
{
    return QByteArray::number(reinterpret_cast<quintptr>(QThread::currentThreadId()));
}

// 200 with "METHOD PATH BODY" and the worker thread in X-Thread.
void echo(const HttpRequestPtr &request, HttpResponder &responder)
{
    const HttpHeaders headers{{QByteArrayLiteral("Content-Type"), QByteArrayLiteral("text/plain")},
                              {QByteArrayLiteral("X-Thread"), threadTag()}};
    responder.respond(200, headers, request->method + ' ' + request->path + ' ' + request->body);
}

std::unique_ptr<HttpServer> startServer(Behavior behavior, HttpLimits limits = {}, int workers = 2)
{
    auto server = std::make_unique<HttpServer>(
        [behavior] { return std::make_unique<TestHandler>(behavior); });
    HttpServer::Options options;
    options.limits = limits;
    options.workerThreads = workers;
    const auto started = server->start(options);
    if (!started) {
        qWarning() << started.error().message;
        return {};
    }
    return server;
}

void checkOpenAiError(const RawHttpClient &client, int status, const char *code)
{
    QCOMPARE(client.status(), status);
    QCOMPARE(client.header("content-type"), QByteArray("application/json"));
    QCOMPARE(client.header("connection"), QByteArray("close"));
    const auto document = QJsonDocument::fromJson(client.body());
    QVERIFY(document.isObject());
    const auto error = document.object().value(QStringLiteral("error")).toObject();
    QVERIFY(!error.value(QStringLiteral("message")).toString().isEmpty());
    QVERIFY(!error.value(QStringLiteral("type")).toString().isEmpty());
    QCOMPARE(error.value(QStringLiteral("code")).toString(), QString::fromLatin1(code));
}

} // namespace

class TestHttpServer : public QObject {
    Q_OBJECT

private slots:
    void getAndPostRoundTrip();
    void keepAliveSequentialRequests();
    void pipelinedRequestsAnsweredInOrder();
    void contentLengthOverLimitIs413();
    void headersOverLimitAre431();
    void malformedRequestIs400();
    void slowlorisGets408();
    void streamingChunksArriveSeparately();
    void batchedChunksLeaveTogether();
    void clientGoneMidStream();
    void backpressureSignalsWritable();
    void maxConnectionsAnswers503();
    void connectionsSpreadOverWorkers();
    void stopLetsInFlightRequestFinish();
};

void TestHttpServer::getAndPostRoundTrip()
{
    // Handlers run on worker threads: record, check on the test thread.
    std::atomic<int> wellFormed{0};
    auto server = startServer([&wellFormed](HttpRequestPtr request, HttpResponder responder, QObject *) {
        if (request->header("HOST") == "127.0.0.1" && request->peerAddress.isLoopback()
            && request->receivedAt >= request->headersCompleteAt
            && request->headersCompleteAt >= request->firstByteAt)
            ++wellFormed;
        echo(request, responder);
    });
    QVERIFY(server);
    QVERIFY(server->serverPort() != 0);
    QCOMPARE(server->serverAddress(), QHostAddress(QHostAddress::LocalHost));

    RawHttpClient get;
    get.connectToPort(server->serverPort());
    get.send(RawHttpClient::buildRequest("GET", "/v1/models?x=1"));
    QTRY_VERIFY(get.isComplete());
    QCOMPARE(get.status(), 200);
    QCOMPARE(get.body(), QByteArray("GET /v1/models "));
    QCOMPARE(get.header("content-length"), QByteArray("15"));
    QVERIFY(get.header("connection").isEmpty());

    RawHttpClient post;
    post.connectToPort(server->serverPort());
    const QByteArray body = R"({"model":"m","messages":[]})";
    post.send(RawHttpClient::buildRequest("POST", "/v1/chat/completions", body));
    QTRY_VERIFY(post.isComplete());
    QCOMPARE(post.status(), 200);
    QCOMPARE(post.body(), "POST /v1/chat/completions " + body);

    // A chunked request body is de-chunked for the handler.
    RawHttpClient chunked;
    chunked.connectToPort(server->serverPort());
    chunked.send("POST /c HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
    QTRY_VERIFY(chunked.isComplete());
    QCOMPARE(chunked.body(), QByteArray("POST /c abcde"));
    QCOMPARE(wellFormed.load(), 3);
}

void TestHttpServer::keepAliveSequentialRequests()
{
    auto server = startServer([](HttpRequestPtr request, HttpResponder responder, QObject *) {
        echo(request, responder);
    });
    QVERIFY(server);
    RawHttpClient client;
    client.connectToPort(server->serverPort());
    client.send(RawHttpClient::buildRequest("GET", "/one"));
    QTRY_VERIFY(client.isComplete());
    QCOMPARE(client.body(), QByteArray("GET /one "));
    client.nextResponse();
    client.send(RawHttpClient::buildRequest("GET", "/two", {}, {{"Connection", "close"}}));
    QTRY_VERIFY(client.isComplete());
    QCOMPARE(client.body(), QByteArray("GET /two "));
    QCOMPARE(client.header("connection"), QByteArray("close"));
    QTRY_VERIFY(client.peerClosed()); // "Connection: close" honoured
    QTRY_COMPARE(server->openConnections(), 0);
}

void TestHttpServer::pipelinedRequestsAnsweredInOrder()
{
    auto server = startServer([](HttpRequestPtr request, HttpResponder responder, QObject *context) {
        if (request->path == "/slow") { // answers last if order were not enforced
            QTimer::singleShot(100, context, [request, responder]() mutable { echo(request, responder); });
            return;
        }
        echo(request, responder);
    });
    QVERIFY(server);
    RawHttpClient client;
    client.connectToPort(server->serverPort());
    client.send(RawHttpClient::buildRequest("GET", "/slow") + RawHttpClient::buildRequest("POST", "/b", "x")
                + RawHttpClient::buildRequest("GET", "/c"));
    const QList<QByteArray> expected{"GET /slow ", "POST /b x", "GET /c "};
    for (const QByteArray &body : expected) {
        QTRY_VERIFY(client.isComplete());
        QCOMPARE(client.status(), 200);
        QCOMPARE(client.body(), body);
        client.nextResponse();
    }
    QVERIFY(!client.peerClosed());
}

void TestHttpServer::contentLengthOverLimitIs413()
{
    std::atomic<int> calls{0};
    HttpLimits limits;
    limits.maxBodyBytes = 1024;
    auto server = startServer(
        [&calls](HttpRequestPtr request, HttpResponder responder, QObject *) {
            ++calls;
            echo(request, responder);
        },
        limits);
    QVERIFY(server);
    RawHttpClient client;
    client.connectToPort(server->serverPort());
    // Headers only: the answer must come without the server waiting for the body.
    client.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Content-Length: 100000000\r\n\r\n");
    QTRY_VERIFY(client.isComplete());
    checkOpenAiError(client, 413, "request_too_large");
    QCOMPARE(calls.load(), 0);

    // A chunked body is cut off as it crosses the limit.
    RawHttpClient chunked;
    chunked.connectToPort(server->serverPort());
    chunked.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" + QByteArray(2048, 'a')
                 + "\r\n");
    QTRY_VERIFY(chunked.isComplete());
    checkOpenAiError(chunked, 413, "request_too_large");
    QCOMPARE(calls.load(), 0);
}

void TestHttpServer::headersOverLimitAre431()
{
    HttpLimits limits; // 32 KiB by default
    auto server = startServer([](HttpRequestPtr request, HttpResponder responder, QObject *) {
        echo(request, responder);
    }, limits);
    QVERIFY(server);
    RawHttpClient client;
    client.connectToPort(server->serverPort());
    client.send(RawHttpClient::buildRequest("GET", "/", {}, {{"X-Big", QByteArray(40 * 1024, 'h')}}));
    QTRY_VERIFY(client.isComplete());
    checkOpenAiError(client, 431, "request_header_fields_too_large");
}

void TestHttpServer::malformedRequestIs400()
{
    auto server = startServer([](HttpRequestPtr request, HttpResponder responder, QObject *) {
        echo(request, responder);
    });
    QVERIFY(server);
    const QList<QByteArray> bad{"THIS IS NOT HTTP\r\n\r\n", "GET / HTTP/1.1\r\nBad Header Line\r\n\r\n",
                                "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"};
    for (const QByteArray &request : bad) {
        RawHttpClient client;
        client.connectToPort(server->serverPort());
        client.send(request);
        QTRY_VERIFY(client.isComplete());
        checkOpenAiError(client, 400, "bad_request");
    }
}

void TestHttpServer::slowlorisGets408()
{
    HttpLimits limits;
    limits.headerTimeout = std::chrono::milliseconds(300);
    limits.lingerTimeout = std::chrono::milliseconds(300);
    auto server = startServer([](HttpRequestPtr request, HttpResponder responder, QObject *) {
        echo(request, responder);
    }, limits);
    QVERIFY(server);
    RawHttpClient client;
    QElapsedTimer clock;
    clock.start();
    client.connectToPort(server->serverPort());
    client.send("POST / HTTP/1.1\r\nHost: x\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(client.peerClosed(), 3000);
    QVERIFY2(clock.elapsed() < 3000, QByteArray::number(clock.elapsed()).constData());
    QVERIFY(client.isComplete());
    checkOpenAiError(client, 408, "request_timeout");
}

void TestHttpServer::streamingChunksArriveSeparately()
{
    auto server = startServer([](HttpRequestPtr, HttpResponder responder, QObject *context) {
        responder.beginStream(200, {{"Content-Type", "text/event-stream"}});
        auto *timer = new QTimer(context);
        auto sent = std::make_shared<int>(0);
        QObject::connect(timer, &QTimer::timeout, timer, [timer, responder, sent]() mutable {
            ++*sent;
            responder.writeChunk(QByteArray("data: {\"n\":" + QByteArray::number(*sent) + "}\n\n"));
            if (*sent == 5) {
                responder.endStream();
                timer->deleteLater();
                timer->stop();
            }
        });
        timer->start(50);
    });
    QVERIFY(server);
    RawHttpClient client;
    client.connectToPort(server->serverPort());
    client.send(RawHttpClient::buildRequest("POST", "/v1/chat/completions", R"({"stream":true})"));
    QTRY_VERIFY(client.isComplete());
    QCOMPARE(client.status(), 200);
    QVERIFY(client.isChunked());
    QVERIFY(!client.framingError());
    QCOMPARE(client.header("transfer-encoding"), QByteArray("chunked"));
    QVERIFY(client.header("content-length").isNull());
    QVERIFY(client.raw().endsWith("\r\n0\r\n\r\n"));
    const auto &chunks = client.chunks();
    QCOMPARE(chunks.size(), 5);
    for (int i = 0; i < 5; ++i) {
        QCOMPARE(chunks[i].data, "data: {\"n\":" + QByteArray::number(i + 1) + "}\n\n");
        if (i > 0)
            QVERIFY2(chunks[i].at > chunks[i - 1].at, "each chunk arrives in its own read");
    }
    QVERIFY(client.readCount() >= 5);
    QCOMPARE(client.events().size(), 5);
}

void TestHttpServer::batchedChunksLeaveTogether()
{
    // Chunk 1 at once; 2 and 3 written 50 ms apart inside a batch that ends
    // at 150 ms; 4 inside a batch that only endStream() closes.
    auto server = startServer([](HttpRequestPtr, HttpResponder responder, QObject *context) {
        responder.beginStream(200, {{"Content-Type", "text/event-stream"}});
        responder.writeChunk("data: 1\n\n");
        responder.beginBatch();
        QTimer::singleShot(50, context, [responder]() mutable { responder.writeChunk("data: 2\n\n"); });
        QTimer::singleShot(100, context, [responder]() mutable {
            responder.writeChunk("data: 3\n\n");
            if (responder.bufferedBytes() < 2 * qsizetype(sizeof("data: 2\n\n")))
                responder.writeChunk("data: bufferedBytes does not count the batch\n\n");
        });
        QTimer::singleShot(150, context, [responder]() mutable { responder.endBatch(); });
        QTimer::singleShot(200, context, [responder]() mutable {
            responder.beginBatch();
            responder.writeChunk("data: 4\n\n");
            responder.endStream();
        });
    });
    QVERIFY(server);
    RawHttpClient client;
    client.connectToPort(server->serverPort());
    client.send(RawHttpClient::buildRequest("POST", "/v1/chat/completions", R"({"stream":true})"));
    QTRY_VERIFY(client.isComplete());
    QCOMPARE(client.status(), 200);
    QVERIFY(!client.framingError());
    QVERIFY(client.raw().endsWith("\r\n0\r\n\r\n"));
    const auto &chunks = client.chunks();
    QCOMPARE(chunks.size(), 4);
    for (int i = 0; i < 4; ++i)
        QCOMPARE(chunks[i].data, "data: " + QByteArray::number(i + 1) + "\n\n");
    // 2 and 3 (written 50 ms apart) left together when the batch ended,
    // at 150 ms: well after 1.
    QVERIFY(chunks[2].at - chunks[1].at < std::chrono::milliseconds(25));
    QVERIFY(chunks[1].at - chunks[0].at >= std::chrono::milliseconds(120));
    QVERIFY(chunks[3].at > chunks[2].at);
}

void TestHttpServer::clientGoneMidStream()
{
    struct Shared {
        std::atomic<bool> gone{false};
        std::atomic<int> writesAfterGone{0};
        std::atomic<int> acceptedAfterGone{0};
    };
    auto shared = std::make_shared<Shared>();
    auto server = startServer([shared](HttpRequestPtr, HttpResponder responder, QObject *context) {
        responder.onClientGone([shared] { shared->gone = true; });
        responder.beginStream(200, {{"Content-Type", "text/event-stream"}});
        responder.writeChunk("data: first\n\n");
        auto *timer = new QTimer(context);
        QObject::connect(timer, &QTimer::timeout, timer, [timer, responder, shared]() mutable {
            const bool accepted = responder.writeChunk("data: more\n\n");
            if (shared->gone) {
                if (accepted)
                    ++shared->acceptedAfterGone;
                if (++shared->writesAfterGone == 3) {
                    responder.endStream();
                    timer->stop();
                    timer->deleteLater();
                }
            }
        });
        timer->start(20);
    });
    QVERIFY(server);
    {
        RawHttpClient client;
        client.connectToPort(server->serverPort());
        client.send(RawHttpClient::buildRequest("POST", "/v1/chat/completions", "{}"));
        QTRY_VERIFY(!client.chunks().isEmpty());
        client.abort();
    }
    QTRY_VERIFY_WITH_TIMEOUT(shared->gone.load(), 2000);
    QTRY_COMPARE(shared->writesAfterGone.load(), 3);
    QCOMPARE(shared->acceptedAfterGone.load(), 0);
    QTRY_COMPARE(server->openConnections(), 0);
}

void TestHttpServer::backpressureSignalsWritable()
{
    struct Shared {
        std::atomic<bool> blocked{false};
        std::atomic<bool> resumed{false};
        std::atomic<qint64> sent{0};
    };
    auto shared = std::make_shared<Shared>();
    HttpLimits limits;
    limits.writeHighWaterBytes = 256 * 1024;
    limits.writeLowWaterBytes = 64 * 1024;
    auto server = startServer([shared](HttpRequestPtr, HttpResponder responder, QObject *context) {
        responder.beginStream(200, {{"Content-Type", "application/octet-stream"}});
        responder.onWritable([shared, responder]() mutable {
            if (shared->blocked && !shared->resumed && responder.bufferedBytes() <= 64 * 1024) {
                shared->resumed = true;
                responder.endStream();
            }
        });
        auto *timer = new QTimer(context);
        const QByteArray block(64 * 1024, 'x');
        QObject::connect(timer, &QTimer::timeout, timer, [timer, responder, shared, block]() mutable {
            // A relay's loop: write while writable, then wait for onWritable.
            while (responder.isWritable() && shared->sent < 256LL * 1024 * 1024) {
                responder.writeChunk(block);
                shared->sent += block.size();
            }
            if (!responder.isWritable())
                shared->blocked = true;
            timer->stop();
            timer->deleteLater();
        });
        timer->start(0);
    });
    QVERIFY(server);

    QTcpSocket socket;
    socket.setReadBufferSize(1); // read nothing for now: the kernel buffers fill, then Qt's
    socket.connectToHost(QHostAddress::LocalHost, server->serverPort());
    QVERIFY(socket.waitForConnected(5000));
    socket.write(RawHttpClient::buildRequest("GET", "/big"));
    QTRY_VERIFY_WITH_TIMEOUT(shared->blocked.load(), 10000);
    QVERIFY(!shared->resumed);
    socket.setReadBufferSize(0);
    QByteArray received;
    QTRY_VERIFY_WITH_TIMEOUT((received += socket.readAll(), received.endsWith("\r\n0\r\n\r\n")), 20000);
    QVERIFY(shared->resumed);
}

void TestHttpServer::maxConnectionsAnswers503()
{
    HttpLimits limits;
    limits.maxConnections = 2;
    auto server = startServer([](HttpRequestPtr request, HttpResponder responder, QObject *) {
        echo(request, responder);
    }, limits);
    QVERIFY(server);
    RawHttpClient first;
    RawHttpClient second;
    first.connectToPort(server->serverPort());
    second.connectToPort(server->serverPort());
    QTRY_COMPARE(server->openConnections(), 2);

    RawHttpClient third;
    third.connectToPort(server->serverPort());
    QTRY_VERIFY(third.isComplete());
    checkOpenAiError(third, 503, "server_overloaded");
    QTRY_VERIFY(third.peerClosed());

    first.send(RawHttpClient::buildRequest("GET", "/still-served"));
    QTRY_VERIFY(first.isComplete());
    QCOMPARE(first.status(), 200);
    QCOMPARE(server->openConnections(), 2);
}

void TestHttpServer::connectionsSpreadOverWorkers()
{
    auto server = startServer([](HttpRequestPtr request, HttpResponder responder, QObject *) {
        echo(request, responder);
    }, {}, 2);
    QVERIFY(server);
    QCOMPARE(server->workerCount(), 2);
    RawHttpClient first;
    RawHttpClient second;
    first.connectToPort(server->serverPort());
    first.send(RawHttpClient::buildRequest("GET", "/a"));
    QTRY_VERIFY(first.isComplete());
    second.connectToPort(server->serverPort());
    second.send(RawHttpClient::buildRequest("GET", "/b"));
    QTRY_VERIFY(second.isComplete());
    const QByteArray one = first.header("x-thread");
    const QByteArray two = second.header("x-thread");
    QVERIFY(!one.isEmpty());
    QVERIFY(!two.isEmpty());
    QVERIFY(one != two);
    QVERIFY(one != threadTag());
    QVERIFY(two != threadTag());

    // A connection stays on its worker.
    first.nextResponse();
    first.send(RawHttpClient::buildRequest("GET", "/a2"));
    QTRY_VERIFY(first.isComplete());
    QCOMPARE(first.header("x-thread"), one);
}

void TestHttpServer::stopLetsInFlightRequestFinish()
{
    std::atomic<int> calls{0};
    auto server = startServer([&calls](HttpRequestPtr request, HttpResponder responder, QObject *context) {
        ++calls;
        if (request->path == "/slow") {
            QTimer::singleShot(200, context, [request, responder]() mutable { echo(request, responder); });
            return;
        }
        echo(request, responder);
    });
    QVERIFY(server);
    RawHttpClient idle;
    idle.connectToPort(server->serverPort());
    idle.send(RawHttpClient::buildRequest("GET", "/fast"));
    QTRY_VERIFY(idle.isComplete());

    RawHttpClient busy;
    busy.connectToPort(server->serverPort());
    busy.send(RawHttpClient::buildRequest("GET", "/slow"));
    QTRY_COMPARE(calls.load(), 2);

    QElapsedTimer clock;
    clock.start();
    server->stop(std::chrono::seconds(5));
    QVERIFY2(clock.elapsed() < 4000, QByteArray::number(clock.elapsed()).constData());
    QVERIFY(!server->isListening());

    QTRY_VERIFY(busy.isComplete());
    QCOMPARE(busy.status(), 200);
    QCOMPARE(busy.body(), QByteArray("GET /slow "));
    QCOMPARE(busy.header("connection"), QByteArray("close"));
    QTRY_VERIFY(busy.peerClosed());
    QTRY_VERIFY(idle.peerClosed());
    QCOMPARE(server->openConnections(), 0);

    // An in-flight request that never answers is cut at the end of the grace.
    std::atomic<bool> gone{false};
    std::atomic<bool> handled{false};
    auto stuck = startServer([&gone, &handled](HttpRequestPtr, HttpResponder responder, QObject *) {
        responder.onClientGone([&gone] { gone = true; });
        handled = true;
    });
    QVERIFY(stuck);
    RawHttpClient waiting;
    waiting.connectToPort(stuck->serverPort());
    waiting.send(RawHttpClient::buildRequest("GET", "/never"));
    QTRY_VERIFY(handled.load());
    QCOMPARE(stuck->openConnections(), 1);
    stuck->stop(std::chrono::milliseconds(200));
    QVERIFY(gone.load());
    QTRY_VERIFY(waiting.peerClosed());
    QVERIFY(!waiting.isComplete());
}

QTEST_MAIN(TestHttpServer)
#include "tst_httpserver.moc"
