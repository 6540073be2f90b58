// signalbox-gateway driven as a subprocess, the way admins and scripts use it.

#include "engine/core/version.h"
#include "tests/support/fileprint.h"

#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpServer>
#include <QFile>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#ifdef Q_OS_UNIX
#include <csignal>
#endif

namespace {
struct Outcome {
    int exitCode = -1;
    QProcess::ExitStatus status = QProcess::CrashExit;
    QString out;
    QString err;
};

Outcome runGateway(const QStringList &arguments)
{
    QProcess process;
    process.start(QStringLiteral(SIGNALBOX_GATEWAY_BIN), arguments);
    Outcome outcome;
    if (!process.waitForFinished(30000)) {
        process.kill();
        process.waitForFinished();
        return outcome;
    }
    outcome.exitCode = process.exitCode();
    outcome.status = process.exitStatus();
    outcome.out = QString::fromUtf8(process.readAllStandardOutput());
    outcome.err = QString::fromUtf8(process.readAllStandardError());
    return outcome;
}

struct HttpAnswer {
    int status = 0;
    QJsonObject json;
};

HttpAnswer request(const QByteArray &method, const QUrl &url)
{
    QNetworkAccessManager manager;
    QNetworkRequest req(url);
    req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    QNetworkReply *reply = manager.sendCustomRequest(req, method, method == "POST" ? QByteArrayLiteral("{}") : QByteArray());
    QSignalSpy finished(reply, &QNetworkReply::finished);
    HttpAnswer answer;
    if (!finished.wait(10000))
        return answer;
    answer.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    answer.json = QJsonDocument::fromJson(reply->readAll()).object();
    reply->deleteLater();
    return answer;
}

bool isOneLine(const QString &text)
{
    const QString trimmed = text.trimmed();
    return !trimmed.isEmpty() && !trimmed.contains(QLatin1Char('\n'));
}
} // namespace

