// The console shell: pages, navigation, remembered state, About dialog.

#include "engine/core/version.h"
#include "ui/aboutdialog.h"
#include "ui/mainwindow.h"

#include <QAction>
#include <QApplication>
#include <QLabel>
#include <QListView>
#include <QMenuBar>
#include <QSettings>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace signalbox::ui;

class TestMainWindow : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SignalboxTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_mainwindow"));
        QVERIFY(m_settingsDir.isValid());
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
    }

    void init() { QSettings().clear(); }

    void everyPageCanBeShown()
    {
        MainWindow window(workspace());
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const QStringList ids = window.pageIds();
        QCOMPARE(ids.size(), 7);
        auto *sidebar = window.findChild<QListView *>(QStringLiteral("sidebar"));
        QVERIFY(sidebar);
        for (const QString &id : ids) {
            QVERIFY(window.showPage(id));
            QCOMPARE(window.currentPageId(), id);
            QWidget *page = window.page(id);
            QVERIFY(page);
            QVERIFY2(page->isVisible(), qPrintable(id));
            QCOMPARE(sidebar->currentIndex().row(), ids.indexOf(id));
        }
    }

    void firstStartShowsDashboard()
    {
        MainWindow window(workspace());
        QCOMPARE(window.currentPageId(), QStringLiteral("dashboard"));
    }

    void sidebarSelectionSwitchesPage()
    {
        MainWindow window(workspace());
        window.show();
        auto *sidebar = window.findChild<QListView *>(QStringLiteral("sidebar"));
        QVERIFY(sidebar);
        const int catalogRow = window.pageIds().indexOf(QStringLiteral("catalog"));
        const QRect rect = sidebar->visualRect(sidebar->model()->index(catalogRow, 0));
        QTest::mouseClick(sidebar->viewport(), Qt::LeftButton, {}, rect.center());
        QCOMPARE(window.currentPageId(), QStringLiteral("catalog"));
        auto *stack = window.findChild<QStackedWidget *>(QStringLiteral("pageStack"));
        QCOMPARE(stack->currentWidget(), window.page(QStringLiteral("catalog")));
    }

    void unknownPageChangesNothing()
    {
        MainWindow window(workspace());
        QVERIFY(window.showPage(QStringLiteral("budgets")));
        QVERIFY(!window.showPage(QStringLiteral("no-such-page")));
        QCOMPARE(window.currentPageId(), QStringLiteral("budgets"));
        QCOMPARE(window.page(QStringLiteral("no-such-page")), nullptr);
    }

    void remembersLastPageAndGeometry()
    {
        {
            MainWindow window(workspace());
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            window.resize(1210, 790);
            QVERIFY(window.showPage(QStringLiteral("requests")));
            window.close();
        }
        MainWindow again(workspace());
        QCOMPARE(again.currentPageId(), QStringLiteral("requests"));
        QCOMPARE(again.size(), QSize(1210, 790));
    }

    void settingsPageShowsWorkspace()
    {
        MainWindow window(workspace());
        auto *folder = window.page(QStringLiteral("settings"))->findChild<QLabel *>(QStringLiteral("workspaceFolder"));
        QVERIFY(folder);
        QCOMPARE(folder->text(), QStringLiteral("/tmp/signalbox-test-workspace"));
        auto *schema = window.page(QStringLiteral("settings"))->findChild<QLabel *>(QStringLiteral("schemaVersion"));
        QCOMPARE(schema->text(), QStringLiteral("3"));
    }

    void gatewayStatusSlot()
    {
        MainWindow window(workspace());
        QVERIFY(window.gatewayStatusText().contains(QStringLiteral("stopped")));
        window.setGatewayStatus(GatewayState::Running, QStringLiteral("127.0.0.1:8787"));
        QCOMPARE(window.gatewayStatusText(), QStringLiteral("Gateway: running — 127.0.0.1:8787"));
        window.setGatewayStatus(GatewayState::Failed, QStringLiteral("127.0.0.1:8787"), QStringLiteral("address in use"));
        QVERIFY(window.gatewayStatusText().endsWith(QStringLiteral("(address in use)")));
    }

    void aboutDialogShowsVersion()
    {
        AboutDialog dialog;
        auto *text = dialog.findChild<QLabel *>(QStringLiteral("aboutText"));
        QVERIFY(text);
        QVERIFY(text->text().contains(QString::fromLatin1(signalbox::kVersion)));
        QVERIFY(text->text().contains(QStringLiteral("Signalbox")));
    }

    void helpMenuOpensAbout()
    {
        MainWindow window(workspace());
        window.show();
        QAction *about = nullptr;
        const auto actions = window.menuBar()->findChildren<QAction *>();
        for (QAction *action : actions) {
            if (action->text() == QStringLiteral("&About Signalbox"))
                about = action;
        }
        QVERIFY(about);
        QString seen;
        QTimer::singleShot(0, this, [&seen] {
            QWidget *modal = QApplication::activeModalWidget();
            if (modal) {
                seen = modal->objectName();
                modal->close();
            }
        });
        about->trigger();
        QCOMPARE(seen, QStringLiteral("aboutDialog"));
    }

private:
    static WorkspaceSummary workspace()
    {
        return {QStringLiteral("/tmp/signalbox-test-workspace"), QStringLiteral("/tmp/signalbox-test-workspace/signalbox.db"), 3};
    }

    QTemporaryDir m_settingsDir;
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
