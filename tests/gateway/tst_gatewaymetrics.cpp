// The gateway's Prometheus registry: what it renders parses back, counts are
// exact under concurrency, spend is an exact sum, and no client can make the
// label set grow without bound.

#include "engine/gateway/metrics/gatewaymetrics.h"
#include "tests/gateway/prometheustext.h"

#include <QHash>
#include <QMap>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

#include <atomic>
#include <cmath>
#include <thread>
#include <vector>

using namespace signalbox::engine;
using signalbox::tests::Parsed;
using signalbox::tests::parsePrometheusText;
using signalbox::tests::Sample;

namespace {

using Labels = QMap<QByteArray, QByteArray>;

Labels pm(const QByteArray &provider, const QByteArray &model)
{
    return Labels { { "provider", provider }, { "model", model } };
}

Labels with(Labels labels, const QByteArray &name, const QByteArray &value)
{
    labels.insert(name, value);
    return labels;
}

Money usd(const char *text)
{
    return Money::parse(QByteArrayView(text)).value();
}

RequestObservation request(
    const QByteArray &provider, const QByteArray &model, int status = 200, const QByteArray &outcome = "ok")
{
    RequestObservation o;
    o.provider = provider;
    o.model = model;
    o.httpStatus = status;
    o.outcome = outcome;
    o.latencyUs = 1'200'000;
    o.overheadUs = 80;
    o.cost = Money();
    return o;
}

// Checks one histogram series: buckets ascending in `le`, cumulative, ending
// in +Inf equal to _count.
void checkHistogram(const Parsed &parsed, const QByteArray &family, const Labels &labels, quint64 expectedCount)
{
    std::vector<std::pair<double, quint64>> buckets;
    for (const Sample &s : parsed.named(family + "_bucket")) {
        Labels rest = s.labels;
        const QByteArray le = rest.take("le");
        if (rest != labels)
            continue;
        buckets.emplace_back(le == "+Inf" ? qInf() : le.toDouble(), s.value.toULongLong());
    }
    QVERIFY2(!buckets.empty(), family.constData());
    QCOMPARE(std::isinf(buckets.back().first), true);
    for (std::size_t i = 1; i < buckets.size(); ++i) {
        QVERIFY(buckets[i].first > buckets[i - 1].first);
        QVERIFY(buckets[i].second >= buckets[i - 1].second);
    }
    QCOMPARE(buckets.back().second, expectedCount);
    QCOMPARE(parsed.value(family + "_count", labels).toULongLong(), expectedCount);
}

} // namespace

