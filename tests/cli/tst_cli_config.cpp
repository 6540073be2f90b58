// signalbox-gateway config apply / export, driven as admins drive it: the real
// binary as a subprocess, YAML files on disk, a real workspace whose state is
// read back through CatalogUserStore and VirtualKeyStore. "Nothing changed" is
// proven by a print of every configuration row and the configuration version,
// taken before and after.

#include "engine/catalog/priceschedulejson.h"
#include "engine/catalog/userstore.h"
#include "engine/cost/money.h"
#include "engine/cost/units.h"
#include "engine/keys/virtualkeys.h"
#include "tests/cli/configclifixture.h"

#include <QDir>
#include <QDirIterator>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimeZone>

using signalbox::engine::CatalogUserStore;
using signalbox::engine::Money;
using signalbox::engine::PriceOverride;
using signalbox::engine::VirtualKeyStore;
using signalbox::engine::Workspace;
using signalbox::testing::CliOutcome;

using namespace signalbox::testing::configcli;

class TestCliConfig : public QObject, private ConfigCliFixture {
    Q_OBJECT

private slots:
    void init() { QVERIFY(setUpWorkspace()); }
    void applyTwiceReportsNoChange();
    void dryRunPrintsDiffAndChangesNothing();
    void secretsNeverInClear();
    void exportApplyRoundTrips();
    void removalsRevokeAndCascade();
    void keyRotationIsAConflict();
    void catalogProviderIdIsAConflict();
    void sectionsLeftOutAreUntouched();
    void noWorkspaceExits3();
};

void TestCliConfig::applyTwiceReportsNoChange()
{
    const QString before = print();
    const QString path = write(QStringLiteral("base.yaml"), baseLines());
    const CliOutcome first = run({ QStringLiteral("config"), QStringLiteral("apply"), path });
    VERIFY_OUTCOME(first.exitCode == 0 && !first.crashed, first);
    for (const char *line : { "+ provider sbtest-local", "+ offering sbtest-local/qwen3:8b",
             "+ offering sbtest-local/free-model", "+ price override openai/gpt-4o",
             "+ price override sbtest-local/qwen3:8b", "+ alias sbtest-qwen", "+ key ci", "applied 7 changes" })
        VERIFY_OUTCOME(first.out.contains(QLatin1String(line)), first);
    const QString afterFirst = print();
    QVERIFY(afterFirst != before);

    // What was stored, exactly: $0.10 and $0.30 / $0.60 per million are
    // 0.0000001 and 0.0000003 / 0.0000006 per token; -12.5% is -1250 bp.
    {
        auto workspace = Workspace::open(folder());
        QVERIFY(workspace);
        CatalogUserStore store(workspace.value()->database());
        auto offerings = store.offerings(QStringLiteral("sbtest-local"));
        QVERIFY(offerings && offerings->size() == 2);
        const auto &qwen
            = offerings->at(1).providerModelId == QLatin1String("qwen3:8b") ? offerings->at(1) : offerings->at(0);
        QCOMPARE(qwen.contextLength, qint64(32768));
        QCOMPARE(QString::fromUtf8(signalbox::engine::priceScheduleToJson(qwen.price)),
            QStringLiteral("[{\"prices\":[{\"rate\":\"0.0000001\",\"unit\":\"input_tokens\"},{\"rate\":\"0.0000003\","
                           "\"tiers\":[{\"above\":100000,\"rate\":\"0.0000006\"}],\"unit\":\"output_tokens\"}]}]"));
        auto overrides = store.overrides();
        QVERIFY(overrides && overrides->size() == 2);
        QCOMPARE(overrides->at(0).providerId, QStringLiteral("openai"));
        QCOMPARE(overrides->at(0).basisPoints, -1250);
        QCOMPARE(overrides->at(0).note, QStringLiteral("2026 contract"));
        QCOMPARE(overrides->at(1).kind, PriceOverride::Kind::Replace);
        QCOMPARE(overrides->at(1).price.variants.size(), std::size_t(2));
        auto provider = store.provider(QStringLiteral("sbtest-local"));
        QVERIFY(provider);
        QCOMPARE(provider->key.ref, QStringLiteral("SBTEST_VLLM_KEY"));
    }

    const CliOutcome second = run({ QStringLiteral("config"), QStringLiteral("apply"), path });
    VERIFY_OUTCOME(second.exitCode == 0, second);
    VERIFY_OUTCOME(second.out.contains(QLatin1String("nothing to change")), second);
    VERIFY_OUTCOME(!second.out.contains(QLatin1String("+ ")), second);
    QCOMPARE(print(), afterFirst); // the configuration version too: a gateway does not even reload

    const CliOutcome json = run({ QStringLiteral("config"), QStringLiteral("apply"), path, QStringLiteral("--json") });
    VERIFY_OUTCOME(json.exitCode == 0, json);
    const QJsonObject object = QJsonDocument::fromJson(json.out.toUtf8()).object();
    QCOMPARE(object.value(QStringLiteral("changed")).toBool(true), false);
    QCOMPARE(object.value(QStringLiteral("changes")).toArray().size(), 0);
}

