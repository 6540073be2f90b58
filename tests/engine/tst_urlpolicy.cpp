#include "engine/catalog/urlpolicy.h"
#include "tests/support/loopbackhttp.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace signalbox::engine;
using signalbox::tests::LoopbackHttpServer;

class TestUrlPolicy : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void acceptsProviderUrls_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("host");
        QTest::newRow("openai") << "https://api.openai.com/v1"
                                << "api.openai.com";
        QTest::newRow("scheme upper case") << "HTTPS://Api.Example.com/v1"
                                           << "api.example.com";
        QTest::newRow("surrounding spaces") << "  https://api.groq.com/openai/v1  "
                                            << "api.groq.com";
        QTest::newRow("ollama on localhost") << "http://localhost:11434/v1"
                                             << "localhost";
        QTest::newRow("vllm on loopback") << "http://127.0.0.1:8000/v1"
                                          << "127.0.0.1";
        QTest::newRow("loopback, short form") << "http://127.1:8080/"
                                              << "127.0.0.1";
        QTest::newRow("loopback IPv6") << "http://[::1]:8080/v1"
                                       << "::1";
        QTest::newRow("LAN 192.168") << "http://192.168.1.20:8080/v1"
                                     << "192.168.1.20";
        QTest::newRow("LAN 10/8") << "http://10.0.0.5/v1"
                                  << "10.0.0.5";
        QTest::newRow("LAN 172.16/12") << "http://172.16.4.2/"
                                       << "172.16.4.2";
        QTest::newRow("unique local IPv6") << "http://[fd12:3456::1]:9000/"
                                           << "fd12:3456::1";
        QTest::newRow("LAN host name") << "http://llama.lan:8080"
                                       << "llama.lan";
        QTest::newRow("with a query") << "https://example.openai.azure.com/openai?api-version=2024-10-21"
                                      << "example.openai.azure.com";
        QTest::newRow("169.254 inside a name") << "http://169.254.169.254.example.com/"
                                               << "169.254.169.254.example.com";
        QTest::newRow("metadata as a sub-domain") << "https://metadata.example.com/"
                                                  << "metadata.example.com";
    }
    void acceptsProviderUrls()
    {
        QFETCH(QString, text);
        QFETCH(QString, host);
        const auto url = validateProviderBaseUrl(text);
        QVERIFY2(url.ok(), qPrintable(url.ok() ? QString() : url.error().message));
        QCOMPARE(url->host(), host);
    }

    void rejectsUnsafeUrls_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("problem");
        const QString metadata = QStringLiteral("never sends requests there");
        // Link-local and cloud metadata, in every spelling.
        QTest::newRow("AWS metadata") << "http://169.254.169.254/latest/meta-data/" << metadata;
        QTest::newRow("link-local") << "http://169.254.0.1:8080/" << metadata;
        QTest::newRow("decimal") << "http://2852039166/" << metadata;
        QTest::newRow("hex") << "http://0xA9FEA9FE/" << metadata;
        QTest::newRow("hex per byte") << "http://0xa9.0xfe.0xa9.0xfe/" << metadata;
        QTest::newRow("octal") << "http://0251.0376.0251.0376/" << metadata;
        QTest::newRow("two parts") << "http://169.254.43518/" << metadata;
        QTest::newRow("trailing dot") << "http://169.254.169.254./" << metadata;
        QTest::newRow("percent-encoded") << "http://%31%36%39.254.169.254/" << metadata;
        QTest::newRow("ideographic dots") << QStringLiteral("http://169\u3002254\u3002169\u3002254/") << metadata;
        QTest::newRow("IPv4-mapped IPv6") << "http://[::ffff:169.254.169.254]/" << metadata;
        QTest::newRow("IPv4-mapped IPv6, hex") << "http://[::ffff:a9fe:a9fe]/" << metadata;
        QTest::newRow("IPv4-compatible IPv6") << "http://[::169.254.169.254]/" << metadata;
        QTest::newRow("NAT64") << "http://[64:ff9b::a9fe:a9fe]/" << metadata;
        QTest::newRow("IPv6 link-local") << "http://[fe80::1]/" << metadata;
        QTest::newRow("IPv6 link-local, scoped") << "http://[fe80::1%25eth0]:80/" << metadata;
        QTest::newRow("IPv6 link-local, upper end") << "http://[febf::1]/" << metadata;
        QTest::newRow("AWS IPv6 metadata") << "http://[fd00:ec2::254]/" << metadata;
        QTest::newRow("Alibaba metadata") << "http://100.100.100.200/latest/meta-data" << metadata;
        QTest::newRow("GCP metadata name") << "http://metadata.google.internal/computeMetadata/v1/" << metadata;
        QTest::newRow("GCP metadata name, odd case, dot") << "http://METADATA.Google.Internal./" << metadata;
        QTest::newRow("metadata") << "http://metadata/" << metadata;
        QTest::newRow("instance-data") << "http://instance-data/latest" << metadata;
        QTest::newRow("unspecified") << "http://0.0.0.0:8080/" << metadata;
        QTest::newRow("unspecified, short") << "http://0/" << metadata;
        QTest::newRow("unspecified IPv6") << "http://[::]/" << metadata;
        QTest::newRow("multicast") << "http://224.0.0.251/" << metadata;
        // Not an http(s) URL with a host.
        QTest::newRow("empty") << ""
                               << "No base URL";
        QTest::newRow("ftp") << "ftp://example.com/"
                             << "http:// or https://";
        QTest::newRow("file") << "file:///etc/passwd"
                              << "http:// or https://";
        QTest::newRow("javascript") << "javascript:alert(1)"
                                    << "http:// or https://";
        QTest::newRow("no scheme") << "api.openai.com/v1"
                                   << "http:// or https://";
        QTest::newRow("no host") << "http:///v1"
                                 << "has no host";
        QTest::newRow("user info") << "https://user:secret@api.example.com/v1"
                                   << "user name or password";
        QTest::newRow("user only") << "https://sk-abc@api.example.com/v1"
                                   << "user name or password";
        QTest::newRow("fragment") << "https://api.example.com/v1#x"
                                  << "fragment";
    }
    void rejectsUnsafeUrls()
    {
        QFETCH(QString, text);
        QFETCH(QString, problem);
        const auto url = validateProviderBaseUrl(text);
        QVERIFY2(!url.ok(), qPrintable(url.ok() ? url->toString() : QString()));
        QCOMPARE(url.error().code, QStringLiteral("invalid"));
        QVERIFY2(url.error().message.contains(problem), qPrintable(url.error().message));
    }

    void errorsNeverRepeatSecrets_data()
    {
        QTest::addColumn<QString>("url");
        QTest::newRow("password") << QStringLiteral("https://me:sk-live-SECRET123@api.example.com/v1");
        QTest::newRow("user info on a bad scheme") << QStringLiteral("ftp://sk-live-SECRET123@api.example.com/v1");
        QTest::newRow("key in the query") << QStringLiteral("ftp://api.example.com/v1?api_key=sk-live-SECRET123");
        QTest::newRow("token in the query") << QStringLiteral("http://169.254.169.254/?token=sk-live-SECRET123");
    }

    void errorsNeverRepeatSecrets()
    {
        QFETCH(QString, url);
        const auto result = validateProviderBaseUrl(url);
        QVERIFY(!result.ok());
        QVERIFY2(!result.error().message.contains(QStringLiteral("SECRET123")), qPrintable(result.error().message));
        QVERIFY(result.error().message.contains(QStringLiteral("***")));
    }

    void forbiddenAddresses_data()
    {
        QTest::addColumn<QString>("address");
        QTest::addColumn<bool>("forbidden");
        QTest::newRow("169.254.169.254") << "169.254.169.254" << true;
        QTest::newRow("169.254.0.0") << "169.254.0.0" << true;
        QTest::newRow("169.254.255.255") << "169.254.255.255" << true;
        QTest::newRow("169.253.255.255") << "169.253.255.255" << false;
        QTest::newRow("169.255.0.0") << "169.255.0.0" << false;
        QTest::newRow("100.100.100.200") << "100.100.100.200" << true;
        QTest::newRow("100.100.100.201") << "100.100.100.201" << false;
        QTest::newRow("mapped metadata") << "::ffff:169.254.169.254" << true;
        QTest::newRow("mapped Alibaba") << "::ffff:100.100.100.200" << true;
        QTest::newRow("mapped loopback") << "::ffff:127.0.0.1" << false;
        QTest::newRow("6to4 of metadata") << "2002:a9fe:a9fe::1" << true;
        QTest::newRow("6to4 of public") << "2002:0808:0808::1" << false;
        QTest::newRow("fe80::1") << "fe80::1" << true;
        QTest::newRow("febf::") << "febf::" << true;
        QTest::newRow("fec0::1") << "fec0::1" << false;
        QTest::newRow("fd00:ec2::254") << "fd00:ec2::254" << true;
        QTest::newRow("fd00:ec2::253") << "fd00:ec2::253" << false;
        QTest::newRow("fd20:ce::254") << "fd20:ce::254" << true;
        QTest::newRow("loopback") << "127.0.0.1" << false;
        QTest::newRow("loopback 127/8") << "127.5.6.7" << false;
        QTest::newRow("::1") << "::1" << false;
        QTest::newRow("LAN") << "192.168.0.10" << false;
        QTest::newRow("10/8") << "10.1.2.3" << false;
        QTest::newRow("CGNAT") << "100.64.0.1" << false;
        QTest::newRow("public") << "8.8.8.8" << false;
        QTest::newRow("public IPv6") << "2606:4700::1111" << false;
        QTest::newRow("0.0.0.0") << "0.0.0.0" << true;
        QTest::newRow("::") << "::" << true;
        QTest::newRow("broadcast") << "255.255.255.255" << true;
        QTest::newRow("multicast IPv6") << "ff02::1" << true;
    }
    void forbiddenAddresses()
    {
        QFETCH(QString, address);
        QFETCH(bool, forbidden);
        const QHostAddress parsed(address);
        QVERIFY(!parsed.isNull());
        QCOMPARE(isForbiddenAddress(parsed), forbidden);
    }

    void metadataHostNames()
    {
        QVERIFY(isMetadataHostName(QStringLiteral("metadata.google.internal")));
        QVERIFY(isMetadataHostName(QStringLiteral("Metadata.Google.Internal.")));
        QVERIFY(isMetadataHostName(QStringLiteral("metadata")));
        QVERIFY(isMetadataHostName(QStringLiteral("instance-data")));
        QVERIFY(isMetadataHostName(QStringLiteral("instance-data.ec2.internal")));
        QVERIFY(!isMetadataHostName(QStringLiteral("metadata.example.com")));
        QVERIFY(!isMetadataHostName(QStringLiteral("api.openai.com")));
    }

    void providerRequestDoesNotFollowRedirects()
    {
        const QNetworkRequest request = makeProviderRequest(QUrl(QStringLiteral("https://api.example.com/v1/models")));
        QCOMPARE(request.attribute(QNetworkRequest::RedirectPolicyAttribute).toInt(),
            int(QNetworkRequest::ManualRedirectPolicy));
    }

    // The real thing: an upstream answers 302 to the metadata address; the
    // reply is the 302 itself, and no second request is made.
    void redirectToMetadataIsNotFollowed_data()
    {
        QTest::addColumn<QByteArray>("location");
        QTest::newRow("metadata") << QByteArray("http://169.254.169.254/latest/meta-data/iam/");
        QTest::newRow("same server") << QByteArray(); // filled in with the server's own URL
    }
    void redirectToMetadataIsNotFollowed()
    {
        QFETCH(QByteArray, location);
        LoopbackHttpServer server;
        QVERIFY(server.listen());
        if (location.isEmpty())
            location = server.url(QStringLiteral("/followed")).toEncoded();
        server.setResponse(LoopbackHttpServer::redirect(location));

        QNetworkAccessManager manager;
        const QUrl url = server.url(QStringLiteral("/v1/models"));
        std::unique_ptr<QNetworkReply> reply(manager.get(makeProviderRequest(url)));
        QSignalSpy finished(reply.get(), &QNetworkReply::finished);
        QSignalSpy redirected(reply.get(), &QNetworkReply::redirected);
        QVERIFY(finished.wait(5000));
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 302);
        QCOMPARE(reply->header(QNetworkRequest::LocationHeader).toUrl(), QUrl::fromEncoded(location));
        QCOMPARE(reply->url(), url);
        QCOMPARE(redirected.count(), 0);
        QCOMPARE(server.requestCount(), 1);
        QVERIFY(server.requests().first().startsWith("GET /v1/models "));
    }
};

QTEST_GUILESS_MAIN(TestUrlPolicy)
#include "tst_urlpolicy.moc"
