// The bundled catalog snapshot: it loads, holds what the public source files
// say, groups models canonically, and round-trips prices exactly. Checks
// against ../shared/catalog run when those files are present.

#include "engine/catalog/catalog.h"
#include "engine/catalog/merge.h"
#include "engine/catalog/pricecodec.h"
#include "engine/catalog/snapshot.h"
#include "engine/cost/units.h"
#include "tests/support/jsontext.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>

using namespace signalbox::engine;

namespace {

using signalbox::testing::json;

// The figures scripts/refresh-catalog.sh printed for models.dev 2025-09 and
// genai-prices 0.1.8 (docs/catalog.md). A refresh from newer files updates them.
constexpr int kProviders = 70;
constexpr int kModels = 1009;
constexpr int kOfferings = 2068;
constexpr int kMatched = 281;
constexpr int kOnlyInModelsDev = 406;
constexpr int kOnlyInGenai = 1381;
constexpr int kDisagreements = 53;

QString sharedFile(const char *name)
{
    return QDir(QStringLiteral(SIGNALBOX_SHARED_CATALOG_DIR)).filePath(QString::fromLatin1(name));
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

Money perMtok(const char *usd)
{
    return Money::parse(usd)->dividedBy(1000000);
}

const PriceSet *pricesAt(const Offering &offering, int hourUtc)
{
    return offering.price.pricesAt(QDateTime(QDate(2026, 9, 23), QTime(hourUtc, 0), QTimeZone::utc()));
}

// The rate at that hour, or -1 nanodollar (no real price) when there is none.
Money rateAt(const Offering &offering, int hourUtc, UnitId unit)
{
    const PriceSet *prices = pricesAt(offering, hourUtc);
    const UnitPrice *price = prices ? prices->find(unit) : nullptr;
    return price ? price->rate.base : Money::fromNanos(-1);
}

// Empty fallbacks: a missing entry fails the comparisons that follow.
const Provider &providerOf(const Catalog &catalog, const QString &id)
{
    static const Provider none;
    const Provider *found = catalog.provider(id);
    return found ? *found : none;
}

const Model &modelOf(const Catalog &catalog, const QString &id)
{
    static const Model none;
    const Model *found = catalog.model(id);
    return found ? *found : none;
}

} // namespace

class TestCatalogSnapshot : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QElapsedTimer timer;
        timer.start();
        auto loaded = Catalog::loadBundled();
        QVERIFY2(loaded.ok(), qPrintable(loaded.ok() ? QString() : loaded.error().message));
        qInfo("bundled catalog loaded in %lld ms (bench/catalog measures it properly)",
              static_cast<long long>(timer.elapsed()));
        m_catalog = std::move(loaded).value();
        m_haveSources = QFile::exists(sharedFile("models-dev-2025-09.json"))
            && QFile::exists(sharedFile("genai-prices-0.1.8.json"));
    }

    void documentedCounts()
    {
        QCOMPARE(int(m_catalog.providers().size()), kProviders);
        QCOMPARE(int(m_catalog.models().size()), kModels);
        QCOMPARE(int(m_catalog.offerings().size()), kOfferings);
        const CatalogInfo &info = m_catalog.info();
        QCOMPARE(info.modelsDevSource, QStringLiteral("models-dev-2025-09.json"));
        QCOMPARE(info.genaiSource, QStringLiteral("genai-prices-0.1.8.json"));
        QCOMPARE(info.genaiVersion, QStringLiteral("0.1.8"));
        QCOMPARE(info.genaiDate, QDate(2026, 9, 23));
        QCOMPARE(info.modelsDevNewest, QDate(2025, 9, 11));
        const MergeReport &r = info.report;
        QCOMPARE(r.modelsDevOfferings, 687);
        QCOMPARE(r.genaiEntries, 1694);
        QCOMPARE(r.matched, kMatched);
        QCOMPARE(r.onlyInModelsDev, kOnlyInModelsDev);
        QCOMPARE(r.onlyInGenai, kOnlyInGenai);
        QCOMPARE(int(r.disagreements.size()), kDisagreements);
        QCOMPARE(r.providers, kProviders);
        QCOMPARE(r.models, kModels);
        QCOMPARE(r.offerings, kOfferings);
    }

    // The report's figures add up against the offerings themselves.
    void reportAddsUp()
    {
        const MergeReport &r = m_catalog.info().report;
        QCOMPARE(r.matched + r.onlyInModelsDev, r.modelsDevOfferings);
        QCOMPARE(r.matched + r.onlyInModelsDev + r.onlyInGenai, r.offerings);
        int genai = 0, modelsDev = 0, unknown = 0;
        for (const Offering &offering : m_catalog.offerings()) {
            QVERIFY(m_catalog.provider(offering.providerId));
            QVERIFY(m_catalog.model(offering.modelId));
            if (!offering.price.isKnown())
                ++unknown;
            else if (offering.provenance.source == PriceSource::GenaiPrices)
                ++genai;
            else if (offering.provenance.source == PriceSource::ModelsDev)
                ++modelsDev;
            QVERIFY(offering.provenance.asOf.isValid() || !offering.price.isKnown());
        }
        QCOMPARE(genai, r.matched + r.onlyInGenai);
        QCOMPARE(modelsDev + unknown, r.onlyInModelsDev);
        QCOMPARE(unknown, r.onlyInModelsDevUnpriced);
        int offerings = 0;
        for (const Model &model : m_catalog.models())
            offerings += int(m_catalog.offeringsOf(model.id).size());
        QCOMPARE(offerings, r.offerings);
    }

    // Counted here straight from the source files, without the importers.
    void countsMatchTheSources()
    {
        if (!m_haveSources)
            QSKIP("../shared/catalog is not present");
        const QJsonObject modelsDev = QJsonDocument::fromJson(readAll(sharedFile("models-dev-2025-09.json"))).object();
        const QJsonArray genai = QJsonDocument::fromJson(readAll(sharedFile("genai-prices-0.1.8.json"))).array();
        int modelsDevOfferings = 0;
        for (auto it = modelsDev.begin(); it != modelsDev.end(); ++it) {
            QVERIFY2(m_catalog.provider(it.key()), qPrintable(it.key()));
            modelsDevOfferings += int(it.value()[QLatin1StringView("models")].toObject().size());
        }
        int genaiEntries = 0;
        QSet<QString> priceBookIds;
        for (const Provider &provider : m_catalog.providers())
            priceBookIds.insert(provider.priceBookId);
        for (const QJsonValue &provider : genai) {
            genaiEntries += int(provider[QLatin1StringView("models")].toArray().size());
            QVERIFY(priceBookIds.contains(provider[QLatin1StringView("id")].toString()));
        }
        QCOMPARE(modelsDev.size(), 47);
        QCOMPARE(modelsDevOfferings, 687);
        QCOMPARE(genai.size(), 43);
        QCOMPARE(genaiEntries, 1694);
        QCOMPARE(m_catalog.info().report.modelsDevOfferings, modelsDevOfferings);
        QCOMPARE(m_catalog.info().report.genaiEntries, genaiEntries);
        QCOMPARE(int(m_catalog.priceBook().entryCount()), genaiEntries);
        QCOMPARE(int(m_catalog.priceBook().providers().size()), int(genai.size()));
    }

    // The committed snapshot is what the converter makes of the source files
    // and resources/catalog/*.json today: byte for byte.
    void snapshotIsCurrent()
    {
        if (!m_haveSources)
            QSKIP("../shared/catalog is not present");
        CatalogSourceFiles files;
        files.modelsDev = sharedFile("models-dev-2025-09.json");
        files.genaiPrices = sharedFile("genai-prices-0.1.8.json");
        files.genaiVersion = QStringLiteral("0.1.8");
        files.genaiDate = QDate(2026, 9, 23);
        auto built = buildCatalog(files);
        QVERIFY2(built.ok(), qPrintable(built.ok() ? QString() : built.error().message));
        const QByteArray fresh = writeSnapshot(built->catalog, built->genaiJson);
        QVERIFY2(fresh == readAll(QString::fromLatin1(kBundledSnapshotPath)),
                 "resources/catalog/catalog.sbcat is stale: run scripts/refresh-catalog.sh");
    }

    void spotPrices_data()
    {
        QTest::addColumn<QString>("provider");
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("unit");
        QTest::addColumn<QByteArray>("usdPerMillion");
        QTest::addColumn<PriceSource>("source");
        QTest::addColumn<QDate>("asOf");
        const QDate genai(2026, 9, 23);
        const auto row = [](const char *name, const char *provider, const char *model, const char *unit,
                            const char *usd, PriceSource source, QDate asOf) {
            QTest::newRow(name) << QString::fromUtf8(provider) << QString::fromUtf8(model) << QString::fromUtf8(unit)
                                << QByteArray(usd) << source << asOf;
        };
        // genai-prices only (newer than the models.dev file).
        row("sonnet 4.5 input", "anthropic", "claude-sonnet-4-5", "input_tokens", "3", PriceSource::GenaiPrices, genai);
        row("sonnet 4.5 output", "anthropic", "claude-sonnet-4-5", "output_tokens", "15", PriceSource::GenaiPrices,
            genai);
        row("sonnet 4.5 cache read", "anthropic", "claude-sonnet-4-5", "cache_read_tokens", "0.3",
            PriceSource::GenaiPrices, genai);
        // In both: genai-prices wins.
        row("sonnet 3.7", "anthropic", "claude-3-7-sonnet-20250219", "input_tokens", "3", PriceSource::GenaiPrices,
            genai);
        row("bedrock sonnet 3.7", "amazon-bedrock", "anthropic.claude-3-7-sonnet-20250219-v1:0", "output_tokens", "15",
            PriceSource::GenaiPrices, genai);
        row("openrouter gpt-oss", "openrouter", "openai/gpt-oss-120b", "input_tokens", "0.039",
            PriceSource::GenaiPrices, genai);
        row("openrouter gpt-oss out", "openrouter", "openai/gpt-oss-120b", "output_tokens", "0.18",
            PriceSource::GenaiPrices, genai);
        row("cerebras gpt-oss", "cerebras", "gpt-oss-120b", "input_tokens", "0.35", PriceSource::GenaiPrices, genai);
        row("cloudflare by name", "cloudflare-workers-ai", "@cf/openai/gpt-oss-120b", "input_tokens", "0.35",
            PriceSource::GenaiPrices, genai);
        // models.dev only, as of the model's last_updated.
        row("chutes gpt-oss", "chutes", "openai/gpt-oss-120b", "input_tokens", "0.1", PriceSource::ModelsDev,
            QDate(2025, 8, 5));
        row("chutes gpt-oss out", "chutes", "openai/gpt-oss-120b", "output_tokens", "0.41", PriceSource::ModelsDev,
            QDate(2025, 8, 5));
    }

    void spotPrices()
    {
        QFETCH(QString, provider);
        QFETCH(QString, model);
        QFETCH(QString, unit);
        QFETCH(QByteArray, usdPerMillion);
        QFETCH(PriceSource, source);
        QFETCH(QDate, asOf);
        const Offering *offering = m_catalog.offering(provider, model);
        QVERIFY2(offering, qPrintable(provider + QLatin1Char('/') + model));
        QCOMPARE(offering->provenance.source, source);
        QCOMPARE(offering->provenance.asOf, asOf);
        const PriceSet *prices = pricesAt(*offering, 12);
        QVERIFY(prices);
        const UnitPrice *price = prices->find(unitByUsageKey(unit));
        QVERIFY(price);
        QCOMPARE(price->rate.base, perMtok(usdPerMillion.constData()));
    }

    void pricingRules()
    {
        // Tiered at 200k prompt tokens.
        const Offering *sonnet = m_catalog.offering(QStringLiteral("anthropic"), QStringLiteral("claude-sonnet-4-5"));
        QVERIFY(sonnet);
        QCOMPARE(sonnet->provenance.entryId, QStringLiteral("anthropic/claude-sonnet-4-5"));
        const UnitPrice *input = sonnet->price.variants.front().prices.find(units::inputTokens());
        QVERIFY(input);
        QCOMPARE(input->rate.rateFor(200000), perMtok("3"));
        QCOMPARE(input->rate.rateFor(200001), perMtok("6"));
        QCOMPARE(modelOf(m_catalog, sonnet->modelId).authorCountry, QStringLiteral("US"));

        // A different price by time of day (UTC).
        const Offering *chat = m_catalog.offering(QStringLiteral("deepseek"), QStringLiteral("deepseek-chat"));
        QVERIFY(chat);
        QCOMPARE(rateAt(*chat, 12, units::inputTokens()), perMtok("0.27"));
        QCOMPARE(rateAt(*chat, 20, units::inputTokens()), perMtok("0.135"));

        // OpenRouter's ":free" variants: known, and free.
        const Offering *free = m_catalog.offering(QStringLiteral("openrouter"), QStringLiteral("openai/gpt-oss-120b:free"));
        QVERIFY(free);
        QVERIFY(free->price.isKnown());
        const PriceSet *freePrices = pricesAt(*free, 12);
        QVERIFY(freePrices && freePrices->isEmpty());
        QCOMPARE(free->modelId, QStringLiteral("openai/gpt-oss-120b"));

        // Neither source has a price: unknown, never $0.
        const Offering *copilot = m_catalog.offering(QStringLiteral("cloudflare-workers-ai"),
                                                     QStringLiteral("@cf/meta/llama-3.1-70b-instruct"));
        QVERIFY(copilot);
        QVERIFY(!copilot->price.isKnown());
    }

    void disagreementsAreReported()
    {
        bool found = false;
        for (const PriceDisagreement &d : m_catalog.info().report.disagreements) {
            if (d.providerId == QLatin1StringView("cerebras") && d.providerModelId == QLatin1StringView("gpt-oss-120b")) {
                found = true;
                QCOMPARE(d.modelsDevInput, perMtok("0.25"));
                QCOMPARE(d.modelsDevOutput, perMtok("0.69"));
                QCOMPARE(d.genaiInput, perMtok("0.35"));
                QCOMPARE(d.genaiOutput, perMtok("0.75"));
            }
        }
        QVERIFY(found);
    }

    // gpt-oss-120b under every spelling its providers use is one model.
    void gptOssIsOneModel()
    {
        const QString id = QStringLiteral("openai/gpt-oss-120b");
        const Model *model = m_catalog.model(id);
        QVERIFY(model);
        QCOMPARE(model->name, QStringLiteral("GPT OSS 120B"));
        QCOMPARE(model->author, QStringLiteral("openai"));
        QCOMPARE(model->authorCountry, QStringLiteral("US"));
        QCOMPARE(model->authorCountryName, QStringLiteral("United States"));
        QVERIFY(model->traits.known && model->traits.openWeights && model->traits.tools && model->traits.reasoning);
        QCOMPARE(model->contextLength, qint64(131072));

        QSet<QString> providers;
        for (const Offering *offering : m_catalog.offeringsOf(id))
            providers.insert(offering->providerId);
        const QStringList modelsDevProviders = {
            QStringLiteral("cerebras"),   QStringLiteral("chutes"),       QStringLiteral("cloudflare-workers-ai"),
            QStringLiteral("fastrouter"), QStringLiteral("fireworks-ai"), QStringLiteral("groq"),
            QStringLiteral("openrouter"), QStringLiteral("submodel"),     QStringLiteral("synthetic"),
            QStringLiteral("togetherai"), QStringLiteral("vercel"),
        };
        for (const QString &provider : modelsDevProviders)
            QVERIFY2(providers.contains(provider), qPrintable(provider));
        QVERIFY(providers.contains(QStringLiteral("amazon-bedrock")));  // "openai.gpt-oss-120b-1:0", from genai-prices
        QCOMPARE(m_catalog.providerCount(id), int(providers.size()));
        QVERIFY(m_catalog.providerCount(id) >= 20);
        QVERIFY(m_catalog.offering(QStringLiteral("fireworks-ai"),
                                   QStringLiteral("accounts/fireworks/models/gpt-oss-120b")));
        QVERIFY(m_catalog.offering(QStringLiteral("synthetic"), QStringLiteral("hf:openai/gpt-oss-120b")));

        if (!m_haveSources)
            return;
        // Every models.dev offering named "GPT OSS 120B" landed in this model.
        const QJsonObject modelsDev = QJsonDocument::fromJson(readAll(sharedFile("models-dev-2025-09.json"))).object();
        int named = 0;
        for (auto provider = modelsDev.begin(); provider != modelsDev.end(); ++provider) {
            const QJsonObject models = provider.value()[QLatin1StringView("models")].toObject();
            for (auto it = models.begin(); it != models.end(); ++it) {
                const QString name = it.value()[QLatin1StringView("name")].toString();
                if (name != QLatin1StringView("GPT OSS 120B") && !name.endsWith(QLatin1StringView("/gpt-oss-120b")))
                    continue;
                ++named;
                QVERIFY2(providers.contains(provider.key()), qPrintable(provider.key()));
            }
        }
        QCOMPARE(named, 11);
    }

    void lookups()
    {
        const Provider *bedrock = m_catalog.provider(QStringLiteral("amazon-bedrock"));
        QVERIFY(bedrock);
        QCOMPARE(bedrock->priceBookId, QStringLiteral("aws"));
        QCOMPARE(providerOf(m_catalog, QStringLiteral("xai")).priceBookId, QStringLiteral("x-ai"));
        QCOMPARE(providerOf(m_catalog, QStringLiteral("togetherai")).priceBookId, QStringLiteral("together"));
        QCOMPARE(providerOf(m_catalog, QStringLiteral("anthropic")).dialect, ApiDialect::Anthropic);
        QCOMPARE(providerOf(m_catalog, QStringLiteral("groq")).baseUrl, QStringLiteral("https://api.groq.com/openai/v1"));
        QVERIFY(m_catalog.provider(QStringLiteral("cohere")));  // genai-prices only
        QCOMPARE(providerOf(m_catalog, QStringLiteral("cohere")).priceBookId, QStringLiteral("cohere"));

        const auto match = m_catalog.findPrice(QStringLiteral("amazon-bedrock"),
                                               QStringLiteral("anthropic.claude-3-7-sonnet-20250219-v1:0"));
        QVERIFY(match && match->entry);
        const auto anthropic = m_catalog.offeringsOfProvider(QStringLiteral("anthropic"));
        QVERIFY(!anthropic.empty());
        for (const Offering *offering : anthropic)
            QCOMPARE(offering->providerId, QStringLiteral("anthropic"));
        QVERIFY(m_catalog.offeringsOf(QStringLiteral("no/such-model")).empty());
    }

    void priceCodecRoundTrips_data()
    {
        QTest::addColumn<Money>("money");
        QTest::newRow("zero") << Money();
        QTest::newRow("attos") << Money::fromAttos(37500000000);
        QTest::newRow("dollars") << Money::fromNanosAndAttos(15000000000, 1);
        QTest::newRow("negative") << -Money::fromNanosAndAttos(3, 999999999);
    }

    void priceCodecRoundTrips()
    {
        QFETCH(Money, money);
        PriceSchedule schedule;
        PriceSchedule::Variant always;
        UnitPrice input{units::inputTokens(), TieredRate{money, {{200000, money + Money::fromNanos(1)}}}};
        always.prices.prices = {input, UnitPrice{units::cacheWrite1hTokens(), TieredRate{money, {}}}};
        PriceSchedule::Variant night{PriceCondition{PriceCondition::Kind::TimeOfDay, {}, 16 * 3600 + 1800, 1800}, {}};
        PriceSchedule::Variant later{PriceCondition{PriceCondition::Kind::FromDate, QDate(2026, 3, 13), 0, 0}, {}};
        later.prices.prices = {UnitPrice{units::requests(), TieredRate{money, {}}}};
        schedule.variants = {always, night, later};

        QByteArray bytes;
        {
            QDataStream out(&bytes, QIODevice::WriteOnly);
            writePriceSchedule(out, schedule);
        }
        QDataStream in(bytes);
        PriceSchedule read;
        QVERIFY(readPriceSchedule(in, read));
        QCOMPARE(read.variants.size(), std::size_t(3));
        const UnitPrice &price = read.variants[0].prices.prices[0];
        QCOMPARE(price.unit, units::inputTokens());
        QCOMPARE(price.rate.base, money);
        QCOMPARE(price.rate.tiers.at(0).start, qint64(200000));
        QCOMPARE(price.rate.tiers.at(0).rate, money + Money::fromNanos(1));
        QCOMPARE(read.variants[0].prices.prices[1].unit, units::cacheWrite1hTokens());
        QCOMPARE(read.variants[1].condition.kind, PriceCondition::Kind::TimeOfDay);
        QCOMPARE(read.variants[1].condition.startSecond, 16 * 3600 + 1800);
        QCOMPARE(read.variants[1].condition.endSecond, 1800);
        QVERIFY(read.variants[1].prices.isEmpty());
        QCOMPARE(read.variants[2].condition.startDate, QDate(2026, 3, 13));
        QCOMPARE(read.variants[2].prices.prices[0].unit, units::requests());

        // A truncated stream is refused, not half-read.
        QDataStream truncated(bytes.left(bytes.size() - 3));
        PriceSchedule partial;
        QVERIFY(!readPriceSchedule(truncated, partial));
    }

    void snapshotRoundTrips()
    {
        const QByteArray genai = json("[{'id': 'acme', 'name': 'Acme', 'api_pattern': 'https://api\\\\.acme\\\\.test',\n"
    "            'models': [{'id': 'a-1', 'match': {'equals': 'a-1'}, 'prices': {'input_mtok': 1}}]}]");
        Provider provider{QStringLiteral("acme"), QStringLiteral("Acme"), QStringLiteral("https://api.acme.test/v1"),
                          ApiDialect::Anthropic, {QStringLiteral("ACME_KEY")}, QStringLiteral("https://acme.test"),
                          {QStringLiteral("no-training")}, QStringLiteral("acme")};
        Model model;
        model.id = QStringLiteral("acme/a-1");
        model.name = QStringLiteral("A 1");
        model.author = QStringLiteral("acme");
        model.authorCountry = QStringLiteral("FR");
        model.traits = ModelTraits{true, Modality::Text | Modality::Image, Modality::Text, true, false, true, true, false};
        model.contextLength = 128000;
        model.releaseDate = QDate(2025, 1, 2);
        model.knowledgeCutoff = QStringLiteral("2024-10");
        Offering offering;
        offering.providerId = provider.id;
        offering.providerModelId = QStringLiteral("a-1");
        offering.modelId = model.id;
        offering.name = QStringLiteral("A One");
        offering.contextLength = 128000;
        offering.maxOutput = 4096;
        offering.traits = model.traits;
        offering.deprecated = true;
        offering.price.variants.push_back({PriceCondition{}, PriceSet{{UnitPrice{units::inputTokens(),
                                                                                  TieredRate{Money::fromNanos(1000), {}}}}}});
        offering.provenance = PriceProvenance{PriceSource::User, QDate(2026, 1, 1), QStringLiteral("mine")};
        CatalogInfo info;
        info.genaiVersion = QStringLiteral("0.1.8");
        info.report.matched = 7;
        info.report.genaiOnlyProviders = {QStringLiteral("solo")};
        info.report.disagreements.push_back(
            PriceDisagreement{provider.id, offering.providerModelId, QStringLiteral("acme/a-1"), Money::fromNanos(1),
                              Money::fromNanos(2), Money::fromNanos(3), Money::fromNanos(4)});
        const Catalog catalog({provider}, {model}, {offering}, PriceBook::fromGenaiPricesJson(genai).value(), info);

        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("catalog.sbcat"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(writeSnapshot(catalog, genai));
        file.close();
        auto read = readSnapshot(readAll(path));
        QVERIFY2(read.ok(), qPrintable(read.ok() ? QString() : read.error().message));
        const Catalog &back = read.value();
        const Provider *p = back.provider(QStringLiteral("acme"));
        QVERIFY(p);
        QCOMPARE(p->dialect, ApiDialect::Anthropic);
        QCOMPARE(p->keyEnv, provider.keyEnv);
        QCOMPARE(p->dataPolicy, provider.dataPolicy);
        const Model *m = back.model(model.id);
        QVERIFY(m);
        QCOMPARE(m->traits, model.traits);
        QCOMPARE(m->releaseDate, model.releaseDate);
        QCOMPARE(m->knowledgeCutoff, model.knowledgeCutoff);
        const Offering *o = back.offering(QStringLiteral("acme"), QStringLiteral("a-1"));
        QVERIFY(o);
        QVERIFY(o->deprecated);
        QCOMPARE(o->maxOutput, qint64(4096));
        QCOMPARE(o->provenance.source, PriceSource::User);
        QCOMPARE(o->provenance.entryId, QStringLiteral("mine"));
        QCOMPARE(o->price.variants.front().prices.prices.front().rate.base, Money::fromNanos(1000));
        QCOMPARE(back.info().report.matched, 7);
        QCOMPARE(back.info().report.genaiOnlyProviders, info.report.genaiOnlyProviders);
        QCOMPARE(back.info().report.disagreements.front().genaiOutput, Money::fromNanos(4));
        QCOMPARE(back.priceBook().entryCount(), std::size_t(1));
        QVERIFY(back.findPrice(QStringLiteral("acme"), QStringLiteral("a-1")));
    }

    void damagedSnapshots_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("code");
        const QByteArray good = readAll(QString::fromLatin1(kBundledSnapshotPath));
        QByteArray newer = good;
        newer[7] = char(99);  // the format version's low byte
        QByteArray flipped = good;
        flipped[flipped.size() / 2] = char(flipped[flipped.size() / 2] ^ 0x5a);
        QTest::newRow("empty") << QByteArray() << QStringLiteral("not-a-catalog");
        QTest::newRow("json") << json("{'providers': []}") << QStringLiteral("not-a-catalog");
        QTest::newRow("newer format") << newer << QStringLiteral("newer-catalog");
        QTest::newRow("truncated") << good.left(good.size() / 2) << QStringLiteral("damaged-catalog");
        QTest::newRow("corrupted") << flipped << QStringLiteral("damaged-catalog");
    }

    void damagedSnapshots()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, code);
        auto read = readSnapshot(bytes);
        QVERIFY(!read.ok());
        QCOMPARE(read.error().code, code);
    }

private:
    Catalog m_catalog;
    bool m_haveSources = false;
};

QTEST_GUILESS_MAIN(TestCatalogSnapshot)
#include "tst_catalogsnapshot.moc"
