// signalbox-gateway config apply on files that are wrong: malformed YAML,
// values that break a rule, several problems at once. Each problem is printed
// as FILE:LINE:COLUMN: FIELD: message (or as JSON), and nothing changes.

#include "tests/cli/configclifixture.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace signalbox::testing::configcli;
using signalbox::testing::CliOutcome;

class TestCliConfigErrors : public QObject, private ConfigCliFixture {
    Q_OBJECT

private slots:
    void init() { QVERIFY(setUpWorkspace()); }
    void malformedFileChangesNothingAndNamesLine();
    void invalidFileNamesLineAndField_data();
    void invalidFileNamesLineAndField();
    void everyProblemIsPrinted();
};

void TestCliConfigErrors::everyProblemIsPrinted()
{
    QStringList lines = baseLines();
    lines[4] = QStringLiteral("    nmae: Local vLLM"); // line 5
    lines[20] = QStringLiteral("    adjust: -150%"); // line 21
    lines[33] = QStringLiteral("    expires: next tuesday"); // line 34
    const QString path = write(QStringLiteral("three.yaml"), lines);
    const CliOutcome text = run({ QStringLiteral("config"), QStringLiteral("apply"), path });
    VERIFY_OUTCOME(text.exitCode == 2 && text.out.isEmpty(), text);
    const QStringList errorLines = text.err.trimmed().split(QLatin1Char('\n'));
    VERIFY_OUTCOME(errorLines.size() == 4, text);
    VERIFY_OUTCOME(errorLines[0].startsWith(path + QStringLiteral(":5:5: providers[0].nmae: ")), text);
    VERIFY_OUTCOME(errorLines[1].startsWith(path + QStringLiteral(":21:5: price_overrides[0].adjust: ")), text);
    VERIFY_OUTCOME(errorLines[2].startsWith(path + QStringLiteral(":34:5: keys[0].expires: ")), text);
    VERIFY_OUTCOME(errorLines[3].contains(QLatin1String("3 problems")), text);

    const CliOutcome json = run({ QStringLiteral("config"), QStringLiteral("apply"), path, QStringLiteral("--json") });
    VERIFY_OUTCOME(json.exitCode == 2, json);
    const QJsonObject object = QJsonDocument::fromJson(json.out.toUtf8()).object();
    QCOMPARE(object.value(QStringLiteral("ok")).toBool(true), false);
    const QJsonArray problems = object.value(QStringLiteral("problems")).toArray();
    QCOMPARE(problems.size(), 3);
    const QJsonObject adjust = problems.at(1).toObject();
    QCOMPARE(adjust.value(QStringLiteral("line")).toInt(), 21);
    QCOMPARE(adjust.value(QStringLiteral("column")).toInt(), 5);
    QCOMPARE(adjust.value(QStringLiteral("field")).toString(), QStringLiteral("price_overrides[0].adjust"));

    // Many problems: the first 20, and the count.
    QStringList many { QStringLiteral("providers:") };
    for (int i = 0; i < 25; ++i)
        many << QStringLiteral("  - id: \"bad id %1\"").arg(i) << QStringLiteral("    base_url: http://127.0.0.1/v1");
    const CliOutcome flood
        = run({ QStringLiteral("config"), QStringLiteral("apply"), write(QStringLiteral("many.yaml"), many) });
    VERIFY_OUTCOME(flood.exitCode == 2, flood);
    VERIFY_OUTCOME(flood.err.trimmed().split(QLatin1Char('\n')).size() == 21, flood);
    VERIFY_OUTCOME(flood.err.contains(QLatin1String("25 problems (the first 20 shown)")), flood);
}

