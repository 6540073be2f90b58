// Catalog user data in the workspace: migration 2's tables and constraints,
// CatalogUserStore, and what the stored data does to a refreshed catalog.

#include "engine/catalog/importers.h"
#include "engine/catalog/priceschedulejson.h"
#include "engine/catalog/refresh.h"
#include "engine/catalog/userstore.h"
#include "engine/storage/schema.h"
#include "engine/storage/workspace.h"
#include "tests/engine/userdatafixture.h"

#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace signalbox::engine;
using namespace userdatafixture;

class TestUserStore : public QObject {
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Workspace> m_workspace;
    std::unique_ptr<CatalogUserStore> m_store;

    bool exec(const QString &sql)
    {
        QSqlQuery query(m_workspace->database());
        return query.exec(sql);
    }

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        auto workspace = Workspace::open(m_dir->path());
        QVERIFY2(workspace.ok(), qPrintable(workspace.ok() ? QString() : workspace.error().message));
        m_workspace = std::move(workspace.value());
        m_store = std::make_unique<CatalogUserStore>(m_workspace->database());
    }
    void cleanup()
    {
        m_store.reset();
        m_workspace.reset();
        m_dir.reset();
    }

    // --- schema -------------------------------------------------------------

    void migrationTwoCreatesTheTables()
    {
        QVERIFY(latestVersion(workspaceMigrations()) >= 2);
        QVERIFY(m_workspace->schemaVersion() >= 2);
        QSqlQuery query(m_workspace->database());
        QVERIFY(
            query.exec(QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'catalog_%'"
                                      " ORDER BY name")));
        QStringList tables;
        while (query.next())
            tables << query.value(0).toString();
        QCOMPARE(tables,
            (QStringList { QStringLiteral("catalog_aliases"), QStringLiteral("catalog_custom_offerings"),
                QStringLiteral("catalog_custom_providers"), QStringLiteral("catalog_price_overrides") }));
        QVERIFY(m_store->load()->isEmpty());
    }

    void schemaConstraints_data()
    {
        QTest::addColumn<QString>("sql");
        QTest::addColumn<bool>("accepted");
        const QString provider
            = QStringLiteral("INSERT INTO catalog_custom_providers(id, name, base_url, dialect, key_kind, key_ref)"
                             " VALUES ");
        QTest::newRow("provider ok") << QString(
            provider + QStringLiteral("('p', 'P', 'http://localhost:1/v1', 'openai', 'env', 'P_KEY')"))
                                     << true;
        QTest::newRow("provider without key")
            << QString(provider + QStringLiteral("('p', 'P', 'http://x/v1', 'anthropic', 'none', '')")) << true;
        QTest::newRow("upper-case id") << QString(
            provider + QStringLiteral("('P', 'P', 'http://x/v1', 'openai', 'none', '')"))
                                       << false;
        QTest::newRow("id with a slash") << QString(
            provider + QStringLiteral("('a/b', 'P', 'http://x/v1', 'openai', 'none', '')"))
                                         << false;
        QTest::newRow("empty name") << QString(
            provider + QStringLiteral("('p', ' ', 'http://x/v1', 'openai', 'none', '')"))
                                    << false;
        QTest::newRow("ftp url") << QString(provider + QStringLiteral("('p', 'P', 'ftp://x/', 'openai', 'none', '')"))
                                 << false;
        QTest::newRow("unknown dialect") << QString(
            provider + QStringLiteral("('p', 'P', 'http://x/v1', 'gemini', 'none', '')"))
                                         << false;
        QTest::newRow("env holding a key")
            << QString(provider + QStringLiteral("('p', 'P', 'http://x/v1', 'openai', 'env', 'sk-abc123')")) << false;
        QTest::newRow("none with a ref") << QString(
            provider + QStringLiteral("('p', 'P', 'http://x/v1', 'openai', 'none', 'X')"))
                                         << false;
        QTest::newRow("file without a path")
            << QString(provider + QStringLiteral("('p', 'P', 'http://x/v1', 'openai', 'file', '')")) << false;
        QTest::newRow("unknown key kind")
            << QString(provider + QStringLiteral("('p', 'P', 'http://x/v1', 'openai', 'plain', 'sk-1')")) << false;
        QTest::newRow("offering of no provider") << QStringLiteral(
            "INSERT INTO catalog_custom_offerings(provider_id, provider_model_id, model_id)"
            " VALUES ('nobody', 'm', 'a/m')") << false;
        const QString override_ = QStringLiteral("INSERT INTO catalog_price_overrides(provider_id, provider_model_id,"
                                                 " adjustment_bp, price_json) VALUES ");
        QTest::newRow("override by percent")
            << QString(override_ + QStringLiteral("('openai', 'gpt-4o', -1250, NULL)")) << true;
        QTest::newRow("override by schedule")
            << QString(override_ + QStringLiteral("('openai', 'gpt-4o', NULL, '[]')")) << true;
        QTest::newRow("override, both") << QString(override_ + QStringLiteral("('openai', 'gpt-4o', 100, '[]')"))
                                        << false;
        QTest::newRow("override, neither")
            << QString(override_ + QStringLiteral("('openai', 'gpt-4o', NULL, NULL)")) << false;
        QTest::newRow("override below -100%")
            << QString(override_ + QStringLiteral("('openai', 'gpt-4o', -10001, NULL)")) << false;
        QTest::newRow("override, not JSON")
            << QString(override_ + QStringLiteral("('openai', 'gpt-4o', NULL, '{oops')")) << false;
        QTest::newRow("alias ok") << QStringLiteral(
            "INSERT INTO catalog_aliases(alias, model_id) VALUES ('gpt4', 'openai/gpt-4')")
                                  << true;
        QTest::newRow("alias of itself") << QStringLiteral(
            "INSERT INTO catalog_aliases(alias, model_id) VALUES ('a', 'a')")
                                         << false;
        QTest::newRow("alias upper case")
            << QStringLiteral("INSERT INTO catalog_aliases(alias, model_id) VALUES ('GPT4', 'a')") << false;
    }
    void schemaConstraints()
    {
        QFETCH(QString, sql);
        QFETCH(bool, accepted);
        QCOMPARE(exec(sql), accepted);
    }

    void deletingAProviderCascadesToItsOfferings()
    {
        QVERIFY(m_store->addProvider(localVllm()).ok());
        QVERIFY(m_store->addOffering(qwenOnVllm()).ok());
        QVERIFY(m_store->addOverride(discount(QStringLiteral("local-vllm"), qwenOnVllm().providerModelId, -5000)).ok());
        QVERIFY(exec(QStringLiteral("DELETE FROM catalog_custom_providers WHERE id = 'local-vllm'")));
        QVERIFY(m_store->offerings()->empty());
    }

    // --- providers ------------------------------------------------------------

    void providerLifecycle()
    {
        CustomProvider input = localVllm();
        input.id = QStringLiteral("  Local-VLLM ");
        auto added = m_store->addProvider(input);
        QVERIFY2(added.ok(), qPrintable(added.ok() ? QString() : added.error().message));
        QCOMPARE(added->id, QStringLiteral("local-vllm"));
        QVERIFY(added->updatedAt.isValid());
        QCOMPARE(added->updatedAt.timeSpec(), Qt::UTC);

        auto again = m_store->addProvider(localVllm());
        QVERIFY(!again.ok());
        QCOMPARE(again.error().code, QStringLiteral("conflict"));

        CustomProvider changed = localVllm();
        changed.name = QStringLiteral("vLLM (renamed)");
        changed.dialect = ApiDialect::Anthropic;
        changed.key = KeyReference { KeyReference::Kind::File, QStringLiteral("/etc/signalbox/vllm.key") };
        auto updated = m_store->updateProvider(changed);
        QVERIFY(updated.ok());
        auto read = m_store->provider(QStringLiteral("local-vllm"));
        QVERIFY(read.ok());
        QCOMPARE(read->name, QStringLiteral("vLLM (renamed)"));
        QCOMPARE(read->dialect, ApiDialect::Anthropic);
        QCOMPARE(read->key, changed.key);
        QCOMPARE(m_store->providers()->size(), std::size_t(1));

        CustomProvider unknown = localVllm();
        unknown.id = QStringLiteral("nobody");
        QCOMPARE(m_store->updateProvider(unknown).error().code, QStringLiteral("not-found"));
        QCOMPARE(m_store->provider(QStringLiteral("nobody")).error().code, QStringLiteral("not-found"));
        QCOMPARE(m_store->removeProvider(QStringLiteral("nobody")).error().code, QStringLiteral("not-found"));
        QVERIFY(m_store->removeProvider(QStringLiteral("local-vllm")).ok());
        QVERIFY(m_store->providers()->empty());
    }

    void invalidProviders_data()
    {
        QTest::addColumn<QString>("id");
        QTest::addColumn<QString>("baseUrl");
        QTest::addColumn<int>("keyKind");
        QTest::addColumn<QString>("keyRef");
        QTest::addColumn<QString>("problem");
        const int env = int(KeyReference::Kind::Environment);
        const int file = int(KeyReference::Kind::File);
        const int keychain = int(KeyReference::Kind::Keychain);
        const int none = int(KeyReference::Kind::None);
        const QString url = QStringLiteral("http://localhost:8000/v1");
        QTest::newRow("empty id") << "" << url << none << ""
                                  << "no provider id";
        QTest::newRow("id with a space") << "my provider" << url << none << ""
                                         << "may only use";
        QTest::newRow("metadata url") << "p"
                                      << "http://169.254.169.254/" << none << ""
                                      << "never sends requests";
        QTest::newRow("url with a password") << "p"
                                             << "http://u:pw@localhost/" << none << ""
                                             << "password";
        QTest::newRow("not a url") << "p"
                                   << "localhost:8000" << none << ""
                                   << "http://";
        QTest::newRow("key as env name") << "p" << url << env << "sk-proj-abcdef0123456789"
                                         << "never the key itself";
        QTest::newRow("groq key as env name") << "p" << url << env << "gsk_AbCdEf0123456789AbCdEf0123456789"
                                              << "never the key itself";
        QTest::newRow("lower-case env") << "p" << url << env << "openai_api_key"
                                        << "environment variable";
        QTest::newRow("empty env") << "p" << url << env << ""
                                   << "environment variable";
        QTest::newRow("relative key file") << "p" << url << file << "keys/vllm.key"
                                           << "absolute path";
        QTest::newRow("key as key file") << "p" << url << file << "sk-ant-api03-abcdef"
                                         << "absolute path";
        QTest::newRow("key as keychain entry") << "p" << url << keychain << "sk-ant-api03-abcdef"
                                               << "never the key itself";
        QTest::newRow("token as keychain entry") << "p" << url << keychain << "AbCdEf0123456789AbCdEf0123456789xyz"
                                                 << "never the key itself";
        QTest::newRow("none with a ref") << "p" << url << none << "X"
                                         << "without a key";
    }
    void invalidProviders()
    {
        QFETCH(QString, id);
        QFETCH(QString, baseUrl);
        QFETCH(int, keyKind);
        QFETCH(QString, keyRef);
        QFETCH(QString, problem);
        CustomProvider provider = localVllm();
        provider.id = id;
        provider.baseUrl = baseUrl;
        provider.key = KeyReference { KeyReference::Kind(keyKind), keyRef };
        auto added = m_store->addProvider(provider);
        QVERIFY(!added.ok());
        QCOMPARE(added.error().code, QStringLiteral("invalid"));
        QVERIFY2(added.error().message.contains(problem), qPrintable(added.error().message));
        QVERIFY(m_store->providers()->empty());
    }

    void keyReferencesThatAreFine()
    {
        CustomProvider provider = localVllm();
        provider.key = KeyReference { KeyReference::Kind::Keychain, {} };
        QVERIFY(m_store->addProvider(provider).ok());
        provider.id = QStringLiteral("ollama");
        provider.baseUrl = QStringLiteral("http://127.0.0.1:11434/v1");
        provider.key = KeyReference {};
        QVERIFY(m_store->addProvider(provider).ok());
        provider.id = QStringLiteral("proxy");
        provider.key = KeyReference { KeyReference::Kind::Keychain, QStringLiteral("signalbox/company-proxy") };
        QVERIFY(m_store->addProvider(provider).ok());
        QCOMPARE(m_store->providers()->size(), std::size_t(3));
    }

    // --- offerings ------------------------------------------------------------

    void offeringLifecycle()
    {
        QCOMPARE(m_store->addOffering(qwenOnVllm()).error().code, QStringLiteral("not-found"));
        QVERIFY(m_store->addProvider(localVllm()).ok());
        CustomOffering input = qwenOnVllm();
        input.modelId = QStringLiteral("Qwen/Qwen2.5-Coder-32B-Instruct");
        auto added = m_store->addOffering(input);
        QVERIFY2(added.ok(), qPrintable(added.ok() ? QString() : added.error().message));
        QCOMPARE(added->modelId, QStringLiteral("qwen/qwen2.5-coder-32b-instruct")); // lower-cased
        QCOMPARE(added->providerModelId, QStringLiteral("Qwen/Qwen2.5-Coder-32B-Instruct")); // as the API names it
        QCOMPARE(priceScheduleToJson(added->price), priceScheduleToJson(qwenOnVllm().price));
        QCOMPARE(m_store->addOffering(qwenOnVllm()).error().code, QStringLiteral("conflict"));

        CustomOffering changed = qwenOnVllm();
        changed.contextLength = 131072;
        changed.price = PriceSchedule(); // unknown
        QVERIFY(m_store->updateOffering(changed).ok());
        auto listed = m_store->offerings(QStringLiteral("local-vllm"));
        QCOMPARE(listed->size(), std::size_t(1));
        QCOMPARE(listed->front().contextLength, qint64(131072));
        QVERIFY(!listed->front().price.isKnown());
        QVERIFY(m_store->offerings(QStringLiteral("other"))->empty());

        CustomOffering unknown = qwenOnVllm();
        unknown.providerModelId = QStringLiteral("nothing");
        QCOMPARE(m_store->updateOffering(unknown).error().code, QStringLiteral("not-found"));
        QCOMPARE(m_store->removeOffering(QStringLiteral("local-vllm"), QStringLiteral("nothing")).error().code,
            QStringLiteral("not-found"));

        CustomOffering bad = qwenOnVllm();
        bad.contextLength = -1;
        QCOMPARE(m_store->updateOffering(bad).error().code, QStringLiteral("invalid"));
        bad = qwenOnVllm();
        bad.price.variants.front().prices.prices.front().rate.base = money("-0.1");
        QCOMPARE(m_store->updateOffering(bad).error().code, QStringLiteral("invalid"));

        QVERIFY(m_store->removeOffering(QStringLiteral("local-vllm"), qwenOnVllm().providerModelId).ok());
        QVERIFY(m_store->offerings()->empty());
    }

    void removingAProviderRemovesItsOfferingsAndOverrides()
    {
        QVERIFY(m_store->addProvider(localVllm()).ok());
        QVERIFY(m_store->addOffering(qwenOnVllm()).ok());
        QVERIFY(m_store->addOverride(discount(QStringLiteral("local-vllm"), qwenOnVllm().providerModelId, -5000)).ok());
        QVERIFY(m_store->addOverride(discount(QStringLiteral("openai"), QStringLiteral("gpt-4o"), -1000)).ok());
        QVERIFY(m_store->removeProvider(QStringLiteral("local-vllm")).ok());
        QVERIFY(m_store->offerings()->empty());
        QCOMPARE(m_store->overrides()->size(), std::size_t(1));
        QCOMPARE(m_store->overrides()->front().providerId, QStringLiteral("openai"));
    }

    // --- overrides ------------------------------------------------------------

    void overrideLifecycle()
    {
        auto added = m_store->addOverride(discount(QStringLiteral("OpenAI"), QStringLiteral("gpt-4o"), -1250));
        QVERIFY2(added.ok(), qPrintable(added.ok() ? QString() : added.error().message));
        QCOMPARE(added->providerId, QStringLiteral("openai"));
        QCOMPARE(added->kind, PriceOverride::Kind::Adjust);
        QCOMPARE(added->basisPoints, -1250);
        QCOMPARE(m_store->addOverride(discount(QStringLiteral("openai"), QStringLiteral("gpt-4o"), 10)).error().code,
            QStringLiteral("conflict"));

        PriceOverride replace;
        replace.providerId = QStringLiteral("openai");
        replace.providerModelId = QStringLiteral("gpt-4o");
        replace.kind = PriceOverride::Kind::Replace;
        replace.price = perToken("0.000002", "0.000008");
        replace.note = QStringLiteral("2026 contract");
        auto updated = m_store->updateOverride(replace);
        QVERIFY(updated.ok());
        QCOMPARE(updated->kind, PriceOverride::Kind::Replace);
        QCOMPARE(updated->note, QStringLiteral("2026 contract"));
        QCOMPARE(priceScheduleToJson(updated->price), priceScheduleToJson(replace.price));

        QCOMPARE(m_store->addOverride(discount(QStringLiteral("openai"), QStringLiteral("o3"), -10001)).error().code,
            QStringLiteral("invalid"));
        QCOMPARE(m_store->addOverride(discount(QStringLiteral("openai"), QStringLiteral("o3"), 100001)).error().code,
            QStringLiteral("invalid"));
        PriceOverride emptyReplace = replace;
        emptyReplace.providerModelId = QStringLiteral("o3");
        emptyReplace.price = PriceSchedule();
        QCOMPARE(m_store->addOverride(emptyReplace).error().code, QStringLiteral("invalid"));
        QCOMPARE(m_store->updateOverride(discount(QStringLiteral("openai"), QStringLiteral("o3"), 5)).error().code,
            QStringLiteral("not-found"));
        QVERIFY(m_store->removeOverride(QStringLiteral("openai"), QStringLiteral("gpt-4o")).ok());
        QCOMPARE(m_store->removeOverride(QStringLiteral("openai"), QStringLiteral("gpt-4o")).error().code,
            QStringLiteral("not-found"));
    }

    // --- aliases --------------------------------------------------------------

    void aliasLifecycle()
    {
        auto added = m_store->addAlias(ModelAlias { QStringLiteral(" GPT4O "), QStringLiteral("OpenAI/GPT-4o"), {} });
        QVERIFY(added.ok());
        QCOMPARE(added->alias, QStringLiteral("gpt4o"));
        QCOMPARE(added->modelId, QStringLiteral("openai/gpt-4o"));
        QCOMPARE(m_store->addAlias(ModelAlias { QStringLiteral("gpt4o"), QStringLiteral("x/y"), {} }).error().code,
            QStringLiteral("conflict"));
        QCOMPARE(m_store->addAlias(ModelAlias { QStringLiteral("a"), QStringLiteral("a"), {} }).error().code,
            QStringLiteral("invalid"));
        // No chains, either way round.
        auto toAlias = m_store->addAlias(ModelAlias { QStringLiteral("4o"), QStringLiteral("gpt4o"), {} });
        QCOMPARE(toAlias.error().code, QStringLiteral("invalid"));
        QVERIFY2(
            toAlias.error().message.contains(QStringLiteral("itself an alias")), qPrintable(toAlias.error().message));
        auto targetAsAlias
            = m_store->addAlias(ModelAlias { QStringLiteral("openai/gpt-4o"), QStringLiteral("x/y"), {} });
        QCOMPARE(targetAsAlias.error().code, QStringLiteral("invalid"));

        QVERIFY(
            m_store->updateAlias(ModelAlias { QStringLiteral("gpt4o"), QStringLiteral("openai/gpt-4o-2024-08-06"), {} })
                .ok());
        QCOMPARE(m_store->aliases()->front().modelId, QStringLiteral("openai/gpt-4o-2024-08-06"));
        QCOMPARE(m_store->updateAlias(ModelAlias { QStringLiteral("nope"), QStringLiteral("x/y"), {} }).error().code,
            QStringLiteral("not-found"));
        QVERIFY(m_store->removeAlias(QStringLiteral("GPT4O")).ok());
        QCOMPARE(m_store->removeAlias(QStringLiteral("gpt4o")).error().code, QStringLiteral("not-found"));
    }

    void survivesReopening()
    {
        QVERIFY(m_store->addProvider(localVllm()).ok());
        QVERIFY(m_store->addOffering(qwenOnVllm()).ok());
        QVERIFY(m_store->addOverride(discount(QStringLiteral("openai"), QStringLiteral("gpt-4o"), -1250)).ok());
        QVERIFY(m_store->addAlias(ModelAlias { QStringLiteral("gpt4o"), QStringLiteral("openai/gpt-4o"), {} }).ok());
        const QString folder = m_dir->path();
        m_store.reset();
        m_workspace.reset();
        auto reopened = Workspace::open(folder);
        QVERIFY(reopened.ok());
        CatalogUserStore store(reopened.value()->database());
        auto data = store.load();
        QVERIFY(data.ok());
        QCOMPARE(data->providers.size(), std::size_t(1));
        QCOMPARE(data->offerings.size(), std::size_t(1));
        QCOMPARE(data->overrides.size(), std::size_t(1));
        QCOMPARE(data->aliases.size(), std::size_t(1));
        QCOMPARE(priceScheduleToJson(data->offerings.front().price), priceScheduleToJson(qwenOnVllm().price));
    }

    void refreshThenApplyKeepsAllUserData()
    {
        QVERIFY(m_store->addProvider(localVllm()).ok());
        QVERIFY(m_store->addOffering(qwenOnVllm()).ok());
        QVERIFY(
            m_store->addOverride(discount(QStringLiteral("openrouter"), QStringLiteral("openai/gpt-4o"), -2000)).ok());
        QVERIFY(
            m_store->addAlias(ModelAlias { QStringLiteral("openai/gpt-4o-copy"), QStringLiteral("openai/gpt-4o"), {} })
                .ok());
        const UserData data = m_store->load().value();

        const Catalog base = baseCatalog();
        const Catalog before = applyUserData(base, data);
        QCOMPARE(
            rate(before.offering(QStringLiteral("openrouter"), QStringLiteral("openai/gpt-4o")), units::inputTokens()),
            money("0.000002")); // 0.0000025 - 20%

        const QDateTime now = QDateTime::currentDateTimeUtc();
        auto imported = importOpenRouterModels(openRouterList("0.000005"), now.date());
        QVERIFY2(imported.ok(), qPrintable(imported.ok() ? QString() : imported.error().message));
        const RefreshMerge refreshed = mergeOpenRouterModels(base, imported.value(), now);
        QCOMPARE(refreshed.diff.count(PriceChange::Kind::Up), 1);
        UserDataReport report;
        const Catalog after = applyUserData(refreshed.catalog, data, &report);
        QVERIFY2(report.skipped.isEmpty(), qPrintable(report.skipped.join(QLatin1Char('\n'))));
        QCOMPARE(report.providersAdded, 1);
        QCOMPARE(report.offeringsAdded, 1);
        QCOMPARE(report.overridesApplied, 1);
        QCOMPARE(report.aliasesApplied, 1);
        QVERIFY(after.provider(QStringLiteral("local-vllm")));
        QVERIFY(after.offering(QStringLiteral("local-vllm"), qwenOnVllm().providerModelId));
        const Offering *routed = after.offering(QStringLiteral("openrouter"), QStringLiteral("openai/gpt-4o"));
        QCOMPARE(rate(routed, units::inputTokens()), money("0.000004")); // the new 0.000005 - 20%
        QCOMPARE(routed->provenance.source, PriceSource::User);
        QVERIFY(routed->provenance.entryId.startsWith(QStringLiteral("openrouter:")));
        QVERIFY(!after.model(QStringLiteral("openai/gpt-4o-copy")));
        QCOMPARE(after.offering(QStringLiteral("openrouter"), QStringLiteral("openai/gpt-4o-copy"))->modelId,
            QStringLiteral("openai/gpt-4o"));
        // And the store still holds all of it.
        const UserData stored = m_store->load().value();
        QCOMPARE(stored.providers.size(), std::size_t(1));
        QCOMPARE(stored.offerings.size(), std::size_t(1));
        QCOMPARE(stored.overrides.size(), std::size_t(1));
        QCOMPARE(stored.aliases.size(), std::size_t(1));
    }
};

QTEST_GUILESS_MAIN(TestUserStore)
#include "tst_userstore.moc"
