// engine/config below the CLI: the parser's limits and positions, the plan's
// order and catalog checks, the export's escaping, and the stores' writes
// inside an apply's transaction, on a real workspace database.

#include "engine/catalog/userstore.h"
#include "engine/config/configapply.h"
#include "engine/config/configexport.h"
#include "engine/config/configparser.h"
#include "engine/keys/virtualkeys.h"
#include "engine/storage/workspace.h"

#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace signalbox::engine;
using namespace signalbox::engine::config;

namespace {

const QString kHome = QStringLiteral("/home/should-not-appear");

EnvironmentLookup testEnvironment()
{
    return [](const QString &name) -> std::optional<QString> {
        if (name == QLatin1String("HOME"))
            return kHome;
        if (name == QLatin1String("SBTEST_HOST"))
            return QStringLiteral("10.0.0.5");
        if (name == QLatin1String("SBTEST_API_KEY"))
            return QStringLiteral("AIzaSyNotARealKeyButLooksLikeOne");
        if (name == QLatin1String("SBTEST_QUERY_URL"))
            return QStringLiteral("h.example.com/v1?key=hunter2");
        return std::nullopt;
    };
}

ParseResult parse(const QByteArray &yaml)
{
    return parseConfig(yaml, QStringLiteral("test.yaml"), QDir::tempPath(), testEnvironment());
}

QString describeAll(const std::vector<ConfigProblem> &problems)
{
    QStringList lines;
    for (const ConfigProblem &problem : problems)
        lines << describe(QStringLiteral("test.yaml"), problem);
    return lines.join(QLatin1Char('\n'));
}

// An externally made key: sbk_ + id + _ + 43 characters.
QByteArray secretFor(const QString &id, char fill)
{
    return QByteArrayLiteral("sbk_") + id.toLatin1() + '_' + QByteArray(43, fill);
}

} // namespace

class TestConfigApply : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void removingAKeyRevokesOnlyThatKey();
    void keyNamesNeverEqualKeyIds();
    void exportRoundTripsDollars();
    void multipleDocumentsAreRefused();
    void invalidUtf8IsRefusedWithItsPosition();
    void removedOverridesComeInOrder();
    void failedStoreWriteLeavesCallerTransactionUntouched();
    void aliasesAnchorsTagsAndSizeAreBounded();
    void problemsPointAtTheirField_data();
    void problemsPointAtTheirField();
    void pastExpiryPointsAtExpires();
    void variablesOnlyWhereTheyBelong();
    void catalogProviderIdsAndUnknownOfferings();

private:
    QSqlDatabase db() const { return m_workspace->database(); }
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Workspace> m_workspace;
};

void TestConfigApply::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    auto workspace = Workspace::open(m_dir->path());
    QVERIFY(workspace.ok());
    m_workspace = std::move(workspace).value();
}

void TestConfigApply::cleanup()
{
    m_workspace.reset();
    m_dir.reset();
}

