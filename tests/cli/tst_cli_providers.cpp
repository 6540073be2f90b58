// signalbox-gateway providers list|add|remove|test and models list, driven as
// a subprocess against the fake provider binary (a separate process, real
// HTTP on loopback) and a real workspace on disk.

#include "engine/catalog/catalog.h"
#include "engine/catalog/userstore.h"
#include "engine/cost/costengine.h"
#include "engine/storage/workspace.h"
#include "tests/support/clirunner.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using signalbox::testing::Child;
using signalbox::testing::CliOutcome;
using signalbox::testing::cleanEnvironment;

namespace {

const QString kGateway = QStringLiteral(SIGNALBOX_GATEWAY_BIN);
const QString kFake = QStringLiteral(SIGNALBOX_FAKE_PROVIDER_BIN);
// What a provider key looks like; the fake demands it with --api-key.
const QString kProviderKey = QStringLiteral("sk-test-providerkey-0123456789abcdefXYZ");

QJsonValue json(const QString &text)
{
    const QJsonDocument document = QJsonDocument::fromJson(text.toUtf8());
    return document.isArray() ? QJsonValue(document.array()) : QJsonValue(document.object());
}

// The catalog's price of `tokens` prompt (or completion) tokens on an offering, as a decimal string.
QString catalogCost(const QString &provider, const QString &model, qint64 prompt, qint64 completion)
{
    auto catalog = signalbox::engine::Catalog::loadBundled();
    if (!catalog)
        return {};
    const auto *offering = catalog.value().offering(provider, model);
    if (!offering)
        return {};
    auto cost = signalbox::engine::computeCost(offering->price, signalbox::engine::Usage::tokens(prompt, completion),
                                               QDateTime::currentDateTimeUtc());
    return cost && cost.value().isPriced() ? cost.value().total().toDecimalString() : QString();
}

} // namespace

class TestCliProviders : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_workspace;

    CliOutcome cli(const QStringList &arguments, const QProcessEnvironment &environment = cleanEnvironment())
    {
        return signalbox::testing::runCli(kGateway, QStringList{QStringLiteral("--workspace"), m_workspace} + arguments,
                                          {}, environment);
    }

    QString startFake(Child &child, const QStringList &models, const QStringList &extra = {})
    {
        return signalbox::testing::startFakeProvider(child, kFake, models, extra);
    }

    QJsonArray storedOfferings(const QString &provider)
    {
        auto workspace = signalbox::engine::Workspace::open(m_workspace);
        if (!workspace)
            return {};
        auto offerings = signalbox::engine::CatalogUserStore(workspace.value()->database()).offerings(provider);
        QJsonArray result;
        for (const auto &offering : offerings.value())
            result.append(QJsonObject{{QStringLiteral("model"), offering.modelId},
                                      {QStringLiteral("provider_model"), offering.providerModelId},
                                      {QStringLiteral("priced"), offering.price.isKnown()}});
        return result;
    }

