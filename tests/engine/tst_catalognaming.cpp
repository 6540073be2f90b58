// Canonical model identity: the normalisation rules, the alias table and the
// author origins bundled in resources/catalog/.

#include "engine/catalog/naming.h"
#include "tests/support/jsontext.h"

#include <QTest>

using namespace signalbox::engine;

namespace {
using signalbox::testing::json;

} // namespace

class TestCatalogNaming : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        auto bundled = ModelNaming::bundled();
        QVERIFY2(bundled.ok(), qPrintable(bundled.ok() ? QString() : bundled.error().message));
        m_naming = std::move(bundled).value();
    }

    void identify_data()
    {
        QTest::addColumn<QString>("providerModelId");
        QTest::addColumn<QString>("providerAuthor");
        QTest::addColumn<QString>("canonical");
        const auto row = [](const char *id, const char *author, const char *canonical) {
            QTest::newRow(id) << QString::fromUtf8(id) << QString::fromUtf8(author) << QString::fromUtf8(canonical);
        };
        // One model, as eleven providers and genai-prices spell it.
        row("gpt-oss-120b", "", "openai/gpt-oss-120b");
        row("openai/gpt-oss-120b", "", "openai/gpt-oss-120b");
        row("openai.gpt-oss-120b-1:0", "", "openai/gpt-oss-120b");
        row("accounts/fireworks/models/gpt-oss-120b", "", "openai/gpt-oss-120b");
        row("hf:openai/gpt-oss-120b", "", "openai/gpt-oss-120b");
        row("@cf/openai/gpt-oss-120b", "", "openai/gpt-oss-120b");
        row("openai/gpt-oss-120b:free", "", "openai/gpt-oss-120b");
        row("OpenAI/GPT-OSS-120B", "", "openai/gpt-oss-120b");
        // Dates, versions and regions.
        row("claude-3-7-sonnet-20250219", "anthropic", "anthropic/claude-3.7-sonnet");
        row("anthropic.claude-3-7-sonnet-20250219-v1:0", "", "anthropic/claude-3.7-sonnet");
        row("us.anthropic.claude-3-7-sonnet-20250219-v1:0", "", "anthropic/claude-3.7-sonnet");
        row("claude-3-7-sonnet@20250219", "anthropic", "anthropic/claude-3.7-sonnet");
        row("anthropic/claude-3.7-sonnet", "", "anthropic/claude-3.7-sonnet");
        row("claude-sonnet-4-5", "anthropic", "anthropic/claude-sonnet-4.5");
        row("gpt-4o-2024-08-06", "openai", "openai/gpt-4o-2024-08-06");  // OpenAI snapshots stay apart
        row("ft:gpt-4o", "openai", "openai/ft:gpt-4o");
        // Vendor spellings and rewrites.
        row("meta.llama3-3-70b-instruct-v1:0", "", "meta-llama/llama-3.3-70b-instruct");
        row("meta-llama/Llama-3.3-70B-Instruct-Turbo", "", "meta-llama/llama-3.3-70b-instruct");
        row("llama-3.3-70b-versatile", "", "meta-llama/llama-3.3-70b-instruct");
        row("deepseek-ai/DeepSeek-V3.1:THINKING", "", "deepseek/deepseek-v3.1");
        row("Qwen/Qwen3-Coder-480B-A35B-Instruct-FP8", "", "qwen/qwen3-coder");
        row("accounts/fireworks/models/glm-4p5", "", "z-ai/glm-4.5");
        row("zai-org/GLM-4.5-Air", "", "z-ai/glm-4.5-air");
        row("x-ai/grok-4", "", "x-ai/grok-4");
        row("grok-4", "x-ai", "x-ai/grok-4");
        row("mistral-large-latest", "mistralai", "mistralai/mistral-large-latest");
        row("moonshotai/kimi-k2-instruct-0905", "", "moonshotai/kimi-k2-0905");
        row("anthropic.claude-v2:1", "", "anthropic/claude-2.1");
        row("~anthropic/claude-opus-latest", "", "anthropic/claude-opus-latest");
        // A first-party provider names the author of ids no rule recognises.
        row("venice-uncensored", "venice", "venice/venice-uncensored");
        row("some-new-model", "acme", "acme/some-new-model");
        row("some-new-model", "", "some-new-model");
    }

    void identify()
    {
        QFETCH(QString, providerModelId);
        QFETCH(QString, providerAuthor);
        QFETCH(QString, canonical);
        const ModelNaming::Identity identity = m_naming.identify(providerModelId, providerAuthor);
        QCOMPARE(identity.canonicalId, canonical);
        const qsizetype slash = canonical.indexOf(QLatin1Char('/'));
        QCOMPARE(identity.author, slash < 0 ? QString() : canonical.left(slash));
    }

    void authorsHaveCountries_data()
    {
        QTest::addColumn<QString>("author");
        QTest::addColumn<QString>("country");
        const auto row = [](const char *author, const char *country) {
            QTest::newRow(author) << QString::fromUtf8(author) << QString::fromUtf8(country);
        };
        row("openai", "US");
        row("anthropic", "US");
        row("google", "US");
        row("meta", "US");  // an alias of meta-llama
        row("mistral", "FR");
        row("deepseek", "CN");
        row("alibaba", "CN");  // an alias of qwen
        row("moonshotai", "CN");
        row("zhipuai", "CN");
        row("xai", "US");
        row("cohere", "CA");
        row("ai21", "IL");
        row("amazon", "US");
        row("microsoft", "US");
        row("nvidia", "US");
        row("minimax", "CN");
        row("baidu", "CN");
        row("tencent", "CN");
        row("bytedance", "CN");
        row("01-ai", "CN");
        row("ibm", "US");
        row("perplexity", "US");
    }

    void authorsHaveCountries()
    {
        QFETCH(QString, author);
        QFETCH(QString, country);
        const Author *known = m_naming.author(author);
        QVERIFY(known);
        QCOMPARE(known->country, country);
        QVERIFY(!known->countryName.isEmpty());
        QVERIFY(!known->name.isEmpty());
    }

    void userAliasesWin()
    {
        ModelNaming naming = m_naming;
        QCOMPARE(naming.identify(QStringLiteral("acme-7b")).canonicalId, QStringLiteral("acme-7b"));
        naming.addAlias(QStringLiteral("acme-7b"), QStringLiteral("Acme/Acme-7B-Chat"));
        QCOMPARE(naming.identify(QStringLiteral("ACME-7b")).canonicalId, QStringLiteral("acme/acme-7b-chat"));
        QCOMPARE(naming.identify(QStringLiteral("ACME-7b")).author, QStringLiteral("acme"));
    }

    void malformedTables_data()
    {
        QTest::addColumn<QByteArray>("origins");
        QTest::addColumn<QByteArray>("aliases");
        QTest::addColumn<QString>("mention");
        const QByteArray origins = json("{'countries': {'US': 'United States'}, 'authors': {}}");
        const QByteArray aliases = json("{'aliases': {}}");
        QTest::newRow("origins not json") << QByteArray("{") << aliases << QStringLiteral("origins.json");
        QTest::newRow("unknown country")
            << json("{'countries': {}, 'authors': {'acme': {'name': 'Acme', 'country': 'ZZ'}}}") << aliases
            << QStringLiteral("\"ZZ\"");
        QTest::newRow("author without name")
            << json("{'countries': {}, 'authors': {'acme': {'country': 'US'}}}") << aliases
            << QStringLiteral("author \"acme\"");
        QTest::newRow("bad rewrite") << origins << json("{'rewrites': [{'pattern': '(', 'replace': ''}]}")
                                     << QStringLiteral("rewrites[0]");
        QTest::newRow("alias without author") << origins << json("{'aliases': {'x': 'plain'}}")
                                              << QStringLiteral("alias \"x\"");
    }

    void malformedTables()
    {
        QFETCH(QByteArray, origins);
        QFETCH(QByteArray, aliases);
        QFETCH(QString, mention);
        auto naming = ModelNaming::fromJson(origins, aliases);
        QVERIFY(!naming.ok());
        QVERIFY2(naming.error().message.contains(mention), qPrintable(naming.error().message));
    }

private:
    ModelNaming m_naming;
};

QTEST_GUILESS_MAIN(TestCatalogNaming)
#include "tst_catalognaming.moc"
