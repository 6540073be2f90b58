#include "engine/catalog/priceschedulejson.h"
#include "engine/catalog/refresh.h"
#include "tests/support/loopbackhttp.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>

#include <memory>

using namespace signalbox::engine;
using signalbox::tests::LoopbackHttpServer;
using namespace std::chrono_literals;

namespace {

Money money(const char *text)
{
    return Money::parse(QByteArrayView(text)).value();
}

PriceSchedule perToken(const char *input, const char *output)
{
    PriceSet set;
    set.prices.push_back(UnitPrice { units::inputTokens(), TieredRate { money(input), {} } });
    set.prices.push_back(UnitPrice { units::outputTokens(), TieredRate { money(output), {} } });
    PriceSchedule schedule;
    schedule.variants.push_back(PriceSchedule::Variant { PriceCondition {}, std::move(set) });
    return schedule;
}

Offering offering(const QString &provider, const QString &providerModelId, const QString &modelId, PriceSchedule price,
    PriceSource source)
{
    Offering o;
    o.providerId = provider;
    o.providerModelId = providerModelId;
    o.modelId = modelId;
    o.name = providerModelId;
    o.contextLength = 100000;
    o.price = std::move(price);
    o.provenance = PriceProvenance { source, QDate(2025, 9, 1), providerModelId };
    return o;
}

Model model(const QString &id)
{
    Model m;
    m.id = id;
    m.name = id;
    m.contextLength = 100000;
    return m;
}

// OpenRouter serves gpt-4o (its price will go up), claude-x (down),
// gone/retired (no longer listed) and free/thing (unchanged); Groq serves
// llama, which a refresh of OpenRouter must leave alone.
std::shared_ptr<const Catalog> baseCatalog()
{
    Provider openRouter;
    openRouter.id = QStringLiteral("openrouter");
    openRouter.name = QStringLiteral("OpenRouter");
    Provider groq;
    groq.id = QStringLiteral("groq");
    groq.name = QStringLiteral("Groq");
    std::vector<Offering> offerings = {
        offering(QStringLiteral("openrouter"), QStringLiteral("openai/gpt-4o"), QStringLiteral("openai/gpt-4o"),
            perToken("0.0000025", "0.00001"), PriceSource::GenaiPrices),
        offering(QStringLiteral("openrouter"), QStringLiteral("anthropic/claude-x"),
            QStringLiteral("anthropic/claude-x"), perToken("0.000003", "0.000015"), PriceSource::GenaiPrices),
        offering(QStringLiteral("openrouter"), QStringLiteral("gone/retired"), QStringLiteral("gone/retired"),
            perToken("0.000001", "0.000002"), PriceSource::GenaiPrices),
        offering(QStringLiteral("openrouter"), QStringLiteral("free/thing"), QStringLiteral("free/thing"),
            perToken("0.0000001", "0.0000002"), PriceSource::OpenRouter),
        offering(QStringLiteral("groq"), QStringLiteral("llama-3.3-70b"), QStringLiteral("meta-llama/llama-3.3-70b"),
            perToken("0.00000059", "0.00000079"), PriceSource::GenaiPrices),
    };
    std::vector<Model> models = { model(QStringLiteral("openai/gpt-4o")), model(QStringLiteral("anthropic/claude-x")),
        model(QStringLiteral("gone/retired")), model(QStringLiteral("free/thing")),
        model(QStringLiteral("meta-llama/llama-3.3-70b")) };
    return std::make_shared<const Catalog>(std::vector<Provider> { openRouter, groq }, std::move(models),
        std::move(offerings), PriceBook(), CatalogInfo());
}

// Everything a refresh could change, as text.
QString fingerprint(const Catalog &catalog)
{
    QString text;
    for (const Provider &provider : catalog.providers())
        text += QStringLiteral("P %1 %2\n").arg(provider.id, provider.name);
    for (const Model &m : catalog.models())
        text += QStringLiteral("M %1 %2 %3\n").arg(m.id, m.name).arg(m.contextLength);
    for (const Offering &o : catalog.offerings())
        text += QStringLiteral("O %1 %2 %3 %4 %5 %6 %7\n")
                    .arg(o.providerId, o.providerModelId, o.modelId, QString::fromUtf8(priceScheduleToJson(o.price)),
                        priceSourceName(o.provenance.source), o.provenance.asOf.toString(Qt::ISODate))
                    .arg(o.contextLength);
    return text;
}

QByteArray modelJson(const char *id, const char *name, const char *prompt, const char *completion)
{
    return QByteArray(R"({"id": ")") + id + R"(", "name": ")" + name
        + R"(", "context_length": 200000, "created": 1735689600,
             "architecture": {"input_modalities": ["text", "image"], "output_modalities": ["text"]},
             "top_provider": {"context_length": 200000, "max_completion_tokens": 32000},
             "supported_parameters": ["tools", "temperature"],
             "pricing": {"prompt": ")"
        + prompt + R"(", "completion": ")" + completion + R"("}})";
}

