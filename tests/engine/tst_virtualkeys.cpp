// Virtual keys in a real workspace database: shown once, stored hashed,
// checked exactly, revoked and expired.

#include "engine/keys/virtualkeys.h"
#include "engine/storage/workspace.h"

#include <QSqlQuery>
#include <QSqlRecord>
#include <QTemporaryDir>
#include <QTest>

using namespace signalbox::engine;

class TestVirtualKeys : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        auto workspace = Workspace::open(m_dir->path());
        QVERIFY(workspace.ok());
        m_workspace = std::move(workspace).value();
        m_store = std::make_unique<VirtualKeyStore>(m_workspace->database());
    }

    void cleanup()
    {
        m_store.reset();
        m_workspace.reset();
    }

    void createShowsTheSecretOnceAndStoresOnlyAHash()
    {
        auto created = m_store->create(QStringLiteral("ci-pipeline"), QStringLiteral("platform"));
        QVERIFY(created.ok());
        const QString secret = created->secret;
        QVERIFY(secret.startsWith(QStringLiteral("sbk_") + created->key.id + QLatin1Char('_')));
        QCOMPARE(secret.size(), 4 + 12 + 1 + 43);

        // No column of any row holds the secret or its random part.
        const QString randomPart = secret.mid(4 + 12 + 1);
        QSqlQuery rows(m_workspace->database());
        QVERIFY(rows.exec(QStringLiteral("SELECT * FROM virtual_keys")));
        int count = 0;
        while (rows.next()) {
            ++count;
            for (int column = 0; column < rows.record().count(); ++column) {
                const QByteArray value = rows.value(column).toByteArray();
                QVERIFY(!value.contains(randomPart.toLatin1()));
                QVERIFY(!value.contains(secret.toLatin1()));
            }
        }
        QCOMPARE(count, 1);

        auto listed = m_store->list();
        QVERIFY(listed.ok());
        QCOMPARE(listed->size(), std::size_t(1));
        QCOMPARE(listed->front().name, QStringLiteral("ci-pipeline"));
        QCOMPARE(listed->front().project, QStringLiteral("platform"));
    }

    void authenticates()
    {
        auto created = m_store->create(QStringLiteral("app"));
        QVERIFY2(created.ok(), qPrintable(created.ok() ? QString() : created.error().message));
        auto ok = m_store->authenticate(created->secret.toLatin1());
        QVERIFY2(ok.ok(), qPrintable(ok.ok() ? QString() : ok.error().message));
        QCOMPARE(ok->id, created->key.id);
    }

    void refusesWrongSecrets_data()
    {
        QTest::addColumn<int>("variant");
        QTest::newRow("last character changed") << 0;
        QTest::newRow("truncated") << 1;
        QTest::newRow("other key's id") << 2;
        QTest::newRow("not a key") << 3;
        QTest::newRow("empty") << 4;
    }

    void refusesWrongSecrets()
    {
        QFETCH(int, variant);
        auto created = m_store->create(QStringLiteral("app"));
        QVERIFY2(created.ok(), qPrintable(created.ok() ? QString() : created.error().message));
        QByteArray presented = created->secret.toLatin1();
        switch (variant) {
        case 0:
            presented[presented.size() - 1] = presented.back() == 'A' ? 'B' : 'A';
            break;
        case 1:
            presented.chop(5);
            break;
        case 2:
            presented.replace(4, 12, "AAAAAAAAAAAA");
            break;
        case 3:
            presented = "sk-proj-not-ours";
            break;
        default:
            presented.clear();
        }
        auto result = m_store->authenticate(presented);
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, QStringLiteral("unauthorized"));
        // The message is for logs: it never repeats the secret.
        QVERIFY(!result.error().message.contains(created->secret.mid(17)));
    }

    void revokedAndExpiredKeysAreRefused()
    {
        auto revoked = m_store->create(QStringLiteral("old"));
        QVERIFY(m_store->revoke(QStringLiteral("old")).ok());
        auto result = m_store->authenticate(revoked->secret.toLatin1());
        QVERIFY(!result.ok());
        QVERIFY(result.error().message.contains(QStringLiteral("revoked")));

        const QDateTime now = QDateTime::currentDateTimeUtc();
        auto expiring = m_store->create(QStringLiteral("temp"), {}, now.addSecs(3600));
        QVERIFY(expiring.ok());
        QVERIFY(m_store->authenticate(expiring->secret.toLatin1(), now.addSecs(3599)).ok());
        auto late = m_store->authenticate(expiring->secret.toLatin1(), now.addSecs(3601));
        QVERIFY(!late.ok());
        QVERIFY(late.error().message.contains(QStringLiteral("expired")));
    }

    void badInput()
    {
        QVERIFY(m_store->create(QStringLiteral("dup")).ok());
        QCOMPARE(m_store->create(QStringLiteral(" dup ")).error().code, QStringLiteral("conflict"));
        QCOMPARE(m_store->create(QStringLiteral("  ")).error().code, QStringLiteral("invalid"));
        QCOMPARE(m_store->create(QStringLiteral("past"), {}, QDateTime::currentDateTimeUtc().addDays(-1)).error().code,
                 QStringLiteral("invalid"));
        QCOMPARE(m_store->revoke(QStringLiteral("nobody")).error().code, QStringLiteral("not-found"));
        QCOMPARE(m_store->list()->size(), std::size_t(1));
    }

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Workspace> m_workspace;
    std::unique_ptr<VirtualKeyStore> m_store;
};

QTEST_GUILESS_MAIN(TestVirtualKeys)
#include "tst_virtualkeys.moc"
