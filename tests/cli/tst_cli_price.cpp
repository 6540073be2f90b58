// signalbox-gateway price, driven as admins drive it: the real binary as a
// subprocess, JSON Lines on stdin, a real workspace on disk whose custom
// providers, offerings, aliases and price overrides are written through the
// real CatalogUserStore. The hand-worked cases price on a custom offering
// with a hand-written schedule, so no catalog refresh can change them; one
// case reads a real catalog model's rates and works its cost out by hand.

#include "engine/catalog/catalog.h"
#include "engine/catalog/userdata.h"
#include "engine/catalog/userstore.h"
#include "engine/cost/money.h"
#include "engine/cost/priceschedule.h"
#include "engine/cost/units.h"
#include "engine/storage/workspace.h"
#include "tests/support/catalogfixture.h"
#include "tests/support/clirunner.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>

#include <tuple>

using signalbox::engine::CatalogUserStore;
using signalbox::engine::CustomOffering;
using signalbox::engine::CustomProvider;
using signalbox::engine::Money;
using signalbox::engine::PriceCondition;
using signalbox::engine::PriceSchedule;
using signalbox::engine::PriceSet;
using signalbox::engine::TieredRate;
using signalbox::engine::Workspace;
using signalbox::testing::CliOutcome;
using signalbox::testing::perMillion;
namespace units = signalbox::engine::units;

namespace {

const QString kGateway = QStringLiteral(SIGNALBOX_GATEWAY_BIN);

// JSON Lines written with single quotes, for readability: 'a' -> "a".
QByteArray jsonl(std::initializer_list<const char *> lines)
{
    QByteArray text;
    for (const char *line : lines)
        text += QByteArray(line).replace('\'', '"') + '\n';
    return text;
}

QJsonObject parseObject(const CliOutcome &outcome)
{
    QJsonParseError error {};
    const QJsonDocument document = QJsonDocument::fromJson(outcome.out.toUtf8(), &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        qWarning("not a JSON object: %s", qUtf8Printable(outcome.describe()));
    return document.object();
}

signalbox::engine::UnitPrice unitPrice(
    int unit, const char *dollarsPerMillion, qint64 tierAbove = 0, const char *tierDollarsPerMillion = nullptr)
{
    TieredRate rate { perMillion(dollarsPerMillion), {} };
    if (tierDollarsPerMillion)
        rate.tiers.push_back({ tierAbove, perMillion(tierDollarsPerMillion) });
    return { unit, rate };
}

// Fails the calling test with the command's output when the check fails.
#define VERIFY_OUTCOME(condition, outcome) QVERIFY2((condition), qUtf8Printable((outcome).describe()))

} // namespace

class TestCliPrice : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void handWorkedCosts();
    void textOutput();
    void cheapestOfferingAndProviderChoice();
    void aliasAndPinnedNames();
    void realCatalogModel();
    void priceOverrideApplies();
    void unknownModelExits3();
    void unknownProviderExits3();
    void unknownPriceExits3();
    void malformedLineExits2_data();
    void malformedLineExits2();
    void badArgumentsExit2();

private:
    CliOutcome price(const QStringList &arguments, const QByteArray &input, const QString &workspace = {}) const
    {
        return signalbox::testing::runCli(kGateway,
            QStringList {
                QStringLiteral("--workspace"), workspace.isEmpty() ? m_dir.path() : workspace, QStringLiteral("price") }
                + arguments,
            input);
    }

    // The rates of openai/gpt-4o as OpenAI serves it, read from the bundled
    // catalog at `at`, with the cost of `prompt` prompt tokens (of which
    // `cached` cache reads) and `completion` completion tokens worked out
    // from them: every rate is a flat per-token price (checked), so
    //   cost = (prompt - cached) x input + cached x cache_read + completion x output (+ a per-request fee)
    // (cached tokens at the input rate when there is no cache-read rate),
    // with every rate first scaled by (10000 + basisPoints) / 10000.
    static std::optional<Money> gpt4oCost(
        const QDateTime &at, qint64 prompt, qint64 cached, qint64 completion, int basisPoints, QString *problem);

    QTemporaryDir m_dir;
};

