// The fake provider over real loopback sockets: answers, streaming, recording,
// scripting, cancellation. Faults are in tst_fakeprovider_faults.cpp.
// Timing checks are lower bounds only (plus generous ceilings where a test
// must tell "promptly" from "never"), so a loaded machine cannot fail them.

#include "tests/support/fakeprovider/fakeprovider.h"
#include "tests/support/fakeprovider/rawhttpclient.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QProcess>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace signalbox::testing;
using namespace std::chrono_literals;

namespace {

QString s(const char *text)
{
    return QString::fromLatin1(text);
}

// 40 characters of content: 10 prompt tokens by the fake's estimate.
QByteArray chatBody(const QString &model, bool stream = false, const QJsonObject &extra = {})
{
    QJsonObject body{{s("model"), model},
                     {s("messages"), QJsonArray{QJsonObject{{s("role"), s("user")},
                                                            {s("content"), QString(40, QLatin1Char('x'))}}}}};
    if (stream)
        body.insert(s("stream"), true);
    for (auto it = extra.begin(); it != extra.end(); ++it)
        body.insert(it.key(), it.value());
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

QJsonObject includeUsage(bool on)
{
    return QJsonObject{{s("stream_options"), QJsonObject{{s("include_usage"), on}}}};
}

QJsonObject jsonOf(const QByteArray &bytes)
{
    return QJsonDocument::fromJson(bytes).object();
}

std::unique_ptr<RawHttpClient> post(quint16 port, const QByteArray &body, const HttpHeaders &headers = {})
{
    auto client = std::make_unique<RawHttpClient>();
    client->connectToPort(port);
    client->send(RawHttpClient::buildRequest("POST", "/v1/chat/completions", body, headers));
    return client;
}

// The stream's JSON chunks, in order, without [DONE].
QList<QJsonObject> chunksOf(const RawHttpClient &client)
{
    QList<QJsonObject> chunks;
    for (const auto &event : client.events()) {
        if (event.data != "[DONE]")
            chunks.append(jsonOf(event.data));
    }
    return chunks;
}

QString deltaContent(const QJsonObject &chunk)
{
    return chunk[s("choices")].toArray().first().toObject()[s("delta")].toObject()[s("content")].toString();
}

// Index in events() of the first event carrying visible text; -1 if none.
qsizetype firstContentEvent(const RawHttpClient &client)
{
    for (qsizetype i = 0; i < client.events().size(); ++i) {
        const QByteArray &data = client.events().at(i).data;
        if (data != "[DONE]" && !deltaContent(jsonOf(data)).isEmpty())
            return i;
    }
    return -1;
}

int contentEventCount(const RawHttpClient &client)
{
    int count = 0;
    for (const auto &event : client.events())
        count += event.data != "[DONE]" && !deltaContent(jsonOf(event.data)).isEmpty() ? 1 : 0;
    return count;
}

} // namespace

class TestFakeProvider : public QObject {
    Q_OBJECT

private:
    QNetworkAccessManager m_manager;

    QNetworkReply *postJson(const FakeProvider &provider, const QByteArray &body, const QByteArray &key = {})
    {
        QNetworkRequest request(QUrl(provider.baseUrl().toString() + s("/chat/completions")));
        request.setHeader(QNetworkRequest::ContentTypeHeader, s("application/json"));
        if (!key.isEmpty())
            request.setRawHeader("Authorization", "Bearer " + key);
        return m_manager.post(request, body);
    }

    static bool finish(QNetworkReply *reply)
    {
        return reply->isFinished() || QSignalSpy(reply, &QNetworkReply::finished).wait(20000);
    }

private Q_SLOTS:
    void initTestCase() { m_manager.setProxy(QNetworkProxy::NoProxy); }