void TestCliConfigErrors::malformedFileChangesNothingAndNamesLine()
{
    QString why;
    QVERIFY2(applyBase(&why), qUtf8Printable(why));
    const QString before = print();
    QStringList lines = baseLines();
    lines[29] = QStringLiteral("  sbtest-qwen: [unclosed"); // line 30, and the provider changed further up
    lines[5] = QStringLiteral("    base_url: http://127.0.0.1:9000/v1");
    const QString path = write(QStringLiteral("broken.yaml"), lines);
    const CliOutcome outcome = run({ QStringLiteral("config"), QStringLiteral("apply"), path });
    VERIFY_OUTCOME(outcome.exitCode == 2, outcome);
    VERIFY_OUTCOME(outcome.out.isEmpty(), outcome);
    // The problem as FILE:LINE:COLUMN: ..., then a summary.
    const QStringList errorLines = outcome.err.trimmed().split(QLatin1Char('\n'));
    VERIFY_OUTCOME(errorLines.size() == 2, outcome);
    VERIFY_OUTCOME(errorLines.first().startsWith(path + QLatin1Char(':')), outcome);
    VERIFY_OUTCOME(errorLines.last().startsWith(QLatin1String("signalbox-gateway: config apply: ")), outcome);
    // yaml-cpp notices the unclosed flow sequence of line 30 where the next entry starts (line 31).
    VERIFY_OUTCOME(
        outcome.err.contains(path + QStringLiteral(":30:")) || outcome.err.contains(path + QStringLiteral(":31:")),
        outcome);
    VERIFY_OUTCOME(outcome.err.contains(QLatin1String("malformed YAML")), outcome);
    QCOMPARE(print(), before);

    // A plain syntax error on a line of its own.
    lines = baseLines();
    lines[12] = QStringLiteral("          input_mtok: 0.10: 0.20");
    const CliOutcome second
        = run({ QStringLiteral("config"), QStringLiteral("apply"), write(QStringLiteral("broken2.yaml"), lines) });
    VERIFY_OUTCOME(second.exitCode == 2 && second.err.contains(QLatin1String("broken2.yaml:13:")), second);
    QCOMPARE(print(), before);
}

void TestCliConfigErrors::invalidFileNamesLineAndField_data()
{
    QTest::addColumn<int>("index"); // the base line replaced (0-based)
    QTest::addColumn<QString>("replacement");
    QTest::addColumn<QString>("where"); // "LINE:... FIELD"
    QTest::addColumn<QString>("message");
    QTest::addColumn<int>("exitCode");

    QTest::newRow("unknown field") << 4 << QStringLiteral("    nmae: Local vLLM")
                                   << QStringLiteral(":5:5: providers[0].nmae") << QStringLiteral("unknown field") << 2;
    QTest::newRow("literal provider key")
        << 6 << QStringLiteral("    key: sk-proj-abcdefghijklmnopqrstuvwxyz0123456789") << QStringLiteral(":7:")
        << QStringLiteral("never written in the config file") << 2;
    QTest::newRow("provider key through ${VAR}")
        << 6 << QStringLiteral("    key: ${SBTEST_CI_KEY}") << QStringLiteral(":7:")
        << QStringLiteral("reference the variable") << 2;
    QTest::newRow("api_key field") << 6 << QStringLiteral("    api_key: sk-proj-abcdefghijklmnopqrstuvwxyz0123456789")
                                   << QStringLiteral(":7:5: providers[0].api_key")
                                   << QStringLiteral("secrets are never written") << 2;
    QTest::newRow("literal virtual key secret")
        << 34 << QString(QStringLiteral("    secret: ") + kCiSecret) << QStringLiteral(":35:5: keys[0].secret")
        << QStringLiteral("never written") << 2;
    QTest::newRow("unset variable") << 34 << QStringLiteral("    secret: ${SBTEST_UNSET_VARIABLE}")
                                    << QStringLiteral(":35:5: keys[0].secret")
                                    << QStringLiteral("SBTEST_UNSET_VARIABLE is not set") << 2;
    QTest::newRow("variable not a key") << 34 << QStringLiteral("    secret: ${SBTEST_NOT_A_KEY}")
                                        << QStringLiteral(":35:5: keys[0].secret")
                                        << QStringLiteral("not a Signalbox key") << 2;
    QTest::newRow("rate as exponent") << 12 << QStringLiteral("          input_mtok: 1e-3")
                                      << QStringLiteral(":13:11: providers[0].offerings[0].price.input_mtok")
                                      << QStringLiteral("plain decimal") << 2;
    QTest::newRow("rate finer than an attodollar")
        << 12 << QStringLiteral("          input_mtok: 0.0000000000001")
        << QStringLiteral(":13:11: providers[0].offerings[0].price.input_mtok") << QStringLiteral("not exact") << 2;
    QTest::newRow("unknown unit") << 12 << QStringLiteral("          input_mtokens: 0.10")
                                  << QStringLiteral(":13:11: providers[0].offerings[0].price.input_mtokens")
                                  << QStringLiteral("unknown unit") << 2;
    QTest::newRow("tiers descending")
        << 13 << QStringLiteral("          output_mtok: {rate: 0.3, tiers: [{above: 9, rate: 1}, {above: 5, rate: 2}]}")
        << QStringLiteral(":12:") << QStringLiteral("tier") << 2;
    QTest::newRow("adjust three decimals")
        << 20 << QStringLiteral("    adjust: -12.555%") << QStringLiteral(":21:5: price_overrides[0].adjust")
        << QStringLiteral("percentage") << 2;
    QTest::newRow("adjust out of range") << 20 << QStringLiteral("    adjust: -150%")
                                         << QStringLiteral(":21:5: price_overrides[0].adjust")
                                         << QStringLiteral("between -100% and +1000%") << 2;
    QTest::newRow("metadata base url") << 5 << QStringLiteral("    base_url: http://169.254.169.254/v1")
                                       << QStringLiteral(":6:5: providers[0].base_url") << QString() << 2;
    QTest::newRow("alias of an alias") << 29
                                       << QStringLiteral("  sbtest-qwen: testlab/qwen3-8b\n  sbtest-q: sbtest-qwen")
                                       << QStringLiteral(":31:3: aliases.sbtest-q") << QStringLiteral("itself an alias")
                                       << 2;
    QTest::newRow("bad expiry") << 33 << QStringLiteral("    expires: next tuesday")
                                << QStringLiteral(":34:5: keys[0].expires") << QStringLiteral("ISO 8601") << 2;
    QTest::newRow("missing id") << 3 << QStringLiteral("  - dialect: openai") << QStringLiteral(":4:5: providers[0].id")
                                << QStringLiteral("required") << 2;
    QTest::newRow("empty section") << 29 << QString() << QStringLiteral(":29:1: aliases")
                                   << QStringLiteral("the section is empty") << 2;
    QTest::newRow("date-time with a bad time")
        << 33 << QStringLiteral("    expires: 2030-01-31T25:00:00Z") << QStringLiteral(":34:5: keys[0].expires")
        << QStringLiteral("ISO 8601") << 2;
    QTest::newRow("new key expired") << 33 << QStringLiteral("    expires: 2020-01-01")
                                     << QStringLiteral(":34:5: keys[0].expires") << QStringLiteral("past") << 2;
}

