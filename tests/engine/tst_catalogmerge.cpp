// Merging models.dev, genai-prices and OpenRouter on small hand-made inputs:
// which price wins, what becomes an offering, how providers map, what the
// report counts.

#include "engine/catalog/merge.h"
#include "engine/catalog/snapshot.h"
#include "engine/cost/units.h"
#include "tests/support/jsontext.h"

#include <QFile>
#include <QTest>

using namespace signalbox::engine;

namespace {

using signalbox::testing::json;

const char kModelsDev[] = "{"
    "  'acme': { 'id': 'acme', 'name': 'Acme', 'env': ['ACME_API_KEY'], 'models': {"
    "    'acme-1': { 'id': 'acme-1', 'name': 'Acme 1', 'tool_call': true, 'release_date': '2025-02-01',"
    "      'last_updated': '2025-02-01', 'knowledge': '2024-12',"
    "      'modalities': { 'input': ['text', 'image'], 'output': ['text'] },"
    "      'cost': { 'input': 1, 'output': 2 }, 'limit': { 'context': 64000, 'output': 8000 } },"
    "    'acme-2': { 'id': 'acme-2', 'name': 'Acme 2', 'last_updated': '2025-03-01',"
    "      'cost': { 'input': 5, 'output': 10 }, 'limit': { 'context': 32000, 'output': 4000 } },"
    "    'acme-legacy': { 'id': 'acme-legacy', 'name': 'Acme Legacy', 'last_updated': '2024-01-15',"
    "      'cost': { 'input': 9, 'output': 9 }, 'limit': { 'context': 8000, 'output': 1000 } } } },"
    "  'acmecloud-eu': { 'id': 'acmecloud-eu', 'name': 'Acme Cloud EU', 'models': {"
    "    'acme-1': { 'id': 'acme-1', 'name': 'Acme 1 (EU)', 'cost': { 'input': 1, 'output': 2 },"
    "      'limit': { 'context': 128000, 'output': 8000 } } } },"
    "  'host': { 'id': 'host', 'name': 'Host', 'api': 'https://host.test/v1', 'models': {"
    "    'acme/acme-1': { 'id': 'acme/acme-1', 'name': 'Acme 1', 'tool_call': false, 'release_date': '2025-01-20',"
    "      'cost': { 'input': 1.5, 'output': 3 }, 'limit': { 'context': 64000, 'output': 8000 } },"
    "    'mystery-9b': { 'id': 'mystery-9b', 'name': 'Mystery 9B', 'limit': { 'context': 4096, 'output': 1024 } } } }"
    "}";

const char kGenai[] = "["
    "  { 'id': 'acme', 'name': 'Acme Inc', 'api_pattern': 'https://api\\\\.acme\\\\.test', 'models': ["
    "    { 'id': 'acme-1', 'name': 'Acme One', 'match': { 'equals': 'acme-1' },"
    "      'prices': { 'input_mtok': 1, 'output_mtok': 2 } },"
    "    { 'id': 'acme-2', 'match': { 'starts_with': 'acme-2' }, 'prices': { 'input_mtok': 4, 'output_mtok': 8 } },"
    "    { 'id': 'acme-3', 'name': 'Acme Three', 'match': { 'equals': 'Acme-3' }, 'context_window': 100000,"
    "      'prices': { 'input_mtok': { 'base': 2, 'tiers': [ { 'start': 50000, 'price': 4 } ] }, 'output_mtok': 6 } } ] },"
    "  { 'id': 'solo', 'name': 'Solo', 'api_pattern': 'https://api\\\\.solo\\\\.test(?:/|$)', 'models': ["
    "    { 'id': 'acme-1', 'match': { 'equals': 'acme-1' }, 'prices': { 'input_mtok': 0.9, 'output_mtok': 1.8 } },"
    "    { 'id': 'acme-1:free', 'match': { 'equals': 'acme-1:free' }, 'prices': {} } ] },"
    "  { 'id': 'openrouter', 'name': 'OpenRouter', 'api_pattern': 'https://(api\\\\.)?openrouter\\\\.ai', 'models': ["
    "    { 'id': 'openai/gpt-oss-120b', 'match': { 'equals': 'openai/gpt-oss-120b' },"
    "      'prices': { 'input_mtok': 0.05, 'output_mtok': 0.25 } } ] }"
    "]";

const char kProviders[] = "{ 'providers': {\n"
    "  'acme': { 'genaiPrices': 'acme', 'primary': true, 'author': 'acme', 'dialect': 'anthropic',\n"
    "            'baseUrl': 'https://api.acme.test/v1' },\n"
    "  'acmecloud-eu': { 'genaiPrices': 'acme' },\n"
    "  'openrouter': { 'genaiPrices': 'openrouter' },\n"
    "  'solo': { 'baseUrl': 'https://api.solo.test/v2', 'env': ['SOLO_KEY'] }\n"
    "} }";

const char kOrigins[] = "{ 'countries': { 'FR': 'France', 'US': 'United States' }, 'authors': {\n"
    "  'acme': { 'name': 'Acme Inc', 'country': 'FR', 'families': ['acme-'] },\n"
    "  'openai': { 'name': 'OpenAI', 'country': 'US', 'families': ['gpt-'] } } }";

const QDate kGenaiDate(2026, 9, 23);

Money perMtok(double usd)
{
    return Money::fromDouble(usd)->dividedBy(1000000);
}

const UnitPrice *priceOf(const Offering &offering, UnitId unit)
{
    return offering.price.isKnown() ? offering.price.variants.front().prices.find(unit) : nullptr;
}

// The first variant's rate, or -1 nanodollar (no real price) when there is none.
Money rateOf(const Offering &offering, UnitId unit)
{
    const UnitPrice *price = priceOf(offering, unit);
    return price ? price->rate.base : Money::fromNanos(-1);
}

// Empty fallbacks: a missing entry fails the comparisons that follow.
const Provider &providerOf(const Catalog &catalog, const QString &id)
{
    static const Provider none;
    const Provider *found = catalog.provider(id);
    return found ? *found : none;
}

const Offering &offeringOf(const Catalog &catalog, const QString &provider, const QString &model)
{
    static const Offering none;
    const Offering *found = catalog.offering(provider, model);
    return found ? *found : none;
}

MergeInputs inputs(const QByteArray &modelsDev, const QByteArray &providers)
{
    MergeInputs in;
    in.modelsDev = importModelsDev(modelsDev).value();
    in.genaiJson = json(kGenai);
    in.priceBook = PriceBook::fromGenaiPricesJson(in.genaiJson).value();
    in.genaiVersion = QStringLiteral("0.1.8");
    in.genaiDate = kGenaiDate;
    in.directory = ProviderDirectory::fromJson(providers).value();
    in.naming = ModelNaming::fromJson(json(kOrigins), json("{'aliases': {}}")).value();
    return in;
}

} // namespace

