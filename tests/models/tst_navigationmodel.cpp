#include "models/navigation/navigationmodel.h"
#include "models/navigation/navigationroles.h"

#include <QAbstractItemModelTester>
#include <QSet>
#include <QTest>

using namespace signalbox::models;

class TestNavigationModel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void consolePagesInSidebarOrder()
    {
        NavigationModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const QStringList expected = {QStringLiteral("dashboard"), QStringLiteral("catalog"), QStringLiteral("routing"),
                                      QStringLiteral("budgets"),   QStringLiteral("keys"),    QStringLiteral("requests"),
                                      QStringLiteral("settings")};
        QCOMPARE(model.rowCount(), expected.size());
        for (int row = 0; row < model.rowCount(); ++row) {
            const QModelIndex index = model.index(row);
            QCOMPARE(index.data(PageIdRole).toString(), expected[row]);
            QVERIFY(!index.data(Qt::DisplayRole).toString().isEmpty());
            QVERIFY(!index.data(PageSummaryRole).toString().isEmpty());
            QCOMPARE(model.rowOf(expected[row]), row);
            QCOMPARE(model.idAt(row), expected[row]);
        }
        QCOMPARE(model.index(4).data().toString(), QStringLiteral("Keys & Providers"));
        QCOMPARE(model.index(5).data().toString(), QStringLiteral("Request log"));
    }

    void unknownIdsAndRows()
    {
        NavigationModel model;
        QCOMPARE(model.rowOf(QStringLiteral("no-such-page")), -1);
        QCOMPARE(model.idAt(-1), QString());
        QCOMPARE(model.idAt(model.rowCount()), QString());
        QVERIFY(!model.index(model.rowCount()).data().isValid());
    }

    void customPages()
    {
        NavigationModel model({{QStringLiteral("one"), QStringLiteral("One"), QStringLiteral("first"), {}},
                               {QStringLiteral("two"), QStringLiteral("Two"), QStringLiteral("second"), {}}});
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.index(1).data(Qt::ToolTipRole).toString(), QStringLiteral("second"));
        QCOMPARE(model.roleNames().value(PageIdRole), QByteArray("pageId"));
    }
};

QTEST_MAIN(TestNavigationModel)
#include "tst_navigationmodel.moc"
