// Exact money: parsing, arithmetic, rounding and how amounts are shown.

#include "engine/cost/money.h"

#include <QTest>

using signalbox::engine::Money;

Q_DECLARE_METATYPE(Money)

namespace {
Money m(const char *text)
{
    return Money::parse(QByteArrayView(text)).value();
}
} // namespace

class TestMoney : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void parse_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<qint64>("nanos");
        QTest::addColumn<qint64>("attos");
        QTest::addColumn<QString>("decimal");
        QTest::newRow("zero") << QByteArray("0") << qint64(0) << qint64(0) << QStringLiteral("0");
        QTest::newRow("per-token price") << QByteArray("0.0000000375") << qint64(37) << qint64(500000000)
                                         << QStringLiteral("0.0000000375");
        QTest::newRow("whole dollars") << QByteArray("12") << qint64(12000000000) << qint64(0) << QStringLiteral("12");
        QTest::newRow("negative") << QByteArray("-1.5") << qint64(-1500000000) << qint64(0) << QStringLiteral("-1.5");
        QTest::newRow("negative fraction") << QByteArray("-0.0000000000000000015") << qint64(-1) << qint64(999999998)
                                           << QStringLiteral("-0.000000000000000002");
        QTest::newRow("exponent") << QByteArray("3e-7") << qint64(300) << qint64(0) << QStringLiteral("0.0000003");
        QTest::newRow("exponent upper") << QByteArray("1.25E+2") << qint64(125000000000) << qint64(0) << QStringLiteral("125");
        QTest::newRow("18 decimals exact") << QByteArray("0.123456789123456789") << qint64(123456789) << qint64(123456789)
                                           << QStringLiteral("0.123456789123456789");
        QTest::newRow("rounds half up at 1e-18") << QByteArray("0.0000000000000000005") << qint64(0) << qint64(1)
                                                 << QStringLiteral("0.000000000000000001");
        QTest::newRow("rounds down below half") << QByteArray("0.0000000000000000004") << qint64(0) << qint64(0)
                                                << QStringLiteral("0");
        QTest::newRow("float artefact kept") << QByteArray("0.18000000000000002") << qint64(180000000) << qint64(20)
                                             << QStringLiteral("0.18000000000000002");
        QTest::newRow("spaces and plus") << QByteArray("  +2.50 ") << qint64(2500000000) << qint64(0) << QStringLiteral("2.5");
    }

    void parse()
    {
        QFETCH(QByteArray, text);
        QFETCH(qint64, nanos);
        QFETCH(qint64, attos);
        QFETCH(QString, decimal);
        const auto value = Money::parse(text);
        QVERIFY(value.has_value());
        QCOMPARE(value->nanos(), nanos);
        QCOMPARE(value->attos(), attos);
        QCOMPARE(value->toDecimalString(), decimal);
    }

    void rejectsNonNumbers_data()
    {
        QTest::addColumn<QByteArray>("text");
        for (const char *bad : {"", "abc", "1,5", "NaN", "inf", "1e", "--1", ".", "1.2.3", "0x10", "1e999", "99999999999",
                                "1e 5", "1e00000000005", "1e+", "1e-"})
            QTest::newRow(bad[0] ? bad : "empty") << QByteArray(bad);
    }

    void rejectsNonNumbers()
    {
        QFETCH(QByteArray, text);
        QVERIFY(!Money::parse(text).has_value());
    }

    void fromDoubleUsesShortestForm()
    {
        QCOMPARE(Money::fromDouble(0.075)->toDecimalString(), QStringLiteral("0.075"));
        QCOMPARE(Money::fromDouble(3.75)->toDecimalString(), QStringLiteral("3.75"));
        QCOMPARE(Money::fromDouble(1e-7)->toDecimalString(), QStringLiteral("0.0000001"));
        QVERIFY(!Money::fromDouble(std::numeric_limits<double>::quiet_NaN()).has_value());
        QVERIFY(!Money::fromDouble(std::numeric_limits<double>::infinity()).has_value());
    }

    void sumsAreExact()
    {
        Money sum;
        double floatSum = 0;
        for (int i = 0; i < 10; ++i) {
            sum += m("0.1");
            floatSum += 0.1;
        }
        QCOMPARE(sum, m("1"));
        QVERIFY(floatSum != 1.0);  // what summing floats would have logged

        // A million requests at 37.5 nano-dollars each: exactly $0.0375.
        QCOMPARE(m("0.0000000375").times(1000000).value(), m("0.0375"));
        QCOMPARE((m("1.25") - m("1.30")).toDecimalString(), QStringLiteral("-0.05"));
    }

    void timesDetectsOverflow()
    {
        QVERIFY(!m("1000").times(std::numeric_limits<qint64>::max() / 2).has_value());
        QVERIFY(m("0.000015").times(10'000'000'000).has_value());
    }

    void division()
    {
        QCOMPARE(m("1").dividedBy(3).toDecimalString(), QStringLiteral("0.333333333333333333"));
        QCOMPARE(m("2").dividedBy(3).toDecimalString(), QStringLiteral("0.666666666666666667"));
        QCOMPARE(m("-2").dividedBy(3).toDecimalString(), QStringLiteral("-0.666666666666666667"));
        QCOMPARE(m("3").dividedBy(1000000).toDecimalString(), QStringLiteral("0.000003"));
        QCOMPARE(m("3").scaled(3, 4).toDecimalString(), QStringLiteral("2.25"));
    }

    void ordering()
    {
        QVERIFY(m("0.05") < m("1.20"));
        QVERIFY(m("1.20") < m("10"));
        QVERIFY(m("-0.000000000000000001") < Money());
        QVERIFY(m("-0.000000000000000001").isNegative());
    }

    void display_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("shown");
        QTest::newRow("dollars") << QByteArray("1.2") << QStringLiteral("$1.20");
        QTest::newRow("rounded cents") << QByteArray("1.205") << QStringLiteral("$1.21");
        QTest::newRow("sub-cent") << QByteArray("0.0042") << QStringLiteral("$0.0042");
        QTest::newRow("three significant") << QByteArray("0.000123456") << QStringLiteral("$0.000123");
        QTest::newRow("thousands") << QByteArray("1234.5") << QStringLiteral("$1,234.50");
        QTest::newRow("millions") << QByteArray("1234567") << QStringLiteral("$1,234,567.00");
        QTest::newRow("zero") << QByteArray("0") << QStringLiteral("$0.00");
        QTest::newRow("tiny is never $0") << QByteArray("0.000000000000001") << QStringLiteral("<$0.000000000001");
        QTest::newRow("negative") << QByteArray("-2.5") << QStringLiteral("-$2.50");
        QTest::newRow("rounds up to a dollar") << QByteArray("0.9999999") << QStringLiteral("$1.00");
    }

    void display()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, shown);
        QCOMPARE(m(text.constData()).toDisplayString(), shown);
    }

    void toDouble()
    {
        QCOMPARE(m("0.0000000375").toDouble(), 3.75e-8);
        QCOMPARE(m("-1.5").toDouble(), -1.5);
    }
};

QTEST_GUILESS_MAIN(TestMoney)
#include "tst_money.moc"