void TestCliConfigErrors::invalidFileNamesLineAndField()
{
    QFETCH(int, index);
    QFETCH(QString, replacement);
    QFETCH(QString, where);
    QFETCH(QString, message);
    QFETCH(int, exitCode);

    // A workspace with a configuration already, so "nothing changed" means something.
    // Without the key ci, so the key rows test a new key.
    QStringList lines = baseLines().mid(0, 30);
    lines << QStringLiteral("keys: []");
    const CliOutcome base
        = run({ QStringLiteral("config"), QStringLiteral("apply"), write(QStringLiteral("start.yaml"), lines) });
    VERIFY_OUTCOME(base.exitCode == 0, base);
    const QString before = print();

    lines = baseLines();
    lines[index] = replacement;
    const QString path = write(QStringLiteral("invalid.yaml"), lines);
    const CliOutcome outcome = run({ QStringLiteral("config"), QStringLiteral("apply"), path });
    VERIFY_OUTCOME(outcome.exitCode == exitCode, outcome);
    VERIFY_OUTCOME(outcome.out.isEmpty(), outcome);
    VERIFY_OUTCOME(outcome.err.trimmed().count(QLatin1Char('\n')) == 1, outcome); // the problem, the summary
    VERIFY_OUTCOME(outcome.err.startsWith(path + where), outcome);
    VERIFY_OUTCOME(outcome.err.contains(QLatin1String("signalbox-gateway: config apply: ")), outcome);
    VERIFY_OUTCOME(outcome.err.contains(message), outcome);
    // Nothing secret is repeated, not even a malformed one.
    VERIFY_OUTCOME(!outcome.err.contains(QLatin1String("hunter2")), outcome);
    VERIFY_OUTCOME(!outcome.err.contains(QLatin1String("sk-proj")), outcome);
    VERIFY_OUTCOME(!outcome.err.contains(QString(43, u'c')), outcome);
    QCOMPARE(print(), before);

    // --dry-run validates the same way.
    const CliOutcome dry
        = run({ QStringLiteral("config"), QStringLiteral("apply"), path, QStringLiteral("--dry-run") });
    VERIFY_OUTCOME(dry.exitCode == exitCode && dry.err == outcome.err, dry);
}

QTEST_GUILESS_MAIN(TestCliConfigErrors)
#include "tst_cli_config_errors.moc"