private Q_SLOTS:
    void init()
    {
        QVERIFY(m_dir.isValid());
        m_workspace = m_dir.filePath(QStringLiteral("ws-%1").arg(QString::fromLatin1(QTest::currentTestFunction())));
    }

    // Discovery through GET /v1/models: a model the catalog knows is priced
    // as the maker sells it, one it does not know stays unpriced (not $0).
    void addDiscoversAndPricesModels()
    {
        Child fake;
        const QString url = startFake(fake, {QStringLiteral("gpt-4o-mini"), QStringLiteral("acme-local-7b")});
        QVERIFY(!url.isEmpty());
        QCOMPARE(cli({QStringLiteral("init")}).exitCode, 0);

        const CliOutcome added = cli({QStringLiteral("providers"), QStringLiteral("add"), QStringLiteral("local"),
                                      QStringLiteral("--base-url"), url, QStringLiteral("--json")});
        QVERIFY2(added.exitCode == 0, qPrintable(added.describe()));
        const QJsonObject result = json(added.out).toObject();
        QCOMPARE(result.value(QStringLiteral("id")).toString(), QStringLiteral("local"));
        QCOMPARE(result.value(QStringLiteral("key")).toString(), QStringLiteral("none"));
        const QJsonArray models = result.value(QStringLiteral("models")).toArray();
        QCOMPARE(models.size(), 2);
        QJsonObject known;
        QJsonObject unknown;
        for (const QJsonValue &model : models) {
            const QJsonObject object = model.toObject();
            (object.value(QStringLiteral("route")).toString() == QLatin1String("local/gpt-4o-mini") ? known : unknown) = object;
        }
        QCOMPARE(known.value(QStringLiteral("model")).toString(), QStringLiteral("openai/gpt-4o-mini"));
        QCOMPARE(known.value(QStringLiteral("priced_from")).toString(), QStringLiteral("openai/gpt-4o-mini"));
        const QString perMillionIn = catalogCost(QStringLiteral("openai"), QStringLiteral("gpt-4o-mini"), 1'000'000, 0);
        const QString perMillionOut = catalogCost(QStringLiteral("openai"), QStringLiteral("gpt-4o-mini"), 0, 1'000'000);
        QVERIFY(!perMillionIn.isEmpty());
        QCOMPARE(known.value(QStringLiteral("prompt_per_million")).toString(), perMillionIn);
        QCOMPARE(known.value(QStringLiteral("completion_per_million")).toString(), perMillionOut);
        QCOMPARE(unknown.value(QStringLiteral("route")).toString(), QStringLiteral("local/acme-local-7b"));
        QCOMPARE(unknown.value(QStringLiteral("model")).toString(), QStringLiteral("acme-local-7b"));
        QVERIFY(unknown.value(QStringLiteral("priced_from")).isNull());
        QVERIFY(unknown.value(QStringLiteral("prompt_per_million")).isNull());

        const QJsonArray stored = storedOfferings(QStringLiteral("local"));
        QCOMPARE(stored.size(), 2);
        for (const QJsonValue &offering : stored)
            QCOMPARE(offering.toObject().value(QStringLiteral("priced")).toBool(),
                     offering.toObject().value(QStringLiteral("provider_model")).toString() == QLatin1String("gpt-4o-mini"));

        // The table form says what is unpriced, in words.
        const CliOutcome again = cli({QStringLiteral("providers"), QStringLiteral("add"), QStringLiteral("local2"),
                                      QStringLiteral("--base-url"), url});
        QVERIFY2(again.exitCode == 0, qPrintable(again.describe()));
        QVERIFY(again.out.contains(QStringLiteral("local2/acme-local-7b")));
        QVERIFY(again.out.contains(QStringLiteral("unpriced")));
        QVERIFY(again.out.contains(QStringLiteral("$") + perMillionIn));

        // What the gateway can route to: only what was added (no provider keys here).
        const CliOutcome listed = cli({QStringLiteral("models"), QStringLiteral("list"), QStringLiteral("--json")});
        QVERIFY2(listed.exitCode == 0, qPrintable(listed.describe()));
        const QJsonArray rows = json(listed.out).toArray();
        QCOMPARE(rows.size(), 4);
        QSet<QString> routes;
        for (const QJsonValue &row : rows) {
            const QJsonObject object = row.toObject();
            routes.insert(object.value(QStringLiteral("route")).toString());
            QVERIFY(object.value(QStringLiteral("usable")).toBool());
            QCOMPARE(object.value(QStringLiteral("priced")).toBool(),
                     object.value(QStringLiteral("provider_model")).toString() == QLatin1String("gpt-4o-mini"));
        }
        QCOMPARE(routes, (QSet<QString>{QStringLiteral("local/gpt-4o-mini"), QStringLiteral("local/acme-local-7b"),
                                        QStringLiteral("local2/gpt-4o-mini"), QStringLiteral("local2/acme-local-7b")}));
        const CliOutcome one = cli({QStringLiteral("models"), QStringLiteral("list"), QStringLiteral("--provider"),
                                    QStringLiteral("local2")});
        QCOMPARE(one.exitCode, 0);
        QVERIFY(one.out.contains(QStringLiteral("local2/gpt-4o-mini")));
        QVERIFY(!one.out.contains(QStringLiteral(" local/")));
        QVERIFY(one.out.contains(QStringLiteral("unknown"))); // the unpriced model's prices
        // --all adds the catalog's offerings, each saying why it cannot be called.
        const CliOutcome all = cli({QStringLiteral("models"), QStringLiteral("list"), QStringLiteral("--all"),
                                    QStringLiteral("--provider"), QStringLiteral("openai"), QStringLiteral("--json")});
        QCOMPARE(all.exitCode, 0);
        const QJsonArray openai = json(all.out).toArray();
        QVERIFY(openai.size() > 5);
        QVERIFY(!openai.first().toObject().value(QStringLiteral("usable")).toBool());
        QVERIFY(openai.first().toObject().value(QStringLiteral("reason")).toString().contains(QStringLiteral("OPENAI_API_KEY")));

        const CliOutcome providers = cli({QStringLiteral("providers"), QStringLiteral("list"), QStringLiteral("--json")});
        QCOMPARE(providers.exitCode, 0);
        const QJsonArray list = json(providers.out).toArray();
        QCOMPARE(list.size(), 2);
        QCOMPARE(list.first().toObject().value(QStringLiteral("id")).toString(), QStringLiteral("local"));
        QCOMPARE(list.first().toObject().value(QStringLiteral("models")).toInt(), 2);
        QCOMPARE(list.first().toObject().value(QStringLiteral("state")).toString(), QStringLiteral("ready"));
    }

    void addRefusesBadInputAndWritesNothing()
    {
        QCOMPARE(cli({QStringLiteral("providers"), QStringLiteral("add"), QStringLiteral("x"), QStringLiteral("--base-url"),
                      QStringLiteral("http://127.0.0.1:9/v1")})
                     .exitCode,
                 3); // no workspace yet
        QCOMPARE(cli({QStringLiteral("init")}).exitCode, 0);
        const auto add = [this](const QStringList &more) {
            return cli(QStringList{QStringLiteral("providers"), QStringLiteral("add")} + more);
        };
        QCOMPARE(add({QStringLiteral("x")}).exitCode, 2); // --base-url missing
        CliOutcome outcome = add({QStringLiteral("x"), QStringLiteral("--base-url"), QStringLiteral("http://169.254.169.254/v1")});
        QCOMPARE(outcome.exitCode, 2);
        QCOMPARE(outcome.err.trimmed().count(QLatin1Char('\n')), 0);
        QCOMPARE(add({QStringLiteral("x"), QStringLiteral("--base-url"), QStringLiteral("http://127.0.0.1:9/v1"),
                      QStringLiteral("--dialect"), QStringLiteral("anthropic")})
                     .exitCode,
                 2);
        QCOMPARE(add({QStringLiteral("x"), QStringLiteral("--base-url"), QStringLiteral("http://127.0.0.1:9/v1"),
                      QStringLiteral("--key-env"), QStringLiteral("A_KEY"), QStringLiteral("--key-file"), QStringLiteral("/tmp/k")})
                     .exitCode,
                 2);
        outcome = add({QStringLiteral("openai"), QStringLiteral("--base-url"), QStringLiteral("http://127.0.0.1:9/v1"),
                       QStringLiteral("--models"), QStringLiteral("gpt-4o")});
        QCOMPARE(outcome.exitCode, 4); // a catalog provider's id
        QVERIFY(outcome.err.contains(QStringLiteral("catalog provider")));

        // Discovery from a server that is not there: exit 1, nothing written.
        QString deadUrl;
        {
            Child gone;
            deadUrl = startFake(gone, {QStringLiteral("m")});
            QVERIFY(!deadUrl.isEmpty());
        }
        outcome = add({QStringLiteral("dead"), QStringLiteral("--base-url"), deadUrl});
        QCOMPARE(outcome.exitCode, 1);
        QVERIFY2(outcome.err.contains(QStringLiteral("--models")), qPrintable(outcome.describe()));
        QCOMPARE(json(cli({QStringLiteral("providers"), QStringLiteral("list"), QStringLiteral("--json")}).out).toArray().size(), 0);

        // --models skips discovery: the provider is registered although down.
        outcome = add({QStringLiteral("dead"), QStringLiteral("--base-url"), deadUrl, QStringLiteral("--models"),
                       QStringLiteral("m1, m2,m1")});
        QVERIFY2(outcome.exitCode == 0, qPrintable(outcome.describe()));
        QCOMPARE(storedOfferings(QStringLiteral("dead")).size(), 2);
        outcome = add({QStringLiteral("dead"), QStringLiteral("--base-url"), deadUrl, QStringLiteral("--models"), QStringLiteral("m3")});
        QCOMPARE(outcome.exitCode, 4); // taken
        QCOMPARE(storedOfferings(QStringLiteral("dead")).size(), 2);
    }

    // A provider that wants a key: read from the variable named, sent
    // upstream, never printed and never in the workspace database.
    void keysComeFromTheirReferenceAndNeverShow()
    {
        Child fake;
        const QString url = startFake(fake, {QStringLiteral("acme-chat")},
                                      {QStringLiteral("--api-key"), kProviderKey, QStringLiteral("--completion-tokens"),
                                       QStringLiteral("5")});
        QVERIFY(!url.isEmpty());
        QCOMPARE(cli({QStringLiteral("init")}).exitCode, 0);
        const QStringList add{QStringLiteral("providers"), QStringLiteral("add"), QStringLiteral("secure"),
                              QStringLiteral("--base-url"), url, QStringLiteral("--key-env"), QStringLiteral("SECURE_KEY")};
        QProcessEnvironment withKey = cleanEnvironment();

        CliOutcome outcome = cli(add); // the variable is not set
        QCOMPARE(outcome.exitCode, 1);
        QVERIFY2(outcome.err.contains(QStringLiteral("SECURE_KEY")), qPrintable(outcome.describe()));

        withKey.insert(QStringLiteral("SECURE_KEY"), QStringLiteral("sk-wrong-0123456789abcdefghijklmnop"));
        outcome = cli(add, withKey);
        QCOMPARE(outcome.exitCode, 1);
        QVERIFY2(outcome.err.contains(QStringLiteral("401")), qPrintable(outcome.describe()));
        QVERIFY(!outcome.err.contains(QStringLiteral("sk-wrong")));

        withKey.insert(QStringLiteral("SECURE_KEY"), kProviderKey);
        outcome = cli(add, withKey);
        QVERIFY2(outcome.exitCode == 0, qPrintable(outcome.describe()));
        QVERIFY(outcome.out.contains(QStringLiteral("env:SECURE_KEY")));

        const CliOutcome tested = cli({QStringLiteral("providers"), QStringLiteral("test"), QStringLiteral("secure"),
                                       QStringLiteral("--json")},
                                      withKey);
        QVERIFY2(tested.exitCode == 0, qPrintable(tested.describe()));
        const QJsonObject report = json(tested.out).toObject();
        QCOMPARE(report.value(QStringLiteral("status")).toInt(), 200);
        QCOMPARE(report.value(QStringLiteral("model")).toString(), QStringLiteral("acme-chat"));
        QCOMPARE(report.value(QStringLiteral("completion_tokens")).toInteger(), 5);
        QVERIFY(report.value(QStringLiteral("prompt_tokens")).toInteger() > 0);
        QVERIFY(report.value(QStringLiteral("ttft_ms")).toDouble() > 0);
        QVERIFY(report.value(QStringLiteral("latency_ms")).toDouble() >= report.value(QStringLiteral("ttft_ms")).toDouble());
        QVERIFY(report.value(QStringLiteral("cost")).isNull()); // acme-chat has no known price
        QVERIFY(!report.value(QStringLiteral("reply")).toString().isEmpty());

        // Without the variable the provider is listed, but not callable, and says why.
        const CliOutcome listed = cli({QStringLiteral("providers"), QStringLiteral("list")});
        QCOMPARE(listed.exitCode, 0);
        QVERIFY2(listed.out.contains(QStringLiteral("SECURE_KEY")), qPrintable(listed.describe()));
        QVERIFY(!listed.out.contains(QStringLiteral("ready")));
        outcome = cli({QStringLiteral("providers"), QStringLiteral("test"), QStringLiteral("secure")});
        QCOMPARE(outcome.exitCode, 1);
        QVERIFY(outcome.err.contains(QStringLiteral("SECURE_KEY")));

        for (const CliOutcome &printed : {tested, listed, outcome})
            QVERIFY(!QString(printed.out + printed.err).contains(kProviderKey));
        for (const QString &file : {QStringLiteral("signalbox.db"), QStringLiteral("signalbox.db-wal")}) {
            QFile database(m_workspace + QLatin1Char('/') + file);
            if (database.open(QIODevice::ReadOnly))
                QVERIFY(!database.readAll().contains(kProviderKey.toUtf8()));
        }
    }

    void testReportsWhatWentWrong()
    {
        Child failing;
        const QString url = startFake(failing, {QStringLiteral("acme-chat")}, {QStringLiteral("--fault"), QStringLiteral("http500")});
        QVERIFY(!url.isEmpty());
        QCOMPARE(cli({QStringLiteral("init")}).exitCode, 0);
        QCOMPARE(cli({QStringLiteral("providers"), QStringLiteral("add"), QStringLiteral("flaky"), QStringLiteral("--base-url"), url})
                     .exitCode,
                 0);
        CliOutcome outcome = cli({QStringLiteral("providers"), QStringLiteral("test"), QStringLiteral("flaky")});
        QCOMPARE(outcome.exitCode, 1);
        QVERIFY2(outcome.err.contains(QStringLiteral("flaky/acme-chat answered HTTP 500")), qPrintable(outcome.describe()));
        QCOMPARE(outcome.err.trimmed().count(QLatin1Char('\n')), 0);

        outcome = cli({QStringLiteral("providers"), QStringLiteral("test"), QStringLiteral("nobody")});
        QCOMPARE(outcome.exitCode, 3);
        outcome = cli({QStringLiteral("providers"), QStringLiteral("test"), QStringLiteral("openai")});
        QCOMPARE(outcome.exitCode, 1); // a catalog provider without its key
        QVERIFY2(outcome.err.contains(QStringLiteral("OPENAI_API_KEY")), qPrintable(outcome.describe()));

        // A server that went away.
        failing.stop();
        outcome = cli({QStringLiteral("providers"), QStringLiteral("test"), QStringLiteral("flaky")});
        QCOMPARE(outcome.exitCode, 1);
        QVERIFY2(outcome.err.contains(QStringLiteral("cannot connect")), qPrintable(outcome.describe()));
    }

    void removeTakesItsModelsAlong()
    {
        QCOMPARE(cli({QStringLiteral("init")}).exitCode, 0);
        QCOMPARE(cli({QStringLiteral("providers"), QStringLiteral("add"), QStringLiteral("gone"), QStringLiteral("--base-url"),
                      QStringLiteral("http://127.0.0.1:9/v1"), QStringLiteral("--models"), QStringLiteral("a,b,c")})
                     .exitCode,
                 0);
        CliOutcome outcome = cli({QStringLiteral("providers"), QStringLiteral("remove"), QStringLiteral("gone")});
        QVERIFY2(outcome.exitCode == 0, qPrintable(outcome.describe()));
        QVERIFY(outcome.out.contains(QStringLiteral("its 3 models")));
        QCOMPARE(storedOfferings(QStringLiteral("gone")).size(), 0);
        QCOMPARE(cli({QStringLiteral("providers"), QStringLiteral("remove"), QStringLiteral("gone")}).exitCode, 3);
        QCOMPARE(cli({QStringLiteral("models"), QStringLiteral("list"), QStringLiteral("--provider"), QStringLiteral("gone")}).exitCode, 3);
        QCOMPARE(cli({QStringLiteral("providers"), QStringLiteral("frob")}).exitCode, 2);
        QCOMPARE(cli({QStringLiteral("models")}).exitCode, 2);
    }
};

QTEST_MAIN(TestCliProviders)
#include "tst_cli_providers.moc"