QByteArray freshModels()
{
    return "{\"data\": [" + modelJson("openai/gpt-4o", "OpenAI: GPT-4o", "0.000003", "0.000012") + ", "
        + modelJson("anthropic/claude-x", "Anthropic: Claude X", "0.000002", "0.00001") + ", "
        + modelJson("free/thing", "Free: Thing", "0.0000001", "0.0000002") + ", "
        + modelJson("mistralai/brand-new-model", "Mistral: Brand New Model", "0.0000004", "0.000002") + "]}";
}

} // namespace

class TestRefresh : public QObject {
    Q_OBJECT

    std::shared_ptr<const Catalog> m_base;
    QString m_baseFingerprint;
    std::unique_ptr<LoopbackHttpServer> m_server;

    RefreshResult run(CatalogRefresher &refresher, const QUrl &url)
    {
        QSignalSpy finished(&refresher, &CatalogRefresher::finished);
        if (!refresher.start(url)) {
            QTest::qFail("start() refused", __FILE__, __LINE__);
            return {};
        }
        if (!finished.wait(10000)) {
            QTest::qFail("no finished() within 10 s", __FILE__, __LINE__);
            return {};
        }
        if (finished.wait(50)) // a second finished() would show here
            QTest::qFail("finished() more than once", __FILE__, __LINE__);
        return finished.first().first().value<RefreshResult>();
    }

    void expectFailure(const RefreshResult &result, const QString &code, const QString &text)
    {
        QVERIFY(!result.ok);
        QVERIFY(!result.catalog);
        QCOMPARE(result.error.code, code);
        QVERIFY2(result.error.message.contains(text), qPrintable(result.error.message));
        // The caller's catalog is exactly as it was.
        QCOMPARE(fingerprint(*m_base), m_baseFingerprint);
    }

private Q_SLOTS:
    void init()
    {
        m_base = baseCatalog();
        m_baseFingerprint = fingerprint(*m_base);
        m_server = std::make_unique<LoopbackHttpServer>();
        QVERIFY(m_server->listen());
    }

    void defaults()
    {
        QCOMPARE(CatalogRefresher::defaultUrl(), QUrl(QStringLiteral("https://openrouter.ai/api/v1/models")));
        CatalogRefresher refresher(m_base);
        QCOMPARE(refresher.timeout(), 30s);
        QCOMPARE(refresher.maxBytes(), qint64(32 * 1024 * 1024));
    }

