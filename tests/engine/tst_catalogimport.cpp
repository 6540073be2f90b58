// The strict importers: models.dev and OpenRouter's /api/v1/models. Valid
// files convert exactly; every malformed file is refused whole, with an error
// naming the entry and the field.

#include "engine/catalog/importers.h"
#include "engine/cost/units.h"
#include "tests/support/jsontext.h"

#include <QFile>
#include <QTest>

using namespace signalbox::engine;

namespace {

using signalbox::testing::json;

Money perToken(qint64 nanos, qint64 attos = 0)
{
    return Money::fromNanosAndAttos(nanos, attos);
}

const UnitPrice *priceOf(const Offering &offering, UnitId unit)
{
    if (!offering.price.isKnown())
        return nullptr;
    return offering.price.variants.front().prices.find(unit);
}

const SourceOffering *findOffering(const SourceCatalog &catalog, const QString &providerModelId)
{
    for (const SourceOffering &source : catalog.offerings) {
        if (source.offering.providerModelId == providerModelId)
            return &source;
    }
    return nullptr;
}

// An empty fallback: a missing offering fails the comparisons that follow.
const SourceOffering &sourceOf(const SourceCatalog &catalog, const QString &providerModelId)
{
    static const SourceOffering none;
    const SourceOffering *found = findOffering(catalog, providerModelId);
    return found ? *found : none;
}

// The first variant's rate, or -1 nanodollar (no real price) when there is none.
Money rateOf(const Offering &offering, UnitId unit)
{
    const UnitPrice *price = priceOf(offering, unit);
    return price ? price->rate.base : Money::fromNanos(-1);
}

// A small models.dev file in the published shape.
const char kModelsDev[] = "{\n"
    "  'acme': { 'id': 'acme', 'name': 'Acme AI', 'api': 'https://api.acme.test/v1', 'env': ['ACME_API_KEY'],\n"
    "            'doc': 'https://acme.test/models', 'npm': '@ai-sdk/openai-compatible',\n"
    "    'models': {\n"
    "      'acme-large': { 'id': 'acme-large', 'name': 'Acme Large', 'attachment': true, 'reasoning': true,\n"
    "        'tool_call': true, 'temperature': true, 'knowledge': '2024-10', 'release_date': '2025-01-02',\n"
    "        'last_updated': '2025-03-04', 'modalities': { 'input': ['text', 'image', 'pdf'], 'output': ['text'] },\n"
    "        'open_weights': false,\n"
    "        'cost': { 'input': 3, 'output': 15, 'cache_read': 0.3, 'cache_write': 3.75, 'reasoning': 15 },\n"
    "        'limit': { 'context': 200000, 'output': 64000 } },\n"
    "      'acme-small': { 'id': 'acme-small', 'name': 'Acme Small', 'attachment': false, 'reasoning': false,\n"
    "        'tool_call': false, 'temperature': true, 'release_date': '2024-06-01', 'last_updated': '2024-06-01',\n"
    "        'modalities': { 'input': ['text'], 'output': ['text'] }, 'open_weights': true,\n"
    "        'cost': { 'input': 0.0375, 'output': 0.15 }, 'limit': { 'context': 32768, 'output': 4096 } },\n"
    "      'acme-local': { 'id': 'acme-local', 'name': 'Acme Local', 'cost': { 'input': 0, 'output': 0 },\n"
    "        'limit': { 'context': 8192, 'output': 2048 } },\n"
    "      'acme-preview': { 'id': 'acme-preview', 'name': 'Acme Preview', 'limit': { 'context': 8192, 'output': 2048 } }\n"
    "    } },\n"
    "  'beta': { 'id': 'beta', 'name': 'Beta Cloud', 'env': [], 'models': {} }\n"
    "}";

} // namespace