class TestGatewayCli : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void version()
    {
        const Outcome outcome = runGateway({QStringLiteral("--version")});
        QCOMPARE(outcome.exitCode, 0);
        QCOMPARE(outcome.out.trimmed(), QStringLiteral("signalbox-gateway ") + QString::fromLatin1(signalbox::kVersion));
    }

    void help()
    {
        const Outcome outcome = runGateway({QStringLiteral("--help")});
        QCOMPARE(outcome.exitCode, 0);
        QVERIFY(outcome.out.contains(QStringLiteral("serve")));
        QVERIFY(outcome.out.contains(QStringLiteral("--workspace DIR")));
        QVERIFY(outcome.out.contains(QStringLiteral("Exit codes")));

        const Outcome serveHelp = runGateway({QStringLiteral("serve"), QStringLiteral("--help")});
        QCOMPARE(serveHelp.exitCode, 0);
        QVERIFY(serveHelp.out.contains(QStringLiteral("--listen HOST:PORT")));
    }

    void badInput_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("expected");
        QTest::newRow("unknown command") << QStringList{QStringLiteral("frobnicate")} << QStringLiteral("unknown command 'frobnicate'");
        QTest::newRow("unknown option") << QStringList{QStringLiteral("--frobnicate")} << QStringLiteral("frobnicate");
        QTest::newRow("serve unknown option")
            << QStringList{QStringLiteral("serve"), QStringLiteral("--turbo")} << QStringLiteral("serve:");
        QTest::newRow("listen without port")
            << QStringList{QStringLiteral("serve"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1")}
            << QStringLiteral("HOST:PORT");
        QTest::newRow("listen port out of range")
            << QStringList{QStringLiteral("serve"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:70000")}
            << QStringLiteral("'70000' is not a port number");
        QTest::newRow("listen host name")
            << QStringList{QStringLiteral("serve"), QStringLiteral("--listen"), QStringLiteral("example.org:80")}
            << QStringLiteral("not an IP address");
        QTest::newRow("IPv6 without brackets")
            << QStringList{QStringLiteral("serve"), QStringLiteral("--listen"), QStringLiteral("::1")}
            << QStringLiteral("in brackets");
        QTest::newRow("IPv6 without port")
            << QStringList{QStringLiteral("serve"), QStringLiteral("--listen"), QStringLiteral("[::1]")}
            << QStringLiteral("in brackets");
        QTest::newRow("empty workspace")
            << QStringList{QStringLiteral("--workspace"), QString(), QStringLiteral("serve")}
            << QStringLiteral("--workspace needs a folder");
    }

    void badInput()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, expected);
        const Outcome outcome = runGateway(arguments);
        QCOMPARE(outcome.status, QProcess::NormalExit);
        QCOMPARE(outcome.exitCode, 2);
        QVERIFY2(isOneLine(outcome.err), qPrintable(outcome.err));
        QVERIFY2(outcome.err.startsWith(QStringLiteral("signalbox-gateway: ")), qPrintable(outcome.err));
        QVERIFY2(outcome.err.contains(expected), qPrintable(outcome.err));
    }

    void noCommandIsBadInput()
    {
        const Outcome outcome = runGateway({});
        QCOMPARE(outcome.exitCode, 2);
        QVERIFY(outcome.err.contains(QStringLiteral("no command given")));
    }

    void serveRefusesNewerWorkspaceUntouched()
    {
        QTemporaryDir dir;
        const QString path = QDir(dir.path()).filePath(QStringLiteral("signalbox.db"));
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("fixture"));
            db.setDatabaseName(path);
            QVERIFY(db.open());
            QVERIFY(QSqlQuery(db).exec(QStringLiteral("PRAGMA user_version = 4242")));
            QVERIFY(QSqlQuery(db).exec(QStringLiteral("CREATE TABLE t(x)")));
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("fixture"));
        const auto before = signalbox::testing::printOf(path);

        const Outcome outcome =
            runGateway({QStringLiteral("--workspace"), dir.path(), QStringLiteral("serve"), QStringLiteral("--listen"),
                        QStringLiteral("127.0.0.1:0")});
        QCOMPARE(outcome.exitCode, 1);
        QVERIFY2(isOneLine(outcome.err), qPrintable(outcome.err));
        QVERIFY(outcome.err.contains(QStringLiteral("4242")));
        QCOMPARE(signalbox::testing::printOf(path), before);
    }

    void serveRefusesAnAddressInUse()
    {
        QTcpServer taken;
        QVERIFY(taken.listen(QHostAddress::LocalHost, 0));
        QTemporaryDir dir;
        const Outcome outcome =
            runGateway({QStringLiteral("--workspace"), dir.path(), QStringLiteral("serve"), QStringLiteral("--listen"),
                        QStringLiteral("127.0.0.1:%1").arg(taken.serverPort())});
        QCOMPARE(outcome.exitCode, 1);
        QVERIFY2(isOneLine(outcome.err.split(QLatin1Char('\n')).filter(QStringLiteral("signalbox-gateway:")).join(QLatin1Char('\n'))),
                 qPrintable(outcome.err));
        QVERIFY2(outcome.err.contains(QStringLiteral("cannot listen on 127.0.0.1:")), qPrintable(outcome.err));
    }

    void serveRefusesNonDatabase()
    {
        QTemporaryDir dir;
        QFile file(QDir(dir.path()).filePath(QStringLiteral("signalbox.db")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("{\"this is\": \"json\"}");
        file.close();
        const Outcome outcome = runGateway({QStringLiteral("--workspace"), dir.path(), QStringLiteral("serve")});
        QCOMPARE(outcome.exitCode, 1);
        QVERIFY2(isOneLine(outcome.err), qPrintable(outcome.err));
        QVERIFY(outcome.err.contains(QStringLiteral("not an SQLite file")));
    }

#ifdef Q_OS_UNIX
    void serveStopsCleanlyOnSignal_data()
    {
        QTest::addColumn<int>("signalNumber");
        QTest::newRow("SIGTERM") << int(SIGTERM);
        QTest::newRow("SIGINT") << int(SIGINT);
    }

    void serveStopsCleanlyOnSignal()
    {
        QFETCH(int, signalNumber);
        QTemporaryDir dir;
        const QString workspace = QDir(dir.path()).filePath(QStringLiteral("ws"));
        QProcess process;
        process.start(QStringLiteral(SIGNALBOX_GATEWAY_BIN),
                      {QStringLiteral("--workspace"), workspace, QStringLiteral("serve"), QStringLiteral("--listen"),
                       QStringLiteral("127.0.0.1:0")});
        QVERIFY(process.waitForStarted());
        QByteArray out;
        QTRY_VERIFY_WITH_TIMEOUT((out += process.readAllStandardOutput()).contains("ready"), 15000);
        QVERIFY(out.contains("schema"));
        QVERIFY(QFile::exists(QDir(workspace).filePath(QStringLiteral("signalbox.db"))));
        QCOMPARE(process.state(), QProcess::Running);

        // It listens where it says, on the port the OS gave it, and answers in OpenAI's shape.
        const QRegularExpressionMatch listening =
            QRegularExpression(QStringLiteral("listening on (http://127\\.0\\.0\\.1:(\\d+))")).match(QString::fromUtf8(out));
        QVERIFY2(listening.hasMatch(), out.constData());
        QVERIFY(listening.captured(2).toInt() > 0);
        const QString base = listening.captured(1);
        const HttpAnswer health = request("GET", QUrl(base + QStringLiteral("/health")));
        QCOMPARE(health.status, 200);
        QCOMPARE(health.json.value(QStringLiteral("status")).toString(), QStringLiteral("ok"));
        QCOMPARE(health.json.value(QStringLiteral("version")).toString(), QString::fromLatin1(signalbox::kVersion));
        const HttpAnswer chat = request("POST", QUrl(base + QStringLiteral("/v1/chat/completions")));
        // No key: refused before anything else, in OpenAI's shape.
        QCOMPARE(chat.status, 401);
        QCOMPARE(chat.json.value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString(),
                 QStringLiteral("invalid_api_key"));
        const HttpAnswer unknown = request("GET", QUrl(base + QStringLiteral("/wp-admin")));
        QCOMPARE(unknown.status, 404);
        QVERIFY(unknown.json.value(QStringLiteral("error")).toObject().contains(QStringLiteral("message")));

        QCOMPARE(::kill(static_cast<pid_t>(process.processId()), signalNumber), 0);
        QVERIFY(process.waitForFinished(15000));
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        QCOMPARE(process.exitCode(), 0);
        out += process.readAllStandardOutput();
        const QByteArray stopping = QByteArray("stopping (signal ") + QByteArray::number(signalNumber) + QByteArray(")");
        QVERIFY2(out.contains(stopping), out.constData());
        // stderr carries the storage log (the first open migrates), never an error.
        const QByteArray err = process.readAllStandardError();
        QVERIFY2(err.contains("applied migration 1"), err.constData());
        QVERIFY2(!err.contains("signalbox-gateway:"), err.constData());
        QVERIFY2(!err.toLower().contains("warning"), err.constData());
    }
#endif
};

QTEST_GUILESS_MAIN(TestGatewayCli)
#include "tst_gatewaycli.moc"