void TestCliPrice::initTestCase()
{
    QVERIFY(m_dir.isValid());
    auto workspace = Workspace::open(m_dir.path());
    QVERIFY2(workspace, qUtf8Printable(workspace.ok() ? QString() : workspace.error().message));
    CatalogUserStore store(workspace.value()->database());

    for (const char *id : { "sbtest-acme", "sbtest-budget" }) {
        CustomProvider provider;
        provider.id = QLatin1String(id);
        provider.name = QLatin1String(id);
        provider.baseUrl = QStringLiteral("http://127.0.0.1:9/v1");
        auto added = store.addProvider(provider);
        QVERIFY2(added, qUtf8Printable(added.ok() ? QString() : added.error().message));
    }

    // sbtest-acme/house-model-v1 serves testlab/house-model at (USD per 1M tokens):
    //   always:              input 2 (4 above 100,000 input tokens), output 8 (12 above 100,000), cache read 0.50
    //   22:00-06:00 UTC:     input 1, output 4, cache read 0.25, no tiers
    // Per token: 0.000002 / 0.000004, 0.000008 / 0.000012, 0.0000005; night 0.000001, 0.000004, 0.00000025.
    PriceSet day;
    day.prices.push_back(unitPrice(units::inputTokens(), "2", 100000, "4"));
    day.prices.push_back(unitPrice(units::outputTokens(), "8", 100000, "12"));
    day.prices.push_back(unitPrice(units::cacheReadTokens(), "0.50"));
    PriceSet night;
    night.prices.push_back(unitPrice(units::inputTokens(), "1"));
    night.prices.push_back(unitPrice(units::outputTokens(), "4"));
    night.prices.push_back(unitPrice(units::cacheReadTokens(), "0.25"));
    PriceCondition nightWindow;
    nightWindow.kind = PriceCondition::Kind::TimeOfDay;
    nightWindow.startSecond = 22 * 3600;
    nightWindow.endSecond = 6 * 3600;
    CustomOffering acme;
    acme.providerId = QStringLiteral("sbtest-acme");
    acme.providerModelId = QStringLiteral("house-model-v1");
    acme.modelId = QStringLiteral("testlab/house-model");
    acme.price.variants.push_back({ PriceCondition {}, day });
    acme.price.variants.push_back({ nightWindow, night });

    // sbtest-budget/house-model serves the same model at input 0.50, output 1 (per token 0.0000005, 0.000001).
    CustomOffering budget;
    budget.providerId = QStringLiteral("sbtest-budget");
    budget.providerModelId = QStringLiteral("house-model");
    budget.modelId = QStringLiteral("testlab/house-model");
    PriceSet cheap;
    cheap.prices.push_back(unitPrice(units::inputTokens(), "0.50"));
    cheap.prices.push_back(unitPrice(units::outputTokens(), "1"));
    budget.price.variants.push_back({ PriceCondition {}, cheap });

    // A model nobody has priced.
    CustomOffering mystery;
    mystery.providerId = QStringLiteral("sbtest-acme");
    mystery.providerModelId = QStringLiteral("mystery-v1");
    mystery.modelId = QStringLiteral("testlab/mystery");

    for (const CustomOffering &offering : { acme, budget, mystery }) {
        auto added = store.addOffering(offering);
        QVERIFY2(added, qUtf8Printable(added.ok() ? QString() : added.error().message));
    }
    signalbox::engine::ModelAlias alias;
    alias.alias = QStringLiteral("sbtest-house");
    alias.modelId = QStringLiteral("testlab/house-model");
    auto aliased = store.addAlias(alias);
    QVERIFY2(aliased, qUtf8Printable(aliased.ok() ? QString() : aliased.error().message));
}