class TestCatalogImport : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void modelsDevValid()
    {
        auto imported = importModelsDev(json(kModelsDev));
        QVERIFY2(imported.ok(), qPrintable(imported.ok() ? QString() : imported.error().message));
        const SourceCatalog &catalog = imported.value();
        QCOMPARE(catalog.providers.size(), std::size_t(2));
        QCOMPARE(catalog.offerings.size(), std::size_t(4));
        QCOMPARE(catalog.newest, QDate(2025, 3, 4));

        const Provider &acme = catalog.providers.front();
        QCOMPARE(acme.id, QStringLiteral("acme"));
        QCOMPARE(acme.name, QStringLiteral("Acme AI"));
        QCOMPARE(acme.baseUrl, QStringLiteral("https://api.acme.test/v1"));
        QCOMPARE(acme.keyEnv, QStringList{QStringLiteral("ACME_API_KEY")});
        QCOMPARE(acme.docUrl, QStringLiteral("https://acme.test/models"));

        const SourceOffering *large = findOffering(catalog, QStringLiteral("acme-large"));
        QVERIFY(large);
        const Offering &offering = large->offering;
        QCOMPARE(offering.providerId, QStringLiteral("acme"));
        QCOMPARE(offering.name, QStringLiteral("Acme Large"));
        QCOMPARE(offering.contextLength, qint64(200000));
        QCOMPARE(offering.maxOutput, qint64(64000));
        QVERIFY(offering.traits.known);
        QVERIFY(offering.traits.tools && offering.traits.reasoning && offering.traits.attachments);
        QVERIFY(offering.traits.vision());
        QVERIFY(!offering.traits.openWeights);
        QCOMPARE(offering.traits.input, Modality::Text | Modality::Image | Modality::Pdf);
        QCOMPARE(large->knowledgeCutoff, QStringLiteral("2024-10"));
        QCOMPARE(large->releaseDate, QDate(2025, 1, 2));
        // USD per million tokens become exact per-token prices.
        QCOMPARE(rateOf(offering, units::inputTokens()), perToken(3000));
        QCOMPARE(rateOf(offering, units::outputTokens()), perToken(15000));
        QCOMPARE(rateOf(offering, units::cacheReadTokens()), perToken(300));
        QCOMPARE(rateOf(offering, units::cacheWriteTokens()), perToken(3750));
        QCOMPARE(rateOf(offering, units::reasoningTokens()), perToken(15000));
        QCOMPARE(offering.provenance.source, PriceSource::ModelsDev);
        QCOMPARE(offering.provenance.asOf, QDate(2025, 3, 4));
        QCOMPARE(offering.provenance.entryId, QStringLiteral("acme/acme-large"));

        // $0.0375 per million is 37.5 nanodollars per token, exactly.
        const Offering &small = sourceOf(catalog, QStringLiteral("acme-small")).offering;
        QCOMPARE(rateOf(small, units::inputTokens()), perToken(37, 500000000));
        QVERIFY(small.traits.openWeights);

        // Explicit zeros are free; no cost at all is unknown, never $0.
        const Offering &local = sourceOf(catalog, QStringLiteral("acme-local")).offering;
        QVERIFY(local.price.isKnown());
        QVERIFY(rateOf(local, units::inputTokens()).isZero());
        QVERIFY(!sourceOf(catalog, QStringLiteral("acme-preview")).offering.price.isKnown());
    }

    void modelsDevMalformed_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QStringList>("mentions");

        const auto row = [](const char *name, const char *text, QStringList mentions) {
            QTest::newRow(name) << json(text) << mentions;
        };
        row("not json", "{'acme': ", {QStringLiteral("not valid JSON")});
        row("array at top", "[]", {QStringLiteral("object of providers")});
        row("provider not an object", "{'acme': 5}", {QStringLiteral("provider \"acme\""), QStringLiteral("object")});
        row("provider without name", "{'acme': {'id': 'acme', 'models': {}}}",
            {QStringLiteral("provider \"acme\""), QStringLiteral("\"name\""), QStringLiteral("missing")});
        row("provider without models", "{'acme': {'id': 'acme', 'name': 'Acme'}}",
            {QStringLiteral("provider \"acme\""), QStringLiteral("\"models\""), QStringLiteral("missing")});
        row("provider id not a string", "{'acme': {'id': 7, 'name': 'Acme', 'models': {}}}",
            {QStringLiteral("provider \"acme\""), QStringLiteral("\"id\""), QStringLiteral("must be a string")});
        row("models not an object", "{'acme': {'id': 'acme', 'name': 'Acme', 'models': []}}",
            {QStringLiteral("\"models\""), QStringLiteral("must be an object")});
        row("env not strings", "{'acme': {'id': 'acme', 'name': 'Acme', 'env': [1], 'models': {}}}",
            {QStringLiteral("\"env[0]\""), QStringLiteral("must be a string")});
        row("model without id", "{'acme': {'id': 'acme', 'name': 'Acme', 'models': {'m1': {'name': 'M'}}}}",
            {QStringLiteral("model \"m1\""), QStringLiteral("\"id\""), QStringLiteral("missing")});
        row("model without name", "{'acme': {'id': 'acme', 'name': 'Acme', 'models': {'m1': {'id': 'm1'}}}}",
            {QStringLiteral("model \"m1\""), QStringLiteral("\"name\"")});
        row("model id differs from key",
            "{'acme': {'id': 'acme', 'name': 'Acme', 'models': {'m1': {'id': 'm2', 'name': 'M'}}}}",
            {QStringLiteral("model \"m1\""), QStringLiteral("\"id\""), QStringLiteral("differs")});
        row("negative cost",
            "{'acme': {'id': 'acme', 'name': 'Acme', 'models': {'m1': {'id': 'm1', 'name': 'M',\n"
    "                'cost': {'input': -1, 'output': 2}}}}}",
            {QStringLiteral("model \"m1\""), QStringLiteral("\"cost.input\""), QStringLiteral("negative")});
        row("non-numeric cost",
            "{'acme': {'id': 'acme', 'name': 'Acme', 'models': {'m1': {'id': 'm1', 'name': 'M',\n"
    "                'cost': {'input': 1, 'output': '2.5'}}}}}",
            {QStringLiteral("model \"m1\""), QStringLiteral("\"cost.output\""), QStringLiteral("must be a number")});
        row("unknown cost key",
            "{'acme': {'id': 'acme', 'name': 'Acme', 'models': {'m1': {'id': 'm1', 'name': 'M',\n"
    "                'cost': {'input': 1, 'per_image': 2}}}}}",
            {QStringLiteral("\"cost.per_image\"")});
        row("cost not an object",
            "{'acme': {'id': 'acme', 'name': 'Acme', 'models': {'m1': {'id': 'm1', 'name': 'M', 'cost': 3}}}}",
            {QStringLiteral("\"cost\""), QStringLiteral("must be an object")});
        row("capability not a boolean",
            "{'acme': {'id': 'acme', 'name': 'Acme', 'models': {'m1': {'id': 'm1', 'name': 'M',\n"
    "                'tool_call': 'yes'}}}}",
            {QStringLiteral("\"tool_call\""), QStringLiteral("true or false")});
        row("fractional context",
            "{'acme': {'id': 'acme', 'name': 'Acme', 'models': {'m1': {'id': 'm1', 'name': 'M',\n"
    "                'limit': {'context': 1.5, 'output': 2}}}}}",
            {QStringLiteral("\"context\""), QStringLiteral("whole non-negative")});
        row("bad date",
            "{'acme': {'id': 'acme', 'name': 'Acme', 'models': {'m1': {'id': 'm1', 'name': 'M',\n"
    "                'release_date': '2025/01/02'}}}}",
            {QStringLiteral("\"release_date\""), QStringLiteral("2025/01/02")});
        row("modalities not a list",
            "{'acme': {'id': 'acme', 'name': 'Acme', 'models': {'m1': {'id': 'm1', 'name': 'M',\n"
    "                'modalities': {'input': 'text'}}}}}",
            {QStringLiteral("\"input\""), QStringLiteral("must be an array")});
        row("duplicate model id",
            "{'acme': {'id': 'acme', 'name': 'Acme', 'models': {'m1': {'id': 'm1', 'name': 'A'},\n"
    "                'm1': {'id': 'm1', 'name': 'B'}}}}",
            {QStringLiteral("duplicate id \"m1\""), QStringLiteral("acme.models")});
        row("duplicate provider id",
            "{'acme': {'id': 'acme', 'name': 'Acme', 'models': {}}, 'acme': {'id': 'acme', 'name': 'Again',\n"
    "                'models': {}}}",
            {QStringLiteral("duplicate id \"acme\"")});
        // The bad value is in the very last model: the whole file is still refused.
        row("error in the last entry",
            "{'acme': {'id': 'acme', 'name': 'Acme', 'models': {'a': {'id': 'a', 'name': 'A',\n"
    "                'cost': {'input': 1, 'output': 1}}}},\n"
    "                'zulu': {'id': 'zulu', 'name': 'Zulu', 'models': {'z': {'id': 'z', 'name': 'Z',\n"
    "                'cost': {'input': 1, 'output': -0.5}}}}}",
            {QStringLiteral("provider \"zulu\""), QStringLiteral("model \"z\""), QStringLiteral("\"cost.output\"")});
    }

    void modelsDevMalformed()
    {
        QFETCH(QByteArray, json);
        QFETCH(QStringList, mentions);
        auto imported = importModelsDev(json);
        QVERIFY(!imported.ok());
        QCOMPARE(imported.error().code.isEmpty(), false);
        const QString message = imported.error().message;
        QVERIFY2(message.startsWith(QStringLiteral("models.dev")), qPrintable(message));
        for (const QString &mention : mentions)
            QVERIFY2(message.contains(mention), qPrintable(message + QStringLiteral(" lacks ") + mention));
    }

    void openRouterFixture()
    {
        QFile file(QFINDTESTDATA("data/openrouter-models.json"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        auto imported = importOpenRouterModels(file.readAll(), QDate(2026, 10, 1));
        QVERIFY2(imported.ok(), qPrintable(imported.ok() ? QString() : imported.error().message));
        const SourceCatalog &catalog = imported.value();
        QCOMPARE(catalog.providers.size(), std::size_t(1));
        QCOMPARE(catalog.providers.front().id, QStringLiteral("openrouter"));
        QCOMPARE(catalog.providers.front().priceBookId, QStringLiteral("openrouter"));
        QCOMPARE(catalog.offerings.size(), std::size_t(7));

        // Decimal strings convert exactly: no binary floating point on the way.
        const Offering &oss = sourceOf(catalog, QStringLiteral("openai/gpt-oss-120b")).offering;
        QCOMPARE(rateOf(oss, units::inputTokens()), perToken(39));
        QCOMPARE(rateOf(oss, units::outputTokens()), perToken(190));
        QCOMPARE(oss.price.variants.front().prices.prices.size(), std::size_t(2));  // zero extras left out
        QCOMPARE(oss.contextLength, qint64(131072));
        QCOMPARE(oss.maxOutput, qint64(131072));
        QVERIFY(oss.traits.tools && oss.traits.reasoning && oss.traits.temperature && oss.traits.openWeights);
        QVERIFY(!oss.traits.vision());
        QCOMPARE(oss.provenance.source, PriceSource::OpenRouter);
        QCOMPARE(oss.provenance.asOf, QDate(2026, 10, 1));
        QCOMPARE(sourceOf(catalog, QStringLiteral("openai/gpt-oss-120b")).releaseDate, QDate(2025, 8, 5));

        const Offering &free = sourceOf(catalog, QStringLiteral("openai/gpt-oss-120b:free")).offering;
        QVERIFY(free.price.isKnown());
        QVERIFY(rateOf(free, units::inputTokens()).isZero());
        QCOMPARE(free.maxOutput, qint64(32768));

        const Offering &sonnet = sourceOf(catalog, QStringLiteral("anthropic/claude-sonnet-4.5")).offering;
        QCOMPARE(rateOf(sonnet, units::inputTokens()), perToken(3000));
        QCOMPARE(rateOf(sonnet, units::outputTokens()), perToken(15000));
        QCOMPARE(rateOf(sonnet, units::cacheReadTokens()), perToken(300));
        QCOMPARE(rateOf(sonnet, units::cacheWriteTokens()), perToken(3750));
        QCOMPARE(rateOf(sonnet, unitByUsageKey(u"web_searches")), perToken(10000000));
        QVERIFY(sonnet.traits.vision() && sonnet.traits.attachments);
        QVERIFY(!sonnet.traits.openWeights);

        const Offering &flash = sourceOf(catalog, QStringLiteral("google/gemini-2.5-flash")).offering;
        QCOMPARE(rateOf(flash, units::cacheWriteTokens()), perToken(383, 300000000));
        QCOMPARE(rateOf(flash, unitByUsageKey(u"input_audio_tokens")), perToken(1000));
        QVERIFY(flash.traits.input.testFlag(Modality::Video));

        const Offering &sonar = sourceOf(catalog, QStringLiteral("perplexity/sonar")).offering;
        QCOMPARE(rateOf(sonar, units::requests()), perToken(5000000));
        QCOMPARE(sonar.maxOutput, qint64(0));

        const Offering &r1 = sourceOf(catalog, QStringLiteral("deepseek/deepseek-r1")).offering;
        QCOMPARE(rateOf(r1, units::reasoningTokens()), perToken(2000));

        // "-1" is OpenRouter's "varies": unknown, never $0.
        const Offering &router = sourceOf(catalog, QStringLiteral("openrouter/auto")).offering;
        QVERIFY(!router.price.isKnown());
        QVERIFY(!router.traits.openWeights);
    }

    void openRouterMalformed_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QStringList>("mentions");
        const auto row = [](const char *name, const char *text, QStringList mentions) {
            QTest::newRow(name) << json(text) << mentions;
        };
        row("not json", "{'data': [", {QStringLiteral("not valid JSON")});
        row("no data", "{'models': []}", {QStringLiteral("\"data\""), QStringLiteral("missing")});
        row("data not an array", "{'data': {}}", {QStringLiteral("\"data\""), QStringLiteral("must be an array")});
        row("model not an object", "{'data': [3]}", {QStringLiteral("data[0]"), QStringLiteral("object")});
        row("model without id", "{'data': [{'name': 'X'}]}",
            {QStringLiteral("data[0]"), QStringLiteral("\"id\""), QStringLiteral("missing")});
        row("model without name", "{'data': [{'id': 'a/b'}]}",
            {QStringLiteral("model \"a/b\""), QStringLiteral("\"name\"")});
        row("duplicate id",
            "{'data': [{'id': 'a/b', 'name': 'B'}, {'id': 'a/c', 'name': 'C'}, {'id': 'a/b', 'name': 'B2'}]}",
            {QStringLiteral("model \"a/b\""), QStringLiteral("listed twice")});
        row("price as a number",
            "{'data': [{'id': 'a/b', 'name': 'B', 'pricing': {'prompt': 0.000003, 'completion': '0.000015'}}]}",
            {QStringLiteral("model \"a/b\""), QStringLiteral("\"pricing.prompt\""), QStringLiteral("decimal string")});
        row("negative price",
            "{'data': [{'id': 'a/b', 'name': 'B', 'pricing': {'prompt': '0.000001', 'completion': '-0.5'}}]}",
            {QStringLiteral("\"pricing.completion\""), QStringLiteral("negative")});
        row("non-numeric price",
            "{'data': [{'id': 'a/b', 'name': 'B', 'pricing': {'prompt': 'free', 'completion': '0'}}]}",
            {QStringLiteral("\"pricing.prompt\""), QStringLiteral("not a decimal number")});
        row("bad cache price",
            "{'data': [{'id': 'a/b', 'name': 'B', 'pricing': {'prompt': '0', 'completion': '0',\n"
    "                'input_cache_read': '1,5'}}]}",
            {QStringLiteral("\"pricing.input_cache_read\"")});
        row("context not a number", "{'data': [{'id': 'a/b', 'name': 'B', 'context_length': 'big'}]}",
            {QStringLiteral("\"context_length\"")});
        row("parameters not strings",
            "{'data': [{'id': 'a/b', 'name': 'B', 'supported_parameters': ['tools', 1]}]}",
            {QStringLiteral("\"supported_parameters[1]\"")});
        row("modalities not a list",
            "{'data': [{'id': 'a/b', 'name': 'B', 'architecture': {'input_modalities': 'text'}}]}",
            {QStringLiteral("architecture"), QStringLiteral("\"input_modalities\"")});
        row("top provider wrong type",
            "{'data': [{'id': 'a/b', 'name': 'B', 'top_provider': {'max_completion_tokens': -4}}]}",
            {QStringLiteral("\"max_completion_tokens\"")});
    }

    void openRouterMalformed()
    {
        QFETCH(QByteArray, json);
        QFETCH(QStringList, mentions);
        auto imported = importOpenRouterModels(json, QDate(2026, 10, 1));
        QVERIFY(!imported.ok());
        const QString message = imported.error().message;
        QVERIFY2(message.startsWith(QStringLiteral("OpenRouter models")), qPrintable(message));
        for (const QString &mention : mentions)
            QVERIFY2(message.contains(mention), qPrintable(message + QStringLiteral(" lacks ") + mention));
    }
};

QTEST_GUILESS_MAIN(TestCatalogImport)
#include "tst_catalogimport.moc"
