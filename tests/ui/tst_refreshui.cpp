// "Refresh prices" in the console against a loopback server: a good answer
// becomes the catalog, a bad one changes nothing.

#include "engine/catalog/catalog.h"
#include "models/catalog/catalogtablemodel.h"
#include "tests/support/catalogfixture.h"
#include "tests/support/loopbackhttp.h"
#include "ui/catalog/catalogpage.h"
#include "ui/mainwindow.h"

#include <QFile>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace signalbox;

class TestRefreshUi : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SignalboxTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_refreshui"));
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settings.path());
    }

    void refreshReplacesTheCatalog()
    {
        QFile fixture(QStringLiteral(SIGNALBOX_OPENROUTER_FIXTURE));
        QVERIFY(fixture.open(QIODevice::ReadOnly));
        tests::LoopbackHttpServer server;
        QVERIFY(server.listen());
        server.setResponse(tests::LoopbackHttpServer::json(fixture.readAll()));

        ui::MainWindow window({QStringLiteral("/tmp/ws"), QStringLiteral("/tmp/ws/signalbox.db"), 2});
        window.setShowRefreshReport(false);
        window.setCatalog(testing::smallCatalog());
        const auto before = window.baseCatalog();
        const int rowsBefore = window.catalogPage()->tableModel()->rowCount();
        window.setRefreshUrl(server.url(QStringLiteral("/api/v1/models")));

        QSignalSpy finished(&window, &ui::MainWindow::refreshFinished);
        window.catalogPage()->findChild<QPushButton *>(QStringLiteral("refreshButton"))->click();
        QVERIFY(!window.catalogPage()->findChild<QPushButton *>(QStringLiteral("refreshButton"))->isEnabled());
        QVERIFY(finished.wait(20000));
        QCOMPARE(finished.at(0).at(0).toBool(), true);
        QVERIFY(window.baseCatalog() != before);
        QVERIFY(!window.baseCatalog()->offeringsOfProvider(QStringLiteral("openrouter")).empty());
        QVERIFY(window.catalogPage()->tableModel()->rowCount() > rowsBefore);
        QVERIFY(window.catalogPage()->findChild<QPushButton *>(QStringLiteral("refreshButton"))->isEnabled());
        QCOMPARE(server.requestCount(), 1);
    }

    void failedRefreshChangesNothing_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::newRow("500") << 500 << QByteArray("{\"error\":\"down\"}");
        QTest::newRow("malformed") << 200 << QByteArray("{\"data\": [ {\"id\": 5} ]}");
    }

    void failedRefreshChangesNothing()
    {
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        tests::LoopbackHttpServer server;
        QVERIFY(server.listen());
        server.setResponse(tests::LoopbackHttpServer::json(body, status, status == 200 ? QByteArray("OK") : QByteArray("Error")));

        ui::MainWindow window({QStringLiteral("/tmp/ws"), QStringLiteral("/tmp/ws/signalbox.db"), 2});
        window.setShowRefreshReport(false);
        window.setCatalog(testing::smallCatalog());
        const auto before = window.baseCatalog();
        const auto effectiveBefore = window.effectiveCatalog();
        window.setRefreshUrl(server.url(QStringLiteral("/api/v1/models")));
        QSignalSpy finished(&window, &ui::MainWindow::refreshFinished);
        window.refreshCatalog();
        QVERIFY(finished.wait(20000));
        QCOMPARE(finished.at(0).at(0).toBool(), false);
        QVERIFY(!finished.at(0).at(1).toString().isEmpty());
        QCOMPARE(window.baseCatalog(), before);
        QCOMPARE(window.effectiveCatalog(), effectiveBefore);
        QCOMPARE(window.catalogPage()->tableModel()->rowCount(), 4);
    }

private:
    QTemporaryDir m_settings;
};

QTEST_MAIN(TestRefreshUi)
#include "tst_refreshui.moc"