void TestCliPrice::handWorkedCosts()
{
    // On sbtest-acme (rates in initTestCase), by hand:
    //  1  day, 1,000 in + 500 out:
    //       1000 x 0.000002 + 500 x 0.000008 = 0.002 + 0.004                          = 0.006
    //  2  day, exactly 100,000 in (not above the tier) + 1,000 out:
    //       100000 x 0.000002 + 1000 x 0.000008 = 0.2 + 0.008                          = 0.208
    //  3  day, 100,001 in (above: every token, output too, at the tier rate) + 1,000 out:
    //       100001 x 0.000004 + 1000 x 0.000012 = 0.400004 + 0.012                     = 0.412004
    //  4  (empty line, skipped)
    //  5  23:30 UTC is night (input_tokens/output_tokens aliases), 1,000 in + 500 out:
    //       1000 x 0.000001 + 500 x 0.000004 = 0.001 + 0.002                           = 0.003
    //  6  day, 10,000 in of which 8,000 cache reads + 200 out:
    //       2000 x 0.000002 + 8000 x 0.0000005 + 200 x 0.000008 = 0.004 + 0.004 + 0.0016 = 0.0096
    //  7  day, 500 in + 300 out of which 100 reasoning (no reasoning rate: all 300 at the output rate):
    //       500 x 0.000002 + 300 x 0.000008 = 0.001 + 0.0024                           = 0.0034
    //     exported with cost 0.01: difference 0.0034 - 0.01                            = -0.0066
    //  8  no time of its own: --at 2026-03-03T01:00:00Z is night, as line 5           = 0.003
    //  9  05:59:59 UTC, still night (no tiers at night), 100,001 in of which 1 cached (cached_tokens alias) + 10 out:
    //       100000 x 0.000001 + 1 x 0.00000025 + 10 x 0.000004 = 0.1 + 0.00000025 + 0.00004 = 0.10004025
    // 10  06:00:00 UTC: the window [22:00, 06:00) has ended, day, as line 1             = 0.006
    // total 0.006 + 0.208 + 0.412004 + 0.003 + 0.0096 + 0.0034 + 0.003 + 0.10004025 + 0.006 = 0.75104425
    const QByteArray input = jsonl({
        "{'started_at':'2026-03-02T12:00:00Z','prompt_tokens':1000,'completion_tokens':500,'cache_read_tokens':null}",
        "{'started_at':'2026-03-02T12:00:00Z','prompt_tokens':100000,'completion_tokens':1000}",
        "{'started_at':'2026-03-02T12:00:00Z','prompt_tokens':100001,'completion_tokens':1000}",
        "",
        "{'time':'2026-03-02T23:30:00Z','input_tokens':1000,'output_tokens':500}",
        "{'started_at':'2026-03-02T12:00:00Z','prompt_tokens':10000,'cache_read_tokens':8000,'completion_tokens':200}",
        "{'id':'r7','model':'openai/gpt-4o','provider':'openai','started_at':'2026-03-02T12:00:00.250Z',"
        "'prompt_tokens':500,'completion_tokens':300,'reasoning_tokens':100,'cache_write_tokens':null,'cost':'0.01'}",
        "{'prompt_tokens':1000,'completion_tokens':500}",
        "{'started_at':'2026-03-02T05:59:59Z','prompt_tokens':100001,'cached_tokens':1,'completion_tokens':10}",
        "{'started_at':'2026-03-02T06:00:00Z','prompt_tokens':1000,'completion_tokens':500}",
    });
    const CliOutcome outcome
        = price({ QStringLiteral("--model"), QStringLiteral("sbtest-acme/house-model-v1"), QStringLiteral("--at"),
                    QStringLiteral("2026-03-03T01:00:00Z"), QStringLiteral("--json") },
            input);
    VERIFY_OUTCOME(!outcome.crashed && outcome.exitCode == 0, outcome);
    // A pinned offering: no note about which provider was chosen.
    VERIFY_OUTCOME(outcome.err.isEmpty(), outcome);
    const QJsonObject result = parseObject(outcome);
    QCOMPARE(result.value(QStringLiteral("model")).toString(), QStringLiteral("testlab/house-model"));
    QCOMPARE(result.value(QStringLiteral("provider")).toString(), QStringLiteral("sbtest-acme"));
    QCOMPARE(result.value(QStringLiteral("provider_model")).toString(), QStringLiteral("house-model-v1"));

    const QJsonArray records = result.value(QStringLiteral("records")).toArray();
    const QList<std::pair<int, QString>> expected {
        { 1, QStringLiteral("0.006") },
        { 2, QStringLiteral("0.208") },
        { 3, QStringLiteral("0.412004") },
        { 5, QStringLiteral("0.003") },
        { 6, QStringLiteral("0.0096") },
        { 7, QStringLiteral("0.0034") },
        { 8, QStringLiteral("0.003") },
        { 9, QStringLiteral("0.10004025") },
        { 10, QStringLiteral("0.006") },
    };
    QCOMPARE(records.size(), expected.size());
    for (qsizetype i = 0; i < expected.size(); ++i) {
        const QJsonObject record = records.at(i).toObject();
        QCOMPARE(record.value(QStringLiteral("line")).toInt(), expected.at(i).first);
        QCOMPARE(record.value(QStringLiteral("cost")).toString(), expected.at(i).second);
        // Only line 7 carried a cost.
        QCOMPARE(record.contains(QStringLiteral("original_cost")), expected.at(i).first == 7);
    }
    const QJsonObject seventh = records.at(5).toObject();
    QCOMPARE(seventh.value(QStringLiteral("original_cost")).toString(), QStringLiteral("0.01"));
    QCOMPARE(seventh.value(QStringLiteral("difference")).toString(), QStringLiteral("-0.0066"));
    QCOMPARE(seventh.value(QStringLiteral("prompt_tokens")).toInteger(), 500);
    QCOMPARE(seventh.value(QStringLiteral("completion_tokens")).toInteger(), 300);
    QCOMPARE(seventh.value(QStringLiteral("reasoning_tokens")).toInteger(), 100);
    QCOMPARE(seventh.value(QStringLiteral("time")).toString(), QStringLiteral("2026-03-02T12:00:00Z"));
    // Line 8 took --at; line 9's cached_tokens alias was read.
    QCOMPARE(records.at(6).toObject().value(QStringLiteral("time")).toString(), QStringLiteral("2026-03-03T01:00:00Z"));
    QCOMPARE(records.at(7).toObject().value(QStringLiteral("cache_read_tokens")).toInteger(), 1);

    QCOMPARE(result.value(QStringLiteral("total")).toString(), QStringLiteral("0.75104425"));
    const QJsonObject comparison = result.value(QStringLiteral("comparison")).toObject();
    QCOMPARE(comparison.value(QStringLiteral("records")).toInt(), 1);
    QCOMPARE(comparison.value(QStringLiteral("original_total")).toString(), QStringLiteral("0.01"));
    QCOMPARE(comparison.value(QStringLiteral("repriced_total")).toString(), QStringLiteral("0.0034"));
    QCOMPARE(comparison.value(QStringLiteral("difference")).toString(), QStringLiteral("-0.0066"));
}