    void jsonRoundTripWithUsage()
    {
        FakeProvider provider;
        QVERIFY2(provider.listen(), qPrintable(provider.errorString()));
        QVERIFY(provider.port() != 0);
        QCOMPARE(provider.baseUrl().toString(), s("http://127.0.0.1:%1/v1").arg(provider.port()));
        provider.setDefaultBehaviour(FakeBehaviour{.completionTokens = 3, .cachedTokens = 4, .reasoningTokens = 2});

        std::unique_ptr<QNetworkReply> reply(postJson(provider, chatBody(s("gpt-test"))));
        QVERIFY(finish(reply.get()));
        QCOMPARE(reply->error(), QNetworkReply::NoError);
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        QCOMPARE(reply->header(QNetworkRequest::ContentTypeHeader).toString(), s("application/json"));
        const QJsonObject answer = jsonOf(reply->readAll());
        QCOMPARE(answer[s("object")].toString(), s("chat.completion"));
        QVERIFY(answer[s("id")].toString().startsWith(s("chatcmpl-")));
        QVERIFY(answer[s("created")].toInteger() > 1700000000);
        QCOMPARE(answer[s("model")].toString(), s("gpt-test"));
        const QJsonObject choice = answer[s("choices")].toArray().first().toObject();
        QCOMPARE(choice[s("message")].toObject()[s("role")].toString(), s("assistant"));
        QCOMPARE(choice[s("message")].toObject()[s("content")].toString(), s("token0 token1 token2"));
        QCOMPARE(choice[s("finish_reason")].toString(), s("stop"));
        const QJsonObject usage = answer[s("usage")].toObject();
        QCOMPARE(usage[s("prompt_tokens")].toInt(), 10);
        QCOMPARE(usage[s("completion_tokens")].toInt(), 5); // 3 visible + 2 reasoning
        QCOMPARE(usage[s("total_tokens")].toInt(), 15);
        QCOMPARE(usage[s("prompt_tokens_details")].toObject()[s("cached_tokens")].toInt(), 4);
        QCOMPARE(usage[s("completion_tokens_details")].toObject()[s("reasoning_tokens")].toInt(), 2);

        QTRY_COMPARE(provider.lastRequest()->outcome, RequestOutcome::Completed);
        QCOMPARE(provider.lastRequest()->status, 200);
    }

    void scriptedUsageServedModelAndMaxTokens()
    {
        FakeProvider provider;
        QVERIFY(provider.listen());
        provider.setDefaultBehaviour(FakeBehaviour{.completionTokens = 5, .promptTokens = 123,
                                                   .servedModel = s("gpt-5-2025-08-07")});
        std::unique_ptr<QNetworkReply> reply(
            postJson(provider, chatBody(s("gpt-5"), false, QJsonObject{{s("max_tokens"), 2}})));
        QVERIFY(finish(reply.get()));
        const QJsonObject answer = jsonOf(reply->readAll());
        QCOMPARE(answer[s("model")].toString(), s("gpt-5-2025-08-07"));
        const QJsonObject choice = answer[s("choices")].toArray().first().toObject();
        QCOMPARE(choice[s("message")].toObject()[s("content")].toString(), s("token0 token1"));
        QCOMPARE(choice[s("finish_reason")].toString(), s("length"));
        QCOMPARE(answer[s("usage")].toObject()[s("prompt_tokens")].toInt(), 123);
        QCOMPARE(answer[s("usage")].toObject()[s("completion_tokens")].toInt(), 2);

        provider.setDefaultBehaviour(FakeBehaviour{.usage = false});
        std::unique_ptr<QNetworkReply> second(postJson(provider, chatBody(s("gpt-5"))));
        QVERIFY(finish(second.get()));
        QVERIFY(!jsonOf(second->readAll()).contains(s("usage")));
    }