class TestCatalogMerge : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        auto merged = mergeCatalog(inputs(json(kModelsDev), json(kProviders)));
        QVERIFY2(merged.ok(), qPrintable(merged.ok() ? QString() : merged.error().message));
        m_catalog = std::move(merged).value();
    }

    void providers()
    {
        QCOMPARE(m_catalog.providers().size(), std::size_t(5));
        const Provider *acme = m_catalog.provider(QStringLiteral("acme"));
        QVERIFY(acme);
        QCOMPARE(acme->priceBookId, QStringLiteral("acme"));
        QCOMPARE(acme->dialect, ApiDialect::Anthropic);
        QCOMPARE(acme->baseUrl, QStringLiteral("https://api.acme.test/v1"));
        QCOMPARE(acme->keyEnv, QStringList{QStringLiteral("ACME_API_KEY")});
        QCOMPARE(providerOf(m_catalog, QStringLiteral("acmecloud-eu")).priceBookId, QStringLiteral("acme"));
        QCOMPARE(providerOf(m_catalog, QStringLiteral("host")).priceBookId, QString());
        QCOMPARE(providerOf(m_catalog, QStringLiteral("host")).baseUrl, QStringLiteral("https://host.test/v1"));
        // Known only to genai-prices: added, completed from providers.json.
        const Provider *solo = m_catalog.provider(QStringLiteral("solo"));
        QVERIFY(solo);
        QCOMPARE(solo->name, QStringLiteral("Solo"));
        QCOMPARE(solo->baseUrl, QStringLiteral("https://api.solo.test/v2"));
        QCOMPARE(solo->keyEnv, QStringList{QStringLiteral("SOLO_KEY")});
        QVERIFY(!m_catalog.provider(QStringLiteral("nobody")));
    }

    void pricesAndProvenance()
    {
        // In both sources: genai-prices' price, as of its date.
        const Offering *acme1 = m_catalog.offering(QStringLiteral("acme"), QStringLiteral("acme-1"));
        QVERIFY(acme1);
        QCOMPARE(acme1->provenance.source, PriceSource::GenaiPrices);
        QCOMPARE(acme1->provenance.asOf, kGenaiDate);
        QCOMPARE(acme1->provenance.entryId, QStringLiteral("acme/acme-1"));
        QCOMPARE(rateOf(*acme1, units::inputTokens()), perMtok(1));
        QCOMPARE(acme1->contextLength, qint64(64000));  // limits stay models.dev's
        QVERIFY(acme1->traits.tools);

        const Offering *acme2 = m_catalog.offering(QStringLiteral("acme"), QStringLiteral("acme-2"));
        QVERIFY(acme2);
        QCOMPARE(rateOf(*acme2, units::inputTokens()), perMtok(4));
        QCOMPARE(rateOf(*acme2, units::outputTokens()), perMtok(8));

        // A second provider mapped to the same genai-prices id shares its prices.
        const Offering *eu = m_catalog.offering(QStringLiteral("acmecloud-eu"), QStringLiteral("acme-1"));
        QVERIFY(eu);
        QCOMPARE(eu->provenance.source, PriceSource::GenaiPrices);

        // Only in models.dev: its price, as of the model's last_updated.
        const Offering *legacy = m_catalog.offering(QStringLiteral("acme"), QStringLiteral("acme-legacy"));
        QVERIFY(legacy);
        QCOMPARE(legacy->provenance.source, PriceSource::ModelsDev);
        QCOMPARE(legacy->provenance.asOf, QDate(2024, 1, 15));
        QCOMPARE(legacy->provenance.entryId, QStringLiteral("acme/acme-legacy"));
        QCOMPARE(rateOf(*legacy, units::outputTokens()), perMtok(9));
        const Offering *hosted = m_catalog.offering(QStringLiteral("host"), QStringLiteral("acme/acme-1"));
        QVERIFY(hosted);
        QCOMPARE(rateOf(*hosted, units::inputTokens()), perMtok(1.5));

        // Neither knows a price: unknown, not zero.
        QVERIFY(!offeringOf(m_catalog, QStringLiteral("host"), QStringLiteral("mystery-9b")).price.isKnown());
    }

    void genaiOnlyOfferings()
    {
        // The `equals` text keeps its case: it is the id the API takes.
        const Offering *acme3 = m_catalog.offering(QStringLiteral("acme"), QStringLiteral("Acme-3"));
        QVERIFY(acme3);
        QCOMPARE(acme3->modelId, QStringLiteral("acme/acme-3"));
        QCOMPARE(acme3->name, QStringLiteral("Acme Three"));
        QCOMPARE(acme3->contextLength, qint64(100000));
        QVERIFY(!acme3->traits.known);
        const UnitPrice *input = priceOf(*acme3, units::inputTokens());
        QVERIFY(input);
        QCOMPARE(input->rate.base, perMtok(2));
        QCOMPARE(input->rate.tiers.size(), std::size_t(1));
        QCOMPARE(input->rate.rateFor(60000), perMtok(4));
        // Not given to the non-primary provider of the same genai-prices id.
        QVERIFY(!m_catalog.offering(QStringLiteral("acmecloud-eu"), QStringLiteral("Acme-3")));

        const Offering *free = m_catalog.offering(QStringLiteral("solo"), QStringLiteral("acme-1:free"));
        QVERIFY(free);
        QVERIFY(free->price.isKnown());
        QVERIFY(free->price.variants.front().prices.isEmpty());
        QCOMPARE(free->modelId, QStringLiteral("acme/acme-1"));
    }

    void canonicalModels()
    {
        QCOMPARE(m_catalog.models().size(), std::size_t(6));
        const Model *acme1 = m_catalog.model(QStringLiteral("acme/acme-1"));
        QVERIFY(acme1);
        // The first party's name and abilities win over a host's.
        QCOMPARE(acme1->name, QStringLiteral("Acme 1"));
        QVERIFY(acme1->traits.tools);
        QVERIFY(acme1->traits.vision());
        QCOMPARE(acme1->author, QStringLiteral("acme"));
        QCOMPARE(acme1->authorName, QStringLiteral("Acme Inc"));
        QCOMPARE(acme1->authorCountry, QStringLiteral("FR"));
        QCOMPARE(acme1->authorCountryName, QStringLiteral("France"));
        QCOMPARE(acme1->contextLength, qint64(128000));
        QCOMPARE(acme1->releaseDate, QDate(2025, 1, 20));
        QCOMPARE(acme1->knowledgeCutoff, QStringLiteral("2024-12"));
        QCOMPARE(m_catalog.offeringsOf(QStringLiteral("acme/acme-1")).size(), std::size_t(5));
        QCOMPARE(m_catalog.providerCount(QStringLiteral("acme/acme-1")), 4);

        const Model *mystery = m_catalog.model(QStringLiteral("mystery-9b"));
        QVERIFY(mystery);
        QVERIFY(mystery->author.isEmpty());
        QVERIFY(mystery->authorCountry.isEmpty());
        QCOMPARE(m_catalog.offeringsOfProvider(QStringLiteral("acme")).size(), std::size_t(4));
        QCOMPARE(m_catalog.providerCount(QStringLiteral("no/such-model")), 0);
    }

    void report()
    {
        const MergeReport &r = m_catalog.info().report;
        QCOMPARE(r.modelsDevOfferings, 6);
        QCOMPARE(r.genaiEntries, 6);
        QCOMPARE(r.matched, 3);
        QCOMPARE(r.onlyInModelsDev, 3);
        QCOMPARE(r.onlyInModelsDevUnpriced, 1);
        QCOMPARE(r.onlyInGenai, 4);
        QCOMPARE(r.offerings, 10);
        QCOMPARE(r.offerings, r.matched + r.onlyInModelsDev + r.onlyInGenai);
        QCOMPARE(r.unmappedModelsDevProviders, QStringList{QStringLiteral("host")});
        QCOMPARE(r.genaiOnlyProviders, (QStringList{QStringLiteral("openrouter"), QStringLiteral("solo")}));
        QCOMPARE(r.disagreements.size(), std::size_t(1));
        const PriceDisagreement &d = r.disagreements.front();
        QCOMPARE(d.providerId, QStringLiteral("acme"));
        QCOMPARE(d.providerModelId, QStringLiteral("acme-2"));
        QCOMPARE(d.genaiEntry, QStringLiteral("acme/acme-2"));
        QCOMPARE(d.modelsDevInput, perMtok(5));
        QCOMPARE(d.genaiInput, perMtok(4));
        QVERIFY(r.toText().contains(QStringLiteral("acme/acme-2: models.dev in 5 out 10")));
    }

    void priceLookupThroughTheCatalog()
    {
        // Provider ids are mapped to price-book ids: acmecloud-eu prices come from "acme".
        const auto match = m_catalog.findPrice(QStringLiteral("acmecloud-eu"), QStringLiteral("acme-2-preview"));
        QVERIFY(match && match->entry);
        QCOMPARE(match->entry->id, QStringLiteral("acme-2"));
        QVERIFY(!m_catalog.findPrice(QStringLiteral("host"), QStringLiteral("acme-2")));
    }

    void openRouterOverlay()
    {
        QByteArray modelsDev = json(kModelsDev);
        modelsDev.chop(modelsDev.size() - modelsDev.lastIndexOf('}'));
        modelsDev += json(", 'openrouter': { 'id': 'openrouter', 'name': 'OpenRouter', 'models': {\n"
    "            'openai/gpt-oss-120b': { 'id': 'openai/gpt-oss-120b', 'name': 'GPT OSS 120B',\n"
    "              'cost': { 'input': 0.07, 'output': 0.28 }, 'limit': { 'context': 131072, 'output': 32768 } } } } }");
        MergeInputs in = inputs(modelsDev, json(kProviders));
        QFile file(QFINDTESTDATA("data/openrouter-models.json"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        in.openRouter = importOpenRouterModels(file.readAll(), QDate(2026, 10, 1)).value();
        auto merged = mergeCatalog(std::move(in));
        QVERIFY2(merged.ok(), qPrintable(merged.ok() ? QString() : merged.error().message));
        const Catalog &catalog = merged.value();
        QCOMPARE(catalog.info().report.openRouterUpdated, 1);
        QCOMPARE(catalog.info().report.openRouterAdded, 6);
        const Offering *oss = catalog.offering(QStringLiteral("openrouter"), QStringLiteral("openai/gpt-oss-120b"));
        QVERIFY(oss);
        QCOMPARE(oss->provenance.source, PriceSource::OpenRouter);
        QCOMPARE(oss->provenance.asOf, QDate(2026, 10, 1));
        QCOMPARE(rateOf(*oss, units::inputTokens()), Money::fromNanos(39));
        QCOMPARE(oss->maxOutput, qint64(131072));
        // The router's "-1" prices do not erase anything and stay unknown.
        QVERIFY(!offeringOf(catalog, QStringLiteral("openrouter"), QStringLiteral("openrouter/auto")).price.isKnown());
    }

    void inconsistentProviderMaps_data()
    {
        QTest::addColumn<QByteArray>("providers");
        QTest::addColumn<QString>("mention");
        QTest::newRow("unknown genai-prices id")
            << json("{'providers': {'acme': {'genaiPrices': 'acme-corp'}}}") << QStringLiteral("\"acme-corp\"");
        QTest::newRow("no primary")
            << json("{'providers': {'acme': {'genaiPrices': 'acme'}, 'acmecloud-eu': {'genaiPrices': 'acme'}}}")
            << QStringLiteral("primary");
        QTest::newRow("two primaries")
            << json("{'providers': {'acme': {'genaiPrices': 'acme', 'primary': true},\n"
    "                               'acmecloud-eu': {'genaiPrices': 'acme', 'primary': true}}}")
            << QStringLiteral("primary");
        QTest::newRow("shared id") << json("{'providers': {'acme': {'genaiPrices': 'solo', 'primary': true},\n"
    "                                                    'acmecloud-eu': {'genaiPrices': 'solo'}}}")
                                   << QStringLiteral("\"acme\"");
    }

    void inconsistentProviderMaps()
    {
        QFETCH(QByteArray, providers);
        QFETCH(QString, mention);
        auto directory = ProviderDirectory::fromJson(providers);
        QVERIFY(directory.ok());
        auto merged = mergeCatalog(inputs(json(kModelsDev), providers));
        QVERIFY(!merged.ok());
        QVERIFY2(merged.error().message.startsWith(QStringLiteral("providers.json")), qPrintable(merged.error().message));
        QVERIFY2(merged.error().message.contains(mention), qPrintable(merged.error().message));
    }

    void mergingIsDeterministic()
    {
        auto again = mergeCatalog(inputs(json(kModelsDev), json(kProviders)));
        QVERIFY(again.ok());
        QCOMPARE(writeSnapshot(again.value(), json(kGenai)), writeSnapshot(m_catalog, json(kGenai)));
    }

    void baseUrlFromPattern_data()
    {
        QTest::addColumn<QString>("pattern");
        QTest::addColumn<QString>("url");
        QTest::newRow("plain") << QStringLiteral("https://api\\.arcee\\.ai(?:/|$)") << QStringLiteral("https://api.arcee.ai");
        QTest::newRow("no tail") << QStringLiteral("https://api\\.cohere\\.com") << QStringLiteral("https://api.cohere.com");
        QTest::newRow("regex") << QStringLiteral("https://(api\\.)?openrouter\\.ai") << QString();
        QTest::newRow("wildcard") << QStringLiteral("https://[^/]+\\.modal\\.run") << QString();
    }

    void baseUrlFromPattern()
    {
        QFETCH(QString, pattern);
        QFETCH(QString, url);
        QCOMPARE(baseUrlFromApiPattern(pattern), url);
    }

private:
    Catalog m_catalog;
};

QTEST_GUILESS_MAIN(TestCatalogMerge)
#include "tst_catalogmerge.moc"
