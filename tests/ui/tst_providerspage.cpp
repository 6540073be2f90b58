// Keys & Providers: custom providers and price overrides written to a real
// workspace database through the page, and their effect on the catalog.

#include "engine/catalog/userstore.h"
#include "engine/storage/workspace.h"
#include "models/catalog/catalogroles.h"
#include "models/catalog/catalogtablemodel.h"
#include "models/catalog/userdatamodels.h"
#include "tests/support/catalogfixture.h"
#include "ui/catalog/catalogpage.h"
#include "ui/keys/overridedialog.h"
#include "ui/keys/providerdialog.h"
#include "ui/keys/providerspage.h"
#include "ui/mainwindow.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace signalbox;

namespace {
engine::CustomProvider localVllm()
{
    engine::CustomProvider p;
    p.id = QStringLiteral("local-vllm");
    p.name = QStringLiteral("Local vLLM");
    p.baseUrl = QStringLiteral("http://127.0.0.1:8000/v1");
    return p;
}

bool okEnabled(QDialog &dialog)
{
    return dialog.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->isEnabled();
}
} // namespace

class TestProvidersPage : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SignalboxTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_providerspage"));
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settings.path());
    }

    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        auto workspace = engine::Workspace::open(m_dir->path());
        QVERIFY2(workspace.ok(), qPrintable(workspace.ok() ? QString() : workspace.error().message));
        m_workspace = std::move(workspace).value();
        m_store = std::make_unique<engine::CatalogUserStore>(m_workspace->database());
    }

    void cleanup()
    {
        m_store.reset();
        m_workspace.reset();
    }

    void addEditRemoveProvider()
    {
        ui::ProvidersPage page;
        QAbstractItemModelTester providersTester(page.providersModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester overridesTester(page.overridesModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        page.setStore(m_store.get());
        QSignalSpy changed(&page, &ui::ProvidersPage::userDataChanged);
        QVERIFY(page.addProvider(localVllm()));
        QCOMPARE(changed.count(), 1);
        QCOMPARE(page.providersModel()->rowCount(), 1);
        QCOMPARE(m_store->providers()->size(), std::size_t(1));
        QCOMPARE(page.providersModel()->index(0, models::CustomProvidersModel::KeyColumn).data().toString(),
                 QStringLiteral("no key"));

        engine::CustomProvider edited = localVllm();
        edited.name = QStringLiteral("GPU box");
        edited.key = {engine::KeyReference::Kind::Environment, QStringLiteral("GPU_BOX_KEY")};
        QVERIFY(page.updateProvider(edited));
        QCOMPARE(m_store->provider(QStringLiteral("local-vllm"))->name, QStringLiteral("GPU box"));
        QCOMPARE(page.providersModel()->index(0, models::CustomProvidersModel::KeyColumn).data().toString(),
                 QStringLiteral("environment: GPU_BOX_KEY"));

        QVERIFY(!page.addProvider(localVllm()));  // the id is taken
        QVERIFY(!page.lastError().isEmpty());
        QCOMPARE(m_store->providers()->size(), std::size_t(1));

        QVERIFY(page.removeProvider(QStringLiteral("local-vllm")));
        QCOMPARE(page.providersModel()->rowCount(), 0);
        QCOMPARE(changed.count(), 3);
    }

    void metadataAddressIsRefusedAndNothingStored()
    {
        ui::ProvidersPage page;
        page.setStore(m_store.get());
        engine::CustomProvider bad = localVllm();
        bad.baseUrl = QStringLiteral("http://169.254.169.254/latest");
        QVERIFY(!page.addProvider(bad));
        QVERIFY(!page.lastError().isEmpty());
        QCOMPARE(m_store->providers()->size(), std::size_t(0));
    }

    void providerDialogChecksAsYouType()
    {
        ui::ProviderDialog dialog;
        QVERIFY(!okEnabled(dialog));
        QTest::keyClicks(dialog.findChild<QLineEdit *>(QStringLiteral("providerId")), QStringLiteral("Local-Ollama"));
        QTest::keyClicks(dialog.findChild<QLineEdit *>(QStringLiteral("providerName")), QStringLiteral("Ollama"));
        auto *url = dialog.findChild<QLineEdit *>(QStringLiteral("providerBaseUrl"));
        QTest::keyClicks(url, QStringLiteral("http://169.254.169.254/v1"));
        QVERIFY(!okEnabled(dialog));
        QVERIFY(!dialog.problem().isEmpty());
        url->clear();
        QTest::keyClicks(url, QStringLiteral("http://127.0.0.1:11434/v1"));
        QVERIFY2(okEnabled(dialog), qPrintable(dialog.problem()));
        QCOMPARE(dialog.provider().id, QStringLiteral("local-ollama"));
    }

    void overrideDialogBuildsExactPrices()
    {
        ui::OverrideDialog dialog(testing::smallCatalog());
        dialog.findChild<QComboBox *>(QStringLiteral("overrideProvider"))->setEditText(QStringLiteral("alpha"));
        dialog.findChild<QComboBox *>(QStringLiteral("overrideModel"))->setEditText(QStringLiteral("cheap/model"));
        QVERIFY(dialog.findChild<QLabel *>(QStringLiteral("overrideCurrent"))->text().contains(QStringLiteral("$0.05")));
        dialog.findChild<QDoubleSpinBox *>(QStringLiteral("overridePercent"))->setValue(-12.5);
        QVERIFY2(okEnabled(dialog), qPrintable(dialog.problem()));
        QCOMPARE(dialog.priceOverride().basisPoints, -1250);

        dialog.findChild<QRadioButton *>(QStringLiteral("overrideReplace"))->setChecked(true);
        QVERIFY(!okEnabled(dialog));
        QTest::keyClicks(dialog.findChild<QLineEdit *>(QStringLiteral("overrideInput")), QStringLiteral("2.50"));
        QTest::keyClicks(dialog.findChild<QLineEdit *>(QStringLiteral("overrideOutput")), QStringLiteral("$10"));
        QVERIFY2(okEnabled(dialog), qPrintable(dialog.problem()));
        const engine::PriceOverride o = dialog.priceOverride();
        QCOMPARE(o.kind, engine::PriceOverride::Kind::Replace);
        QCOMPARE(o.price.variants.at(0).prices.find(engine::units::inputTokens())->rate.base, testing::perMillion("2.5"));
        QCOMPARE(o.price.variants.at(0).prices.find(engine::units::outputTokens())->rate.base, testing::perMillion("10"));
    }

    void overridesReachTheCatalogPage()
    {
        ui::MainWindow window({m_dir->path(), m_workspace->databasePath(), m_workspace->schemaVersion()});
        window.setUserStore(m_store.get());
        window.setCatalog(testing::smallCatalog());
        auto inputPriceOf = [&window](const QString &id) {
            models::CatalogTableModel *table = window.catalogPage()->tableModel();
            return table->index(table->rowOf(id), models::CatalogTableModel::InputPriceColumn).data().toString();
        };
        QCOMPARE(inputPriceOf(QStringLiteral("mid/model")), QStringLiteral("$1.20"));

        engine::PriceOverride half;
        half.providerId = QStringLiteral("alpha");
        half.providerModelId = QStringLiteral("mid/model");
        half.kind = engine::PriceOverride::Kind::Adjust;
        half.basisPoints = -5000;
        half.note = QStringLiteral("negotiated");
        QVERIFY(window.providersPage()->addOverride(half));
        QCOMPARE(inputPriceOf(QStringLiteral("mid/model")), QStringLiteral("$0.60"));
        QCOMPARE(window.providersPage()->overridesModel()->index(0, models::PriceOverridesModel::ChangeColumn).data().toString(),
                 QStringLiteral("−50 % (discount)"));

        // A new catalog (a refresh) keeps the override.
        window.setCatalog(testing::smallCatalog());
        QCOMPARE(inputPriceOf(QStringLiteral("mid/model")), QStringLiteral("$0.60"));

        QVERIFY(window.providersPage()->removeOverride(QStringLiteral("alpha"), QStringLiteral("mid/model")));
        QCOMPARE(inputPriceOf(QStringLiteral("mid/model")), QStringLiteral("$1.20"));
    }

    void aliasesRegroupModels()
    {
        ui::MainWindow window({m_dir->path(), m_workspace->databasePath(), m_workspace->schemaVersion()});
        QAbstractItemModelTester tester(window.providersPage()->aliasesModel(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        window.setUserStore(m_store.get());
        window.setCatalog(testing::smallCatalog());
        QCOMPARE(window.effectiveCatalog()->models().size(), std::size_t(4));
        engine::ModelAlias alias;
        alias.alias = QStringLiteral("mystery/model");
        alias.modelId = QStringLiteral("cheap/model");
        QVERIFY2(window.providersPage()->addAlias(alias), qPrintable(window.providersPage()->lastError()));
        QCOMPARE(window.providersPage()->aliasesModel()->rowCount(), 1);
        QCOMPARE(window.effectiveCatalog()->models().size(), std::size_t(3));
        QCOMPARE(window.effectiveCatalog()->offeringsOf(QStringLiteral("cheap/model")).size(), std::size_t(3));
        QVERIFY(window.providersPage()->removeAlias(QStringLiteral("mystery/model")));
        QCOMPARE(window.effectiveCatalog()->models().size(), std::size_t(4));
    }

private:
    QTemporaryDir m_settings;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<engine::Workspace> m_workspace;
    std::unique_ptr<engine::CatalogUserStore> m_store;
};

QTEST_MAIN(TestProvidersPage)
#include "tst_providerspage.moc"