    void streamingEventsArriveSeparatelyAfterFirstTokenDelay()
    {
        FakeProvider provider;
        QVERIFY(provider.listen());
        provider.setDefaultBehaviour(
            FakeBehaviour{.firstTokenDelay = 150ms, .tokensPerSecond = 50, .completionTokens = 4});
        const auto client = post(provider.port(), chatBody(s("m"), true));
        QTRY_VERIFY_WITH_TIMEOUT(client->isComplete(), 10000);

        QCOMPARE(client->status(), 200);
        QVERIFY(client->header("Content-Type").startsWith("text/event-stream"));
        QVERIFY(client->isChunked());
        QCOMPARE(client->header("Connection"), QByteArray("keep-alive"));
        // One event per write, hence per HTTP chunk: role, 4 content, finish, [DONE].
        QCOMPARE(client->events().size(), 7);
        QCOMPARE(client->chunks().size(), 7);
        for (qsizetype i = 0; i < client->chunks().size(); ++i) {
            QVERIFY(client->chunks().at(i).data.startsWith("data: "));
            QVERIFY(client->chunks().at(i).data.endsWith("\n\n"));
        }
        QCOMPARE(client->events().last().data, QByteArray("[DONE]"));
        const QList<QJsonObject> chunks = chunksOf(*client);
        QString text;
        for (const QJsonObject &chunk : chunks) {
            QCOMPARE(chunk[s("object")].toString(), s("chat.completion.chunk"));
            QCOMPARE(chunk[s("model")].toString(), s("m"));
            QVERIFY(!chunk.contains(s("usage")));
            text += deltaContent(chunk);
        }
        QCOMPARE(chunks.first()[s("choices")].toArray().first().toObject()[s("delta")].toObject()[s("role")].toString(),
                 s("assistant"));
        QCOMPARE(text, s("token0 token1 token2 token3"));
        QCOMPARE(chunks.last()[s("choices")].toArray().first().toObject()[s("finish_reason")].toString(), s("stop"));

        // Lower bounds from the send time only (a late read can shrink the gap between
        // two arrivals, never an arrival's distance from the send): the first token no
        // sooner than configured, the fourth three 20 ms intervals later.
        const qsizetype first = firstContentEvent(*client);
        QCOMPARE(first, 1);
        QVERIFY(client->events().at(first).at - client->sentAt() >= 150ms);
        QVERIFY(client->events().at(first + 3).at - client->sentAt() >= 210ms);
        const RecordedRequest record = *provider.lastRequest();
        QVERIFY(record.stream);
        QCOMPARE(record.contentEventsSent, 4);
        QVERIFY(*record.firstContentAt - record.receivedAt >= 150ms);
        QTRY_COMPARE(provider.lastRequest()->outcome, RequestOutcome::Completed);
    }

    void streamIncludeUsage_data()
    {
        QTest::addColumn<bool>("asked");
        QTest::addColumn<bool>("usageOn");
        QTest::addColumn<bool>("expectUsageChunk");
        QTest::newRow("asked") << true << true << true;
        QTest::newRow("not asked") << false << true << false;
        QTest::newRow("asked, provider has no usage") << true << false << false;
    }

    void streamIncludeUsage()
    {
        QFETCH(bool, asked);
        QFETCH(bool, usageOn);
        QFETCH(bool, expectUsageChunk);
        FakeProvider provider;
        QVERIFY(provider.listen());
        provider.setDefaultBehaviour(FakeBehaviour{.completionTokens = 2, .cachedTokens = 3, .usage = usageOn});
        const auto client = post(provider.port(), chatBody(s("m"), true, includeUsage(asked)));
        QTRY_VERIFY(client->isComplete());
        const QList<QJsonObject> chunks = chunksOf(*client);
        const QJsonObject last = chunks.last();
        QCOMPARE(last[s("choices")].toArray().isEmpty(), expectUsageChunk);
        if (expectUsageChunk) {
            QCOMPARE(chunks.size(), 5); // role, 2 content, finish, usage
            QCOMPARE(last[s("usage")].toObject()[s("prompt_tokens")].toInt(), 10);
            QCOMPARE(last[s("usage")].toObject()[s("completion_tokens")].toInt(), 2);
            QCOMPARE(last[s("usage")].toObject()[s("total_tokens")].toInt(), 12);
            QCOMPARE(last[s("usage")].toObject()[s("prompt_tokens_details")].toObject()[s("cached_tokens")].toInt(), 3);
            for (qsizetype i = 0; i + 1 < chunks.size(); ++i)
                QVERIFY(chunks.at(i).contains(s("usage")) && chunks.at(i)[s("usage")].isNull());
        } else {
            QCOMPARE(chunks.size(), 4);
        }
        QCOMPARE(client->events().last().data, QByteArray("[DONE]"));
    }