void TestCliConfig::dryRunPrintsDiffAndChangesNothing()
{
    QString why;
    QVERIFY2(applyBase(&why), qUtf8Printable(why));
    const QString before = print();
    writeBytes(QStringLiteral("deploy.key"), kDeploySecret.toUtf8() + '\n');
    QStringList lines = baseLines();
    lines[12] = QStringLiteral("          input_mtok: 0.15"); // price change
    lines.removeAt(16); // free-model goes
    lines.removeAt(15);
    lines.removeAt(14);
    // now lines[25] is "aliases:", [26] the alias, [27] "keys:", [28] "- name: ci", [29] its project
    lines[25] = QStringLiteral("aliases: {}");
    lines.removeAt(26);
    lines[28] = QStringLiteral("    project: data");
    lines << QStringLiteral("  - name: deploy") << QStringLiteral("    secret_file: deploy.key");
    const QString path = write(QStringLiteral("next.yaml"), lines);

    const CliOutcome dry
        = run({ QStringLiteral("config"), QStringLiteral("apply"), path, QStringLiteral("--dry-run") });
    VERIFY_OUTCOME(dry.exitCode == 0, dry);
    for (const char *line : { "~ offering sbtest-local/qwen3:8b: price: {input_mtok: \"0.1\", ",
             "→ {input_mtok: \"0.15\", ", "- offering sbtest-local/free-model",
             "- alias sbtest-qwen (model_id testlab/qwen3-8b)", "~ key ci: project: platform → data",
             "+ key deploy (id DeployKey001, expires never)", "dry run: 5 changes, nothing applied" })
        VERIFY_OUTCOME(dry.out.contains(QString::fromUtf8(line)), dry);
    QCOMPARE(print(), before);

    const CliOutcome json = run({ QStringLiteral("config"), QStringLiteral("apply"), path, QStringLiteral("--dry-run"),
        QStringLiteral("--json") });
    VERIFY_OUTCOME(json.exitCode == 0, json);
    const QJsonObject object = QJsonDocument::fromJson(json.out.toUtf8()).object();
    QCOMPARE(object.value(QStringLiteral("dry_run")).toBool(), true);
    QCOMPARE(object.value(QStringLiteral("applied")).toBool(true), false);
    const QJsonArray changes = object.value(QStringLiteral("changes")).toArray();
    QCOMPARE(changes.size(), 5);
    const QJsonObject keyChange = changes.at(3).toObject();
    QCOMPARE(keyChange.value(QStringLiteral("op")).toString(), QStringLiteral("change"));
    QCOMPARE(keyChange.value(QStringLiteral("kind")).toString(), QStringLiteral("key"));
    const QJsonObject field = keyChange.value(QStringLiteral("fields")).toArray().at(0).toObject();
    QCOMPARE(field.value(QStringLiteral("old")).toString(), QStringLiteral("platform"));
    QCOMPARE(field.value(QStringLiteral("new")).toString(), QStringLiteral("data"));
    QCOMPARE(print(), before);

    const CliOutcome applied = run({ QStringLiteral("config"), QStringLiteral("apply"), path });
    VERIFY_OUTCOME(applied.exitCode == 0 && applied.out.contains(QLatin1String("applied 5 changes")), applied);
    QVERIFY(print() != before);
    const CliOutcome again
        = run({ QStringLiteral("config"), QStringLiteral("apply"), path, QStringLiteral("--dry-run") });
    VERIFY_OUTCOME(again.exitCode == 0 && again.out.contains(QLatin1String("nothing to change")), again);
    // The deploy key from the file authenticates.
    auto workspace = Workspace::open(folder());
    QVERIFY(workspace);
    auto key = VirtualKeyStore(workspace.value()->database()).authenticate(kDeploySecret.toUtf8());
    QVERIFY2(key, qUtf8Printable(key.ok() ? QString() : key.error().message));
    QCOMPARE(key->name, QStringLiteral("deploy"));
}