void TestCliPrice::textOutput()
{
    // Line 1 as in handWorkedCosts (0.006); line 2 was exported unpriced (cost null);
    // line 3 day, 2,000 in + 1,000 out = 2000 x 0.000002 + 1000 x 0.000008 = 0.004 + 0.008 = 0.012,
    // exported at 0.02: difference -0.008. Total 0.006 + 0.006 + 0.012 = 0.024.
    const QByteArray input = jsonl({
        "{'started_at':'2026-03-02T12:00:00Z','prompt_tokens':1000,'completion_tokens':500}",
        "{'started_at':'2026-03-02T12:00:00Z','prompt_tokens':1000,'completion_tokens':500,'cost':null}",
        "{'started_at':'2026-03-02T12:00:00Z','prompt_tokens':2000,'completion_tokens':1000,'cost':'0.02'}",
    });
    const CliOutcome outcome
        = price({ QStringLiteral("--model"), QStringLiteral("sbtest-acme/house-model-v1") }, input);
    VERIFY_OUTCOME(!outcome.crashed && outcome.exitCode == 0, outcome);
    const QStringList lines = outcome.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    // Title, header, 3 records, total, the note that only one original cost is known.
    VERIFY_OUTCOME(lines.size() == 7, outcome);
    VERIFY_OUTCOME(lines.at(0).contains(QLatin1String("testlab/house-model on sbtest-acme (house-model-v1)")), outcome);
    const auto fields = [&](int index) { return lines.at(index).split(QLatin1Char(' '), Qt::SkipEmptyParts); };
    QCOMPARE(fields(1).first(), QStringLiteral("LINE"));
    QCOMPARE(fields(1).last(), QStringLiteral("DIFFERENCE"));
    // LINE TIME PROMPT CACHE-READ CACHE-WRITE COMPLETION REASONING COST ORIGINAL DIFFERENCE
    QCOMPARE(fields(2),
        (QStringList { QStringLiteral("1"), QStringLiteral("2026-03-02T12:00:00Z"), QStringLiteral("1000"),
            QStringLiteral("0"), QStringLiteral("0"), QStringLiteral("500"), QStringLiteral("0"),
            QStringLiteral("$0.006"), QStringLiteral("-"), QStringLiteral("-") }));
    QCOMPARE(
        fields(3).mid(7), (QStringList { QStringLiteral("$0.006"), QStringLiteral("unknown"), QStringLiteral("-") }));
    QCOMPARE(fields(4).mid(7),
        (QStringList { QStringLiteral("$0.012"), QStringLiteral("$0.02"), QStringLiteral("-$0.008") }));
    // total, "3 records", token sums, then the exact sum and the comparison of line 3 only.
    QCOMPARE(fields(5),
        (QStringList { QStringLiteral("total"), QStringLiteral("3"), QStringLiteral("records"), QStringLiteral("4000"),
            QStringLiteral("0"), QStringLiteral("0"), QStringLiteral("2000"), QStringLiteral("0"),
            QStringLiteral("$0.024"), QStringLiteral("$0.02"), QStringLiteral("-$0.008") }));
    VERIFY_OUTCOME(lines.at(6).contains(QLatin1String("1 of 3 records")), outcome);
}