    void streamReadableByQNetworkAccessManager()
    {
        FakeProvider provider;
        QVERIFY(provider.listen());
        provider.setDefaultBehaviour(FakeBehaviour{.tokensPerSecond = 200, .completionTokens = 5});
        std::unique_ptr<QNetworkReply> reply(postJson(provider, chatBody(s("m"), true, includeUsage(true))));
        QVERIFY(finish(reply.get()));
        QCOMPARE(reply->error(), QNetworkReply::NoError);
        const QByteArray body = reply->readAll();
        QVERIFY(body.endsWith("data: [DONE]\n\n"));
        QCOMPARE(body.count("data: "), 9); // role, 5 content, finish, usage, [DONE]
    }

    void modelsList()
    {
        FakeProvider provider;
        QVERIFY(provider.listen());
        provider.setModels({s("alpha"), s("beta")});
        provider.setModelBehaviour(s("gamma"), FakeBehaviour{});
        RawHttpClient client;
        client.connectToPort(provider.port());
        client.send(RawHttpClient::buildRequest("GET", "/v1/models"));
        QTRY_VERIFY(client.isComplete());
        QCOMPARE(client.status(), 200);
        const QJsonObject list = jsonOf(client.body());
        QCOMPARE(list[s("object")].toString(), s("list"));
        QStringList ids;
        for (const QJsonValue &model : list[s("data")].toArray()) {
            QCOMPARE(model.toObject()[s("object")].toString(), s("model"));
            ids.append(model.toObject()[s("id")].toString());
        }
        QCOMPARE(ids, QStringList({s("alpha"), s("beta"), s("gamma")}));
    }

    void recordsWhatItReceived()
    {
        FakeProvider provider;
        QVERIFY(provider.listen());
        QSignalSpy received(&provider, &FakeProvider::requestReceived);
        const QByteArray body = chatBody(s("gpt-4o-mini"));
        const auto client = post(provider.port(), body,
                                 {{"Authorization", "Bearer sk-test-123"}, {"X-Trace", "abc"}});
        QVERIFY(received.wait(10000));
        const RecordedRequest record = *provider.request(received.first().first().value<quint64>());
        QCOMPARE(record.method, QByteArray("POST"));
        QCOMPARE(record.path, QByteArray("/v1/chat/completions"));
        QCOMPARE(record.header("authorization"), QByteArray("Bearer sk-test-123"));
        QCOMPARE(record.header("X-TRACE"), QByteArray("abc"));
        QCOMPARE(record.header("Host"), QByteArray("127.0.0.1"));
        QCOMPARE(record.body, body);
        QCOMPARE(record.json()[s("model")].toString(), s("gpt-4o-mini"));
        QCOMPARE(record.model, s("gpt-4o-mini"));
        QCOMPARE(record.connectionId, 1u);
        QTRY_COMPARE(provider.lastRequest()->outcome, RequestOutcome::Completed);
        QCOMPARE(provider.requestCount(), 1);
        provider.clearRecords();
        QCOMPARE(provider.requestCount(), 0);
    }

    void requiresApiKey()
    {
        FakeProvider provider;
        QVERIFY(provider.listen());
        provider.setRequiredApiKey("sk-right");
        const auto check = [&](const QByteArray &key, int expectedStatus, const QString &expectedCode) {
            std::unique_ptr<QNetworkReply> reply(postJson(provider, chatBody(s("m")), key));
            if (!finish(reply.get()))
                return false;
            const QJsonObject error = jsonOf(reply->readAll())[s("error")].toObject();
            return reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() == expectedStatus
                && error[s("code")].toString() == expectedCode;
        };
        QVERIFY(check({}, 401, QString()));
        QVERIFY(check("sk-wrong", 401, s("invalid_api_key")));
        QVERIFY(check("sk-right", 200, QString()));
        QCOMPARE(provider.requestCount(), 3);
    }

