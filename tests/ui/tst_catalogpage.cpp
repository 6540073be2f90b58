// The Catalog page as a user meets it: loading, search, the detail pane,
// compare and the estimator — real widgets, offscreen.

#include "models/catalog/catalogfilterproxy.h"
#include "models/catalog/offeringsmodel.h"
#include "tests/support/catalogfixture.h"
#include "engine/catalog/catalog.h"
#include "ui/catalog/catalogpage.h"
#include "ui/catalog/comparedialog.h"
#include "ui/catalog/estimatordialog.h"

#include <QApplication>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableView>
#include <QTableWidget>
#include <QTest>
#include <QTimer>

using namespace signalbox;

class TestCatalogPage : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void showsLoadingThenCatalog()
    {
        ui::CatalogPage page;
        page.show();
        auto *message = page.findChild<QLabel *>(QStringLiteral("catalogMessage"));
        QVERIFY(message->isVisible());
        QVERIFY(message->text().contains(QStringLiteral("Loading")));
        page.setCatalog(testing::smallCatalog());
        QVERIFY(!message->isVisible());
        auto *view = page.findChild<QTableView *>(QStringLiteral("catalogModelsView"));
        QVERIFY(view->isVisible());
        QCOMPARE(view->model()->rowCount(), 4);
        QVERIFY(page.findChild<QLabel *>(QStringLiteral("catalogSummary"))->text().startsWith(QStringLiteral("4 models · 5 offerings · 2 providers")));
    }

    void loadErrorIsShown()
    {
        ui::CatalogPage page;
        page.show();
        page.setLoadError(QStringLiteral("catalog.sbcat: damaged"));
        auto *message = page.findChild<QLabel *>(QStringLiteral("catalogMessage"));
        QVERIFY(message->isVisible());
        QVERIFY(message->text().contains(QStringLiteral("catalog.sbcat: damaged")));
    }

    void searchFiltersAsYouType()
    {
        ui::CatalogPage page;
        page.setCatalog(testing::smallCatalog());
        page.show();
        auto *search = page.findChild<QLineEdit *>(QStringLiteral("catalogSearch"));
        QTest::keyClicks(search, QStringLiteral("pri"));
        QCOMPARE(page.proxy()->rowCount(), 1);
        QTest::keyClick(search, Qt::Key_Return);  // opens the only match
        QCOMPARE(page.selectedModelIds(), QStringList{QStringLiteral("pricey/model")});
        QCOMPARE(page.offeringsModel()->rowCount(), 1);
        QTest::keyClick(search, Qt::Key_Backspace);
        QTest::keyClick(search, Qt::Key_Backspace);
        QTest::keyClick(search, Qt::Key_Backspace);
        QCOMPARE(page.proxy()->rowCount(), 4);
    }

    void detailPaneListsOfferings()
    {
        ui::CatalogPage page;
        page.setCatalog(testing::smallCatalog());
        page.show();
        auto *search = page.findChild<QLineEdit *>(QStringLiteral("catalogSearch"));
        QTest::keyClicks(search, QStringLiteral("pricey"));
        QVERIFY(page.showModel(QStringLiteral("mid/model")));  // hidden by the search: filters are cleared
        QCOMPARE(search->text(), QString());
        const QString header = page.findChild<QLabel *>(QStringLiteral("modelDetailHeader"))->text();
        QVERIFY2(header.contains(QStringLiteral("Mid Model")), qPrintable(header));
        QVERIFY(header.contains(QStringLiteral("single provider")));
        QCOMPARE(page.offeringsModel()->rowCount(), 1);

        QVERIFY(page.showModel(QStringLiteral("cheap/model")));
        QCOMPARE(page.offeringsModel()->rowCount(), 2);
        QVERIFY(!page.findChild<QLabel *>(QStringLiteral("modelDetailHeader"))->text().contains(QStringLiteral("single provider")));
        QVERIFY(!page.showModel(QStringLiteral("no/such-model")));
    }

    void compareNeedsTwoToFour()
    {
        ui::CatalogPage page;
        page.setCatalog(testing::smallCatalog());
        page.show();
        auto *compare = page.findChild<QPushButton *>(QStringLiteral("compareButton"));
        QVERIFY(page.showModel(QStringLiteral("cheap/model")));
        QVERIFY(!compare->isEnabled());
        auto *view = page.findChild<QTableView *>(QStringLiteral("catalogModelsView"));
        view->selectAll();
        QCOMPARE(page.selectedModelIds().size(), 4);
        QVERIFY(compare->isEnabled());
    }

    void compareDialogSideBySide()
    {
        ui::CompareDialog dialog(testing::smallCatalog(), {QStringLiteral("cheap/model"), QStringLiteral("mid/model")});
        QTableWidget *table = dialog.attributes();
        QCOMPARE(table->columnCount(), 2);
        int inputRow = -1;
        for (int row = 0; row < table->rowCount(); ++row)
            if (table->verticalHeaderItem(row)->text() == QStringLiteral("Input $/1M"))
                inputRow = row;
        QVERIFY(inputRow >= 0);
        QCOMPARE(table->item(inputRow, 0)->text(), QStringLiteral("$0.05"));
        QCOMPARE(table->item(inputRow, 1)->text(), QStringLiteral("$1.20"));
        auto *offerings = dialog.findChild<QTableView *>(QStringLiteral("compareOfferings"));
        QCOMPARE(offerings->model()->rowCount(), 3);
    }

    void bundledCatalogGroupsOfferings()
    {
        auto catalog = engine::Catalog::loadBundled();
        QVERIFY2(catalog.ok(), qPrintable(catalog.ok() ? QString() : catalog.error().message));
        ui::CatalogPage page;
        page.setCatalog(std::make_shared<const engine::Catalog>(std::move(catalog).value()));
        page.show();
        QVERIFY(page.proxy()->rowCount() > 900);
        QTest::keyClicks(page.findChild<QLineEdit *>(QStringLiteral("catalogSearch")), QStringLiteral("gpt-oss-120b"));
        QVERIFY(page.proxy()->rowCount() >= 1);
        QVERIFY(page.showModel(QStringLiteral("openai/gpt-oss-120b")));
        QVERIFY2(page.offeringsModel()->rowCount() >= 11, qPrintable(QString::number(page.offeringsModel()->rowCount())));
    }

    void estimatorDialogNamesTheCheapest()
    {
        ui::EstimatorDialog dialog(testing::smallCatalog(), {QStringLiteral("mid/model"), QStringLiteral("cheap/model")});
        dialog.show();
        QVERIFY(dialog.summary().contains(QStringLiteral("Cheap Model")));
        QVERIFY(dialog.summary().contains(QStringLiteral("Alpha Cloud")));
        // Default workload: 2,000 in + 500 out, 10,000 a day, 30 days, on alpha at $0.05/$0.40 per 1M.
        QVERIFY2(dialog.summary().contains(QStringLiteral("$90.00")), qPrintable(dialog.summary()));
    }
};

QTEST_MAIN(TestCatalogPage)
#include "tst_catalogpage.moc"