void TestCliConfig::secretsNeverInClear()
{
    const CliOutcome applied
        = run({ QStringLiteral("config"), QStringLiteral("apply"), write(QStringLiteral("base.yaml"), baseLines()) });
    VERIFY_OUTCOME(applied.exitCode == 0, applied);
    const CliOutcome exported = run({ QStringLiteral("config"), QStringLiteral("export") });
    VERIFY_OUTCOME(exported.exitCode == 0, exported);
    const QString secretPart = QString(43, u'c');
    for (const CliOutcome *outcome : { &applied, &exported }) {
        VERIFY_OUTCOME(!outcome->out.contains(secretPart) && !outcome->err.contains(secretPart), *outcome);
    }
    VERIFY_OUTCOME(exported.out.contains(QStringLiteral("sha256: ")
                       + QString::fromLatin1(VirtualKeyStore::secretHash(kCiSecret.toUtf8()).toHex())),
        exported);
    VERIFY_OUTCOME(exported.out.contains(QLatin1String("key: {env: SBTEST_VLLM_KEY}")), exported);

    // Nowhere in the workspace folder either (database, WAL, anything).
    QDirIterator files(folder(), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    int seen = 0;
    while (files.hasNext()) {
        QFile file(files.next());
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray bytes = file.readAll();
        QVERIFY2(!bytes.contains(secretPart.toLatin1()), qUtf8Printable(file.fileName()));
        ++seen;
    }
    QVERIFY(seen >= 1);

    // The key supplied through ${SBTEST_CI_KEY} authenticates, with its project.
    auto workspace = Workspace::open(folder());
    QVERIFY(workspace);
    VirtualKeyStore keys(workspace.value()->database());
    auto key = keys.authenticate(kCiSecret.toUtf8());
    QVERIFY2(key, qUtf8Printable(key.ok() ? QString() : key.error().message));
    QCOMPARE(key->name, QStringLiteral("ci"));
    QCOMPARE(key->project, QStringLiteral("platform"));
    QCOMPARE(key->expiresAt, QDateTime(QDate(2030, 1, 31), QTime(0, 0), QTimeZone::utc()));
    QVERIFY(!keys.authenticate(kOtherSecret.toUtf8()));
}

void TestCliConfig::exportApplyRoundTrips()
{
    // A workspace made by other means: the stores, as the console and the
    // keys command make it, with what the file format must carry exactly.
    QString createdSecret;
    QString revokedSecret;
    {
        auto workspace = Workspace::open(folder());
        QVERIFY(workspace);
        QString why;
        QVERIFY2(applyBase(&why), qUtf8Printable(why));
        CatalogUserStore store(workspace.value()->database());
        signalbox::engine::CustomProvider keychain;
        keychain.id = QStringLiteral("sbtest-keychain");
        keychain.name = QStringLiteral("null"); // a name YAML would read as nothing unless quoted
        keychain.baseUrl = QStringLiteral("https://llm.example.com/v1");
        keychain.dialect = signalbox::engine::ApiDialect::Anthropic;
        keychain.key.kind = signalbox::engine::KeyReference::Kind::Keychain;
        QVERIFY(store.addProvider(keychain));
        signalbox::engine::CustomOffering audio;
        audio.providerId = keychain.id;
        audio.providerModelId = QStringLiteral("whisper-ish");
        audio.modelId = QStringLiteral("testlab/whisper");
        audio.name = QStringLiteral("1.0");
        signalbox::engine::PriceSet set;
        // Per second of audio: not a power of ten per hour, so written per unit.
        set.prices.push_back({ signalbox::engine::unitByUsageKey(u"input_audio_seconds"),
            { Money::parse("0.000123456789").value(), {} } });
        signalbox::engine::PriceCondition from;
        from.kind = signalbox::engine::PriceCondition::Kind::FromDate;
        from.startDate = QDate(2027, 3, 1);
        audio.price.variants.push_back({ {}, set });
        audio.price.variants.push_back({ from, signalbox::engine::PriceSet {} });
        QVERIFY(store.addOffering(audio));
        PriceOverride markup;
        markup.providerId = QStringLiteral("anthropic");
        markup.providerModelId = QStringLiteral("claude-sonnet-4-5");
        markup.basisPoints = 537;
        QVERIFY(store.addOverride(markup));
        VirtualKeyStore keys(workspace.value()->database());
        auto created = keys.create(QStringLiteral("console-made"), QStringLiteral("research"),
            QDateTime(QDate(2031, 5, 6), QTime(7, 8, 9, 250), QTimeZone::utc()));
        QVERIFY(created);
        createdSecret = created->secret;
        auto revoked = keys.create(QStringLiteral("old"));
        QVERIFY(revoked && keys.revoke(QStringLiteral("old")));
        revokedSecret = revoked->secret;
    }
    const CliOutcome exported = run({ QStringLiteral("config"), QStringLiteral("export") });
    VERIFY_OUTCOME(exported.exitCode == 0, exported);
    VERIFY_OUTCOME(
        !exported.out.contains(createdSecret.mid(17)) && !exported.out.contains(revokedSecret.mid(17)), exported);
    VERIFY_OUTCOME(!exported.out.contains(QLatin1String("name: old")), exported); // revoked: left out
    VERIFY_OUTCOME(exported.out.contains(QLatin1String("adjust: +5.37%")), exported);
    VERIFY_OUTCOME(exported.out.contains(QLatin1String("input_audio_seconds: \"0.000123456789\"")), exported);
    const QString path = writeBytes(QStringLiteral("export.yaml"), exported.out.toUtf8());

    const QString before = print();
    const CliOutcome again = run({ QStringLiteral("config"), QStringLiteral("apply"), path });
    VERIFY_OUTCOME(again.exitCode == 0 && again.out.contains(QLatin1String("nothing to change")), again);
    QCOMPARE(print(), before);

    // Into a new workspace: the same configuration comes out, and the key made
    // by `keys create` in the first one works in the second.
    const QString other = m_dir->path() + QStringLiteral("/other");
    QVERIFY(Workspace::open(other));
    const CliOutcome copied = run({ QStringLiteral("config"), QStringLiteral("apply"), path }, environment(), other);
    VERIFY_OUTCOME(copied.exitCode == 0 && copied.out.contains(QLatin1String("+ key console-made")), copied);
    const CliOutcome reexported = run({ QStringLiteral("config"), QStringLiteral("export") }, environment(), other);
    VERIFY_OUTCOME(reexported.exitCode == 0, reexported);
    const auto withoutHeader = [](const QString &text) { return text.section(QLatin1Char('\n'), 3); };
    QCOMPARE(withoutHeader(reexported.out), withoutHeader(exported.out));
    auto workspace = Workspace::open(other);
    QVERIFY(workspace);
    auto key = VirtualKeyStore(workspace.value()->database()).authenticate(createdSecret.toUtf8());
    QVERIFY2(key, qUtf8Printable(key.ok() ? QString() : key.error().message));
    QCOMPARE(key->project, QStringLiteral("research"));
}

void TestCliConfig::removalsRevokeAndCascade()
{
    QString why;
    QVERIFY2(applyBase(&why), qUtf8Printable(why));
    const QString path = write(QStringLiteral("empty.yaml"),
        { QStringLiteral("version: 1"), QStringLiteral("providers: []"), QStringLiteral("keys: []") });
    const CliOutcome outcome = run({ QStringLiteral("config"), QStringLiteral("apply"), path });
    VERIFY_OUTCOME(outcome.exitCode == 0, outcome);
    for (const char *line : { "- provider sbtest-local", "- offering sbtest-local/qwen3:8b (with its provider)",
             "- price override sbtest-local/qwen3:8b (with its provider)", "- key ci (id CiKeyId00001): revoked" })
        VERIFY_OUTCOME(outcome.out.contains(QString::fromUtf8(line)), outcome);
    VERIFY_OUTCOME(!outcome.out.contains(QLatin1String("openai/gpt-4o")), outcome); // overrides section absent: kept

    auto workspace = Workspace::open(folder());
    QVERIFY(workspace);
    CatalogUserStore store(workspace.value()->database());
    QCOMPARE(store.providers()->size(), std::size_t(0));
    QCOMPARE(store.offerings()->size(), std::size_t(0));
    QCOMPARE(store.overrides()->size(), std::size_t(1));
    QCOMPARE(store.aliases()->size(), std::size_t(1));
    VirtualKeyStore keys(workspace.value()->database());
    auto refused = keys.authenticate(kCiSecret.toUtf8());
    QVERIFY(!refused);
    QVERIFY2(refused.error().message.contains(QLatin1String("revoked")), qUtf8Printable(refused.error().message));
    QCOMPARE(keys.records()->size(), std::size_t(1)); // revoked, never deleted

    // The revoked key stays revoked: listing it again is a conflict, and nothing changes.
    const QString before = print();
    const CliOutcome again
        = run({ QStringLiteral("config"), QStringLiteral("apply"), write(QStringLiteral("base.yaml"), baseLines()) });
    VERIFY_OUTCOME(
        again.exitCode == 4 && again.err.contains(QLatin1String(":32:5: keys[0]: the key \"ci\" was revoked")), again);
    QCOMPARE(print(), before);
}

void TestCliConfig::keyRotationIsAConflict()
{
    QString why;
    QVERIFY2(applyBase(&why), qUtf8Printable(why));
    const QString before = print();
    QStringList lines = baseLines();
    lines[12] = QStringLiteral("          input_mtok: 0.5"); // a valid change elsewhere must not be applied either
    const CliOutcome outcome
        = run({ QStringLiteral("config"), QStringLiteral("apply"), write(QStringLiteral("rotated.yaml"), lines) },
            environment(kOtherSecret));
    VERIFY_OUTCOME(outcome.exitCode == 4, outcome);
    VERIFY_OUTCOME(
        outcome.err.contains(QLatin1String("rotated.yaml:32:5: keys[0]: the key \"ci\" has another secret")), outcome);
    VERIFY_OUTCOME(!outcome.err.contains(QString(43, u'o')), outcome);
    QCOMPARE(print(), before);
}

void TestCliConfig::catalogProviderIdIsAConflict()
{
    QStringList lines = baseLines();
    lines[3] = QStringLiteral("  - id: openai"); // the catalog's
    lines[22] = QStringLiteral("  - provider: openai");
    const QString before = print();
    const CliOutcome taken
        = run({ QStringLiteral("config"), QStringLiteral("apply"), write(QStringLiteral("taken.yaml"), lines) });
    VERIFY_OUTCOME(taken.exitCode == 4, taken);
    VERIFY_OUTCOME(taken.err.contains(QLatin1String("taken.yaml:4:5: providers[0].id: openai is a catalog")), taken);
    QCOMPARE(print(), before);

    // An override on an offering nobody has: applied, with a warning.
    const CliOutcome unknown = run({ QStringLiteral("config"), QStringLiteral("apply"),
        write(QStringLiteral("unknown.yaml"),
            { QStringLiteral("price_overrides:"), QStringLiteral("  - provider: openai"),
                QStringLiteral("    model: sbtest-no-such-model"), QStringLiteral("    adjust: 5%") }) });
    VERIFY_OUTCOME(unknown.exitCode == 0 && unknown.out.contains(QLatin1String("applied 1 change")), unknown);
    VERIFY_OUTCOME(unknown.err.contains(QLatin1String("warning: "))
            && unknown.err.contains(QLatin1String("unknown.yaml:2:5: price_overrides[0]: neither the catalog")),
        unknown);
}

void TestCliConfig::sectionsLeftOutAreUntouched()
{
    QString why;
    QVERIFY2(applyBase(&why), qUtf8Printable(why));
    const CliOutcome outcome = run({ QStringLiteral("config"), QStringLiteral("apply"),
        write(QStringLiteral("aliases.yaml"),
            { QStringLiteral("aliases:"), QStringLiteral("  SBTEST-Fast: testlab/free") }) });
    VERIFY_OUTCOME(outcome.exitCode == 0, outcome);
    VERIFY_OUTCOME(outcome.out.contains(QLatin1String("- alias sbtest-qwen"))
            && outcome.out.contains(QLatin1String("+ alias sbtest-fast")),
        outcome);
    VERIFY_OUTCOME(outcome.out.contains(QLatin1String("applied 2 changes")), outcome);
    auto workspace = Workspace::open(folder());
    QVERIFY(workspace);
    CatalogUserStore store(workspace.value()->database());
    QCOMPARE(store.providers()->size(), std::size_t(1));
    QCOMPARE(store.offerings()->size(), std::size_t(2));
    QCOMPARE(store.overrides()->size(), std::size_t(2));
    QVERIFY(VirtualKeyStore(workspace.value()->database()).authenticate(kCiSecret.toUtf8()));
}

void TestCliConfig::noWorkspaceExits3()
{
    const QString empty = m_dir->path() + QStringLiteral("/nothing-here");
    QVERIFY(QDir().mkpath(empty));
    const CliOutcome outcome
        = run({ QStringLiteral("config"), QStringLiteral("apply"), write(QStringLiteral("base.yaml"), baseLines()) },
            environment(), empty);
    VERIFY_OUTCOME(outcome.exitCode == 3, outcome);
    QCOMPARE(QDir(empty).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden), QStringList());
    const CliOutcome missing
        = run({ QStringLiteral("config"), QStringLiteral("apply"), m_dir->path() + QStringLiteral("/no.yaml") });
    VERIFY_OUTCOME(missing.exitCode == 2 && missing.err.contains(QLatin1String("no.yaml: cannot read")), missing);
}

QTEST_GUILESS_MAIN(TestCliConfig)
#include "tst_cli_config.moc"