    void keepAliveAndPipelining()
    {
        FakeProvider provider;
        QVERIFY(provider.listen());
        RawHttpClient client;
        client.connectToPort(provider.port());
        client.send(RawHttpClient::buildRequest("POST", "/v1/chat/completions", chatBody(s("one"), true)));
        QTRY_VERIFY(client.isComplete());
        client.nextResponse();
        client.send(RawHttpClient::buildRequest("POST", "/v1/chat/completions", chatBody(s("two"))));
        QTRY_VERIFY(client.isComplete());
        QCOMPARE(jsonOf(client.body())[s("model")].toString(), s("two"));
        client.nextResponse();
        // Two requests in one write: answered in order on the same connection.
        client.send(RawHttpClient::buildRequest("POST", "/v1/chat/completions", chatBody(s("three")))
                    + RawHttpClient::buildRequest("GET", "/v1/models"));
        QTRY_VERIFY(client.isComplete());
        QCOMPARE(jsonOf(client.body())[s("model")].toString(), s("three"));
        client.nextResponse();
        QTRY_VERIFY(client.isComplete());
        QCOMPARE(jsonOf(client.body())[s("object")].toString(), s("list"));
        QCOMPARE(provider.totalConnections(), 1);
        QCOMPARE(provider.activeConnections(), 1);
        QCOMPARE(provider.requestCount(), 4);
        QVERIFY(!client.peerClosed());
    }

    void http10ClientGetsCloseDelimitedStream()
    {
        FakeProvider provider;
        QVERIFY(provider.listen());
        const QByteArray body = chatBody(s("m"), true);
        RawHttpClient client;
        client.connectToPort(provider.port());
        client.send("POST /v1/chat/completions HTTP/1.0\r\nContent-Length: " + QByteArray::number(body.size())
                    + "\r\n\r\n" + body);
        QTRY_VERIFY(client.isComplete());
        QVERIFY(!client.isChunked()); // HTTP/1.0 has no chunked encoding
        QVERIFY(client.peerClosed());
        QCOMPARE(client.events().last().data, QByteArray("[DONE]"));
        QCOMPARE(contentEventCount(client), 8);
    }

    void behaviourQueueThenModelThenDefault()
    {
        FakeProvider provider;
        QVERIFY(provider.listen());
        provider.setDefaultBehaviour(FakeBehaviour{.completionTokens = 1});
        provider.setModelBehaviour(s("special"), FakeBehaviour{.completionTokens = 2});
        provider.enqueueBehaviour(FakeBehaviour{.fault = FakeFault::Http503}, 2);
        QCOMPARE(provider.queuedBehaviours(), 2);
        const auto statusAndTokens = [&](const QString &model) {
            std::unique_ptr<QNetworkReply> reply(postJson(provider, chatBody(model)));
            finish(reply.get());
            const QJsonObject usage = jsonOf(reply->readAll())[s("usage")].toObject();
            return qMakePair(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(),
                             usage[s("completion_tokens")].toInt());
        };
        QCOMPARE(statusAndTokens(s("special")), qMakePair(503, 0));
        QCOMPARE(statusAndTokens(s("other")), qMakePair(503, 0));
        QCOMPARE(provider.queuedBehaviours(), 0);
        QCOMPARE(statusAndTokens(s("special")), qMakePair(200, 2));
        QCOMPARE(statusAndTokens(s("other")), qMakePair(200, 1));
    }