void TestCliPrice::cheapestOfferingAndProviderChoice()
{
    // 1M prompt + 1M completion tokens at noon:
    //  sbtest-budget: 1000000 x 0.0000005 + 1000000 x 0.000001 = 0.5 + 1 = 1.5
    //  sbtest-acme:   above 100,000 input tokens, so tier rates: 1000000 x 0.000004 + 1000000 x 0.000012 = 4 + 12 = 16
    const QByteArray input
        = jsonl({ "{'started_at':'2026-03-02T12:00:00Z','prompt_tokens':1000000,'completion_tokens':1000000}" });
    const CliOutcome cheapest
        = price({ QStringLiteral("--model"), QStringLiteral("testlab/house-model"), QStringLiteral("--json") }, input);
    VERIFY_OUTCOME(!cheapest.crashed && cheapest.exitCode == 0, cheapest);
    QCOMPARE(parseObject(cheapest).value(QStringLiteral("provider")).toString(), QStringLiteral("sbtest-budget"));
    QCOMPARE(parseObject(cheapest).value(QStringLiteral("total")).toString(), QStringLiteral("1.5"));
    // Which provider was used: one line on stderr.
    VERIFY_OUTCOME(cheapest.err.count(QLatin1Char('\n')) == 1
            && cheapest.err.contains(QLatin1String("sbtest-budget/house-model"))
            && cheapest.err.contains(QLatin1String("cheapest of 2")),
        cheapest);

    const CliOutcome chosen
        = price({ QStringLiteral("--model"), QStringLiteral("testlab/house-model"), QStringLiteral("--provider"),
                    QStringLiteral("sbtest-acme"), QStringLiteral("--json") },
            input);
    VERIFY_OUTCOME(!chosen.crashed && chosen.exitCode == 0, chosen);
    QCOMPARE(parseObject(chosen).value(QStringLiteral("provider")).toString(), QStringLiteral("sbtest-acme"));
    QCOMPARE(parseObject(chosen).value(QStringLiteral("total")).toString(), QStringLiteral("16"));
    VERIFY_OUTCOME(chosen.err.isEmpty(), chosen);
}

void TestCliPrice::aliasAndPinnedNames()
{
    // Line 1 of handWorkedCosts on sbtest-acme: 0.006; on sbtest-budget 1000 x 0.0000005 + 500 x 0.000001 = 0.001.
    const QByteArray input
        = jsonl({ "{'started_at':'2026-03-02T12:00:00Z','prompt_tokens':1000,'completion_tokens':500}" });
    const CliOutcome alias
        = price({ QStringLiteral("--model"), QStringLiteral("SBTEST-House"), QStringLiteral("--provider"),
                    QStringLiteral("sbtest-acme"), QStringLiteral("--json") },
            input);
    VERIFY_OUTCOME(!alias.crashed && alias.exitCode == 0, alias);
    QCOMPARE(parseObject(alias).value(QStringLiteral("model")).toString(), QStringLiteral("testlab/house-model"));
    QCOMPARE(parseObject(alias).value(QStringLiteral("total")).toString(), QStringLiteral("0.006"));

    const CliOutcome pinned = price(
        { QStringLiteral("--model"), QStringLiteral("sbtest-budget/house-model"), QStringLiteral("--json") }, input);
    VERIFY_OUTCOME(!pinned.crashed && pinned.exitCode == 0, pinned);
    QCOMPARE(parseObject(pinned).value(QStringLiteral("provider")).toString(), QStringLiteral("sbtest-budget"));
    QCOMPARE(parseObject(pinned).value(QStringLiteral("total")).toString(), QStringLiteral("0.001"));
}