void TestConfigApply::removingAKeyRevokesOnlyThatKey()
{
    // A workspace from before names and ids shared one namespace: the key
    // "legacy" is named like the id of the key "alpha".
    const QString alphaId = QStringLiteral("AlphaKeyId01");
    const QString legacyId = QStringLiteral("LegacyKeyId1");
    VirtualKeyStore keys(db());
    QVERIFY(keys.import(alphaId, QStringLiteral("alpha"), {}, VirtualKeyStore::secretHash(secretFor(alphaId, 'a'))));
    QSqlQuery insert(db());
    insert.prepare(QStringLiteral("INSERT INTO virtual_keys(id, name, project, secret_sha256, created_at) "
                                  "VALUES (?, ?, '', ?, '2026-01-01T00:00:00.000Z')"));
    insert.addBindValue(legacyId);
    insert.addBindValue(alphaId);
    insert.addBindValue(VirtualKeyStore::secretHash(secretFor(legacyId, 'l')));
    QVERIFY(insert.exec());

    // The file keeps the legacy key (named alphaId) and drops alpha.
    const QByteArray yaml = "keys:\n  - name: " + alphaId.toLatin1() + "\n    id: " + legacyId.toLatin1()
        + "\n    sha256: " + VirtualKeyStore::secretHash(secretFor(legacyId, 'l')).toHex() + "\n";
    const ParseResult parsed = parse(yaml);
    QVERIFY2(parsed.problems.empty(), qUtf8Printable(describeAll(parsed.problems)));
    auto outcome = applyConfig(db(), parsed.document, false);
    QVERIFY2(outcome, qUtf8Printable(outcome.ok() ? QString() : outcome.error().message));
    QCOMPARE(outcome->plan.changes.size(), std::size_t(1));
    QVERIFY(outcome->applied);

    QVERIFY(!keys.authenticate(secretFor(alphaId, 'a')));
    auto legacy = keys.authenticate(secretFor(legacyId, 'l'));
    QVERIFY2(legacy, qUtf8Printable(legacy.ok() ? QString() : legacy.error().message));

    // revoke(X) takes an id before a name: it revokes one key, never two.
    QVERIFY(keys.import(QStringLiteral("BravoKeyId01"), QStringLiteral("bravo"), {},
        VirtualKeyStore::secretHash(secretFor(QStringLiteral("BravoKeyId01"), 'b'))));
    auto revoked = keys.revoke(QStringLiteral("BravoKeyId01"));
    QVERIFY(revoked);
    QCOMPARE(revoked->name, QStringLiteral("bravo"));
    QVERIFY(keys.authenticate(secretFor(legacyId, 'l')));
    QCOMPARE(keys.revokeById(QStringLiteral("bravo")).error().code, QStringLiteral("not-found"));
}

void TestConfigApply::keyNamesNeverEqualKeyIds()
{
    VirtualKeyStore keys(db());
    auto created = keys.create(QStringLiteral("first"));
    QVERIFY(created);
    // A name that is another key's id: refused by create() and import().
    auto clash = keys.create(created->key.id);
    QVERIFY(!clash);
    QCOMPARE(clash.error().code, QStringLiteral("conflict"));
    const QByteArray hash = VirtualKeyStore::secretHash(secretFor(QStringLiteral("OtherKeyId01"), 'o'));
    auto imported = keys.import(QStringLiteral("OtherKeyId01"), created->key.id, {}, hash);
    QVERIFY(!imported);
    QCOMPARE(imported.error().code, QStringLiteral("conflict"));
    // An id that is another key's name.
    QVERIFY(keys.create(QStringLiteral("NamedLikeId1")));
    auto idClash = keys.import(QStringLiteral("NamedLikeId1"), QStringLiteral("second"), {}, hash);
    QVERIFY(!idClash);
    QCOMPARE(idClash.error().code, QStringLiteral("conflict"));

    // In a file, the same rule is a conflict of the plan.
    const QByteArray named = "keys:\n  - name: " + created->key.id.toLatin1()
        + "\n    id: OtherKeyId01\n    sha256: " + hash.toHex() + "\n";
    const ParseResult parsed = parse(named);
    QVERIFY2(parsed.problems.empty(), qUtf8Printable(describeAll(parsed.problems)));
    auto outcome = applyConfig(db(), parsed.document, true);
    QVERIFY(outcome);
    QVERIFY(!outcome->plan.conflicts.empty());
    QCOMPARE(outcome->plan.conflicts.front().code, QStringLiteral("conflict"));
}

void TestConfigApply::exportRoundTripsDollars()
{
    CatalogUserStore store(db());
    CustomProvider provider;
    provider.id = QStringLiteral("sbtest-dollar");
    provider.name = QStringLiteral("budget ${HOME} and $$ and $");
    provider.baseUrl = QStringLiteral("https://llm.example.com/v$1/$$x");
    provider.key = KeyReference { KeyReference::Kind::File, QStringLiteral("/etc/sb/${HOME}$$.key") };
    QVERIFY(store.addProvider(provider));
    PriceOverride note;
    note.providerId = QStringLiteral("openai");
    note.providerModelId = QStringLiteral("gpt-4o");
    note.basisPoints = -500;
    note.note = QStringLiteral("budget ${HOME} and $$ and $");
    QVERIFY(store.addOverride(note));
    VirtualKeyStore keys(db());
    QVERIFY(keys.create(QStringLiteral("key ${HOME} $$ $")));

    auto state = loadConfigState(db());
    QVERIFY(state);
    const QByteArray exported = exportConfig(state.value());
    QVERIFY2(!exported.contains(kHome.toUtf8()), exported.constData());
    const ParseResult parsed = parse(exported);
    QVERIFY2(parsed.problems.empty(),
        qUtf8Printable(describeAll(parsed.problems) + QLatin1Char('\n') + QString::fromUtf8(exported)));
    const ConfigPlan plan = planConfig(parsed.document, state.value(), QDateTime::currentDateTimeUtc());
    QVERIFY2(plan.isEmpty() && plan.conflicts.empty(),
        qUtf8Printable(describeChanges(plan.changes).join(QLatin1Char('\n'))));
    QCOMPARE(parsed.document.providers->front().provider.baseUrl, provider.baseUrl);
    QCOMPARE(parsed.document.providers->front().provider.key.ref, provider.key.ref);
    QCOMPARE(parsed.document.overrides->front().note, note.note);
}