    void badRequestsAreAnsweredNotCrashedOn_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<int>("status");
        QTest::addColumn<bool>("closes");
        const QByteArray chat = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n";
        QTest::newRow("invalid JSON") << QByteArray(chat + "Content-Length: 3\r\n\r\n{x}") << 400 << false;
        QTest::newRow("no messages") << RawHttpClient::buildRequest("POST", "/v1/chat/completions",
                                                                    R"({"model":"m","messages":[]})")
                                     << 400 << false;
        QTest::newRow("unknown path") << RawHttpClient::buildRequest("GET", "/v1/nothing") << 404 << false;
        QTest::newRow("wrong method") << RawHttpClient::buildRequest("GET", "/v1/chat/completions") << 405 << false;
        QTest::newRow("malformed request line") << QByteArray("POST/v1 HTTP/1.1\r\n\r\n") << 400 << true;
        QTest::newRow("no Host") << QByteArray("GET /v1/models HTTP/1.1\r\n\r\n") << 400 << true;
        QTest::newRow("chunked request") << QByteArray(chat + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n") << 501
                                         << true;
        QTest::newRow("HTTP/2 preface") << QByteArray("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") << 505 << true;
        QTest::newRow("bad length") << QByteArray(chat + "Content-Length: -1\r\n\r\n") << 400 << true;
        QTest::newRow("huge body") << QByteArray(chat + "Content-Length: 999999999999\r\n\r\n") << 413 << true;
    }

    void badRequestsAreAnsweredNotCrashedOn()
    {
        QFETCH(QByteArray, request);
        QFETCH(int, status);
        QFETCH(bool, closes);
        FakeProvider provider;
        QVERIFY(provider.listen());
        RawHttpClient client;
        client.connectToPort(provider.port());
        client.send(request);
        QTRY_VERIFY(client.isComplete());
        QCOMPARE(client.status(), status);
        QVERIFY(jsonOf(client.body())[s("error")].toObject().contains(s("message")));
        if (closes) {
            QTRY_VERIFY(client.peerClosed());
            QCOMPARE(provider.protocolErrors(), 1);
        }
    }

    void expectContinue()
    {
        FakeProvider provider;
        QVERIFY(provider.listen());
        const QByteArray body = chatBody(s("m"));
        RawHttpClient client;
        client.connectToPort(provider.port());
        client.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: "
                    + QByteArray::number(body.size()) + "\r\n\r\n");
        QTRY_COMPARE(client.continues(), 1);
        client.send(body);
        QTRY_VERIFY(client.isComplete());
        QCOMPARE(client.status(), 200);
    }

    void cancellationIsObservedWithItsTime()
    {
        FakeProvider provider;
        QVERIFY(provider.listen());
        QSignalSpy cancelled(&provider, &FakeProvider::requestCancelled);
        provider.setDefaultBehaviour(FakeBehaviour{.tokensPerSecond = 20, .completionTokens = 200});
        const auto client = post(provider.port(), chatBody(s("m"), true));
        QTRY_VERIFY_WITH_TIMEOUT(contentEventCount(*client) >= 2, 10000);
        QCOMPARE(provider.lastRequest()->outcome, RequestOutcome::InProgress);
        const FakeClock::time_point abortedAt = FakeClock::now();
        client->abort();

        QVERIFY(cancelled.wait(10000));
        const RecordedRequest record = *provider.lastRequest();
        QCOMPARE(cancelled.first().first().value<quint64>(), record.id);
        QVERIFY(record.cancelled());
        QVERIFY(record.cancelledAt().has_value());
        QVERIFY(*record.cancelledAt() >= abortedAt);
        // Far sooner than the 10 s the stream would have taken.
        QVERIFY(*record.cancelledAt() - abortedAt < 5s);
        QVERIFY(record.contentEventsSent >= 2 && record.contentEventsSent < 200);
        QCOMPARE(provider.cancelledRequests(), 1);
        QTRY_COMPARE(provider.activeConnections(), 0);
    }

    void cancellationWhileHanging()
    {
        FakeProvider provider;
        QVERIFY(provider.listen());
        provider.enqueueBehaviour(FakeBehaviour{.fault = FakeFault::HangBeforeHeaders});
        QSignalSpy received(&provider, &FakeProvider::requestReceived);
        const auto client = post(provider.port(), chatBody(s("m")));
        QVERIFY(received.wait(10000));
        client->abort();
        QTRY_VERIFY(provider.lastRequest()->cancelled());
        QCOMPARE(provider.lastRequest()->status, 0);
        QVERIFY(!provider.lastRequest()->headersSentAt);
    }

