// Catalog user data as values: the PriceSchedule JSON the store writes, exact
// percentage adjustments, and applyUserData() over a small catalog.

#include "engine/catalog/priceschedulejson.h"
#include "engine/catalog/userdata.h"
#include "tests/engine/userdatafixture.h"

#include <QTest>

using namespace signalbox::engine;
using namespace userdatafixture;

class TestUserData : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // --- PriceSchedule JSON ---------------------------------------------------

    void scheduleJsonRoundTrip_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::newRow("unknown") << QByteArray("[]");
        QTest::newRow("free") << QByteArray(R"([{"prices":[]}])");
        QTest::newRow("per token") << QByteArray(
            R"([{"prices":[{"rate":"0.0000025","unit":"input_tokens"},{"rate":"0.00001","unit":"output_tokens"}]}])");
        QTest::newRow("attodollar exact")
            << QByteArray(R"([{"prices":[{"rate":"0.000000083333333333","unit":"input_tokens"}]}])");
        QTest::newRow("big and exact") << QByteArray(
            R"([{"prices":[{"rate":"1234567.000000000000000001","unit":"requests"}]}])");
        QTest::newRow("tiered") << QByteArray(
            R"([{"prices":[{"rate":"0.000003","tiers":[{"above":200000,"rate":"0.000006"}],"unit":"input_tokens"},)"
            R"({"rate":"0.000015","tiers":[{"above":200000,"rate":"0.0000225"}],"unit":"output_tokens"}]}])");
        QTest::newRow("time of day, wraps midnight") << QByteArray(
            R"([{"prices":[{"rate":"0.00000027","unit":"input_tokens"}]},)"
            R"({"prices":[{"rate":"0.000000135","unit":"input_tokens"}],"utc_window":["16:30:00","00:30:00"]}])");
        QTest::newRow("from a date") << QByteArray(
            R"([{"prices":[{"rate":"0.000001","unit":"input_tokens"}]},)"
            R"({"from":"2026-01-01","prices":[{"rate":"0.000002","unit":"input_tokens"}]}])");
        QTest::newRow("cache units keep their order") << QByteArray(
            R"([{"prices":[{"rate":"0.000003","unit":"input_tokens"},{"rate":"0.0000003","unit":"cache_read_tokens"},)"
            R"({"rate":"0.00000375","unit":"cache_write_tokens"},{"rate":"0.000015","unit":"output_tokens"}]}])");
    }
    void scheduleJsonRoundTrip()
    {
        QFETCH(QByteArray, json);
        auto schedule = priceScheduleFromJson(json);
        QVERIFY2(schedule.ok(), qPrintable(schedule.ok() ? QString() : schedule.error().message));
        QCOMPARE(priceScheduleToJson(schedule.value()), json);
        auto again = priceScheduleFromJson(priceScheduleToJson(schedule.value()));
        QVERIFY(again.ok());
        QCOMPARE(priceScheduleToJson(again.value()), json);
    }

    void scheduleJsonReadsExactly()
    {
        auto schedule
            = priceScheduleFromJson(R"([{"prices":[{"unit":"input_tokens","rate":"0.000000083333333333"}]}])");
        QVERIFY(schedule.ok());
        QCOMPARE(schedule->variants.front().prices.prices.front().rate.base, Money::fromAttos(83333333333));
    }

    void scheduleJsonRejects_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("problem");
        QTest::newRow("not JSON") << QByteArray("[{") << "not valid JSON";
        QTest::newRow("object") << QByteArray("{}") << "array of variants";
        QTest::newRow("rate as a number")
            << QByteArray(R"([{"prices":[{"unit":"input_tokens","rate":0.000003}]}])") << "decimal string";
        QTest::newRow("negative") << QByteArray(R"([{"prices":[{"unit":"input_tokens","rate":"-1"}]}])") << "negative";
        QTest::newRow("not a number") << QByteArray(R"([{"prices":[{"unit":"input_tokens","rate":"cheap"}]}])")
                                      << "not a decimal";
        QTest::newRow("unknown unit") << QByteArray(R"([{"prices":[{"unit":"input_mtok","rate":"1"}]}])")
                                      << "unknown unit \"input_mtok\"";
        QTest::newRow("unknown key") << QByteArray(R"([{"prices":[{"unit":"input_tokens","rate":"1","per":1000000}]}])")
                                     << "unknown field \"per\"";
        QTest::newRow("unit twice") << QByteArray(
            R"([{"prices":[{"unit":"input_tokens","rate":"1"},{"unit":"input_tokens","rate":"2"}]}])")
                                    << "priced twice";
        QTest::newRow("tiers descending") << QByteArray(
            R"([{"prices":[{"unit":"input_tokens","rate":"1","tiers":[{"above":9,"rate":"2"},{"above":5,"rate":"3"}]}]}])")
                                          << "ascending";
        QTest::newRow("tier not whole") << QByteArray(
            R"([{"prices":[{"unit":"input_tokens","rate":"1","tiers":[{"above":1.5,"rate":"2"}]}]}])")
                                        << "whole number";
        QTest::newRow("bad date") << QByteArray(R"([{"from":"2026-02-30","prices":[]}])") << "\"from\"";
        QTest::newRow("bad window") << QByteArray(R"([{"utc_window":["25:00:00","01:00:00"],"prices":[]}])")
                                    << "utc_window";
        QTest::newRow("empty window") << QByteArray(R"([{"utc_window":["01:00:00","01:00:00"],"prices":[]}])")
                                      << "never applies";
        QTest::newRow("both conditions") << QByteArray(
            R"([{"from":"2026-01-01","utc_window":["01:00:00","02:00:00"],"prices":[]}])")
                                         << "exclude";
        QTest::newRow("no prices") << QByteArray(R"([{}])") << "\"prices\"";
    }
    void scheduleJsonRejects()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, problem);
        auto schedule = priceScheduleFromJson(json);
        QVERIFY(!schedule.ok());
        QCOMPARE(schedule.error().code, QStringLiteral("invalid"));
        QVERIFY2(schedule.error().message.contains(problem), qPrintable(schedule.error().message));
    }

    // --- applyUserData --------------------------------------------------------

    void adjustedScheduleIsExact_data()
    {
        QTest::addColumn<int>("basisPoints");
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("tier");
        QTest::newRow("-12.5%") << -1250 << "0.000002625"
                                << "0.00000525";
        QTest::newRow("+5%") << 500 << "0.00000315"
                             << "0.0000063";
        QTest::newRow("free") << -10000 << "0"
                              << "0";
        QTest::newRow("none") << 0 << "0.000003"
                              << "0.000006";
        QTest::newRow("-0.01%") << -1 << "0.0000029997"
                                << "0.0000059994";
    }
    void adjustedScheduleIsExact()
    {
        QFETCH(int, basisPoints);
        QFETCH(QString, input);
        QFETCH(QString, tier);
        auto schedule = priceScheduleFromJson(
            R"([{"prices":[{"unit":"input_tokens","rate":"0.000003","tiers":[{"above":200000,"rate":"0.000006"}]}]},)"
            R"({"from":"2020-01-01","prices":[{"unit":"input_tokens","rate":"0.000003","tiers":[{"above":200000,"rate":"0.000006"}]}]}])");
        QVERIFY(schedule.ok());
        const PriceSchedule adjusted = adjustedSchedule(schedule.value(), basisPoints);
        QCOMPARE(adjusted.variants.size(), std::size_t(2));
        for (const PriceSchedule::Variant &variant : adjusted.variants) {
            const TieredRate &rate = variant.prices.prices.front().rate;
            QCOMPARE(rate.base.toDecimalString(), input);
            QCOMPARE(rate.tiers.front().rate.toDecimalString(), tier);
        }
    }

    void applyAddsAndChanges()
    {
        const QDateTime changed(QDate(2026, 3, 1), QTime(12, 0), Qt::UTC);
        UserData data;
        data.providers.push_back(localVllm());
        CustomOffering onKnownModel = qwenOnVllm();
        onKnownModel.providerModelId = QStringLiteral("gpt-4o-local");
        onKnownModel.modelId = QStringLiteral("openai/gpt-4o");
        onKnownModel.contextLength = 256000;
        data.offerings = { qwenOnVllm(), onKnownModel };
        PriceOverride replace;
        replace.providerId = QStringLiteral("openrouter");
        replace.providerModelId = QStringLiteral("openai/gpt-4o");
        replace.kind = PriceOverride::Kind::Replace;
        replace.price = perToken("0.000001", "0.000004");
        data.overrides = { discount(QStringLiteral("openai"), QStringLiteral("gpt-4o"), -1250), replace,
            discount(QStringLiteral("openai"), QStringLiteral("retired-model"), -100) };
        data.aliases
            = { ModelAlias { QStringLiteral("openai/gpt-4o-copy"), QStringLiteral("openai/gpt-4o"), changed } };
        for (CustomOffering &offering : data.offerings)
            offering.updatedAt = changed;
        for (PriceOverride &priceOverride : data.overrides)
            priceOverride.updatedAt = changed;

        const Catalog base = baseCatalog();
        UserDataReport report;
        const Catalog applied = applyUserData(base, data, &report);
        QCOMPARE(report.providersAdded, 1);
        QCOMPARE(report.offeringsAdded, 2);
        QCOMPARE(report.overridesApplied, 2);
        QCOMPARE(report.aliasesApplied, 1);
        QCOMPARE(report.skipped.size(), 1);
        QVERIFY2(report.skipped.first().contains(QStringLiteral("retired-model")), qPrintable(report.skipped.first()));

        // The custom provider and its offerings, priced by the user.
        const Provider *vllm = applied.provider(QStringLiteral("local-vllm"));
        QVERIFY(vllm);
        QCOMPARE(vllm->baseUrl, QStringLiteral("http://192.168.1.20:8000/v1"));
        QCOMPARE(vllm->keyEnv, QStringList { QStringLiteral("VLLM_API_KEY") });
        const Offering *qwen = applied.offering(QStringLiteral("local-vllm"), qwenOnVllm().providerModelId);
        QVERIFY(qwen);
        QCOMPARE(qwen->provenance.source, PriceSource::User);
        QCOMPARE(qwen->provenance.asOf, changed.date());
        QCOMPARE(rate(qwen, units::outputTokens()), money("0.0000002"));
        const Model *qwenModel = applied.model(QStringLiteral("qwen/qwen2.5-coder-32b-instruct"));
        QVERIFY(qwenModel);
        QCOMPARE(qwenModel->author, QStringLiteral("qwen"));
        QVERIFY(!qwenModel->traits.known);
        // An offering of a model the catalog knows takes its traits and widens its context.
        const Offering *local4o = applied.offering(QStringLiteral("local-vllm"), QStringLiteral("gpt-4o-local"));
        QVERIFY(local4o && local4o->traits.tools);
        QCOMPARE(applied.model(QStringLiteral("openai/gpt-4o"))->contextLength, qint64(256000));

        // Overrides: a discount scales exactly, a replacement swaps.
        const Offering *openai = applied.offering(QStringLiteral("openai"), QStringLiteral("gpt-4o"));
        QCOMPARE(rate(openai, units::inputTokens()), money("0.0000021875"));
        QCOMPARE(rate(openai, units::outputTokens()), money("0.00000875"));
        QCOMPARE(openai->provenance.source, PriceSource::User);
        QCOMPARE(openai->provenance.asOf, changed.date());
        QVERIFY2(openai->provenance.entryId.contains(QStringLiteral("-12.5%")), qPrintable(openai->provenance.entryId));
        const Offering *routed = applied.offering(QStringLiteral("openrouter"), QStringLiteral("openai/gpt-4o"));
        QCOMPARE(rate(routed, units::inputTokens()), money("0.000001"));

        // The alias folded the copy into gpt-4o: one model, four offerings.
        QVERIFY(!applied.model(QStringLiteral("openai/gpt-4o-copy")));
        QCOMPARE(applied.offering(QStringLiteral("openrouter"), QStringLiteral("openai/gpt-4o-copy"))->modelId,
            QStringLiteral("openai/gpt-4o"));
        QCOMPARE(applied.offeringsOf(QStringLiteral("openai/gpt-4o")).size(), std::size_t(4));
        QCOMPARE(applied.providerCount(QStringLiteral("openai/gpt-4o")), 3);

        // The base catalog is untouched.
        QCOMPARE(rate(base.offering(QStringLiteral("openai"), QStringLiteral("gpt-4o")), units::inputTokens()),
            money("0.0000025"));
        QVERIFY(base.model(QStringLiteral("openai/gpt-4o-copy")));
        QVERIFY(!base.provider(QStringLiteral("local-vllm")));
    }

    void customProviderMayNotShadowTheCatalog()
    {
        UserData data;
        data.providers.push_back(localVllm());
        data.providers.back().id = QStringLiteral("openai");
        data.offerings.push_back(qwenOnVllm());
        data.offerings.back().providerId = QStringLiteral("openai");
        UserDataReport report;
        const Catalog applied = applyUserData(baseCatalog(), data, &report);
        QCOMPARE(report.providersAdded, 0);
        QCOMPARE(report.offeringsAdded, 0);
        QCOMPARE(report.skipped.size(), 2);
        QVERIFY2(report.skipped.first().contains(QStringLiteral("already has a provider")),
            qPrintable(report.skipped.first()));
        QCOMPARE(applied.provider(QStringLiteral("openai"))->name, QStringLiteral("OpenAI"));
        QCOMPARE(applied.offerings().size(), baseCatalog().offerings().size());
    }

    void aliasRenamesAModelWhoseTargetIsMissing()
    {
        UserData data;
        data.aliases
            = { ModelAlias { QStringLiteral("openai/gpt-4o-copy"), QStringLiteral("openai/gpt-4o-mirror"), {} } };
        UserDataReport report;
        const Catalog applied = applyUserData(baseCatalog(), data, &report);
        QCOMPARE(report.aliasesApplied, 1);
        QVERIFY(!applied.model(QStringLiteral("openai/gpt-4o-copy")));
        QVERIFY(applied.model(QStringLiteral("openai/gpt-4o-mirror")));
        QCOMPARE(applied.offeringsOf(QStringLiteral("openai/gpt-4o-mirror")).size(), std::size_t(1));
        QCOMPARE(applied.models().size(), baseCatalog().models().size());
    }

    void adjustingAnUnknownPriceIsReported()
    {
        Catalog base = baseCatalog();
        std::vector<Offering> offerings = base.offerings();
        offerings.front().price = PriceSchedule();
        const Catalog unpriced(base.providers(), base.models(), std::move(offerings), PriceBook(), CatalogInfo());
        UserData data;
        data.overrides = { discount(QStringLiteral("openai"), QStringLiteral("gpt-4o"), -1000) };
        UserDataReport report;
        const Catalog applied = applyUserData(unpriced, data, &report);
        QCOMPARE(report.overridesApplied, 0);
        QCOMPARE(report.skipped.size(), 1);
        QVERIFY(!applied.offering(QStringLiteral("openai"), QStringLiteral("gpt-4o"))->price.isKnown());
    }

    void emptyUserDataChangesNothing()
    {
        UserDataReport report;
        const Catalog applied = applyUserData(baseCatalog(), UserData(), &report);
        QVERIFY(report.skipped.isEmpty());
        QCOMPARE(applied.offerings().size(), baseCatalog().offerings().size());
        QCOMPARE(applied.models().size(), baseCatalog().models().size());
        QCOMPARE(applied.providers().size(), baseCatalog().providers().size());
    }
};

QTEST_GUILESS_MAIN(TestUserData)
#include "tst_userdata.moc"
