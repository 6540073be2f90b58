#pragma once

// What the config CLI tests share (tst_cli_config*.cpp): the base file, the
// environment its ${VAR} come from, and a fixture that runs the real binary
// on a workspace in a temporary folder and prints every configuration row.

#include "engine/storage/workspace.h"
#include "tests/support/clirunner.h"

#include <QFile>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QStringList>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace signalbox::testing::configcli {

inline const QString kGateway = QStringLiteral(SIGNALBOX_GATEWAY_BIN);
// Externally generated virtual keys: sbk_ + 12-character id + _ + 43 characters.
inline const QString kCiSecret = QStringLiteral("sbk_CiKeyId00001_") + QString(43, u'c');
inline const QString kOtherSecret = QStringLiteral("sbk_CiKeyId00002_") + QString(43, u'o');
inline const QString kDeploySecret = QStringLiteral("sbk_DeployKey001_") + QString(43, u'd');

// The base file, one string per line so tests can name line numbers.
inline QStringList baseLines()
{
    return {
        QStringLiteral("# Signalbox configuration for the tests"), // 1
        QStringLiteral("version: 1"), // 2
        QStringLiteral("providers:"), // 3
        QStringLiteral("  - id: sbtest-local"), // 4
        QStringLiteral("    name: Local vLLM"), // 5
        QStringLiteral("    base_url: http://127.0.0.1:8000/v1"), // 6
        QStringLiteral("    key: {env: SBTEST_VLLM_KEY}"), // 7
        QStringLiteral("    offerings:"), // 8
        QStringLiteral("      - model: qwen3:8b"), // 9
        QStringLiteral("        model_id: testlab/qwen3-8b"), // 10
        QStringLiteral("        context_length: 32768"), // 11
        QStringLiteral("        price:"), // 12
        QStringLiteral("          input_mtok: 0.10"), // 13
        QStringLiteral("          output_mtok: {rate: 0.30, tiers: [{above: 100000, rate: 0.60}]}"), // 14
        QStringLiteral("      - model: free-model"), // 15
        QStringLiteral("        model_id: testlab/free"), // 16
        QStringLiteral("        price: {}"), // 17
        QStringLiteral("price_overrides:"), // 18
        QStringLiteral("  - provider: openai"), // 19
        QStringLiteral("    model: gpt-4o"), // 20
        QStringLiteral("    adjust: -12.5%"), // 21
        QStringLiteral("    note: 2026 contract"), // 22
        QStringLiteral("  - provider: sbtest-local"), // 23
        QStringLiteral("    model: qwen3:8b"), // 24
        QStringLiteral("    price:"), // 25
        QStringLiteral("      - prices: {input_mtok: 0.2}"), // 26
        QStringLiteral("      - utc_window: [\"22:00\", \"06:00\"]"), // 27
        QStringLiteral("        prices: {input_tokens: \"0.0000001\"}"), // 28
        QStringLiteral("aliases:"), // 29
        QStringLiteral("  sbtest-qwen: testlab/qwen3-8b"), // 30
        QStringLiteral("keys:"), // 31
        QStringLiteral("  - name: ci"), // 32
        QStringLiteral("    project: platform"), // 33
        QStringLiteral("    expires: 2030-01-31"), // 34
        QStringLiteral("    secret: ${SBTEST_CI_KEY}"), // 35
    };
}

inline QProcessEnvironment environment(const QString &ciSecret = kCiSecret)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("SBTEST_CI_KEY"), ciSecret);
    env.insert(QStringLiteral("SBTEST_NOT_A_KEY"), QStringLiteral("hunter2-letmein"));
    env.remove(QStringLiteral("SBTEST_UNSET_VARIABLE"));
    return env;
}

#define VERIFY_OUTCOME(condition, outcome) QVERIFY2((condition), qUtf8Printable((outcome).describe()))

class ConfigCliFixture {
protected:
    // Call from the test's init().
    bool setUpWorkspace()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        return m_dir->isValid() && engine::Workspace::open(folder()).ok();
    }
    QString folder() const { return m_dir->path() + QStringLiteral("/ws"); }
    QString write(const QString &name, const QStringList &lines) const
    {
        return writeBytes(name, lines.join(QLatin1Char('\n')).toUtf8() + '\n');
    }
    QString writeBytes(const QString &name, const QByteArray &bytes) const
    {
        const QString path = m_dir->path() + QLatin1Char('/') + name;
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(bytes) != bytes.size())
            qWarning("cannot write %s", qUtf8Printable(path));
        return path;
    }
    CliOutcome run(const QStringList &arguments, const QProcessEnvironment &env = environment(),
        const QString &workspace = {}) const
    {
        return runCli(kGateway,
            QStringList { QStringLiteral("--workspace"), workspace.isEmpty() ? folder() : workspace } + arguments, {},
            env);
    }
    // Every configuration row and the configuration version, as text.
    QString print(const QString &workspaceFolder = {}) const
    {
        auto workspace = engine::Workspace::open(workspaceFolder.isEmpty() ? folder() : workspaceFolder);
        if (!workspace)
            return QStringLiteral("cannot open: ") + workspace.error().message;
        QString text;
        QSqlQuery query(workspace.value()->database());
        for (const char *table : { "catalog_custom_providers", "catalog_custom_offerings", "catalog_price_overrides",
                 "catalog_aliases", "virtual_keys", "workspace_meta" }) {
            text += QLatin1String(table) + QLatin1Char('\n');
            if (!query.exec(QStringLiteral("SELECT * FROM %1 ORDER BY 1, 2").arg(QLatin1String(table))))
                return QStringLiteral("cannot read ") + QLatin1String(table);
            while (query.next()) {
                QStringList values;
                for (int i = 0; i < query.record().count(); ++i) {
                    const QVariant value = query.value(i);
                    values << (value.typeId() == QMetaType::QByteArray
                            ? QString::fromLatin1(value.toByteArray().toHex())
                            : value.toString());
                }
                text += values.join(QLatin1Char('|')) + QLatin1Char('\n');
            }
        }
        return text;
    }
    // Each field is checked in the test that needs it; this is the common start.
    bool applyBase(QString *why)
    {
        const CliOutcome outcome = run(
            { QStringLiteral("config"), QStringLiteral("apply"), write(QStringLiteral("base.yaml"), baseLines()) });
        *why = outcome.describe();
        return outcome.exitCode == 0 && !outcome.crashed;
    }

    std::unique_ptr<QTemporaryDir> m_dir;
};

} // namespace signalbox::testing::configcli