void TestConfigApply::multipleDocumentsAreRefused()
{
    const ParseResult parsed = parse("aliases: {}\n---\nkeys: []\n");
    QCOMPARE(parsed.problems.size(), std::size_t(1));
    QCOMPARE(parsed.problems.front().spot.line, 2);
    QVERIFY(parsed.problems.front().message.contains(QLatin1String("second YAML document")));
    QVERIFY(!parse("aliases: {}\n---\n").problems.empty());
    QVERIFY(parse("---\naliases: {}\n...\n").problems.empty());
}

void TestConfigApply::invalidUtf8IsRefusedWithItsPosition()
{
    const ParseResult parsed = parse("aliases:\n  caf\xc3\xa9: b\xff\n");
    QCOMPARE(parsed.problems.size(), std::size_t(1));
    QCOMPARE(parsed.problems.front().spot.line, 2);
    QCOMPARE(parsed.problems.front().spot.column, 10); // "  café: b" is 9 characters
    QVERIFY(parsed.problems.front().message.contains(QLatin1String("UTF-8")));
    // An overlong encoding and a lone continuation byte too.
    QCOMPARE(parse("aliases:\n  a: \xc0\xaf\n").problems.size(), std::size_t(1));
    QCOMPARE(parse("\x80").problems.front().spot.line, 1);
}

void TestConfigApply::removedOverridesComeInOrder()
{
    ConfigState state;
    for (int i = 0; i < 12; ++i) {
        PriceOverride priceOverride;
        priceOverride.providerId = QStringLiteral("openai");
        priceOverride.providerModelId = QStringLiteral("model-%1").arg(i, 2, 10, QLatin1Char('0'));
        priceOverride.basisPoints = 100;
        state.data.overrides.push_back(priceOverride);
    }
    const ParseResult parsed = parse("price_overrides: []\n");
    QVERIFY(parsed.problems.empty());
    const ConfigPlan plan = planConfig(parsed.document, state, QDateTime::currentDateTimeUtc());
    QCOMPARE(plan.changes.size(), std::size_t(12));
    for (std::size_t i = 0; i < plan.changes.size(); ++i)
        QCOMPARE(plan.changes[i].name, QStringLiteral("openai/model-%1").arg(int(i), 2, 10, QLatin1Char('0')));
}

void TestConfigApply::failedStoreWriteLeavesCallerTransactionUntouched()
{
    PriceOverride priceOverride;
    priceOverride.providerId = QStringLiteral("openai");
    priceOverride.providerModelId = QStringLiteral("gpt-4o");
    priceOverride.basisPoints = 250;
    QVERIFY(CatalogUserStore(db()).addOverride(priceOverride));

    QSqlQuery(db()).exec(QStringLiteral("BEGIN IMMEDIATE"));
    CatalogUserStore joined(db(), CatalogUserStore::Transactions::Caller);
    // No custom provider "openai": removeProvider fails, after deleting the
    // overrides that name it, which its savepoint must undo.
    auto removed = joined.removeProvider(QStringLiteral("openai"));
    QVERIFY(!removed);
    QCOMPARE(removed.error().code, QStringLiteral("not-found"));
    QCOMPARE(joined.overrides()->size(), std::size_t(1));
    // The caller's transaction is still open and usable.
    QVERIFY(joined.addAlias(ModelAlias { QStringLiteral("sbtest-fast"), QStringLiteral("openai/gpt-4o"), {} }));
    QVERIFY(QSqlQuery(db()).exec(QStringLiteral("COMMIT")));
    CatalogUserStore own(db());
    QCOMPARE(own.overrides()->size(), std::size_t(1));
    QCOMPARE(own.aliases()->size(), std::size_t(1));
}

