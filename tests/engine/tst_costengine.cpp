// The cost engine on the real price data, with costs worked by hand, and the
// strict genai-prices importer on malformed input.

#include "engine/cost/costengine.h"
#include "engine/cost/pricebook.h"
#include "tests/engine/genai_samples.h"

#include <QFile>
#include <QTest>

using namespace signalbox::engine;

namespace {
Money usd(const char *text)
{
    return Money::parse(QByteArrayView(text)).value();
}

QDateTime utc(const char *iso)
{
    return QDateTime::fromString(QString::fromLatin1(iso), Qt::ISODateWithMs);
}
} // namespace

class TestCostEngine : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QFile file(QStringLiteral(SIGNALBOX_GENAI_PRICES_JSON));
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.fileName()));
        auto book = PriceBook::fromGenaiPricesJson(file.readAll());
        QVERIFY2(book.ok(), qPrintable(book.ok() ? QString() : book.error().message));
        m_book = std::move(book).value();
    }

    void loadsEveryProviderAndEntry()
    {
        QCOMPARE(m_book.providers().size(), std::size_t(43));
        QCOMPARE(m_book.entryCount(), std::size_t(1694));
        QCOMPARE(m_book.provider(u"openrouter")->entries.size(), std::size_t(701));
    }

    // claude-sonnet-4-5: $3 / $15 per million, $6 / $22.50 once the prompt
    // is over 200,000 tokens — for the whole request, not the excess.
    void promptTiers_data()
    {
        QTest::addColumn<qint64>("input");
        QTest::addColumn<QString>("expectedInput");
        QTest::addColumn<QString>("expectedOutput");
        QTest::newRow("199,999") << qint64(199999) << QStringLiteral("0.599997") << QStringLiteral("0.015");
        QTest::newRow("200,000") << qint64(200000) << QStringLiteral("0.6") << QStringLiteral("0.015");
        QTest::newRow("200,001") << qint64(200001) << QStringLiteral("1.200006") << QStringLiteral("0.0225");
    }

    void promptTiers()
    {
        QFETCH(qint64, input);
        QFETCH(QString, expectedInput);
        QFETCH(QString, expectedOutput);
        const auto match = m_book.find(u"anthropic", u"claude-sonnet-4-5-20250929");
        QVERIFY(match);
        QCOMPARE(match->entry->id, QStringLiteral("claude-sonnet-4-5"));
        const auto cost = PriceBook::price(*match, Usage::tokens(input, 1000), utc("2026-10-01T12:00:00Z"));
        QVERIFY(cost.ok());
        QCOMPARE(cost->input.toDecimalString(), expectedInput);
        QCOMPARE(cost->output.toDecimalString(), expectedOutput);
    }

    void cachePricesByHand_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<qint64>("input");
        QTest::addColumn<qint64>("cacheRead");
        QTest::addColumn<qint64>("cacheWrite");
        QTest::addColumn<qint64>("cacheWrite1h");
        QTest::addColumn<qint64>("output");
        QTest::addColumn<QString>("total");
        // (250k - 10k - 40k) x $6 + 10k x $7.50 + 40k x $0.60, per million, + 2k x $22.50: tier prices.
        QTest::newRow("sonnet 4.5 over the tier") << QStringLiteral("claude-sonnet-4-5") << qint64(250000) << qint64(40000)
                                                  << qint64(10000) << qint64(0) << qint64(2000) << QStringLiteral("1.344");
        // 860 x $3 + 60 x $3.75 (5-minute writes) + 40 x $6 (1-hour writes), per million.
        QTest::newRow("sonnet 4 one-hour writes") << QStringLiteral("claude-sonnet-4-0") << qint64(1000) << qint64(0)
                                                  << qint64(100) << qint64(40) << qint64(0) << QStringLiteral("0.003165");
        // 600k x $3 + 400k x $0.30 per million; 5k output x $15.
        QTest::newRow("sonnet 4 cache reads") << QStringLiteral("claude-sonnet-4-0") << qint64(1000000) << qint64(400000)
                                              << qint64(0) << qint64(0) << qint64(5000) << QStringLiteral("1.995");
    }

    void cachePricesByHand()
    {
        QFETCH(QString, model);
        QFETCH(qint64, input);
        QFETCH(qint64, cacheRead);
        QFETCH(qint64, cacheWrite);
        QFETCH(qint64, cacheWrite1h);
        QFETCH(qint64, output);
        QFETCH(QString, total);
        const auto match = m_book.find(u"anthropic", model);
        QVERIFY(match);
        const auto cost = PriceBook::price(*match, Usage::tokens(input, output, cacheRead, cacheWrite, cacheWrite1h),
                                           utc("2026-10-01T12:00:00Z"));
        QVERIFY2(cost.ok(), qPrintable(cost.ok() ? QString() : cost.error().message));
        QCOMPARE(cost->total().toDecimalString(), total);
    }

    // deepseek-chat costs double from 00:30 to 16:30 UTC.
    void timeOfDayWindow_data()
    {
        QTest::addColumn<QString>("at");
        QTest::addColumn<QString>("total");
        QTest::newRow("00:29:59.999 off-peak") << QStringLiteral("2026-10-01T00:29:59.999Z") << QStringLiteral("0.135");
        QTest::newRow("00:30:00 peak starts") << QStringLiteral("2026-10-01T00:30:00.000Z") << QStringLiteral("0.27");
        QTest::newRow("16:29:59.999 still peak") << QStringLiteral("2026-10-01T16:29:59.999Z") << QStringLiteral("0.27");
        QTest::newRow("16:30:00 off-peak again") << QStringLiteral("2026-10-01T16:30:00.000Z") << QStringLiteral("0.135");
        QTest::newRow("other time zone, same instant")
            << QStringLiteral("2026-10-01T02:30:00.000+02:00") << QStringLiteral("0.27");
    }

    void timeOfDayWindow()
    {
        QFETCH(QString, at);
        QFETCH(QString, total);
        const auto match = m_book.find(u"deepseek", u"deepseek-chat");
        QVERIFY(match);
        const auto cost = PriceBook::price(*match, Usage::tokens(1000000, 0), QDateTime::fromString(at, Qt::ISODateWithMs));
        QVERIFY(cost.ok());
        QCOMPARE(cost->total().toDecimalString(), total);
    }

    void peakCachePrices()
    {
        // 600k x $0.27 + 400k cached x $0.07 + 100k out x $1.10, per million.
        const auto match = m_book.find(u"deepseek", u"deepseek-chat");
        const auto cost = PriceBook::price(*match, Usage::tokens(1000000, 100000, 400000), utc("2026-10-01T12:00:00Z"));
        QVERIFY(cost.ok());
        QCOMPARE(cost->total(), usd("0.3"));
        QCOMPARE(cost->lines.size(), std::size_t(3));
    }

    void startDate()
    {
        // claude-opus-4-6 changes price from 2026-03-13 on.
        const auto match = m_book.find(u"anthropic", u"claude-opus-4-6");
        QVERIFY(match);
        const Usage usage = Usage::tokens(300000, 0);
        const auto before = PriceBook::price(*match, usage, utc("2026-03-12T23:59:59.999Z"));
        const auto after = PriceBook::price(*match, usage, utc("2026-03-13T00:00:00.000Z"));
        QVERIFY(before.ok() && after.ok());
        QVERIFY(before->total() != after->total());
    }

    void perRequestFee()
    {
        // Perplexity sonar: $1 / $1 per million plus $12 per thousand requests.
        const auto match = m_book.find(u"perplexity", u"sonar");
        QVERIFY(match);
        const auto cost = PriceBook::price(*match, Usage::tokens(1000, 100), utc("2026-10-01T12:00:00Z"));
        QVERIFY(cost.ok());
        QCOMPARE(cost->other, usd("0.012"));
        QCOMPARE(cost->total(), usd("0.0131"));
    }

    void freeIsPricedAtZero()
    {
        const auto match = m_book.find(u"openrouter", u"deepseek/deepseek-chat-v3-0324:free");
        QVERIFY(match);
        const auto cost = PriceBook::price(*match, Usage::tokens(5000, 500), utc("2026-10-01T12:00:00Z"));
        QVERIFY(cost.ok());
        QVERIFY(cost->isPriced());
        QVERIFY(cost->total().isZero());
    }

    void unknownPriceIsUnpricedNotZero()
    {
        const PriceSchedule unknown;
        const auto cost = computeCost(unknown, Usage::tokens(5000, 500), utc("2026-10-01T12:00:00Z"));
        QVERIFY(cost.ok());
        QCOMPARE(cost->status, Cost::Status::Unpriced);
        QVERIFY(!cost->isPriced());
    }

    void identifiesEntries_data()
    {
        QTest::addColumn<QString>("provider");
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("entry");
        QTest::newRow("dated OpenAI id") << QStringLiteral("openai") << QStringLiteral("gpt-5-2025-08-07") << QStringLiteral("gpt-5");
        QTest::newRow("case and spaces") << QStringLiteral("anthropic") << QStringLiteral("  CLAUDE-Sonnet-4-5-20250929 ")
                                         << QStringLiteral("claude-sonnet-4-5");
        QTest::newRow("azure falls back to openai") << QStringLiteral("azure") << QStringLiteral("gpt-4o") << QStringLiteral("gpt-4o");
        QTest::newRow("unknown model") << QStringLiteral("anthropic") << QStringLiteral("no-such-model") << QString();
        QTest::newRow("unknown provider") << QStringLiteral("no-such-provider") << QStringLiteral("gpt-5") << QString();
    }

    void identifiesEntries()
    {
        QFETCH(QString, provider);
        QFETCH(QString, model);
        QFETCH(QString, entry);
        const auto match = m_book.find(provider, model);
        QCOMPARE(match.has_value(), !entry.isEmpty());
        if (match)
            QCOMPARE(match->entry->id, entry);
    }

    void rejectsInvalidUsage_data()
    {
        QTest::addColumn<qint64>("input");
        QTest::addColumn<qint64>("cacheRead");
        QTest::addColumn<qint64>("output");
        QTest::addColumn<QString>("message");
        QTest::newRow("cache reads exceed input") << qint64(10) << qint64(20) << qint64(1) << QStringLiteral("cannot exceed input_tokens");
        QTest::newRow("negative output") << qint64(10) << qint64(0) << qint64(-1) << QStringLiteral("output_tokens is negative");
    }

    void rejectsInvalidUsage()
    {
        QFETCH(qint64, input);
        QFETCH(qint64, cacheRead);
        QFETCH(qint64, output);
        QFETCH(QString, message);
        const auto match = m_book.find(u"anthropic", u"claude-sonnet-4-0");
        const auto cost = PriceBook::price(*match, Usage::tokens(input, output, cacheRead), utc("2026-10-01T12:00:00Z"));
        QVERIFY(!cost.ok());
        QCOMPARE(cost.error().code, QStringLiteral("invalid-usage"));
        QVERIFY2(cost.error().message.contains(message), qPrintable(cost.error().message));
    }

    void partWithoutWholeIsRejected()
    {
        const auto match = m_book.find(u"anthropic", u"claude-sonnet-4-0");
        Usage usage;
        usage.set(units::cacheReadTokens(), 20).set(units::outputTokens(), 5);
        const auto cost = PriceBook::price(*match, usage, utc("2026-10-01T12:00:00Z"));
        QVERIFY(!cost.ok());
        QVERIFY2(cost.error().message.contains(QStringLiteral("cache_read_tokens reported without input_tokens")),
                 qPrintable(cost.error().message));
    }

    void importerRejectsMalformedInput_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("message");
        for (const auto &sample : malformedGenaiPricesSamples())
            QTest::newRow(sample.name) << sample.json << sample.message;
    }

    void importerRejectsMalformedInput()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, message);
        const auto book = PriceBook::fromGenaiPricesJson(json);
        QVERIFY(!book.ok());
        QCOMPARE(book.error().code, QStringLiteral("invalid-catalog"));
        QVERIFY2(book.error().message.contains(message), qPrintable(book.error().message));
    }

private:
    PriceBook m_book;
};

QTEST_GUILESS_MAIN(TestCostEngine)
#include "tst_costengine.moc"