    void successReportsTheDiff()
    {
        m_server->setResponse(LoopbackHttpServer::json(freshModels()));
        CatalogRefresher refresher(m_base);
        QSignalSpy progress(&refresher, &CatalogRefresher::progress);
        const QUrl url = m_server->url(QStringLiteral("/api/v1/models"));
        const RefreshResult result = run(refresher, url);
        QVERIFY2(result.ok, qPrintable(result.error.message));
        QVERIFY(result.catalog);
        QCOMPARE(result.url, url);
        QCOMPARE(result.bytes, qint64(freshModels().size()));
        QVERIFY(progress.count() >= 1);
        QCOMPARE(progress.last().at(0).toLongLong(), qlonglong(freshModels().size()));
        QVERIFY(m_server->requests().first().startsWith("GET /api/v1/models HTTP/1.1"));

        const CatalogDiff &diff = result.diff;
        QCOMPARE(diff.added, QStringList { QStringLiteral("mistralai/brand-new-model") });
        QCOMPARE(diff.removed, QStringList { QStringLiteral("gone/retired") });
        QCOMPARE(diff.unchanged, 1); // free/thing
        QCOMPARE(diff.priceChanges.size(), std::size_t(2));
        const PriceChange &down = diff.priceChanges[0];
        QCOMPARE(down.providerModelId, QStringLiteral("anthropic/claude-x"));
        QCOMPARE(down.kind, PriceChange::Kind::Down);
        QCOMPARE(*down.oldInput, money("0.000003"));
        QCOMPARE(*down.newInput, money("0.000002"));
        QCOMPARE(*down.oldOutput, money("0.000015"));
        QCOMPARE(*down.newOutput, money("0.00001"));
        const PriceChange &up = diff.priceChanges[1];
        QCOMPARE(up.providerModelId, QStringLiteral("openai/gpt-4o"));
        QCOMPARE(up.kind, PriceChange::Kind::Up);
        QCOMPARE(diff.count(PriceChange::Kind::Up), 1);
        QCOMPARE(diff.count(PriceChange::Kind::Down), 1);
        QCOMPARE(diff.summary(), QStringLiteral("1 new, 1 removed, 1 prices up, 1 down"));

        const Catalog &fresh = *result.catalog;
        const Offering *gpt = fresh.offering(QStringLiteral("openrouter"), QStringLiteral("openai/gpt-4o"));
        QVERIFY(gpt);
        QCOMPARE(gpt->modelId, QStringLiteral("openai/gpt-4o")); // canonical model kept
        QCOMPARE(gpt->price.pricesAt(QDateTime::currentDateTimeUtc())->find(units::outputTokens())->rate.base,
            money("0.000012"));
        QCOMPARE(gpt->provenance.source, PriceSource::OpenRouter);
        QCOMPARE(gpt->provenance.asOf, result.fetchedAt.date());
        QCOMPARE(gpt->maxOutput, qint64(32000));
        QVERIFY(gpt->traits.tools);
        QVERIFY(!fresh.offering(QStringLiteral("openrouter"), QStringLiteral("gone/retired")));
        QVERIFY(!fresh.model(QStringLiteral("gone/retired"))); // its only offering went

        const Offering *added
            = fresh.offering(QStringLiteral("openrouter"), QStringLiteral("mistralai/brand-new-model"));
        QVERIFY(added);
        QVERIFY(!added->modelId.isEmpty());
        QVERIFY(fresh.model(added->modelId));
        QCOMPARE(diff.newModels, QStringList { added->modelId });
        QCOMPARE(fresh.model(added->modelId)->name, QStringLiteral("Brand New Model"));

        // Other providers are copied as they were.
        const Offering *llama = fresh.offering(QStringLiteral("groq"), QStringLiteral("llama-3.3-70b"));
        QVERIFY(llama);
        QCOMPARE(llama->provenance.source, PriceSource::GenaiPrices);
        QCOMPARE(fresh.offerings().size(), std::size_t(5));
        QCOMPARE(fresh.info().report.openRouterUpdated, 3);
        QCOMPARE(fresh.info().report.openRouterAdded, 1);

        // ... and the catalog the refresher was given did not move.
        QCOMPARE(fingerprint(*m_base), m_baseFingerprint);
        QVERIFY(m_base->offering(QStringLiteral("openrouter"), QStringLiteral("gone/retired")));
    }

    void serverError()
    {
        m_server->setResponse(LoopbackHttpServer::json(R"({"error": "boom"})", 500, "Internal Server Error"));
        CatalogRefresher refresher(m_base);
        const RefreshResult result = run(refresher, m_server->url(QStringLiteral("/api/v1/models")));
        expectFailure(result, QStringLiteral("http-status"), QStringLiteral("HTTP 500 (Internal Server Error)"));
    }

    void notFound()
    {
        m_server->setResponse(LoopbackHttpServer::json("{}", 404, "Not Found"));
        CatalogRefresher refresher(m_base);
        expectFailure(run(refresher, m_server->url()), QStringLiteral("http-status"), QStringLiteral("HTTP 404"));
    }

    void redirectIsAnErrorNotFollowed()
    {
        m_server->setResponse(LoopbackHttpServer::redirect("http://169.254.169.254/latest/meta-data/"));
        CatalogRefresher refresher(m_base);
        expectFailure(run(refresher, m_server->url()), QStringLiteral("http-status"),
            QStringLiteral("redirect to http://169.254.169.254/latest/meta-data/, which Signalbox does not follow"));
        QCOMPARE(m_server->requestCount(), 1);
    }

    void timeout()
    {
        m_server->setSilent(true);
        CatalogRefresher refresher(m_base);
        refresher.setTimeout(300ms);
        QElapsedTimer elapsed;
        elapsed.start();
        const RefreshResult result = run(refresher, m_server->url());
        expectFailure(result, QStringLiteral("timeout"), QStringLiteral("timed out"));
        QVERIFY(elapsed.elapsed() >= 250);
        QCOMPARE(m_server->requestCount(), 1);
    }

    void totalTimeout()
    {
        m_server->setSilent(true);
        CatalogRefresher refresher(m_base);
        refresher.setTimeout(10s);
        refresher.setTotalTimeout(300ms);
        expectFailure(run(refresher, m_server->url()), QStringLiteral("timeout"), QStringLiteral("longer than"));
    }

