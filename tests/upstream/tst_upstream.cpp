// UpstreamClient (engine/gateway/upstream) against the fake provider over real
// loopback sockets: answers byte for byte, streaming, connection reuse, every
// scripted fault and what it maps to, cancellation (as the provider sees it),
// re-entrant use from inside callbacks, pause/resume backpressure.
// Timing checks are orderings and lower bounds; the few upper bounds are
// generous ceilings that tell "promptly" from "never".

#include "tests/upstream/upstreamtestkit.h"

#include "engine/gateway/upstream/upstreamclient.h"
#include "tests/support/fakeprovider/fakeprovider.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QRegularExpression>
#include <QTest>
#include <QTimer>

#include <memory>
#include <optional>

using namespace upstreamtest;

Q_DECLARE_METATYPE(UpstreamFailure)
Q_DECLARE_METATYPE(FakeFault)

class TestUpstream : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<FakeProvider> m_fake;

    FakeProvider &fake() { return *m_fake; }

    // One call to completion on `client`; the recorder holds the outcome.
    std::shared_ptr<UpstreamCall> run(UpstreamClient &client, UpstreamRequest request, Recorder &recorder,
                                      int timeoutMs = 10'000)
    {
        std::shared_ptr<UpstreamCall> call = client.start(std::move(request), recorder.callbacks());
        if (!QTest::qWaitFor([&] { return recorder.done(); }, timeoutMs))
            qWarning("call did not finish in %d ms", timeoutMs);
        return call;
    }

private Q_SLOTS:
    void init()
    {
        m_fake = std::make_unique<FakeProvider>();
        QVERIFY(m_fake->listen());
    }

    void cleanup() { m_fake.reset(); }

    void failureNames()
    {
        QCOMPARE(upstreamFailureName(UpstreamFailure::None), QByteArray("none"));
        QCOMPARE(upstreamFailureName(UpstreamFailure::FirstByteTimeout), QByteArray("first-byte-timeout"));
        QCOMPARE(upstreamFailureName(UpstreamFailure::ForbiddenAddress), QByteArray("forbidden-address"));
        QSet<QByteArray> names;
        for (int i = 0; i <= static_cast<int>(UpstreamFailure::Cancelled); ++i)
            names.insert(upstreamFailureName(static_cast<UpstreamFailure>(i)));
        QCOMPARE(names.size(), static_cast<int>(UpstreamFailure::Cancelled) + 1);
    }

    void jsonRoundTrip()
    {
        UpstreamClient client;
        Recorder recorder;
        UpstreamRequest request = chatRequest(fake(), false);
        request.headers.emplaceBack("X-Trace", "abc 123");
        request.headers.emplaceBack("X-Empty", "");
        const QByteArray sentBody = request.body;
        const std::shared_ptr<UpstreamCall> call = run(client, request, recorder);

        QCOMPARE(recorder.failure, UpstreamFailure::None);
        QCOMPARE(recorder.finishes, 1);
        QVERIFY(recorder.head);
        QCOMPARE(recorder.head->status, 200);
        QCOMPARE(recorder.head->httpVersion, 11);
        QCOMPARE(headerValues(recorder.head->headers, "content-type"), QList<QByteArray>{"application/json"});
        QCOMPARE(recorder.order.first(), s("head"));
        QCOMPARE(recorder.order.last(), s("finished"));

        const RecordedRequest record = *fake().lastRequest();
        QCOMPARE(headerValues(recorder.head->headers, "x-request-id"),
                 QList<QByteArray>{"req_fake_" + QByteArray::number(record.id)});
        QCOMPARE(withoutCreated(recorder.body), withoutCreated(plannedBody(record, fake().defaultBehaviour())));
        QVERIFY(recorder.body.contains("\"content\":\"token0 token1"));

        // What went upstream: exactly what was given, nothing curl likes to add.
        QCOMPARE(record.method, QByteArray("POST"));
        QCOMPARE(record.path, QByteArray("/v1/chat/completions"));
        QCOMPARE(record.body, sentBody);
        QCOMPARE(headerValues(record.headers, "Content-Type"), QList<QByteArray>{"application/json"});
        QCOMPARE(headerValues(record.headers, "Authorization"), QList<QByteArray>{"Bearer sk-test-secret"});
        QCOMPARE(headerValues(record.headers, "X-Trace"), QList<QByteArray>{"abc 123"});
        QCOMPARE(headerValues(record.headers, "X-Empty"), QList<QByteArray>{QByteArray()});
        QCOMPARE(headerValues(record.headers, "Content-Length"), QList<QByteArray>{QByteArray::number(sentBody.size())});
        for (const char *absent : {"Expect", "Accept", "User-Agent", "Accept-Encoding", "Transfer-Encoding"})
            QVERIFY2(headerValues(record.headers, absent).isEmpty(), absent);

        QVERIFY(call->isFinished());
        QCOMPARE(call->failure(), UpstreamFailure::None);
        QVERIFY(call->requestMayHaveBeenSent());
        QCOMPARE(client.inFlight(), 0);
        const auto &t = call->timings();
        const Clock::time_point never{};
        QVERIFY(t.started != never && t.connected != never && t.requestSent != never && t.firstByte != never
                && t.finished != never);
        QVERIFY(t.started <= t.connected);
        QVERIFY(t.connected <= t.requestSent);
        QVERIFY(t.requestSent <= t.firstByte);
        QVERIFY(t.firstByte <= t.finished);
    }

    void clientOwnedHeadersAreReplaced()
    {
        UpstreamClient client;
        Recorder recorder;
        UpstreamRequest request = chatRequest(fake(), true);
        request.headers.emplaceBack("Host", "evil.example");
        request.headers.emplaceBack("Content-Length", "3");
        request.headers.emplaceBack("Connection", "close");
        request.headers.emplaceBack("Expect", "100-continue");
        request.headers.emplaceBack("Transfer-Encoding", "chunked");
        request.headers.emplaceBack("X-Injected", "a\r\nX-Smuggled: b");
        request.headers.emplaceBack("Accept", "text/event-stream");
        run(client, request, recorder);
        QCOMPARE(recorder.failure, UpstreamFailure::None);
        QCOMPARE(recorder.head->status, 200);

        const RecordedRequest record = *fake().lastRequest();
        QCOMPARE(headerValues(record.headers, "Host"),
                 QList<QByteArray>{"127.0.0.1:" + QByteArray::number(fake().port())});
        QCOMPARE(headerValues(record.headers, "Content-Length"),
                 QList<QByteArray>{QByteArray::number(request.body.size())});
        QCOMPARE(headerValues(record.headers, "Accept"), QList<QByteArray>{"text/event-stream"});
        for (const char *absent : {"Connection", "Expect", "Transfer-Encoding", "X-Injected", "X-Smuggled"})
            QVERIFY2(headerValues(record.headers, absent).isEmpty(), absent);
        QCOMPARE(record.body, request.body);
    }

    void getWithoutBody()
    {
        UpstreamClient client;
        Recorder recorder;
        UpstreamRequest request;
        request.url = fake().baseUrl().toString().toUtf8() + "/models";
        request.method = "GET";
        run(client, request, recorder);
        QCOMPARE(recorder.failure, UpstreamFailure::None);
        QCOMPARE(recorder.head->status, 200);
        QVERIFY(recorder.body.contains("\"fake-model\""));
        const RecordedRequest record = *fake().lastRequest();
        QCOMPARE(record.method, QByteArray("GET"));
        QVERIFY(record.body.isEmpty());
        QVERIFY(headerValues(record.headers, "Content-Length").isEmpty());
        QVERIFY(headerValues(record.headers, "Content-Type").isEmpty());
    }

    void methodsAreSentAsGiven_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("body");
        QTest::newRow("GET") << QByteArray("GET") << QByteArray();
        QTest::newRow("GET with a body") << QByteArray("GET") << QByteArray("{}");
        QTest::newRow("DELETE") << QByteArray("DELETE") << QByteArray();
        QTest::newRow("PUT") << QByteArray("PUT") << QByteArray("{\"a\":1}");
        QTest::newRow("HEAD") << QByteArray("HEAD") << QByteArray();
    }

    void methodsAreSentAsGiven()
    {
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, body);
        UpstreamClient client;
        Recorder recorder;
        UpstreamRequest request;
        request.url = fake().baseUrl().toString().toUtf8() + "/models";
        request.method = method;
        request.body = body;
        run(client, request, recorder);
        QCOMPARE(recorder.failure, UpstreamFailure::None);
        QVERIFY(recorder.head);
        const RecordedRequest record = *fake().lastRequest();
        QCOMPARE(record.method, method);
        QCOMPARE(record.body, body);
        QCOMPARE(headerValues(record.headers, "Content-Length").isEmpty(), body.isEmpty() && method != "PUT");
    }

    void hostNamesAreResolved()
    {
        UpstreamClient client;
        Recorder recorder;
        UpstreamRequest request = chatRequest(fake(), false);
        request.url = "http://localhost:" + QByteArray::number(fake().port()) + "/v1/chat/completions";
        run(client, request, recorder);
        QCOMPARE(recorder.failure, UpstreamFailure::None);
        QCOMPARE(recorder.head->status, 200);
        QCOMPARE(fake().requestCount(), 1);
    }

    void unknownHostIsResolve()
    {
        UpstreamClient client;
        Recorder recorder;
        UpstreamRequest request = chatRequest(fake(), false);
        request.url = "http://signalbox-upstream-test.invalid/v1/chat/completions"; // RFC 2606: never resolves
        request.connectTimeout = 3s;
        const std::shared_ptr<UpstreamCall> call = run(client, request, recorder);
        if (recorder.failure == UpstreamFailure::ConnectTimeout)
            QSKIP("no DNS answer at all in this environment");
        QCOMPARE(recorder.failure, UpstreamFailure::Resolve);
        QVERIFY(!call->requestMayHaveBeenSent());
    }

    // curl's threaded resolver reports a socketpair it later closes without
    // CURLOPT_CLOSESOCKETFUNCTION: its notifiers must go with CURL_POLL_REMOVE,
    // or Qt warns about a closed descriptor (and a reused number would wake us).
    void failedResolvesLeaveNoNotifierBehind()
    {
        QTest::failOnWarning(QRegularExpression(QStringLiteral("QSocketNotifier")));
        UpstreamClient client;
        for (int i = 0; i < 3; ++i) {
            Recorder recorder;
            UpstreamRequest request = chatRequest(fake(), false);
            request.url = "http://signalbox-upstream-test.invalid/v1/chat/completions";
            request.connectTimeout = 3s;
            run(client, request, recorder);
            if (recorder.failure == UpstreamFailure::ConnectTimeout)
                QSKIP("no DNS answer at all in this environment");
            QCOMPARE(recorder.failure, UpstreamFailure::Resolve);
            // One pass of the event loop polls every enabled notifier: a stale
            // one on the closed socketpair warns here.
            QCoreApplication::processEvents();
        }
        // A good request afterwards, on descriptors the resolver's may have had.
        Recorder recorder;
        run(client, chatRequest(fake(), false), recorder);
        QCOMPARE(recorder.failure, UpstreamFailure::None);
    }

    // curl reads http_proxy and friends unless told otherwise; the gateway
    // talks to providers directly.
    void environmentProxiesAreIgnored()
    {
        QTcpServer trap;
        QVERIFY(trap.listen(QHostAddress::LocalHost));
        const QByteArray proxy = "http://127.0.0.1:" + QByteArray::number(trap.serverPort());
        const char *variables[] = {"http_proxy", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"};
        for (const char *variable : variables)
            qputenv(variable, proxy);
        UpstreamClient client;
        Recorder recorder;
        run(client, chatRequest(fake(), false), recorder);
        for (const char *variable : variables)
            qunsetenv(variable);
        QCOMPARE(recorder.failure, UpstreamFailure::None);
        QCOMPARE(fake().requestCount(), 1);
        QVERIFY(!trap.hasPendingConnections());
    }

    void sseArrivesIncrementally()
    {
        const FakeBehaviour behaviour{.tokensPerSecond = 20, .completionTokens = 6};
        fake().setDefaultBehaviour(behaviour);
        UpstreamClient client;
        Recorder recorder;
        int eventsSentAtFirstData = -1;
        recorder.afterData = [&] {
            if (eventsSentAtFirstData < 0)
                eventsSentAtFirstData = fake().lastRequest()->contentEventsSent;
        };
        run(client, chatRequest(fake(), true), recorder);

        QCOMPARE(recorder.failure, UpstreamFailure::None);
        QCOMPARE(headerValues(recorder.head->headers, "Transfer-Encoding"), QList<QByteArray>{"chunked"});
        // The first bytes were handed over while the fake still had events to send.
        QVERIFY2(eventsSentAtFirstData >= 0 && eventsSentAtFirstData < 6,
                 qPrintable(QString::number(eventsSentAtFirstData)));
        QVERIFY(recorder.chunkSizes.size() >= 4);
        const RecordedRequest record = *fake().lastRequest();
        QVERIFY(record.firstContentAt && recorder.firstDataAt < *record.endedAt);
        QCOMPARE(withoutCreated(recorder.body), withoutCreated(plannedBody(record, behaviour)));
        QVERIFY(recorder.body.endsWith("data: [DONE]\n\n"));
    }

    void sequentialCallsReuseOneConnection()
    {
        UpstreamClient client;
        for (int i = 0; i < 5; ++i) {
            Recorder recorder;
            run(client, chatRequest(fake(), i % 2 == 1), recorder);
            QCOMPARE(recorder.failure, UpstreamFailure::None);
        }
        QCOMPARE(fake().requestCount(), 5);
        QCOMPARE(fake().totalConnections(), 1);
        QCOMPARE(client.connectionsOpened(), 1);
        for (const RecordedRequest &record : fake().requests())
            QCOMPARE(record.connectionId, fake().requests().first().connectionId);
    }

    void concurrentCallsShareAPool()
    {
        fake().setDefaultBehaviour(FakeBehaviour{.headersDelay = 100ms});
        UpstreamClient client;
        const auto wave = [&] {
            std::vector<std::unique_ptr<Recorder>> recorders;
            for (int i = 0; i < 6; ++i) {
                recorders.push_back(std::make_unique<Recorder>());
                client.start(chatRequest(fake(), false), recorders.back()->callbacks());
            }
            QCOMPARE(client.inFlight(), 6);
            QTRY_VERIFY(std::all_of(recorders.begin(), recorders.end(), [](const auto &r) { return r->done(); }));
            for (const auto &recorder : recorders) {
                QCOMPARE(recorder->failure, UpstreamFailure::None);
                QCOMPARE(recorder->head->status, 200);
            }
        };
        wave();
        const int afterFirstWave = fake().totalConnections();
        QCOMPARE(afterFirstWave, 6); // HTTP/1.1: one connection per request in flight
        wave();
        QCOMPARE(fake().totalConnections(), afterFirstWave); // all reused
        QCOMPARE(client.inFlight(), 0);
    }

    void connectionsPerHostAreCapped()
    {
        fake().setDefaultBehaviour(FakeBehaviour{.headersDelay = 50ms});
        UpstreamClient client(UpstreamClient::Options{.maxConnectionsPerHost = 2});
        std::vector<std::unique_ptr<Recorder>> recorders;
        for (int i = 0; i < 6; ++i) {
            recorders.push_back(std::make_unique<Recorder>());
            client.start(chatRequest(fake(), false), recorders.back()->callbacks());
        }
        QTRY_VERIFY(std::all_of(recorders.begin(), recorders.end(), [](const auto &r) { return r->done(); }));
        for (const auto &recorder : recorders)
            QCOMPARE(recorder->failure, UpstreamFailure::None);
        QCOMPARE(fake().totalConnections(), 2);
    }

    void httpErrorsAreAnswers_data()
    {
        QTest::addColumn<FakeFault>("fault");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("contentType");
        QTest::newRow("429") << FakeFault::Http429 << 429 << QByteArray("application/json");
        QTest::newRow("500") << FakeFault::Http500 << 500 << QByteArray("application/json");
        QTest::newRow("503") << FakeFault::Http503 << 503 << QByteArray("application/json");
        QTest::newRow("400") << FakeFault::Http400 << 400 << QByteArray("application/json");
        QTest::newRow("html 502") << FakeFault::Html502 << 502 << QByteArray("text/html; charset=utf-8");
    }

    void httpErrorsAreAnswers()
    {
        QFETCH(FakeFault, fault);
        QFETCH(int, status);
        QFETCH(QByteArray, contentType);
        const FakeBehaviour behaviour{.fault = fault, .retryAfterSeconds = 7};
        fake().setDefaultBehaviour(behaviour);
        UpstreamClient client;
        Recorder recorder;
        run(client, chatRequest(fake(), true), recorder);
        QCOMPARE(recorder.failure, UpstreamFailure::None); // an answer, for the gateway to map
        QCOMPARE(recorder.head->status, status);
        QCOMPARE(headerValues(recorder.head->headers, "Content-Type"), QList<QByteArray>{contentType});
        QCOMPARE(headerValues(recorder.head->headers, "Retry-After"),
                 fault == FakeFault::Http429 ? QList<QByteArray>{"7"} : QList<QByteArray>{});
        QCOMPARE(recorder.body, plannedBody(*fake().lastRequest(), behaviour));
        if (fault == FakeFault::Html502)
            QVERIFY(recorder.body.contains("<title>502 Bad Gateway</title>"));
        else
            QVERIFY(QJsonDocument::fromJson(recorder.body).object().contains(s("error")));
    }

    void hangBeforeHeadersIsFirstByteTimeout()
    {
        fake().setDefaultBehaviour(FakeBehaviour{.fault = FakeFault::HangBeforeHeaders});
        UpstreamClient client;
        Recorder recorder;
        UpstreamRequest request = chatRequest(fake(), true);
        request.firstByteTimeout = 300ms;
        const std::shared_ptr<UpstreamCall> call = run(client, request, recorder);
        QCOMPARE(recorder.failure, UpstreamFailure::FirstByteTimeout);
        QVERIFY(!recorder.head);
        QVERIFY(recorder.detail.contains(s("300 ms")));
        QVERIFY(call->requestMayHaveBeenSent());
        QVERIFY(call->timings().requestSent != Clock::time_point{});
        QVERIFY(recorder.finishedAt - call->timings().requestSent >= 300ms);
        // The connection was closed, not pooled: the fake sees the client leave.
        QTRY_COMPARE(fake().lastRequest()->outcome, RequestOutcome::Cancelled);
    }

    void stallMidStreamIsIdleTimeout_data()
    {
        QTest::addColumn<bool>("stream");
        QTest::newRow("sse") << true;
        QTest::newRow("json") << false;
    }

    void stallMidStreamIsIdleTimeout()
    {
        QFETCH(bool, stream);
        fake().setDefaultBehaviour(FakeBehaviour{.fault = FakeFault::StallMidStream, .faultAfterEvents = 2});
        UpstreamClient client;
        Recorder recorder;
        UpstreamRequest request = chatRequest(fake(), stream);
        request.idleTimeout = 300ms;
        run(client, request, recorder);
        QCOMPARE(recorder.failure, UpstreamFailure::IdleTimeout);
        QCOMPARE(recorder.head->status, 200);
        QVERIFY(!recorder.body.isEmpty());
        QVERIFY(recorder.finishedAt - recorder.firstDataAt >= 300ms);
        QTRY_COMPARE(fake().lastRequest()->outcome, RequestOutcome::Cancelled);
    }

    void totalTimeout()
    {
        fake().setDefaultBehaviour(FakeBehaviour{.tokensPerSecond = 10, .completionTokens = 50});
        UpstreamClient client;
        Recorder recorder;
        UpstreamRequest request = chatRequest(fake(), true);
        request.totalTimeout = 400ms;
        const std::shared_ptr<UpstreamCall> call = run(client, request, recorder);
        QCOMPARE(recorder.failure, UpstreamFailure::TotalTimeout);
        QVERIFY(!recorder.body.isEmpty());
        QVERIFY(recorder.finishedAt - call->timings().started >= 400ms);
        QTRY_COMPARE(fake().lastRequest()->outcome, RequestOutcome::Cancelled);
    }

    void resetBeforeHeaders()
    {
        fake().setDefaultBehaviour(FakeBehaviour{.fault = FakeFault::ResetBeforeHeaders});
        UpstreamClient client;
        Recorder recorder;
        const std::shared_ptr<UpstreamCall> call = run(client, chatRequest(fake(), true), recorder);
        QCOMPARE(recorder.failure, UpstreamFailure::Reset);
        QVERIFY(!recorder.head);
        QVERIFY(call->requestMayHaveBeenSent());
        QCOMPARE(fake().requestCount(), 1);
    }

    // curl re-sends a request once, on a new connection, when a *reused*
    // connection dies before any response byte (a keep-alive race it cannot
    // tell from a provider that read the request and crashed). The gateway
    // must know: a provider can see such a request twice.
    void resetOnReusedConnectionIsRetriedOnce()
    {
        UpstreamClient client;
        Recorder first;
        run(client, chatRequest(fake(), false), first);
        QCOMPARE(first.failure, UpstreamFailure::None);
        fake().enqueueBehaviour(FakeBehaviour{.fault = FakeFault::ResetBeforeHeaders});
        Recorder second;
        run(client, chatRequest(fake(), false), second);
        QCOMPARE(second.failure, UpstreamFailure::None);
        QCOMPARE(fake().requestCount(), 3);
        QCOMPARE(fake().totalConnections(), 2);
        QCOMPARE(fake().requests().at(1).outcome, RequestOutcome::Dropped);
    }

    void resetMidStream()
    {
        fake().setDefaultBehaviour(FakeBehaviour{.fault = FakeFault::ResetMidStream, .faultAfterEvents = 2});
        UpstreamClient client;
        Recorder recorder;
        run(client, chatRequest(fake(), true), recorder);
        QCOMPARE(recorder.failure, UpstreamFailure::Reset);
        QCOMPARE(recorder.head->status, 200);
        QVERIFY(recorder.body.contains("token1"));
        QVERIFY(!recorder.body.contains("[DONE]"));
    }

    void truncatedBodyIsProtocol_data()
    {
        QTest::addColumn<bool>("stream");
        QTest::newRow("sse, no last chunk") << true;
        QTest::newRow("json, short of Content-Length") << false;
    }

    void truncatedBodyIsProtocol()
    {
        QFETCH(bool, stream);
        fake().setDefaultBehaviour(FakeBehaviour{.fault = FakeFault::TruncatedBody});
        UpstreamClient client;
        Recorder recorder;
        run(client, chatRequest(fake(), stream), recorder);
        QCOMPARE(recorder.failure, UpstreamFailure::Protocol);
        QCOMPARE(recorder.head->status, 200);
        QVERIFY(!recorder.body.isEmpty());
    }

    void closedPortIsConnect()
    {
        quint16 port = 0;
        {
            QTcpServer server;
            QVERIFY(server.listen(QHostAddress::LocalHost));
            port = server.serverPort();
        }
        UpstreamClient client;
        Recorder recorder;
        UpstreamRequest request = chatRequest(fake(), false);
        request.url = "http://127.0.0.1:" + QByteArray::number(port) + "/v1/chat/completions";
        const std::shared_ptr<UpstreamCall> call = run(client, request, recorder);
        QCOMPARE(recorder.failure, UpstreamFailure::Connect);
        QVERIFY(!recorder.head);
        QVERIFY(!call->requestMayHaveBeenSent());
        QVERIFY(!recorder.detail.contains(s("sk-test-secret")));
    }

    void unansweredConnectIsConnectTimeout()
    {
#ifdef Q_OS_LINUX
        Blackhole blackhole;
        QVERIFY(blackhole.port != 0);
        UpstreamClient client;
        Recorder recorder;
        UpstreamRequest request = chatRequest(fake(), false);
        request.url = "http://127.0.0.1:" + QByteArray::number(blackhole.port) + "/v1/chat/completions";
        request.connectTimeout = 300ms;
        const std::shared_ptr<UpstreamCall> call = run(client, request, recorder);
        QCOMPARE(recorder.failure, UpstreamFailure::ConnectTimeout);
        QVERIFY(!call->requestMayHaveBeenSent());
        QVERIFY(recorder.finishedAt - call->timings().started >= 300ms);
#else
        QSKIP("needs Linux's accept-queue behaviour");
#endif
    }

    void forbiddenAddressIsRefusedBeforeConnecting_data()
    {
        QTest::addColumn<QByteArray>("url");
        QTest::newRow("metadata") << QByteArray("http://169.254.169.254/latest/meta-data/");
        QTest::newRow("alibaba metadata") << QByteArray("http://100.100.100.200/v1/chat/completions");
        QTest::newRow("ipv6 link-local") << QByteArray("http://[fe80::a9fe:a9fe]:8080/v1/chat/completions");
        QTest::newRow("ipv4-mapped") << QByteArray("http://[::ffff:169.254.169.254]/v1/chat/completions");
    }

    void forbiddenAddressIsRefusedBeforeConnecting()
    {
        QFETCH(QByteArray, url);
        UpstreamClient client;
        Recorder recorder;
        UpstreamRequest request = chatRequest(fake(), false);
        request.url = url;
        // Were a SYN sent, this would end in ConnectTimeout (or an answer).
        request.connectTimeout = 3s;
        const std::shared_ptr<UpstreamCall> call = run(client, request, recorder);
        QCOMPARE(recorder.failure, UpstreamFailure::ForbiddenAddress);
        QVERIFY(!call->requestMayHaveBeenSent());
        QCOMPARE(client.connectionsOpened(), 0);
        QVERIFY(recorder.detail.contains(s("forbidden")));
    }

    void httpsToAPlainServerIsTls()
    {
        // Answers whatever arrives (a TLS ClientHello here) in plain HTTP.
        QTcpServer plain;
        QVERIFY(plain.listen(QHostAddress::LocalHost));
        connect(&plain, &QTcpServer::newConnection, &plain, [&plain] {
            QTcpSocket *socket = plain.nextPendingConnection();
            connect(socket, &QTcpSocket::readyRead, socket, [socket] {
                socket->readAll();
                socket->write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                socket->disconnectFromHost();
            });
        });
        UpstreamClient client;
        Recorder recorder;
        UpstreamRequest request = chatRequest(fake(), false);
        request.url = "https://127.0.0.1:" + QByteArray::number(plain.serverPort()) + "/v1/chat/completions";
        const std::shared_ptr<UpstreamCall> call = run(client, request, recorder);
        QCOMPARE(recorder.failure, UpstreamFailure::Tls);
        QVERIFY(!recorder.head);
        QVERIFY(!call->requestMayHaveBeenSent());
    }

    void unusableRequestsFailFromTheEventLoop_data()
    {
        QTest::addColumn<QByteArray>("url");
        QTest::addColumn<QByteArray>("method");
        QTest::newRow("ftp") << QByteArray("ftp://127.0.0.1/file") << QByteArray("POST");
        QTest::newRow("empty url") << QByteArray() << QByteArray("POST");
        QTest::newRow("garbage url") << QByteArray("http://[::1/") << QByteArray("POST");
        QTest::newRow("bad method") << QByteArray("http://127.0.0.1:1/") << QByteArray("GE T");
    }

    void unusableRequestsFailFromTheEventLoop()
    {
        QFETCH(QByteArray, url);
        QFETCH(QByteArray, method);
        UpstreamClient client;
        Recorder recorder;
        UpstreamRequest request;
        request.url = url;
        request.method = method;
        const std::shared_ptr<UpstreamCall> call = client.start(request, recorder.callbacks());
        QCOMPARE(recorder.finishes, 0); // never from inside start()
        QCOMPARE(client.inFlight(), 1);
        QTRY_VERIFY(recorder.done());
        QCOMPARE(recorder.failure, UpstreamFailure::Protocol);
        QCOMPARE(client.inFlight(), 0);
        QVERIFY(!call->requestMayHaveBeenSent());
    }

    void cancelMidStreamClosesTheConnection()
    {
        fake().setDefaultBehaviour(FakeBehaviour{.tokensPerSecond = 20, .completionTokens = 40});
        UpstreamClient client;
        Recorder recorder;
        const std::shared_ptr<UpstreamCall> call = client.start(chatRequest(fake(), true), recorder.callbacks());
        QTRY_VERIFY(!recorder.body.isEmpty());
        QSignalSpy cancelled(&fake(), &FakeProvider::requestCancelled);

        const auto cancelAt = Clock::now();
        call->cancel();
        QVERIFY(call->isFinished());
        QCOMPARE(call->failure(), UpstreamFailure::Cancelled);
        QCOMPARE(client.inFlight(), 0);
        QVERIFY(call->requestMayHaveBeenSent());
        const qsizetype eventsAtCancel = recorder.events();

        QVERIFY(cancelled.wait(2000));
        const RecordedRequest record = *fake().lastRequest();
        QCOMPARE(record.outcome, RequestOutcome::Cancelled);
        QVERIFY(*record.cancelledAt() >= cancelAt);
        QVERIFY2(*record.cancelledAt() - cancelAt < 100ms, "the provider must see the client leave at once");
        QTest::qWait(200); // several more tokens would have been due
        QCOMPARE(recorder.events(), eventsAtCancel);
        QCOMPARE(recorder.finishes, 0);
        call->cancel(); // harmless twice
        call->resume();

        // The cancelled connection was not pooled: the next call opens another.
        Recorder next;
        fake().setDefaultBehaviour(FakeBehaviour{});
        run(client, chatRequest(fake(), false), next);
        QCOMPARE(next.failure, UpstreamFailure::None);
        QCOMPARE(fake().totalConnections(), 2);
    }

    void cancelInsideOnData()
    {
        fake().setDefaultBehaviour(FakeBehaviour{.tokensPerSecond = 20, .completionTokens = 40});
        UpstreamClient client;
        Recorder recorder;
        std::shared_ptr<UpstreamCall> call;
        recorder.afterData = [&] { call->cancel(); };
        call = client.start(chatRequest(fake(), true), recorder.callbacks());
        QSignalSpy cancelled(&fake(), &FakeProvider::requestCancelled);
        QVERIFY(cancelled.wait(5000));
        QCOMPARE(recorder.chunkSizes.size(), 1);
        QCOMPARE(recorder.finishes, 0);
        QVERIFY(call->isFinished());
        QCOMPARE(client.inFlight(), 0);
        QTest::qWait(150);
        QCOMPARE(recorder.chunkSizes.size(), 1);
        QCOMPARE(recorder.finishes, 0);
    }

    // The whole JSON answer arrives in one read: head, body and end are all
    // due at once; cancelling in onHead must stop the rest.
    void cancelInsideOnHeadDropsWhatIsAlreadyDue()
    {
        UpstreamClient client;
        Recorder recorder;
        std::shared_ptr<UpstreamCall> call;
        recorder.afterHead = [&] { call->cancel(); };
        call = client.start(chatRequest(fake(), false), recorder.callbacks());
        QTRY_VERIFY(recorder.head.has_value());
        QTRY_COMPARE(fake().lastRequest()->outcome, RequestOutcome::Completed);
        QTest::qWait(50);
        QCOMPARE(recorder.order, QStringList{s("head")});
        QVERIFY(call->isFinished());
        QCOMPARE(call->failure(), UpstreamFailure::Cancelled);
    }

    void startAndDropHandleInsideOnFinished()
    {
        UpstreamClient client;
        Recorder first;
        Recorder second;
        std::shared_ptr<UpstreamCall> firstCall;
        std::shared_ptr<UpstreamCall> secondCall;
        first.afterFinished = [&] {
            secondCall = client.start(chatRequest(fake(), true), second.callbacks());
            firstCall.reset(); // the last handle, dropped from inside its own callback
        };
        firstCall = client.start(chatRequest(fake(), false), first.callbacks());
        const std::weak_ptr<UpstreamCall> firstWeak = firstCall;
        QTRY_VERIFY(second.done());
        QCOMPARE(first.failure, UpstreamFailure::None);
        QCOMPARE(second.failure, UpstreamFailure::None);
        QVERIFY(second.body.endsWith("data: [DONE]\n\n"));
        QVERIFY(firstWeak.expired()); // nothing else kept it (no cycle through its callbacks)
        QCOMPARE(fake().totalConnections(), 1);
    }

    void destroyingTheClientCancelsEverything()
    {
        fake().setDefaultBehaviour(FakeBehaviour{.tokensPerSecond = 20, .completionTokens = 40});
        auto client = std::make_unique<UpstreamClient>();
        std::vector<std::unique_ptr<Recorder>> recorders;
        std::vector<std::shared_ptr<UpstreamCall>> calls;
        for (int i = 0; i < 3; ++i) {
            recorders.push_back(std::make_unique<Recorder>());
            calls.push_back(client->start(chatRequest(fake(), true), recorders.back()->callbacks()));
        }
        QTRY_VERIFY(std::all_of(recorders.begin(), recorders.end(), [](const auto &r) { return !r->body.isEmpty(); }));
        std::vector<qsizetype> events;
        for (const auto &recorder : recorders)
            events.push_back(recorder->events());
        client.reset();
        for (const auto &call : calls) {
            QVERIFY(call->isFinished());
            QCOMPARE(call->failure(), UpstreamFailure::Cancelled);
            call->pause(); // harmless without a client
            call->resume();
            call->cancel();
        }
        QTRY_COMPARE(fake().cancelledRequests(), 3);
        QTest::qWait(100);
        for (std::size_t i = 0; i < recorders.size(); ++i) {
            QCOMPARE(recorders[i]->events(), events[i]);
            QCOMPARE(recorders[i]->finishes, 0);
        }
    }

    void destroyingTheClientInsideACallback()
    {
        fake().setDefaultBehaviour(FakeBehaviour{.tokensPerSecond = 20, .completionTokens = 40});
        auto client = std::make_unique<UpstreamClient>();
        Recorder slow;
        Recorder victim;
        const std::shared_ptr<UpstreamCall> slowCall = client->start(chatRequest(fake(), true), slow.callbacks());
        QTRY_VERIFY(!slow.body.isEmpty());
        victim.afterData = [&] { client.reset(); };
        const std::shared_ptr<UpstreamCall> victimCall = client->start(chatRequest(fake(), true), victim.callbacks());
        QTRY_VERIFY(!client);
        QVERIFY(slowCall->isFinished());
        QVERIFY(victimCall->isFinished());
        const qsizetype slowEvents = slow.events();
        QTRY_COMPARE(fake().cancelledRequests(), 2);
        QTest::qWait(100);
        QCOMPARE(victim.chunkSizes.size(), 1);
        QCOMPARE(slow.events(), slowEvents);
    }

    void pauseHoldsDeliveryAndResumeCompletes()
    {
        const FakeBehaviour behaviour{.tokensPerSecond = 50, .completionTokens = 10};
        fake().setDefaultBehaviour(behaviour);
        UpstreamClient client;
        Recorder recorder;
        std::shared_ptr<UpstreamCall> call;
        recorder.afterData = [&] {
            if (recorder.chunkSizes.size() == 1)
                call->pause();
        };
        call = client.start(chatRequest(fake(), true), recorder.callbacks());
        QSignalSpy finished(&fake(), &FakeProvider::requestFinished);
        QVERIFY(finished.wait(5000)); // the fake wrote everything meanwhile
        QCOMPARE(fake().lastRequest()->outcome, RequestOutcome::Completed);
        QTest::qWait(100);
        QVERIFY(call->isPaused());
        QCOMPARE(recorder.chunkSizes.size(), 1);
        QCOMPARE(recorder.finishes, 0);
        QVERIFY(!call->isFinished());

        call->resume();
        QCOMPARE(recorder.chunkSizes.size(), 1); // delivered from the event loop, not inside resume()
        QTRY_VERIFY(recorder.done());
        QCOMPARE(recorder.failure, UpstreamFailure::None);
        QCOMPARE(withoutCreated(recorder.body), withoutCreated(plannedBody(*fake().lastRequest(), behaviour)));
    }

    // 32 MiB cannot all sit in loopback's socket buffers: while paused the
    // fake cannot finish writing, so curl really stopped reading.
    void pauseStopsReadingTheSocket()
    {
        const FakeBehaviour behaviour{.completionTokens = 64, .contentBytes = 32LL * 1024 * 1024};
        fake().setDefaultBehaviour(behaviour);
        UpstreamClient client;
        Recorder recorder;
        std::shared_ptr<UpstreamCall> call;
        recorder.afterData = [&] {
            if (recorder.chunkSizes.size() == 1)
                call->pause();
        };
        call = client.start(chatRequest(fake(), true), recorder.callbacks());
        QTRY_VERIFY(!recorder.body.isEmpty());
        QTest::qWait(500);
        QCOMPARE(recorder.chunkSizes.size(), 1);
        QCOMPARE(fake().lastRequest()->outcome, RequestOutcome::InProgress);
        call->resume();
        QTRY_VERIFY_WITH_TIMEOUT(recorder.done(), 30'000);
        QCOMPARE(recorder.failure, UpstreamFailure::None);
        QCOMPARE(fake().lastRequest()->outcome, RequestOutcome::Completed);
        QVERIFY(withoutCreated(recorder.body) == withoutCreated(plannedBody(*fake().lastRequest(), behaviour)));
        const qsizetype largest = *std::max_element(recorder.chunkSizes.begin(), recorder.chunkSizes.end());
        QVERIFY2(largest <= UpstreamClient::kMaxPendingBytes + 64 * 1024, qPrintable(QString::number(largest)));
    }

    void multiMegabyteAnswerArrivesIntact_data()
    {
        QTest::addColumn<bool>("stream");
        QTest::newRow("json") << false;
        QTest::newRow("sse") << true;
    }

    void multiMegabyteAnswerArrivesIntact()
    {
        QFETCH(bool, stream);
        const FakeBehaviour behaviour{.completionTokens = 16, .contentBytes = 6LL * 1024 * 1024};
        fake().setDefaultBehaviour(behaviour);
        UpstreamClient client;
        Recorder recorder;
        run(client, chatRequest(fake(), stream), recorder, 30'000);
        QCOMPARE(recorder.failure, UpstreamFailure::None);
        QVERIFY(recorder.body.size() > 6 * 1024 * 1024);
        QVERIFY(withoutCreated(recorder.body) == withoutCreated(plannedBody(*fake().lastRequest(), behaviour)));
        QVERIFY(recorder.chunkSizes.size() > 1);
    }
};

QTEST_GUILESS_MAIN(TestUpstream)
#include "tst_upstream.moc"