std::optional<Money> TestCliPrice::gpt4oCost(
    const QDateTime &at, qint64 prompt, qint64 cached, qint64 completion, int basisPoints, QString *problem)
{
    auto catalog = signalbox::engine::Catalog::loadBundled();
    if (!catalog) {
        *problem = catalog.error().message;
        return std::nullopt;
    }
    const signalbox::engine::Offering *offering = catalog->offering(QStringLiteral("openai"), QStringLiteral("gpt-4o"));
    if (!offering || offering->modelId != QLatin1String("openai/gpt-4o") || !offering->price.isKnown()) {
        *problem = QStringLiteral("the bundled catalog no longer prices openai/gpt-4o on openai; pick another model");
        return std::nullopt;
    }
    const PriceSet *prices = offering->price.pricesAt(at);
    std::optional<Money> input, output, cacheRead;
    Money perRequest; // a fee per request, if the entry has one
    for (const auto &price : prices->prices) {
        const bool used = price.unit == units::inputTokens() || price.unit == units::outputTokens()
            || price.unit == units::cacheReadTokens() || price.unit == units::requests();
        if (used && price.rate.isTiered()) {
            *problem = QStringLiteral("openai/gpt-4o has tiered rates now; the hand computation assumes flat ones");
            return std::nullopt;
        }
        const Money rate = price.rate.base.scaled(10000 + basisPoints, 10000);
        if (price.unit == units::inputTokens())
            input = rate;
        else if (price.unit == units::outputTokens())
            output = rate;
        else if (price.unit == units::cacheReadTokens())
            cacheRead = rate;
        else if (price.unit == units::requests())
            perRequest = rate;
        // Any other unit (cache writes, audio, searches, storage ...) was not
        // reported: 0 units, and a part reported as 0 takes nothing from its whole.
    }
    if (!input || !output) {
        *problem = QStringLiteral("openai/gpt-4o lacks an input or output rate");
        return std::nullopt;
    }
    if (!cacheRead)
        return *input->times(prompt) + *output->times(completion) + perRequest;
    return *input->times(prompt - cached) + *cacheRead->times(cached) + *output->times(completion) + perRequest;
}

void TestCliPrice::realCatalogModel()
{
    // With the bundled catalog of this writing (per 1M: input $2.50, cache reads $1.25, output $10):
    //   100000 x 0.0000025 + 20000 x 0.00000125 + 3000 x 0.00001 = 0.25 + 0.025 + 0.03 = 0.305;
    // the rates are read from the catalog, so a refresh changes the numbers, not the test.
    const QDateTime at(QDate(2026, 3, 2), QTime(12, 0), QTimeZone::utc());
    QString problem;
    const auto expected = gpt4oCost(at, 120000, 20000, 3000, 0, &problem);
    QVERIFY2(expected, qUtf8Printable(problem));
    QVERIFY(!expected->isZero());
    const QByteArray input = jsonl({ "{'started_at':'2026-03-02T12:00:00Z','prompt_tokens':120000,'cache_read_tokens':"
                                     "20000,'completion_tokens':3000}" });
    const CliOutcome outcome
        = price({ QStringLiteral("--model"), QStringLiteral("openai/gpt-4o"), QStringLiteral("--provider"),
                    QStringLiteral("openai"), QStringLiteral("--json") },
            input);
    VERIFY_OUTCOME(!outcome.crashed && outcome.exitCode == 0, outcome);
    const QJsonObject result = parseObject(outcome);
    QCOMPARE(result.value(QStringLiteral("provider")).toString(), QStringLiteral("openai"));
    QCOMPARE(result.value(QStringLiteral("total")).toString(), expected->toDecimalString());
    QCOMPARE(
        result.value(QStringLiteral("records")).toArray().at(0).toObject().value(QStringLiteral("cost")).toString(),
        expected->toDecimalString());

    // Without --provider: the maker's own offering, not a reseller listed at $0.
    const CliOutcome byDefault
        = price({ QStringLiteral("--model"), QStringLiteral("openai/gpt-4o"), QStringLiteral("--json") }, input);
    VERIFY_OUTCOME(!byDefault.crashed && byDefault.exitCode == 0, byDefault);
    QCOMPARE(parseObject(byDefault).value(QStringLiteral("provider")).toString(), QStringLiteral("openai"));
    QCOMPARE(parseObject(byDefault).value(QStringLiteral("total")).toString(), expected->toDecimalString());
    QVERIFY2(byDefault.err.contains(QStringLiteral("maker's own offering")), qPrintable(byDefault.err));
}

