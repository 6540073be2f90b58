// Every scripted fault of the fake provider, observed from the client's side
// of a real loopback socket, as docs/fake-provider.md documents it.

#include "tests/support/fakeprovider/fakeprovider.h"
#include "tests/support/fakeprovider/rawhttpclient.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTest>

#include <memory>

#ifdef Q_OS_UNIX
#include <QSocketNotifier>

#include <arpa/inet.h>
#include <cerrno>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

using namespace signalbox::testing;
using namespace std::chrono_literals;

namespace {

QString s(const char *text)
{
    return QString::fromLatin1(text);
}

QByteArray chatBody(const QString &model, bool stream = false)
{
    const QJsonObject body{{s("model"), model},
                           {s("stream"), stream},
                           {s("messages"), QJsonArray{QJsonObject{{s("role"), s("user")}, {s("content"), s("hi")}}}}};
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

QByteArray chatRequest(bool stream)
{
    return RawHttpClient::buildRequest("POST", "/v1/chat/completions", chatBody(s("m"), stream));
}

std::unique_ptr<RawHttpClient> post(quint16 port, bool stream)
{
    auto client = std::make_unique<RawHttpClient>();
    client->connectToPort(port);
    client->send(chatRequest(stream));
    return client;
}

QJsonObject jsonOf(const QByteArray &bytes)
{
    return QJsonDocument::fromJson(bytes).object();
}

bool isJson(const QByteArray &bytes)
{
    QJsonParseError error;
    QJsonDocument::fromJson(bytes, &error);
    return error.error == QJsonParseError::NoError;
}

int contentEvents(const QByteArray &stream)
{
    return static_cast<int>(stream.count("\"content\":\"token") + stream.count("\"content\":\" token"));
}

#ifdef Q_OS_UNIX
// A plain POSIX client: QTcpSocket reports a reset and an orderly close alike
// (RemoteHostClosedError), so telling RST from FIN needs recv()'s own answer.
class PosixProbe {
public:
    PosixProbe(quint16 port, const QByteArray &request)
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(0x7F000001U);
        // Loopback: the kernel completes the handshake from the listen backlog.
        if (::connect(m_fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0)
            return;
        sentAt = FakeClock::now();
#ifdef MSG_NOSIGNAL
        constexpr int flags = MSG_NOSIGNAL;
#else
        constexpr int flags = 0; // macOS: no such flag; the peer is alive when we send
#endif
        ::send(m_fd, request.constData(), static_cast<size_t>(request.size()), flags);
        ::fcntl(m_fd, F_SETFL, ::fcntl(m_fd, F_GETFL) | O_NONBLOCK);
        m_notifier = std::make_unique<QSocketNotifier>(m_fd, QSocketNotifier::Read);
        QObject::connect(m_notifier.get(), &QSocketNotifier::activated, [this] { drain(); });
    }
    ~PosixProbe()
    {
        m_notifier.reset();
        if (m_fd >= 0)
            ::close(m_fd);
    }
    Q_DISABLE_COPY_MOVE(PosixProbe)

    bool ended() const { return reset || finished; }
    QByteArray received;
    bool reset = false;    // recv() failed with ECONNRESET
    bool finished = false; // recv() returned 0: FIN
    FakeClock::time_point sentAt;
    FakeClock::time_point endedAt;

private:
    void drain()
    {
        char buffer[65536];
        for (;;) {
            const ssize_t n = ::recv(m_fd, buffer, sizeof buffer, 0);
            if (n > 0) {
                received.append(buffer, n);
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
                return;
            reset = n < 0 && errno == ECONNRESET;
            finished = n == 0;
            endedAt = FakeClock::now();
            m_notifier->setEnabled(false);
            return;
        }
    }
    int m_fd = -1;
    std::unique_ptr<QSocketNotifier> m_notifier;
};
#endif

} // namespace

class TestFakeProviderFaults : public QObject {
    Q_OBJECT

private:
    QNetworkAccessManager m_manager;

private Q_SLOTS:
    void initTestCase() { m_manager.setProxy(QNetworkProxy::NoProxy); }

    void faultNamesRoundTrip()
    {
        for (int i = 0; i <= static_cast<int>(FakeFault::SplitEvents); ++i) {
            const auto fault = static_cast<FakeFault>(i);
            QVERIFY(!faultName(fault).isEmpty());
            QCOMPARE(faultFromName(faultName(fault)), std::optional<FakeFault>(fault));
        }
        QVERIFY(!faultFromName(s("no-such-fault")));
    }

    void httpErrors_data()
    {
        QTest::addColumn<FakeFault>("fault");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("type");
        QTest::addColumn<QString>("code");
        QTest::newRow("400") << FakeFault::Http400 << 400 << s("invalid_request_error") << QString();
        QTest::newRow("500") << FakeFault::Http500 << 500 << s("server_error") << QString();
        QTest::newRow("503") << FakeFault::Http503 << 503 << s("server_error") << QString();
        QTest::newRow("429") << FakeFault::Http429 << 429 << s("requests") << s("rate_limit_exceeded");
    }

    void httpErrors()
    {
        QFETCH(FakeFault, fault);
        QFETCH(int, status);
        QFETCH(QString, type);
        QFETCH(QString, code);
        FakeProvider provider;
        QVERIFY(provider.listen());
        provider.enqueueBehaviour(FakeBehaviour{.headersDelay = 50ms, .fault = fault, .retryAfterSeconds = 7});
        RawHttpClient client;
        client.connectToPort(provider.port());
        client.send(chatRequest(true));
        QTRY_VERIFY(client.isComplete());
        QCOMPARE(client.status(), status);
        QVERIFY(*client.headAt() - client.sentAt() >= 50ms);
        QCOMPARE(client.header("Content-Type"), QByteArray("application/json"));
        const QJsonObject error = jsonOf(client.body())[s("error")].toObject();
        QVERIFY(!error[s("message")].toString().isEmpty());
        QCOMPARE(error[s("type")].toString(), type);
        QCOMPARE(error[s("code")].toString(), code);
        QCOMPARE(client.header("Retry-After"), fault == FakeFault::Http429 ? QByteArray("7") : QByteArray());
        QCOMPARE(provider.lastRequest()->status, status);
        QCOMPARE(provider.lastRequest()->fault, fault);

        // The connection stays usable, and the queue is spent: the next answer is normal.
        client.nextResponse();
        client.send(chatRequest(false));
        QTRY_VERIFY(client.isComplete());
        QCOMPARE(client.status(), 200);
        QCOMPARE(provider.totalConnections(), 1);
    }

    void html502Page()
    {
        FakeProvider provider;
        QVERIFY(provider.listen());
        provider.setDefaultBehaviour(FakeBehaviour{.fault = FakeFault::Html502});
        const auto client = post(provider.port(), false);
        QTRY_VERIFY(client->isComplete());
        QCOMPARE(client->status(), 502);
        QVERIFY(client->header("Content-Type").startsWith("text/html"));
        QVERIFY(client->body().contains("<h1>502 Bad Gateway</h1>"));
        QVERIFY(!isJson(client->body()));
    }

    void customErrorMessage()
    {
        FakeProvider provider;
        QVERIFY(provider.listen());
        provider.setDefaultBehaviour(FakeBehaviour{.fault = FakeFault::Http400, .errorMessage = s("context too long")});
        const auto client = post(provider.port(), false);
        QTRY_VERIFY(client->isComplete());
        QCOMPARE(jsonOf(client->body())[s("error")].toObject()[s("message")].toString(), s("context too long"));
    }

    void hangBeforeHeaders()
    {
        FakeProvider provider;
        QVERIFY(provider.listen());
        provider.setDefaultBehaviour(FakeBehaviour{.fault = FakeFault::HangBeforeHeaders});
        QSignalSpy received(&provider, &FakeProvider::requestReceived);
        const auto client = post(provider.port(), true);
        QVERIFY(received.wait(10000));
        QSignalSpy progress(client.get(), &RawHttpClient::progressed);
        QVERIFY(!progress.wait(300)); // nothing arrives, the connection stays open
        QVERIFY(client->raw().isEmpty());
        QVERIFY(!client->peerClosed());
        QCOMPARE(provider.lastRequest()->outcome, RequestOutcome::InProgress);
        client->abort();
        QTRY_VERIFY(provider.lastRequest()->cancelled());
    }

    void stallMidStream()
    {
        FakeProvider provider;
        QVERIFY(provider.listen());
        provider.setDefaultBehaviour(FakeBehaviour{.completionTokens = 10, .fault = FakeFault::StallMidStream,
                                                   .faultAfterEvents = 3});
        const auto client = post(provider.port(), true);
        QTRY_COMPARE(contentEvents(client->body()), 3);
        QSignalSpy progress(client.get(), &RawHttpClient::progressed);
        QVERIFY(!progress.wait(300));
        QCOMPARE(contentEvents(client->body()), 3);
        QVERIFY(!client->isComplete());
        QVERIFY(!client->peerClosed());
        QCOMPARE(provider.lastRequest()->outcome, RequestOutcome::InProgress);
        QCOMPARE(provider.lastRequest()->contentEventsSent, 3);
        client->abort();
        QTRY_VERIFY(provider.lastRequest()->cancelled());
    }

    void stallMidJsonBody()
    {
        FakeProvider provider;
        QVERIFY(provider.listen());
        provider.setDefaultBehaviour(FakeBehaviour{.fault = FakeFault::StallMidStream});
        const auto client = post(provider.port(), false);
        QTRY_VERIFY(client->hasHead() && !client->body().isEmpty());
        QSignalSpy progress(client.get(), &RawHttpClient::progressed);
        QVERIFY(!progress.wait(300));
        QVERIFY(client->body().size() < client->header("Content-Length").toLongLong());
        QVERIFY(!client->peerClosed());
    }

    void truncatedJsonBody()
    {
        FakeProvider provider;
        QVERIFY(provider.listen());
        provider.setDefaultBehaviour(FakeBehaviour{.fault = FakeFault::TruncatedBody});
        const auto client = post(provider.port(), false);
        QTRY_VERIFY(client->peerClosed());
        QCOMPARE(client->status(), 200);
        QVERIFY(!client->isComplete());
        QVERIFY(!client->body().isEmpty());
        QVERIFY(client->body().size() < client->header("Content-Length").toLongLong());
        QTRY_COMPARE(provider.lastRequest()->outcome, RequestOutcome::Dropped);
    }

    void truncatedStream()
    {
        FakeProvider provider;
        QVERIFY(provider.listen());
        provider.setDefaultBehaviour(FakeBehaviour{.fault = FakeFault::TruncatedBody});
        const auto client = post(provider.port(), true);
        QTRY_VERIFY(client->peerClosed());
        QVERIFY(client->isChunked());
        QVERIFY(!client->isComplete()); // no terminating chunk
        QCOMPARE(contentEvents(client->body()), 2);
        QVERIFY(!client->body().contains("[DONE]"));
    }

    void malformedSse()
    {
        FakeProvider provider;
        QVERIFY(provider.listen());
        provider.setDefaultBehaviour(FakeBehaviour{.completionTokens = 4, .fault = FakeFault::MalformedSse});
        const auto client = post(provider.port(), true);
        QTRY_VERIFY(client->isComplete());
        int garbage = 0;
        int invalid = 0;
        int valid = 0;
        for (const auto &event : client->events()) {
            if (event.data.isEmpty())
                garbage += event.block == "this line is not server-sent events" ? 1 : 0;
            else if (event.data != "[DONE]")
                (isJson(event.data) ? valid : invalid) += 1;
        }
        QCOMPARE(garbage, 1);
        QCOMPARE(invalid, 4); // half a chunk, two objects in one, a bad literal, bytes not UTF-8
        QCOMPARE(valid, 6); // role, 4 content, finish: the stream goes on after the damage
        QCOMPARE(client->events().last().data, QByteArray("[DONE]"));
    }

    void malformedJsonBody()
    {
        FakeProvider provider;
        QVERIFY(provider.listen());
        provider.setDefaultBehaviour(FakeBehaviour{.fault = FakeFault::MalformedSse});
        const auto client = post(provider.port(), false);
        QTRY_VERIFY(client->isComplete()); // honestly framed...
        QCOMPARE(client->status(), 200);
        QVERIFY(!isJson(client->body())); // ...but not JSON
    }

    void splitEvents()
    {
        FakeProvider provider;
        QVERIFY(provider.listen());
        provider.setDefaultBehaviour(FakeBehaviour{.completionTokens = 3, .fault = FakeFault::SplitEvents});
        const auto client = post(provider.port(), true);
        QTRY_VERIFY(client->isComplete());
        const auto &events = client->events();
        const auto &chunks = client->chunks();
        QCOMPARE(events.size(), 6); // role, 3 content, finish, [DONE]
        QCOMPARE(chunks.size(), 3 * events.size());
        for (qsizetype i = 0; i < events.size(); ++i) {
            // Each event is cut in three writes, the cuts inside its JSON.
            QVERIFY(!chunks.at(3 * i).data.endsWith("\n\n"));
            QVERIFY(!chunks.at(3 * i + 1).data.endsWith("\n\n"));
            QCOMPARE(chunks.at(3 * i).data + chunks.at(3 * i + 1).data + chunks.at(3 * i + 2).data,
                     QByteArray("data: ") + events.at(i).data + QByteArray("\n\n"));
            if (events.at(i).data != "[DONE]")
                QVERIFY(isJson(events.at(i).data));
        }
        // splitGap (5 ms) between consecutive pieces, measured from the send time.
        QVERIFY(chunks.last().at - client->sentAt() >= (chunks.size() - 1) * 5ms);
    }

    void splitJsonBody()
    {
        FakeProvider provider;
        QVERIFY(provider.listen());
        provider.setDefaultBehaviour(FakeBehaviour{.fault = FakeFault::SplitEvents, .splitGap = 20ms});
        const auto client = post(provider.port(), false);
        QTRY_VERIFY(client->isComplete());
        QVERIFY(isJson(client->body()));
        QVERIFY(client->chunks().isEmpty()); // Content-Length framing: the pieces are plain writes
        QVERIFY(*client->completedAt() - client->sentAt() >= 40ms); // the last piece left two gaps later
    }

    void multiMegabyteAnswer()
    {
        constexpr qint64 size = 5 * 1024 * 1024;
        FakeProvider provider;
        QVERIFY(provider.listen());
        provider.setDefaultBehaviour(FakeBehaviour{.completionTokens = 10, .contentBytes = size});

        QNetworkRequest request(QUrl(provider.baseUrl().toString() + s("/chat/completions")));
        request.setHeader(QNetworkRequest::ContentTypeHeader, s("application/json"));
        std::unique_ptr<QNetworkReply> reply(m_manager.post(request, chatBody(s("big"))));
        QVERIFY(reply->isFinished() || QSignalSpy(reply.get(), &QNetworkReply::finished).wait(30000));
        QCOMPARE(reply->error(), QNetworkReply::NoError);
        const QJsonObject answer = jsonOf(reply->readAll());
        const QString content =
            answer[s("choices")].toArray().first().toObject()[s("message")].toObject()[s("content")].toString();
        QCOMPARE(content.size(), size);
        QVERIFY(content.startsWith(s("token0 token1 ")));

        const auto client = post(provider.port(), true);
        QTRY_VERIFY_WITH_TIMEOUT(client->isComplete(), 30000);
        qint64 streamed = 0;
        int pieces = 0;
        for (const auto &event : client->events()) {
            if (event.data == "[DONE]")
                continue;
            const QJsonObject delta =
                jsonOf(event.data)[s("choices")].toArray().first().toObject()[s("delta")].toObject();
            const qsizetype piece = delta[s("content")].toString().size();
            streamed += piece;
            pieces += piece > 0 ? 1 : 0;
        }
        QCOMPARE(streamed, size);
        QCOMPARE(pieces, 10);
    }

    void closeDelimitedStream()
    {
        FakeProvider provider;
        QVERIFY(provider.listen());
        provider.setDefaultBehaviour(FakeBehaviour{.completionTokens = 3, .chunkedStream = false});
        const auto client = post(provider.port(), true);
        QTRY_VERIFY(client->isComplete());
        QVERIFY(client->peerClosed());
        QVERIFY(!client->isChunked());
        QVERIFY(client->header("Content-Length").isEmpty());
        QCOMPARE(client->header("Connection"), QByteArray("close"));
        QCOMPARE(contentEvents(client->body()), 3);
        QVERIFY(client->body().endsWith("data: [DONE]\n\n"));
        QTRY_COMPARE(provider.lastRequest()->outcome, RequestOutcome::Completed);
    }

    void rejectUnknownModels()
    {
        FakeProvider provider;
        QVERIFY(provider.listen());
        provider.setModels({s("known")});
        provider.setRejectUnknownModels(true);
        const auto client = post(provider.port(), false); // asks for "m"
        QTRY_VERIFY(client->isComplete());
        QCOMPARE(client->status(), 404);
        QCOMPARE(jsonOf(client->body())[s("error")].toObject()[s("code")].toString(), s("model_not_found"));
    }

    void resetBeforeHeaders()
    {
#ifndef Q_OS_UNIX
        QSKIP("the RST check reads errno from a POSIX socket");
#else
        FakeProvider provider;
        QVERIFY(provider.listen());
        provider.setDefaultBehaviour(FakeBehaviour{.headersDelay = 50ms, .fault = FakeFault::ResetBeforeHeaders});
        PosixProbe probe(provider.port(), chatRequest(true));
        QTRY_VERIFY(probe.ended());
        QVERIFY(probe.reset);
        QVERIFY(probe.received.isEmpty());
        QVERIFY(probe.endedAt - probe.sentAt >= 50ms);
        QTRY_COMPARE(provider.lastRequest()->outcome, RequestOutcome::Dropped);
        QCOMPARE(provider.lastRequest()->status, 0);
#endif
    }

    void resetMidStream()
    {
#ifndef Q_OS_UNIX
        QSKIP("the RST check reads errno from a POSIX socket");
#else
        FakeProvider provider;
        QVERIFY(provider.listen());
        provider.setDefaultBehaviour(FakeBehaviour{.tokensPerSecond = 50, .completionTokens = 10,
                                                   .fault = FakeFault::ResetMidStream, .faultAfterEvents = 2});
        PosixProbe probe(provider.port(), chatRequest(true));
        QTRY_VERIFY_WITH_TIMEOUT(probe.ended(), 10000);
        QVERIFY(probe.reset);
        QVERIFY(probe.received.startsWith("HTTP/1.1 200 OK\r\n"));
        QCOMPARE(contentEvents(probe.received), 2);
        QVERIFY(!probe.received.contains("[DONE]"));
        QCOMPARE(provider.lastRequest()->outcome, RequestOutcome::Dropped);
        QCOMPARE(provider.lastRequest()->contentEventsSent, 2);
#endif
    }

    void resetMidJsonBody()
    {
#ifndef Q_OS_UNIX
        QSKIP("the RST check reads errno from a POSIX socket");
#else
        FakeProvider provider;
        QVERIFY(provider.listen());
        provider.setDefaultBehaviour(FakeBehaviour{.fault = FakeFault::ResetMidStream});
        PosixProbe probe(provider.port(), chatRequest(false));
        QTRY_VERIFY(probe.ended());
        QVERIFY(probe.reset);
        QVERIFY(probe.received.startsWith("HTTP/1.1 200 OK\r\n"));
        QVERIFY(probe.received.contains("\r\n\r\n{"));
#endif
    }

    void truncatedBodyEndsWithFinNotReset()
    {
#ifndef Q_OS_UNIX
        QSKIP("the FIN check reads recv() from a POSIX socket");
#else
        FakeProvider provider;
        QVERIFY(provider.listen());
        provider.setDefaultBehaviour(FakeBehaviour{.fault = FakeFault::TruncatedBody});
        PosixProbe probe(provider.port(), chatRequest(false));
        QTRY_VERIFY(probe.ended());
        QVERIFY(probe.finished);
        QVERIFY(!probe.reset);
#endif
    }
};

QTEST_GUILESS_MAIN(TestFakeProviderFaults)
#include "tst_fakeprovider_faults.moc"
