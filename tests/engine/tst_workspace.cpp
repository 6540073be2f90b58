// Workspace folders: where they live, what they refuse, and connections for
// other threads.

#include "engine/storage/workspace.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace signalbox::engine;

class TestWorkspace : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SignalboxTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_workspace"));
    }

    void defaultFolderIsAppDataLocation()
    {
        const QString folder = Workspace::defaultFolder();
        QCOMPARE(folder, QStandardPaths::writableLocation(QStandardPaths::AppDataLocation));
        QVERIFY(folder.contains(QStringLiteral("tst_workspace")));
    }

    void createsNestedFolders()
    {
        QTemporaryDir dir;
        const QString nested = dir.filePath(QStringLiteral("a/b/c"));
        auto workspace = Workspace::open(nested);
        QVERIFY(workspace.ok());
        QCOMPARE(workspace.value()->folder(), QFileInfo(nested).absoluteFilePath());
        QVERIFY(QFile::exists(QDir(nested).filePath(QStringLiteral("signalbox.db"))));
        QCOMPARE(workspace.value()->databasePath(), QDir(nested).filePath(QStringLiteral("signalbox.db")));
    }

    void refusesAFileAsFolder()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("plain-file"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("not a folder");
        file.close();
        auto workspace = Workspace::open(path);
        QVERIFY(!workspace.ok());
        QCOMPARE(workspace.error().code, QStringLiteral("not-a-folder"));
        QVERIFY(workspace.error().message.contains(QStringLiteral("plain-file")));
    }

    void refusesAFolderAsDatabase()
    {
        QTemporaryDir dir;
        QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("signalbox.db")));
        auto workspace = Workspace::open(dir.path());
        QVERIFY(!workspace.ok());
        QCOMPARE(workspace.error().code, QStringLiteral("not-a-database"));
    }

    void refusesAnEmptyName()
    {
        auto workspace = Workspace::open(QStringLiteral("   "));
        QVERIFY(!workspace.ok());
        QCOMPARE(workspace.error().code, QStringLiteral("no-folder"));
    }

    void otherThreadsGetTheirOwnConnection()
    {
        QTemporaryDir dir;
        auto workspace = Workspace::open(dir.path());
        QVERIFY(workspace.ok());
        QSqlQuery(workspace.value()->database())
            .exec(QStringLiteral("INSERT INTO workspace_meta(key, value) VALUES ('written-by', 'gui thread')"));

        QString seen;
        int foreignKeys = -1;
        QString connectionName;
        std::unique_ptr<QThread> thread(QThread::create([&] {
            auto connection = workspace.value()->openConnection(QStringLiteral("worker"));
            if (!connection)
                return;
            connectionName = connection->connectionName();
            {
                QSqlQuery query(connection.value());
                if (query.exec(QStringLiteral("SELECT value FROM workspace_meta WHERE key = 'written-by'")) && query.next())
                    seen = query.value(0).toString();
                if (query.exec(QStringLiteral("PRAGMA foreign_keys")) && query.next())
                    foreignKeys = query.value(0).toInt();
            }
            connection.value() = QSqlDatabase();
            QSqlDatabase::removeDatabase(connectionName);
        }));
        thread->start();
        QVERIFY(thread->wait(10000));
        QCOMPARE(seen, QStringLiteral("gui thread"));
        QCOMPARE(foreignKeys, 1);
        QVERIFY(connectionName != workspace.value()->database().connectionName());
    }
};

QTEST_GUILESS_MAIN(TestWorkspace)
#include "tst_workspace.moc"