void TestCliPrice::priceOverrideApplies()
{
    // A second workspace where openai/gpt-4o on openai has a 25 % discount:
    // every rate x 7500 / 10000, then the same hand computation.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    {
        auto workspace = Workspace::open(dir.path());
        QVERIFY(workspace);
        signalbox::engine::PriceOverride discount;
        discount.providerId = QStringLiteral("openai");
        discount.providerModelId = QStringLiteral("gpt-4o");
        discount.basisPoints = -2500;
        discount.note = QStringLiteral("test contract");
        auto added = CatalogUserStore(workspace.value()->database()).addOverride(discount);
        QVERIFY2(added, qUtf8Printable(added.ok() ? QString() : added.error().message));
    }
    const QDateTime at(QDate(2026, 3, 2), QTime(12, 0), QTimeZone::utc());
    QString problem;
    const auto full = gpt4oCost(at, 120000, 20000, 3000, 0, &problem);
    const auto discounted = gpt4oCost(at, 120000, 20000, 3000, -2500, &problem);
    QVERIFY2(full && discounted, qUtf8Printable(problem));
    QVERIFY(*discounted < *full);
    const QByteArray input = jsonl({ "{'started_at':'2026-03-02T12:00:00Z','prompt_tokens':120000,'cache_read_tokens':"
                                     "20000,'completion_tokens':3000}" });
    const CliOutcome outcome
        = price({ QStringLiteral("--model"), QStringLiteral("openai/gpt-4o"), QStringLiteral("--provider"),
                    QStringLiteral("openai"), QStringLiteral("--json") },
            input, dir.path());
    VERIFY_OUTCOME(!outcome.crashed && outcome.exitCode == 0, outcome);
    QCOMPARE(parseObject(outcome).value(QStringLiteral("total")).toString(), discounted->toDecimalString());
}

void TestCliPrice::unknownModelExits3()
{
    const QString model = QStringLiteral("sbtest-nowhere/no-such-model-9");
    const CliOutcome outcome = price({ QStringLiteral("--model"), model }, jsonl({ "{'prompt_tokens':1}" }));
    VERIFY_OUTCOME(!outcome.crashed && outcome.exitCode == 3, outcome);
    VERIFY_OUTCOME(outcome.out.isEmpty(), outcome);
    VERIFY_OUTCOME(outcome.err.count(QLatin1Char('\n')) == 1 && outcome.err.contains(QLatin1String("unknown model"))
            && outcome.err.contains(model),
        outcome);
}

void TestCliPrice::unknownProviderExits3()
{
    // A provider nobody has heard of, and a real one that does not serve the model.
    for (const auto &[model, provider, says] :
        { std::tuple { "openai/gpt-4o", "sbtest-nowhere", "unknown provider 'sbtest-nowhere'" },
            std::tuple { "testlab/house-model", "openai", "provider 'openai' does not serve testlab/house-model" } }) {
        const CliOutcome outcome = price(
            { QStringLiteral("--model"), QLatin1String(model), QStringLiteral("--provider"), QLatin1String(provider) },
            jsonl({ "{'prompt_tokens':1}" }));
        VERIFY_OUTCOME(!outcome.crashed && outcome.exitCode == 3, outcome);
        VERIFY_OUTCOME(outcome.out.isEmpty(), outcome);
        VERIFY_OUTCOME(outcome.err.count(QLatin1Char('\n')) == 1 && outcome.err.contains(QLatin1String(says)), outcome);
    }
}