class TestGatewayMetrics : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void emptyRegistryRendersEveryFamily()
    {
        GatewayMetrics metrics;
        const Parsed parsed = parsePrometheusText(metrics.render());
        QVERIFY2(parsed.error.isEmpty(), qPrintable(parsed.error));
        for (const char *family : { "signalbox_requests_total", "signalbox_tokens_total", "signalbox_spend_usd_total",
                 "signalbox_unpriced_requests_total", "signalbox_upstream_attempts_total",
                 "signalbox_metrics_series_overflow_total" })
            QCOMPARE(parsed.types.value(family), QByteArray("counter"));
        for (const char *family :
            { "signalbox_request_duration_seconds", "signalbox_ttft_seconds", "signalbox_gateway_overhead_seconds" })
            QCOMPARE(parsed.types.value(family), QByteArray("histogram"));
        QCOMPARE(parsed.value("signalbox_metrics_series_overflow_total"), QByteArray("0"));
        checkHistogram(parsed, "signalbox_gateway_overhead_seconds", {}, 0);
        QCOMPARE(GatewayMetrics::contentType(), QByteArray("text/plain; version=0.0.4; charset=utf-8"));
    }

    void oneRequestRendersEachFamily()
    {
        GatewayMetrics metrics;
        RequestObservation o = request("openai", "openai/gpt-4o");
        o.stream = true;
        o.latencyUs = 1'500'000;
        o.ttftUs = 250'000;
        o.overheadUs = 42;
        o.promptTokens = 1000;
        o.completionTokens = 200;
        o.cachedTokens = 300;
        o.reasoningTokens = 50;
        o.cost = usd("0.0045");
        metrics.observe(o);
        metrics.upstreamAttempt("openai", "upstream_error");
        metrics.upstreamAttempt("openai", "ok");

        const Parsed parsed = parsePrometheusText(metrics.render());
        QVERIFY2(parsed.error.isEmpty(), qPrintable(parsed.error));
        const Labels labels = pm("openai", "openai/gpt-4o");
        QCOMPARE(parsed.value("signalbox_requests_total", with(with(labels, "status_class", "2xx"), "outcome", "ok")),
            QByteArray("1"));
        checkHistogram(parsed, "signalbox_request_duration_seconds", labels, 1);
        QCOMPARE(parsed.value("signalbox_request_duration_seconds_sum", labels), QByteArray("1.5"));
        // 1.5 s lies in (1, 2.5]: not in le="1", in le="2.5".
        QCOMPARE(parsed.value("signalbox_request_duration_seconds_bucket", with(labels, "le", "1")), QByteArray("0"));
        QCOMPARE(parsed.value("signalbox_request_duration_seconds_bucket", with(labels, "le", "2.5")), QByteArray("1"));
        checkHistogram(parsed, "signalbox_ttft_seconds", labels, 1);
        QCOMPARE(parsed.value("signalbox_ttft_seconds_sum", labels), QByteArray("0.25"));
        // A bound is inclusive: 0.25 s is in le="0.25".
        QCOMPARE(parsed.value("signalbox_ttft_seconds_bucket", with(labels, "le", "0.25")), QByteArray("1"));
        checkHistogram(parsed, "signalbox_gateway_overhead_seconds", {}, 1);
        QCOMPARE(parsed.value("signalbox_gateway_overhead_seconds_sum"), QByteArray("0.000042"));
        QCOMPARE(parsed.value("signalbox_gateway_overhead_seconds_bucket", { { "le", "0.00001" } }), QByteArray("0"));
        QCOMPARE(parsed.value("signalbox_gateway_overhead_seconds_bucket", { { "le", "0.00005" } }), QByteArray("1"));
        QCOMPARE(parsed.value("signalbox_tokens_total", with(labels, "kind", "prompt")), QByteArray("1000"));
        QCOMPARE(parsed.value("signalbox_tokens_total", with(labels, "kind", "completion")), QByteArray("200"));
        QCOMPARE(parsed.value("signalbox_tokens_total", with(labels, "kind", "cached")), QByteArray("300"));
        QCOMPARE(parsed.value("signalbox_tokens_total", with(labels, "kind", "reasoning")), QByteArray("50"));
        QCOMPARE(parsed.value("signalbox_spend_usd_total", labels), QByteArray("0.0045"));
        QCOMPARE(parsed.value("signalbox_unpriced_requests_total", labels), QByteArray("0"));
        QCOMPARE(parsed.value("signalbox_upstream_attempts_total", { { "provider", "openai" }, { "outcome", "ok" } }),
            QByteArray("1"));
        QCOMPARE(parsed.value("signalbox_upstream_attempts_total",
                     { { "provider", "openai" }, { "outcome", "upstream_error" } }),
            QByteArray("1"));
    }

    void statusClassesAndOutcomes_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("outcome");
        QTest::addColumn<QByteArray>("statusClass");
        QTest::addColumn<QByteArray>("renderedOutcome");
        QTest::newRow("ok") << 200 << QByteArray("ok") << QByteArray("2xx") << QByteArray("ok");
        QTest::newRow("upstream 502") << 502 << QByteArray("upstream_error") << QByteArray("5xx")
                                      << QByteArray("upstream_error");
        QTest::newRow("gateway 500") << 500 << QByteArray("gateway_error") << QByteArray("5xx")
                                     << QByteArray("gateway_error");
        QTest::newRow("client 400") << 400 << QByteArray("client_error") << QByteArray("4xx")
                                    << QByteArray("client_error");
        QTest::newRow("timeout 504") << 504 << QByteArray("timeout") << QByteArray("5xx") << QByteArray("timeout");
        QTest::newRow("cancelled, no status")
            << 0 << QByteArray("cancelled") << QByteArray("none") << QByteArray("cancelled");
        QTest::newRow("unknown outcome") << 418 << QByteArray("teapot") << QByteArray("4xx") << QByteArray("other");
        QTest::newRow("nonsense status") << 999 << QByteArray("ok") << QByteArray("none") << QByteArray("ok");
    }

    void statusClassesAndOutcomes()
    {
        QFETCH(int, status);
        QFETCH(QByteArray, outcome);
        QFETCH(QByteArray, statusClass);
        QFETCH(QByteArray, renderedOutcome);
        GatewayMetrics metrics;
        metrics.observe(request("p", "m", status, outcome));
        const Parsed parsed = parsePrometheusText(metrics.render());
        QVERIFY2(parsed.error.isEmpty(), qPrintable(parsed.error));
        const auto requests = parsed.named("signalbox_requests_total");
        QCOMPARE(requests.size(), std::size_t(1));
        QCOMPARE(requests[0].labels.value("status_class"), statusClass);
        QCOMPARE(requests[0].labels.value("outcome"), renderedOutcome);
    }

    void countsAddUpExactlyAcrossThreads()
    {
        constexpr int kThreads = 4;
        constexpr int kPerThread = 10'000;
        const QByteArray models[] = { "openai/gpt-4o", "anthropic/claude-sonnet-4", "meta/llama-3.3-70b" };
        GatewayMetrics metrics;
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&metrics, &models, t] {
                for (int i = 0; i < kPerThread; ++i) {
                    RequestObservation o = request(
                        "prov", models[i % 3], i % 10 == 0 ? 502 : 200, i % 10 == 0 ? "upstream_error" : "ok");
                    o.latencyUs = qint64(i % 7) * 100'000 + t; // 0 .. 0.6 s
                    if (i % 2 == 0)
                        o.ttftUs = 30'000;
                    o.overheadUs = 20 + (i % 5);
                    o.promptTokens = 10;
                    o.completionTokens = 3;
                    o.cachedTokens = i % 2;
                    o.reasoningTokens = 1;
                    o.cost = Money::fromNanos(7);
                    metrics.observe(o);
                    metrics.upstreamAttempt("prov", i % 10 == 0 ? "upstream_error" : "ok");
                }
            });
        }
        for (auto &thread : threads)
            thread.join();

        const Parsed parsed = parsePrometheusText(metrics.render());
        QVERIFY2(parsed.error.isEmpty(), qPrintable(parsed.error));
        quint64 total = 0;
        for (const Sample &s : parsed.named("signalbox_requests_total"))
            total += s.value.toULongLong();
        QCOMPARE(total, quint64(kThreads * kPerThread));
        quint64 durationCount = 0;
        for (const QByteArray &model : models) {
            const Labels labels = pm("prov", model);
            // Every model gets the same share of i % 3 per thread, up to one.
            const quint64 perModel = [&] {
                quint64 n = 0;
                for (int i = 0; i < kPerThread; ++i)
                    n += models[i % 3] == model ? 1 : 0;
                return n * kThreads;
            }();
            quint64 failed = 0;
            for (int i = 0; i < kPerThread; ++i)
                failed += (models[i % 3] == model && i % 10 == 0) ? 1 : 0;
            failed *= kThreads;
            QCOMPARE(parsed
                         .value("signalbox_requests_total",
                             with(with(labels, "status_class", "5xx"), "outcome", "upstream_error"))
                         .toULongLong(),
                failed);
            QCOMPARE(
                parsed.value("signalbox_requests_total", with(with(labels, "status_class", "2xx"), "outcome", "ok"))
                    .toULongLong(),
                perModel - failed);
            checkHistogram(parsed, "signalbox_request_duration_seconds", labels, perModel);
            durationCount += perModel;
            QCOMPARE(
                parsed.value("signalbox_tokens_total", with(labels, "kind", "prompt")).toULongLong(), perModel * 10);
            QCOMPARE(parsed.value("signalbox_spend_usd_total", labels),
                Money::fromNanos(qint64(perModel) * 7).toDecimalString().toLatin1());
        }
        QCOMPARE(durationCount, quint64(kThreads * kPerThread));

        // Sums are exact: whole microseconds, summed as integers.
        qint64 expectedSumUs = 0;
        for (int t = 0; t < kThreads; ++t) {
            for (int i = 0; i < kPerThread; ++i)
                expectedSumUs += qint64(i % 7) * 100'000 + t;
        }
        qint64 renderedSumUs = 0;
        for (const Sample &s : parsed.named("signalbox_request_duration_seconds_sum")) {
            const QList<QByteArray> parts = s.value.split('.');
            const QByteArray fraction = parts.size() > 1 ? parts[1].leftJustified(6, '0') : QByteArray("000000");
            renderedSumUs += parts[0].toLongLong() * 1'000'000 + fraction.toLongLong();
        }
        QCOMPARE(renderedSumUs, expectedSumUs);

        quint64 ttft = 0;
        for (const Sample &s : parsed.named("signalbox_ttft_seconds_count"))
            ttft += s.value.toULongLong();
        QCOMPARE(ttft, quint64(kThreads * kPerThread / 2));
        checkHistogram(parsed, "signalbox_gateway_overhead_seconds", {}, quint64(kThreads * kPerThread));
        QCOMPARE(parsed.value("signalbox_upstream_attempts_total", { { "provider", "prov" }, { "outcome", "ok" } })
                     .toULongLong(),
            quint64(kThreads * kPerThread * 9 / 10));
        QCOMPARE(
            parsed
                .value("signalbox_upstream_attempts_total", { { "provider", "prov" }, { "outcome", "upstream_error" } })
                .toULongLong(),
            quint64(kThreads * kPerThread / 10));
        QCOMPARE(parsed.value("signalbox_metrics_series_overflow_total"), QByteArray("0"));
    }

    void renderWhileObserving()
    {
        // A scrape in the middle of traffic sees a consistent, parseable text.
        GatewayMetrics metrics(32);
        std::atomic<bool> stop { false };
        std::vector<std::thread> threads;
        for (int t = 0; t < 3; ++t) {
            threads.emplace_back([&metrics, &stop, t] {
                for (int i = 0; !stop.load(); ++i)
                    metrics.observe(request("p" + QByteArray::number(t), "m" + QByteArray::number(i % 50)));
            });
        }
        for (int i = 0; i < 20; ++i) {
            const Parsed parsed = parsePrometheusText(metrics.render());
            QVERIFY2(parsed.error.isEmpty(), qPrintable(parsed.error));
        }
        stop = true;
        for (auto &thread : threads)
            thread.join();
    }

    void spendIsAnExactSum()
    {
        GatewayMetrics metrics;
        RequestObservation o = request("openai", "openai/gpt-4o-mini");
        o.cost = usd("0.000000123");
        for (int i = 0; i < 10'000; ++i)
            metrics.observe(o);
        // A double sum of 10,000 x 1.23e-7 is 0.0012300000000000624 or so.
        const Parsed parsed = parsePrometheusText(metrics.render());
        QVERIFY2(parsed.error.isEmpty(), qPrintable(parsed.error));
        QCOMPARE(parsed.value("signalbox_spend_usd_total", pm("openai", "openai/gpt-4o-mini")), QByteArray("0.00123"));

        // Attodollars survive too.
        GatewayMetrics fine;
        RequestObservation tiny = request("p", "m");
        tiny.cost = Money::fromAttos(1);
        for (int i = 0; i < 3; ++i)
            fine.observe(tiny);
        QCOMPARE(parsePrometheusText(fine.render()).value("signalbox_spend_usd_total", pm("p", "m")),
            QByteArray("0.000000000000000003"));
    }

    void unpricedRequestsAreCountedApart()
    {
        GatewayMetrics metrics;
        RequestObservation priced = request("acme", "acme/model");
        priced.cost = usd("0.25");
        RequestObservation unpriced = request("acme", "acme/model");
        unpriced.cost = std::nullopt;
        unpriced.promptTokens = 100;
        for (int i = 0; i < 3; ++i)
            metrics.observe(priced);
        for (int i = 0; i < 2; ++i)
            metrics.observe(unpriced);
        RequestObservation otherModel = request("acme", "acme/free");
        otherModel.cost = std::nullopt;
        metrics.observe(otherModel);

        const Parsed parsed = parsePrometheusText(metrics.render());
        QVERIFY2(parsed.error.isEmpty(), qPrintable(parsed.error));
        QCOMPARE(parsed.value("signalbox_spend_usd_total", pm("acme", "acme/model")), QByteArray("0.75"));
        QCOMPARE(parsed.value("signalbox_unpriced_requests_total", pm("acme", "acme/model")), QByteArray("2"));
        // No spend at all is 0, not a guess.
        QCOMPARE(parsed.value("signalbox_spend_usd_total", pm("acme", "acme/free")), QByteArray("0"));
        QCOMPARE(parsed.value("signalbox_unpriced_requests_total", pm("acme", "acme/free")), QByteArray("1"));
        QCOMPARE(parsed.value("signalbox_tokens_total", with(pm("acme", "acme/model"), "kind", "prompt")),
            QByteArray("200"));
    }

    void labelValuesAreEscaped()
    {
        GatewayMetrics metrics;
        const QByteArray model = "evil\"model\nwith\\backslash";
        metrics.observe(request("prov", model));
        const QByteArray text = metrics.render();
        QVERIFY(text.contains("model=\"evil\\\"model\\nwith\\\\backslash\""));
        const Parsed parsed = parsePrometheusText(text);
        QVERIFY2(parsed.error.isEmpty(), qPrintable(parsed.error));
        QCOMPARE(parsed.value("signalbox_spend_usd_total", pm("prov", model)), QByteArray("0"));
        // Every line is still a whole sample or comment: the newline did not split one.
        for (const QByteArray &line : text.split('\n'))
            QVERIFY(line.isEmpty() || line.startsWith('#') || line.startsWith("signalbox_"));
    }

    void labelValuesAreValidBoundedUtf8()
    {
        GatewayMetrics metrics;
        const QByteArray invalid = QByteArray("bad\xff\xfe") + '\0' + QByteArray("\x01z");
        const QByteArray longName = QByteArray(5000, 'x');
        metrics.observe(request("prov", invalid));
        metrics.observe(request("prov", longName));
        metrics.observe(request("prov", "caf\xc3\xa9")); // valid UTF-8 stays as is
        const Parsed parsed = parsePrometheusText(metrics.render());
        QVERIFY2(parsed.error.isEmpty(), qPrintable(parsed.error));
        QByteArrayList models;
        for (const Sample &s : parsed.named("signalbox_spend_usd_total"))
            models.append(s.labels.value("model"));
        QCOMPARE(models.size(), 3);
        QVERIFY(models.contains("caf\xc3\xa9"));
        QVERIFY(models.contains("bad\xef\xbf\xbd\xef\xbf\xbd??z"));
        for (const QByteArray &m : models) {
            QVERIFY(m.size() <= 200);
            QVERIFY(QString::fromUtf8(m).toUtf8() == m);
        }
    }

    void attackerCannotGrowTheLabelSet()
    {
        constexpr int kMax = 64;
        constexpr int kNames = 10'000;
        GatewayMetrics metrics(kMax);
        QCOMPARE(metrics.maxSeries(), kMax);
        for (int i = 0; i < kNames; ++i)
            metrics.observe(request("openrouter", "attacker/model-" + QByteArray::number(i)));
        // Names seen before still count under their own labels.
        metrics.observe(request("openrouter", "attacker/model-0"));

        const Parsed parsed = parsePrometheusText(metrics.render());
        QVERIFY2(parsed.error.isEmpty(), qPrintable(parsed.error));
        QSet<QByteArray> pairs;
        for (const Sample &s : parsed.samples) {
            if (s.labels.contains("model"))
                pairs.insert(s.labels.value("provider") + '\x1f' + s.labels.value("model"));
        }
        QCOMPARE(pairs.size(), kMax + 1); // kMax real pairs and other/other
        QVERIFY(pairs.contains("other\x1fother"));
        QCOMPARE(parsed.value("signalbox_metrics_series_overflow_total").toLongLong(), qint64(kNames - kMax));
        QCOMPARE(parsed
                     .value("signalbox_requests_total",
                         with(with(pm("other", "other"), "status_class", "2xx"), "outcome", "ok"))
                     .toLongLong(),
            qint64(kNames - kMax));
        QCOMPARE(parsed.value("signalbox_requests_total",
                     with(with(pm("openrouter", "attacker/model-0"), "status_class", "2xx"), "outcome", "ok")),
            QByteArray("2"));
        // The text stays small: about a hundred lines per series at most.
        QVERIFY(parsed.samples.size() < std::size_t(kMax + 1) * 100);
    }

    void overflowFromManyThreadsIsExact()
    {
        constexpr int kMax = 16;
        GatewayMetrics metrics(kMax);
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&metrics, t] {
                for (int i = 0; i < 2'500; ++i)
                    metrics.observe(request("p", "m-" + QByteArray::number(t) + '-' + QByteArray::number(i)));
            });
        }
        for (auto &thread : threads)
            thread.join();
        const Parsed parsed = parsePrometheusText(metrics.render());
        QVERIFY2(parsed.error.isEmpty(), qPrintable(parsed.error));
        QCOMPARE(parsed.named("signalbox_spend_usd_total").size(), std::size_t(kMax + 1));
        QCOMPARE(parsed.value("signalbox_metrics_series_overflow_total").toLongLong(), qint64(10'000 - kMax));
    }

    void aClientNamedOtherDoesNotDuplicateTheOverflowSeries()
    {
        GatewayMetrics metrics(2);
        metrics.observe(request("other", "other"));
        for (int i = 0; i < 5; ++i)
            metrics.observe(request("p", "m" + QByteArray::number(i)));
        const Parsed parsed = parsePrometheusText(metrics.render());
        QVERIFY2(parsed.error.isEmpty(), qPrintable(parsed.error)); // no "series twice"
        QCOMPARE(parsed.value("signalbox_metrics_series_overflow_total"), QByteArray("3"));
        QCOMPARE(parsed.named("signalbox_spend_usd_total").size(), std::size_t(3));
    }

    void upstreamAttemptLabelsAreBounded()
    {
        GatewayMetrics metrics(4);
        for (int i = 0; i < 100; ++i)
            metrics.upstreamAttempt(QByteArray("provider-" + QByteArray::number(i)), "ok");
        metrics.upstreamAttempt("provider-0", "made-up outcome");
        const Parsed parsed = parsePrometheusText(metrics.render());
        QVERIFY2(parsed.error.isEmpty(), qPrintable(parsed.error));
        const auto attempts = parsed.named("signalbox_upstream_attempts_total");
        QCOMPARE(attempts.size(), std::size_t(5));
        QCOMPARE(parsed.value("signalbox_upstream_attempts_total", { { "provider", "other" }, { "outcome", "other" } }),
            QByteArray("97"));
        QCOMPARE(parsed.value("signalbox_metrics_series_overflow_total"), QByteArray("97"));
    }

    void gauges()
    {
        GatewayMetrics metrics;
        metrics.setGauge("usage_queue_depth", "Usage records waiting to be written.", 12);
        metrics.setGauge("usage_queue_depth", "Usage records waiting to be written.", 3);
        std::atomic<int> inFlight { 0 };
        metrics.setGaugeFunction("signalbox_in_flight_requests", "Requests being served.\nNow.",
            [&inFlight] { return double(inFlight.load()); });
        QTest::ignoreMessage(QtWarningMsg,
            QRegularExpression(QStringLiteral("Ignored a gauge with an invalid or reserved name.*bad name")));
        QTest::ignoreMessage(QtWarningMsg,
            QRegularExpression(QStringLiteral("Ignored a gauge with an invalid or reserved name.*requests_total")));
        metrics.setGauge("bad name", "ignored", 1);
        metrics.setGauge("requests_total", "reserved: ignored", 1);
        metrics.setGauge("ratio", "a fraction", 0.1);
        metrics.setGauge("nothing", "not a number", qQNaN());
        inFlight = 7;

        const QByteArray text = metrics.render();
        const Parsed parsed = parsePrometheusText(text);
        QVERIFY2(parsed.error.isEmpty(), qPrintable(parsed.error));
        QCOMPARE(parsed.types.value("signalbox_usage_queue_depth"), QByteArray("gauge"));
        QCOMPARE(parsed.value("signalbox_usage_queue_depth"), QByteArray("3"));
        QCOMPARE(parsed.value("signalbox_in_flight_requests"), QByteArray("7"));
        QCOMPARE(parsed.value("signalbox_ratio"), QByteArray("0.1"));
        QCOMPARE(parsed.value("signalbox_nothing"), QByteArray("NaN"));
        QVERIFY(text.contains("# HELP signalbox_in_flight_requests Requests being served.\\nNow.\n"));
        QVERIFY(!text.contains("bad name"));
        QCOMPARE(parsed.named("signalbox_requests_total").size(), std::size_t(0));
    }
};

QTEST_GUILESS_MAIN(TestGatewayMetrics)
#include "tst_gatewaymetrics.moc"
