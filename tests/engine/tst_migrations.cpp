// The numbered migrations framework and the workspace's refusal to touch
// databases it does not understand.

#include "engine/storage/database.h"
#include "engine/storage/migrations.h"
#include "engine/storage/schema.h"
#include "engine/storage/workspace.h"
#include "tests/support/fileprint.h"

#include <QDir>
#include <QFile>
#include <QRandomGenerator>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace signalbox::engine;
using signalbox::testing::printOf;

namespace {
QStringList tableNames(const QSqlDatabase &db)
{
    QStringList names;
    QSqlQuery query(db);
    query.exec(QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"));
    while (query.next())
        names << query.value(0).toString();
    return names;
}

QVariant scalar(const QSqlDatabase &db, const QString &sql)
{
    QSqlQuery query(db);
    if (!query.exec(sql) || !query.next())
        return {};
    return query.value(0);
}

// Writes a real SQLite database with the given user_version, outside the
// workspace code, in rollback-journal mode.
void writeDatabaseWithVersion(const QString &path, int version)
{
    const QString name = QStringLiteral("fixture-%1").arg(version);
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY(query.exec(QStringLiteral("CREATE TABLE future_table (id INTEGER PRIMARY KEY, payload TEXT)")));
        QVERIFY(query.exec(QStringLiteral("INSERT INTO future_table(payload) VALUES ('keep me')")));
        QVERIFY(query.exec(QStringLiteral("PRAGMA user_version = %1").arg(version)));
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
}

const std::vector<Migration> kOneStep = {
    {1, QStringLiteral("first"), {QStringLiteral("CREATE TABLE alpha (id INTEGER PRIMARY KEY, label TEXT NOT NULL)"),
                                  QStringLiteral("INSERT INTO alpha(label) VALUES ('from step 1')")}},
};
const std::vector<Migration> kTwoSteps = {
    kOneStep[0],
    {2, QStringLiteral("second"), {QStringLiteral("CREATE TABLE beta (id INTEGER PRIMARY KEY,"
                                                  " alpha_id INTEGER NOT NULL REFERENCES alpha(id))")}},
};
const std::vector<Migration> kBrokenSecondStep = {
    kOneStep[0],
    {2, QStringLiteral("broken"), {QStringLiteral("CREATE TABLE gamma (id INTEGER PRIMARY KEY)"),
                                   QStringLiteral("INSERT INTO no_such_table VALUES (1)")}},
};
} // namespace

class TestMigrations : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
    }

    void createsSchemaOnEmptyFolder()
    {
        auto workspace = Workspace::open(m_dir->path());
        QVERIFY2(workspace.ok(), qPrintable(workspace.ok() ? QString() : workspace.error().message));
        const int latest = latestVersion(workspaceMigrations());
        QVERIFY(latest >= 1);
        QCOMPARE(workspace.value()->schemaVersion(), latest);
        QCOMPARE(workspace.value()->migrationReport().fromVersion, 0);

        QSqlDatabase db = workspace.value()->database();
        QCOMPARE(scalar(db, QStringLiteral("PRAGMA user_version")).toInt(), latest);
        QVERIFY(tableNames(db).contains(QStringLiteral("schema_migrations")));
        QVERIFY(tableNames(db).contains(QStringLiteral("workspace_meta")));
        QCOMPARE(scalar(db, QStringLiteral("SELECT count(*) FROM schema_migrations")).toInt(), latest);
        QVERIFY(!scalar(db, QStringLiteral("SELECT value FROM workspace_meta WHERE key = 'created_at'")).toString().isEmpty());
        QCOMPARE(scalar(db, QStringLiteral("PRAGMA journal_mode")).toString(), QStringLiteral("wal"));
        QCOMPARE(scalar(db, QStringLiteral("PRAGMA foreign_keys")).toInt(), 1);
    }

    void createsSchemaOnZeroByteFile()
    {
        QFile empty(m_dir->filePath(QString::fromLatin1(Workspace::kDatabaseFileName)));
        QVERIFY(empty.open(QIODevice::WriteOnly));
        empty.close();
        auto workspace = Workspace::open(m_dir->path());
        QVERIFY(workspace.ok());
        QCOMPARE(workspace.value()->schemaVersion(), latestVersion(workspaceMigrations()));
    }

    void isIdempotent()
    {
        QStringList tablesFirst;
        QString createdAt;
        {
            auto first = Workspace::open(m_dir->path());
            QVERIFY(first.ok());
            QVERIFY(first.value()->migrationReport().changed());
            tablesFirst = tableNames(first.value()->database());
            createdAt = scalar(first.value()->database(),
                               QStringLiteral("SELECT value FROM workspace_meta WHERE key = 'created_at'")).toString();
        }
        auto second = Workspace::open(m_dir->path());
        QVERIFY(second.ok());
        QVERIFY(!second.value()->migrationReport().changed());
        QSqlDatabase db = second.value()->database();
        QCOMPARE(tableNames(db), tablesFirst);
        QCOMPARE(scalar(db, QStringLiteral("SELECT count(*) FROM schema_migrations")).toInt(),
                 latestVersion(workspaceMigrations()));
        QCOMPARE(scalar(db, QStringLiteral("SELECT value FROM workspace_meta WHERE key = 'created_at'")).toString(),
                 createdAt);
    }

    void upgradesOnlyNewSteps()
    {
        {
            auto v1 = Workspace::open(m_dir->path(), kOneStep);
            QVERIFY(v1.ok());
            QCOMPARE(v1.value()->schemaVersion(), 1);
        }
        auto v2 = Workspace::open(m_dir->path(), kTwoSteps);
        QVERIFY(v2.ok());
        QCOMPARE(v2.value()->migrationReport().fromVersion, 1);
        QCOMPARE(v2.value()->migrationReport().toVersion, 2);
        QSqlDatabase db = v2.value()->database();
        // Step 1 ran once: its row is still the only one.
        QCOMPARE(scalar(db, QStringLiteral("SELECT count(*) FROM alpha")).toInt(), 1);
        QVERIFY(tableNames(db).contains(QStringLiteral("beta")));
        // foreign_keys=ON is in force on the workspace connection.
        QSqlQuery query(db);
        QVERIFY(!query.exec(QStringLiteral("INSERT INTO beta(alpha_id) VALUES (999)")));
    }

    void failingStepRollsBackToPreviousVersion()
    {
        {
            auto v1 = Workspace::open(m_dir->path(), kOneStep);
            QVERIFY(v1.ok());
        }
        auto broken = Workspace::open(m_dir->path(), kBrokenSecondStep);
        QVERIFY(!broken.ok());
        QCOMPARE(broken.error().code, QStringLiteral("migration-failed"));
        QVERIFY2(broken.error().message.contains(QStringLiteral("2 (broken)")), qPrintable(broken.error().message));

        auto again = Workspace::open(m_dir->path(), kOneStep);
        QVERIFY(again.ok());
        QCOMPARE(again.value()->schemaVersion(), 1);
        QVERIFY(!tableNames(again.value()->database()).contains(QStringLiteral("gamma")));
    }

    void rejectsMisnumberedMigrations()
    {
        const std::vector<Migration> gap = {kOneStep[0], {3, QStringLiteral("skips two"), {}}};
        auto result = Workspace::open(m_dir->path(), gap);
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, QStringLiteral("bad-migrations"));
    }

    void refusesNewerSchemaWithoutTouchingTheFile()
    {
        const QString path = m_dir->filePath(QString::fromLatin1(Workspace::kDatabaseFileName));
        writeDatabaseWithVersion(path, 999);
        const auto before = printOf(path);
        QVERIFY(before.exists);
        QTest::qWait(20);  // a rewrite would now show in the modification time

        auto workspace = Workspace::open(m_dir->path());
        QVERIFY(!workspace.ok());
        QCOMPARE(workspace.error().code, QStringLiteral("newer-schema"));
        QVERIFY2(workspace.error().message.contains(QStringLiteral("999")), qPrintable(workspace.error().message));
        QVERIFY(workspace.error().message.contains(QStringLiteral("untouched")));

        QCOMPARE(printOf(path), before);
        QVERIFY(!QFile::exists(path + QStringLiteral("-wal")));
        QVERIFY(!QFile::exists(path + QStringLiteral("-shm")));
        QVERIFY(!QFile::exists(path + QStringLiteral("-journal")));
    }

    void migrateRefusesNewerSchemaOnOpenConnection()
    {
        const QString path = m_dir->filePath(QStringLiteral("direct.db"));
        writeDatabaseWithVersion(path, 5);
        auto connection = openConnection(path, QStringLiteral("test"), OpenMode::ReadWrite);
        QVERIFY(connection.ok());
        const QString name = connection->connectionName();
        {
            QSqlDatabase db = connection.value();
            auto report = migrate(db, kTwoSteps);
            QVERIFY(!report.ok());
            QCOMPARE(report.error().code, QStringLiteral("newer-schema"));
            QCOMPARE(scalar(db, QStringLiteral("PRAGMA user_version")).toInt(), 5);
            QVERIFY(!tableNames(db).contains(QStringLiteral("alpha")));
        }
        connection.value() = QSqlDatabase();
        closeConnection(name);
    }

    void refusesDamagedFiles_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("expectedCode");

        QTest::newRow("text file") << QByteArrayLiteral("name,cost\ngpt,1.20\n") << QStringLiteral("not-a-database");
        QByteArray random(8192, '\0');
        QRandomGenerator generator(42);
        for (auto &byte : random)
            byte = static_cast<char>(generator.bounded(256));
        random[0] = 'X';
        QTest::newRow("random bytes") << random << QStringLiteral("not-a-database");
        QTest::newRow("truncated header") << QByteArrayLiteral("SQLite format 3\0\x10\x00") << QStringLiteral("corrupt");

        // A real header followed by garbage pages.
        QByteArray damaged(4096 * 4, '\xAB');
        damaged.replace(0, 16, QByteArray("SQLite format 3\0", 16));
        damaged[16] = 0x10;  // page size 4096, big-endian
        damaged[17] = 0x00;
        damaged[18] = 1;
        damaged[19] = 1;
        damaged[20] = 0;
        damaged[21] = 64;
        damaged[22] = 32;
        damaged[23] = 32;
        QTest::newRow("garbage after header") << damaged << QStringLiteral("corrupt");
    }

    void refusesDamagedFiles()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, expectedCode);
        const QString path = m_dir->filePath(QString::fromLatin1(Workspace::kDatabaseFileName));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        QCOMPARE(file.write(content), content.size());
        file.close();
        const auto before = printOf(path);

        auto workspace = Workspace::open(m_dir->path());
        QVERIFY(!workspace.ok());
        QCOMPARE(workspace.error().code, expectedCode);
        QVERIFY2(workspace.error().message.contains(QDir::toNativeSeparators(path)), qPrintable(workspace.error().message));
        QCOMPARE(printOf(path), before);
    }

private:
    std::unique_ptr<QTemporaryDir> m_dir;
};

QTEST_GUILESS_MAIN(TestMigrations)
#include "tst_migrations.moc"