void TestConfigApply::aliasesAnchorsTagsAndSizeAreBounded()
{
    const ParseResult aliases = parse("a: &x [1, 2]\nb: *x\n");
    QCOMPARE(aliases.problems.size(), std::size_t(2));
    QCOMPARE(aliases.problems[0].spot.line, 1);
    QVERIFY(aliases.problems[0].message.contains(QLatin1String("anchors")));
    QCOMPARE(aliases.problems[1].spot.line, 2);

    const ParseResult tagged = parse("aliases:\n  a: !!binary aGk=\n");
    QCOMPARE(tagged.problems.size(), std::size_t(1));
    QVERIFY(tagged.problems.front().message.contains(QLatin1String("!!binary")));
    QVERIFY(parse("aliases:\n  a: !!str b/c\n").problems.empty());

    QByteArray many = "aliases: [";
    for (int i = 0; i < 100'001; ++i)
        many += "1,";
    many += "1]\n";
    const ParseResult tooMany = parse(many);
    QCOMPARE(tooMany.problems.size(), std::size_t(1));
    QVERIFY(tooMany.problems.front().message.contains(QLatin1String("more than")));

    const ParseResult tooLarge = parse(QByteArray(4 * 1024 * 1024 + 1, ' '));
    QCOMPARE(tooLarge.problems.size(), std::size_t(1));
    QVERIFY(tooLarge.problems.front().message.contains(QLatin1String("larger than")));

    // Not a regular file: refused at once rather than read forever.
    if (QFileInfo::exists(QStringLiteral("/dev/zero"))) {
        const ParseResult device = parseConfigFile(QStringLiteral("/dev/zero"), testEnvironment());
        QCOMPARE(device.problems.size(), std::size_t(1));
        QVERIFY(device.problems.front().message.contains(QLatin1String("regular file")));
    }
}

void TestConfigApply::problemsPointAtTheirField_data()
{
    QTest::addColumn<QByteArray>("yaml");
    QTest::addColumn<int>("line");
    QTest::addColumn<QString>("field");

    const QByteArray provider = "providers:\n  - base_url: http://127.0.0.1:8000/v1\n";
    QTest::newRow("provider id") << QByteArray(provider + "    id: \"bad id!\"\n") << 3
                                 << QStringLiteral("providers[0].id");
    QTest::newRow("provider name") << QByteArray(provider + "    id: ok\n    name: \"a\\x01b\"\n") << 4
                                   << QStringLiteral("providers[0].name");
    QTest::newRow("offering model_id") << QByteArray(
        provider + "    id: ok\n    offerings:\n      - model: m\n        model_id: \"a\\x01\"\n")
                                       << 6 << QStringLiteral("providers[0].offerings[0].model_id");
    QTest::newRow("override note") << QByteArray(
        "price_overrides:\n  - provider: openai\n    model: gpt-4o\n    adjust: 5%\n    note: \"a\\x01\"\n")
                                   << 5 << QStringLiteral("price_overrides[0].note");
    QTest::newRow("keychain entry") << QByteArray(provider + "    id: ok\n    key: {keychain: \"a\\x01\"}\n") << 4
                                    << QStringLiteral("providers[0].key.keychain");
}

void TestConfigApply::problemsPointAtTheirField()
{
    QFETCH(QByteArray, yaml);
    QFETCH(int, line);
    QFETCH(QString, field);
    const ParseResult parsed = parse(yaml);
    QVERIFY2(parsed.problems.size() == 1, qUtf8Printable(describeAll(parsed.problems)));
    QCOMPARE(parsed.problems.front().spot.field, field);
    QCOMPARE(parsed.problems.front().spot.line, line);
}

void TestConfigApply::pastExpiryPointsAtExpires()
{
    const ParseResult parsed = parse("keys:\n  - name: late\n    expires: 2020-01-01\n    id: LateKeyId001\n"
                                     "    sha256: "
        + QByteArray(64, 'a') + "\n");
    QVERIFY2(parsed.problems.empty(), qUtf8Printable(describeAll(parsed.problems)));
    const ConfigPlan plan = planConfig(parsed.document, ConfigState {}, QDateTime::currentDateTimeUtc());
    QCOMPARE(plan.conflicts.size(), std::size_t(1));
    QCOMPARE(plan.conflicts.front().spot.field, QStringLiteral("keys[0].expires"));
    QCOMPARE(plan.conflicts.front().spot.line, 3);
}

void TestConfigApply::variablesOnlyWhereTheyBelong()
{
    const QByteArray head = "providers:\n  - id: local\n    base_url: ";
    // The host from a variable: fine.
    ParseResult parsed = parse(head + "http://${SBTEST_HOST}:8000/v1\n");
    QVERIFY2(parsed.problems.empty(), qUtf8Printable(describeAll(parsed.problems)));
    QCOMPARE(parsed.document.providers->front().provider.baseUrl, QStringLiteral("http://10.0.0.5:8000/v1"));
    // A key in the query, from a variable: refused, without repeating it.
    for (const QByteArray &url :
        { QByteArray("https://h.example.com/v1?key=${SBTEST_API_KEY}"), QByteArray("https://${SBTEST_QUERY_URL}") }) {
        parsed = parse(head + url + "\n");
        QCOMPARE(parsed.problems.size(), std::size_t(1));
        QCOMPARE(parsed.problems.front().spot.field, QStringLiteral("providers[0].base_url"));
        QVERIFY(!describeAll(parsed.problems).contains(QLatin1String("AIza")));
        QVERIFY(!describeAll(parsed.problems).contains(QLatin1String("hunter2")));
    }
    // Everywhere else, text is text: a note cannot pull a variable in.
    parsed = parse("price_overrides:\n  - provider: openai\n    model: gpt-4o\n    adjust: 5%\n"
                   "    note: ${SBTEST_API_KEY} $$\n");
    QVERIFY2(parsed.problems.empty(), qUtf8Printable(describeAll(parsed.problems)));
    QCOMPARE(parsed.document.overrides->front().note, QStringLiteral("${SBTEST_API_KEY} $$"));
}

void TestConfigApply::catalogProviderIdsAndUnknownOfferings()
{
    Provider openai;
    openai.id = QStringLiteral("openai");
    Offering gpt;
    gpt.providerId = QStringLiteral("openai");
    gpt.providerModelId = QStringLiteral("gpt-4o");
    gpt.modelId = QStringLiteral("openai/gpt-4o");
    const Catalog catalog({ openai }, {}, { gpt }, {}, {});

    ParseResult parsed = parse("providers:\n  - id: local\n    base_url: http://127.0.0.1:1/v1\n"
                               "  - id: openai\n    base_url: http://127.0.0.1:2/v1\n");
    QVERIFY(parsed.problems.empty());
    ConfigPlan plan = planConfig(parsed.document, ConfigState {}, QDateTime::currentDateTimeUtc(), &catalog);
    QCOMPARE(plan.conflicts.size(), std::size_t(1));
    QCOMPARE(plan.conflicts.front().code, QStringLiteral("conflict"));
    QCOMPARE(plan.conflicts.front().spot.field, QStringLiteral("providers[1].id"));
    QCOMPARE(plan.conflicts.front().spot.line, 4);

    parsed = parse("providers:\n  - id: local\n    base_url: http://127.0.0.1:1/v1\n    offerings:\n"
                   "      - {model: mine, model_id: me/mine}\n"
                   "price_overrides:\n  - {provider: openai, model: gpt-4o, adjust: 5%}\n"
                   "  - {provider: openai, model: gpt-nope, adjust: 5%}\n"
                   "  - {provider: local, model: mine, adjust: 5%}\n");
    QVERIFY2(parsed.problems.empty(), qUtf8Printable(describeAll(parsed.problems)));
    plan = planConfig(parsed.document, ConfigState {}, QDateTime::currentDateTimeUtc(), &catalog);
    QVERIFY(plan.conflicts.empty());
    QCOMPARE(plan.warnings.size(), std::size_t(1));
    QVERIFY(plan.warnings.front().message.contains(QLatin1String("openai/gpt-nope")));
    QCOMPARE(plan.warnings.front().spot.line, 8);
}

QTEST_GUILESS_MAIN(TestConfigApply)
#include "tst_configapply.moc"