    void malformedJson_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("problem");
        QTest::newRow("not JSON") << QByteArray("{\"data\": [") << QString();
        QTest::newRow("HTML") << QByteArray("<html><body>Bad gateway</body></html>") << QString();
        QTest::newRow("empty") << QByteArray() << QString();
        QTest::newRow("no data") << QByteArray(R"({"models": []})") << QStringLiteral("data");
        QTest::newRow("data not an array") << QByteArray(R"({"data": 5})") << QStringLiteral("data");
        QTest::newRow("price not a number")
            << QByteArray("{\"data\": [" + modelJson("a/b", "A: B", "cheap", "0.1") + "]}")
            << QStringLiteral("pricing.prompt");
        QTest::newRow("negative price") << QByteArray("{\"data\": [" + modelJson("a/b", "A: B", "-0.5", "0.1") + "]}")
                                        << QStringLiteral("negative");
    }
    void malformedJson()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, problem);
        m_server->setResponse(LoopbackHttpServer::json(body));
        CatalogRefresher refresher(m_base);
        const RefreshResult result = run(refresher, m_server->url());
        QVERIFY(!result.ok);
        QVERIFY(!result.catalog);
        QVERIFY2(result.error.message.contains(QStringLiteral("is not usable")), qPrintable(result.error.message));
        QVERIFY2(result.error.message.contains(problem), qPrintable(result.error.message));
        QVERIFY(!result.error.code.isEmpty());
        QCOMPARE(fingerprint(*m_base), m_baseFingerprint);
    }

    void connectionRefused()
    {
        // A port that was free a moment ago: bind, note it, close.
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        QUrl url = m_server->url();
        url.setPort(probe.serverPort());
        probe.close();
        CatalogRefresher refresher(m_base);
        expectFailure(
            run(refresher, url), QStringLiteral("connection-refused"), QStringLiteral("refused the connection"));
    }

    void tooLarge()
    {
        m_server->setResponse(LoopbackHttpServer::json(freshModels()));
        CatalogRefresher refresher(m_base);
        refresher.setMaxBytes(100);
        expectFailure(run(refresher, m_server->url()), QStringLiteral("too-large"), QStringLiteral("limit of 100"));
    }

    void forbiddenUrlIsNotFetched()
    {
        CatalogRefresher refresher(m_base);
        expectFailure(run(refresher, QUrl(QStringLiteral("http://169.254.169.254/latest/meta-data/"))),
            QStringLiteral("invalid-url"), QStringLiteral("never sends requests there"));
        expectFailure(run(refresher, QUrl(QStringLiteral("file:///etc/passwd"))), QStringLiteral("invalid-url"),
            QStringLiteral("http://"));
    }

    void hostNamesAreResolvedAndChecked()
    {
        // localhost resolves (from the hosts file) to loopback, which is allowed.
        m_server->setResponse(LoopbackHttpServer::json(freshModels()));
        QUrl url = m_server->url(QStringLiteral("/api/v1/models"));
        url.setHost(QStringLiteral("localhost"));
        CatalogRefresher refresher(m_base);
        const RefreshResult result = run(refresher, url);
        QVERIFY2(result.ok, qPrintable(result.error.message));
    }

    void oneRefreshAtATimeAndCancel()
    {
        m_server->setSilent(true);
        CatalogRefresher refresher(m_base);
        QSignalSpy finished(&refresher, &CatalogRefresher::finished);
        QVERIFY(refresher.start(m_server->url()));
        QVERIFY(refresher.isRunning());
        QVERIFY(!refresher.start(m_server->url()));
        QTRY_COMPARE(m_server->requestCount(), 1);
        refresher.cancel();
        QCOMPARE(finished.count(), 1);
        QVERIFY(!refresher.isRunning());
        const auto result = finished.first().first().value<RefreshResult>();
        QCOMPARE(result.error.code, QStringLiteral("cancelled"));
        QCOMPARE(fingerprint(*m_base), m_baseFingerprint);

        // Usable again afterwards.
        m_server->setSilent(false);
        m_server->setResponse(LoopbackHttpServer::json(freshModels()));
        QVERIFY(run(refresher, m_server->url()).ok);
    }

    void refreshingTwiceIsStable()
    {
        // The refreshed catalog is a fine base for the next refresh: the same
        // list again changes nothing.
        m_server->setResponse(LoopbackHttpServer::json(freshModels()));
        CatalogRefresher refresher(m_base);
        const RefreshResult first = run(refresher, m_server->url());
        QVERIFY(first.ok);
        refresher.setBaseCatalog(first.catalog);
        const RefreshResult second = run(refresher, m_server->url());
        QVERIFY(second.ok);
        QVERIFY2(second.diff.isEmpty(), qPrintable(second.diff.summary()));
        QCOMPARE(second.diff.unchanged, 4);
        QCOMPARE(fingerprint(*second.catalog), fingerprint(*first.catalog));
    }
};

QTEST_GUILESS_MAIN(TestRefresh)
#include "tst_refresh.moc"