void TestCliPrice::unknownPriceExits3()
{
    // Never priced at $0: an offering without a known price is an error.
    const CliOutcome outcome
        = price({ QStringLiteral("--model"), QStringLiteral("testlab/mystery") }, jsonl({ "{'prompt_tokens':1}" }));
    VERIFY_OUTCOME(!outcome.crashed && outcome.exitCode == 3, outcome);
    VERIFY_OUTCOME(outcome.out.isEmpty(), outcome);
    VERIFY_OUTCOME(outcome.err.contains(QLatin1String("no known price for sbtest-acme/mystery-v1")), outcome);
}

void TestCliPrice::malformedLineExits2_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QString>("says");
    const QByteArray good = jsonl({ "{'prompt_tokens':1000,'completion_tokens':500}", "" });
    QTest::newRow("not JSON") << good + "{'prompt_tokens':\n" << QStringLiteral("line 3: not valid JSON");
    QTest::newRow("not an object") << good + "[1000, 500]\n" << QStringLiteral("line 3: expected a JSON object");
    QTest::newRow("fraction") << good + jsonl({ "{'prompt_tokens':10.5}" }) << QStringLiteral("line 3: prompt_tokens");
    QTest::newRow("negative") << good + jsonl({ "{'completion_tokens':-1}" })
                              << QStringLiteral("line 3: completion_tokens");
    QTest::newRow("text count") << good + jsonl({ "{'cache_read_tokens':'12'}" })
                                << QStringLiteral("line 3: cache_read_tokens");
    QTest::newRow("aliases disagree") << good + jsonl({ "{'prompt_tokens':10,'input_tokens':11}" })
                                      << QStringLiteral("line 3: prompt_tokens (10) and input_tokens (11) disagree");
    QTest::newRow("bad time") << good + jsonl({ "{'started_at':'last tuesday','prompt_tokens':1}" })
                              << QStringLiteral("line 3: started_at");
    QTest::newRow("bad cost") << good + jsonl({ "{'prompt_tokens':1,'cost':'1,5'}" }) << QStringLiteral("line 3: cost");
    // The cost engine's own check: more cache reads than prompt tokens.
    QTest::newRow("cache over prompt") << good + jsonl({ "{'prompt_tokens':10,'cache_read_tokens':20}" })
                                       << QStringLiteral("line 3: cache_read_tokens");
}

void TestCliPrice::malformedLineExits2()
{
    QFETCH(QByteArray, input);
    QFETCH(QString, says);
    const CliOutcome outcome
        = price({ QStringLiteral("--model"), QStringLiteral("sbtest-acme/house-model-v1") }, input);
    VERIFY_OUTCOME(!outcome.crashed && outcome.exitCode == 2, outcome);
    // Nothing on stdout: no partial table, no total.
    VERIFY_OUTCOME(outcome.out.isEmpty(), outcome);
    VERIFY_OUTCOME(outcome.err.count(QLatin1Char('\n')) == 1 && outcome.err.contains(says), outcome);
}

void TestCliPrice::badArgumentsExit2()
{
    const QByteArray input = jsonl({ "{'prompt_tokens':1}" });
    const CliOutcome noModel = price({}, input);
    VERIFY_OUTCOME(
        !noModel.crashed && noModel.exitCode == 2 && noModel.err.contains(QLatin1String("--model")), noModel);
    const CliOutcome badAt = price({ QStringLiteral("--model"), QStringLiteral("testlab/house-model"),
                                       QStringLiteral("--at"), QStringLiteral("soon") },
        input);
    VERIFY_OUTCOME(!badAt.crashed && badAt.exitCode == 2 && badAt.err.contains(QLatin1String("--at")), badAt);
    // A pinned offering and another --provider contradict each other.
    const CliOutcome both = price({ QStringLiteral("--model"), QStringLiteral("sbtest-budget/house-model"),
                                      QStringLiteral("--provider"), QStringLiteral("sbtest-acme") },
        input);
    VERIFY_OUTCOME(!both.crashed && both.exitCode == 2 && both.out.isEmpty(), both);
}

QTEST_GUILESS_MAIN(TestCliPrice)
#include "tst_cli_price.moc"