    void twoServersInParallel()
    {
        FakeProvider first;
        FakeProvider second;
        QVERIFY(first.listen());
        QVERIFY(second.listen());
        QVERIFY(first.port() != second.port());
        first.setDefaultBehaviour(FakeBehaviour{.tokensPerSecond = 100, .completionTokens = 5});
        second.setDefaultBehaviour(FakeBehaviour{.tokensPerSecond = 100, .completionTokens = 7});
        const auto a = post(first.port(), chatBody(s("a"), true));
        const auto b = post(second.port(), chatBody(s("b"), true));
        QTRY_VERIFY_WITH_TIMEOUT(a->isComplete() && b->isComplete(), 10000);
        QCOMPARE(contentEventCount(*a), 5);
        QCOMPARE(contentEventCount(*b), 7);
        QCOMPARE(first.requestCount(), 1);
        QCOMPARE(second.requestCount(), 1);
        QCOMPARE(first.lastRequest()->model, s("a"));
        QCOMPARE(second.lastRequest()->model, s("b"));
    }

    void closeAbandonsRequestsInProgress()
    {
        FakeProvider provider;
        QVERIFY(provider.listen());
        provider.setDefaultBehaviour(FakeBehaviour{.fault = FakeFault::HangBeforeHeaders});
        QSignalSpy received(&provider, &FakeProvider::requestReceived);
        const auto client = post(provider.port(), chatBody(s("m")));
        QVERIFY(received.wait(10000));
        provider.close();
        QVERIFY(!provider.isListening());
        QCOMPARE(provider.lastRequest()->outcome, RequestOutcome::Abandoned);
        QCOMPARE(provider.activeConnections(), 0);
        QTRY_VERIFY(client->peerClosed());
    }

    void closingFromSignalHandlersIsSafe()
    {
        FakeProvider provider;
        QVERIFY(provider.listen());
        connect(&provider, &FakeProvider::requestReceived, &provider, &FakeProvider::close);
        const auto first = post(provider.port(), chatBody(s("m"), true));
        QTRY_VERIFY(first->peerClosed());
        QCOMPARE(provider.lastRequest()->outcome, RequestOutcome::Abandoned);

        FakeProvider second;
        QVERIFY(second.listen());
        second.setDefaultBehaviour(FakeBehaviour{.fault = FakeFault::HangBeforeHeaders});
        connect(&second, &FakeProvider::requestCancelled, &second, &FakeProvider::close);
        QSignalSpy received(&second, &FakeProvider::requestReceived);
        const auto client = post(second.port(), chatBody(s("m")));
        QVERIFY(received.wait(10000));
        client->abort();
        QTRY_VERIFY(!second.isListening());
        QVERIFY(second.lastRequest()->cancelled());
        QCOMPARE(second.activeConnections(), 0);
    }

    void executableListensAndStopsOnSignal()
    {
#ifndef Q_OS_UNIX
        QSKIP("SIGTERM is Unix only");
#else
        QProcess process;
        process.start(s(SIGNALBOX_FAKE_PROVIDER_BIN), {s("--listen"), s("127.0.0.1:0"), s("--model"), s("demo")});
        QVERIFY(process.waitForStarted(10000));
        QTRY_VERIFY_WITH_TIMEOUT(process.canReadLine(), 10000);
        const QString line = QString::fromUtf8(process.readLine()).trimmed();
        QVERIFY2(line.startsWith(s("listening on 127.0.0.1:")), qPrintable(line));
        const quint16 port = static_cast<quint16>(line.section(QLatin1Char(':'), -1).toUInt());
        QVERIFY(port != 0);

        RawHttpClient client;
        client.connectToPort(port);
        client.send(RawHttpClient::buildRequest("GET", "/v1/models"));
        QTRY_VERIFY(client.isComplete());
        QCOMPARE(jsonOf(client.body())[s("data")].toArray().first().toObject()[s("id")].toString(), s("demo"));

        process.terminate(); // SIGTERM
        QVERIFY(process.waitForFinished(10000));
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        QCOMPARE(process.exitCode(), 0);
#endif
    }
};

QTEST_GUILESS_MAIN(TestFakeProvider)
#include "tst_fakeprovider.moc"
