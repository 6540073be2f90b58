// Provider keys: resolved from environment variables, key files and the
// system keychain (absent here: no D-Bus session), with errors that never
// repeat the key; and redaction of keys from text before it is logged.

#include "engine/keys/providerkeys.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QScopeGuard>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <cstdio>

#ifdef Q_OS_UNIX
#include <sys/stat.h>
#include <unistd.h>
#endif

using namespace signalbox::engine;

namespace {

constexpr char kProbeVariable[] = "SIGNALBOX_TST_KEYCHAIN_PROBE";

// A distinctive key: no error message may contain it or any part of it.
const QByteArray kKey = "Zq7Xk2Vw9Lp4Rt8Ym3Hn6Bc1Fj5Gd0Ts";

KeyReference env(const QString &name)
{
    return KeyReference { KeyReference::Kind::Environment, name };
}

KeyReference file(const QString &path)
{
    return KeyReference { KeyReference::Kind::File, path };
}

KeyReference keychain(const QString &entry)
{
    return KeyReference { KeyReference::Kind::Keychain, entry };
}

// No run of 6 characters of the key appears in the text.
bool containsPartOfKey(const QString &text, const QByteArray &key = kKey)
{
    for (qsizetype i = 0; i + 6 <= key.size(); ++i) {
        if (text.contains(QLatin1String(key.mid(i, 6))))
            return true;
    }
    return false;
}

} // namespace

class TestProviderKeys : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        // Servers and CI have no session bus; make sure this run has none.
        qunsetenv("DBUS_SESSION_BUS_ADDRESS");
    }

    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        qunsetenv("SIGNALBOX_TEST_KEY");
    }

    void cleanup() { qunsetenv("SIGNALBOX_TEST_KEY"); }

    // ---- Environment --------------------------------------------------------

    void environment_data()
    {
        QTest::addColumn<bool>("set");
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QByteArray>("key");
        QTest::newRow("set") << true << kKey << QString() << kKey;
        QTest::newRow("trailing newline trimmed") << true << QByteArray(kKey + "\r\n") << QString() << kKey;
        QTest::newRow("unset") << false << QByteArray() << QStringLiteral("key-missing") << QByteArray();
        QTest::newRow("empty") << true << QByteArray() << QStringLiteral("key-missing") << QByteArray();
        QTest::newRow("blank") << true << QByteArray(" \n") << QStringLiteral("key-missing") << QByteArray();
        QTest::newRow("two lines") << true << QByteArray(kKey + "\nsecond") << QStringLiteral("invalid")
                                   << QByteArray();
        QTest::newRow("Bearer in front") << true << QByteArray("Bearer " + kKey) << QStringLiteral("invalid")
                                         << QByteArray();
    }

    void environment()
    {
        QFETCH(bool, set);
        QFETCH(QByteArray, value);
        QFETCH(QString, code);
        QFETCH(QByteArray, key);
        if (set)
            qputenv("SIGNALBOX_TEST_KEY", value);
        ProviderKeyResolver resolver;
        const auto result = resolver.resolve(env(QStringLiteral("SIGNALBOX_TEST_KEY")));
        if (code.isEmpty()) {
            QVERIFY2(result.ok(), result.ok() ? "" : qPrintable(result.error().message));
            QCOMPARE(result.value(), key);
            return;
        }
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, code);
        QVERIFY2(
            result.error().message.contains(QStringLiteral("SIGNALBOX_TEST_KEY")), qPrintable(result.error().message));
        QVERIFY2(!containsPartOfKey(result.error().message), qPrintable(result.error().message));
    }

    void invalidReferences_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("ref");
        QTest::newRow("empty variable name") << int(KeyReference::Kind::Environment) << QString();
        QTest::newRow("variable name with a dash") << int(KeyReference::Kind::Environment) << QStringLiteral("MY-KEY");
        QTest::newRow("the key pasted as a variable name")
            << int(KeyReference::Kind::Environment) << QString::fromLatin1(kKey);
        QTest::newRow("an sk- key pasted as a variable name")
            << int(KeyReference::Kind::Environment) << QStringLiteral("sk-proj-") + QString::fromLatin1(kKey);
        QTest::newRow("relative file") << int(KeyReference::Kind::File) << QStringLiteral("keys/openai.key");
        QTest::newRow("the key pasted as a file") << int(KeyReference::Kind::File) << QString::fromLatin1(kKey);
        QTest::newRow("empty file") << int(KeyReference::Kind::File) << QString();
        QTest::newRow("the key pasted as an entry") << int(KeyReference::Kind::Keychain) << QString::fromLatin1(kKey);
        QTest::newRow("no entry, no provider") << int(KeyReference::Kind::Keychain) << QString();
    }

    void invalidReferences()
    {
        QFETCH(int, kind);
        QFETCH(QString, ref);
        ProviderKeyResolver resolver;
        const auto result = resolver.resolve(KeyReference { KeyReference::Kind(kind), ref });
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, QStringLiteral("invalid"));
        QVERIFY2(!containsPartOfKey(result.error().message), qPrintable(result.error().message));
    }

    void noneNeedsNoKey()
    {
        ProviderKeyResolver resolver;
        const auto result = resolver.resolve(KeyReference {});
        QVERIFY(result.ok());
        QVERIFY(result.value().isEmpty());
    }

    // ---- Key files ----------------------------------------------------------

    void keyFile_data()
    {
        QTest::addColumn<QByteArray>("contents");
        QTest::addColumn<int>("mode");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QByteArray>("key");
        QTest::newRow("0600") << kKey << 0600 << QString() << kKey;
        QTest::newRow("0400") << kKey << 0400 << QString() << kKey;
        QTest::newRow("trailing newline trimmed") << QByteArray(kKey + '\n') << 0600 << QString() << kKey;
        QTest::newRow("CRLF and spaces trimmed") << QByteArray(kKey + "  \r\n\n") << 0600 << QString() << kKey;
        QTest::newRow("largest allowed") << QByteArray(ProviderKeyResolver::kMaxKeyFileBytes - 1, 'k') + '\n'
                                         << 0600 << QString()
                                         << QByteArray(ProviderKeyResolver::kMaxKeyFileBytes - 1, 'k');
#ifdef Q_OS_UNIX
        QTest::newRow("0644 refused") << QByteArray(kKey + '\n') << 0644 << QStringLiteral("key-insecure")
                                      << QByteArray();
        QTest::newRow("0640 refused") << kKey << 0640 << QStringLiteral("key-insecure") << QByteArray();
        QTest::newRow("0604 refused") << kKey << 0604 << QStringLiteral("key-insecure") << QByteArray();
        QTest::newRow("0620 refused") << kKey << 0620 << QStringLiteral("key-insecure") << QByteArray();
#endif
        QTest::newRow("oversize") << QByteArray(kKey).repeated(3000) << 0600 << QStringLiteral("invalid")
                                  << QByteArray();
        QTest::newRow("empty") << QByteArray() << 0600 << QStringLiteral("key-missing") << QByteArray();
        QTest::newRow("two lines") << QByteArray(kKey + "\n# my openai key\n") << 0600 << QStringLiteral("invalid")
                                   << QByteArray();
        QTest::newRow("variable assignment")
            << QByteArray("OPENAI_API_KEY = " + kKey) << 0600 << QStringLiteral("invalid") << QByteArray();
    }

    void keyFile()
    {
        QFETCH(QByteArray, contents);
        QFETCH(int, mode);
        QFETCH(QString, code);
        QFETCH(QByteArray, key);
        const QString path = writeFile(QStringLiteral("provider.key"), contents, mode);
        ProviderKeyResolver resolver;
        const auto result = resolver.resolve(file(path));
        if (code.isEmpty()) {
            QVERIFY2(result.ok(), result.ok() ? "" : qPrintable(result.error().message));
            QCOMPARE(result.value(), key);
            return;
        }
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, code);
        QVERIFY2(result.error().message.contains(path), qPrintable(result.error().message));
        QVERIFY2(!containsPartOfKey(result.error().message), qPrintable(result.error().message));
        if (code == QStringLiteral("key-insecure"))
            QVERIFY2(result.error().message.contains(QStringLiteral("chmod 600 ") + path),
                qPrintable(result.error().message));
    }

    void missingFile()
    {
        ProviderKeyResolver resolver;
        const QString path = m_dir->filePath(QStringLiteral("absent.key"));
        const auto result = resolver.resolve(file(path));
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, QStringLiteral("key-missing"));
        QVERIFY(result.error().message.contains(path));
    }

    void directoryIsNotAKeyFile()
    {
        ProviderKeyResolver resolver;
#ifdef Q_OS_UNIX
        QVERIFY(::chmod(QFile::encodeName(m_dir->path()).constData(), 0700) == 0);
#endif
        const auto result = resolver.resolve(file(m_dir->path()));
        QVERIFY(!result.ok());
        QVERIFY(
            result.error().code == QStringLiteral("invalid") || result.error().code == QStringLiteral("key-missing"));
    }

    void fileChangesTakeEffectAtOnce()
    {
        ProviderKeyResolver resolver;
        const QString path = writeFile(QStringLiteral("rotating.key"), "first-key-0001\n", 0600);
        QCOMPARE(resolver.resolve(file(path)).value(), QByteArray("first-key-0001"));
        writeFile(QStringLiteral("rotating.key"), "second-key-0002\n", 0600);
        QCOMPARE(resolver.resolve(file(path)).value(), QByteArray("second-key-0002"));
    }

#ifdef Q_OS_UNIX
    void symlinkToAPrivateFileIsFollowed()
    {
        const QString target = writeFile(QStringLiteral("target.key"), kKey, 0600);
        const QString link = m_dir->filePath(QStringLiteral("link.key"));
        QVERIFY(QFile::link(target, link));
        ProviderKeyResolver resolver;
        const auto result = resolver.resolve(file(link));
        QVERIFY2(result.ok(), result.ok() ? "" : qPrintable(result.error().message));
        QCOMPARE(result.value(), kKey);
    }

    void fifoIsRefusedWithoutBlocking()
    {
        const QString path = m_dir->filePath(QStringLiteral("pipe.key"));
        QVERIFY(::mkfifo(QFile::encodeName(path).constData(), 0600) == 0);
        ProviderKeyResolver resolver;
        const auto result = resolver.resolve(file(path)); // would block forever in a plain open()
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, QStringLiteral("invalid"));
    }

    void fileOfAnotherUserIsRefused()
    {
        if (::geteuid() != 0)
            QSKIP("needs root to give a file away");
        const QString path = writeFile(QStringLiteral("theirs.key"), kKey, 0600);
        QVERIFY(::chown(QFile::encodeName(path).constData(), 65534, 65534) == 0);
        ProviderKeyResolver resolver;
        const auto result = resolver.resolve(file(path));
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, QStringLiteral("key-insecure"));
        QVERIFY2(
            result.error().message.contains(QStringLiteral("chmod 600 ") + path), qPrintable(result.error().message));
        QVERIFY(!containsPartOfKey(result.error().message));
    }
#endif

    // ---- Keychain -----------------------------------------------------------

    void keychainWithoutDBusFailsCleanlyAndAtOnce()
    {
        QVERIFY(!ProviderKeyResolver::keychainAvailable());
        ProviderKeyResolver resolver;
        QElapsedTimer timer;
        timer.start();
        const auto read = resolver.resolve(keychain(QString()), QStringLiteral("openai"));
        const auto stored = resolver.storeInKeychain(QStringLiteral("signalbox/openai"), kKey);
        const auto removed = resolver.removeFromKeychain(QStringLiteral("signalbox/openai"));
        // Far below the keychain timeout: nothing was waited for.
        QVERIFY2(timer.elapsed() < 2000, qPrintable(QString::number(timer.elapsed())));

        QVERIFY(!read.ok());
        QCOMPARE(read.error().code, QStringLiteral("keychain-unavailable"));
        QVERIFY2(
            read.error().message.contains(QStringLiteral("\"signalbox/openai\"")), qPrintable(read.error().message));
        QVERIFY(read.error().message.contains(QStringLiteral("environment variable")));
        QVERIFY(read.error().message.contains(QStringLiteral("key file")));
        QVERIFY(!stored.ok());
        QCOMPARE(stored.error().code, QStringLiteral("keychain-unavailable"));
        QVERIFY(!containsPartOfKey(stored.error().message));
        QVERIFY(!removed.ok());
        QCOMPARE(removed.error().code, QStringLiteral("keychain-unavailable"));
    }

    void storingAnInvalidKeyIsRefusedFirst()
    {
        ProviderKeyResolver resolver;
        const auto stored = resolver.storeInKeychain(QStringLiteral("signalbox/openai"), "Bearer " + kKey);
        QVERIFY(!stored.ok());
        QCOMPARE(stored.error().code, QStringLiteral("invalid"));
        QVERIFY(!containsPartOfKey(stored.error().message));
    }

    void keychainWithASessionBusButNoKeyringNeverHangs()
    {
#if defined(Q_OS_UNIX) && !defined(Q_OS_DARWIN)
        // A private session bus with no Secret Service and no KWallet on it:
        // the keychain is really tried, and fails cleanly within the timeout.
        const QString daemon = QStandardPaths::findExecutable(QStringLiteral("dbus-daemon"));
        if (daemon.isEmpty())
            QSKIP("dbus-daemon is not installed");
        // Our own configuration: no service directories, so nothing installed
        // here (gnome-keyring, kwalletd) can be activated on this bus.
        const QString config = m_dir->filePath(QStringLiteral("session.conf"));
        {
            QFile f(config);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("<busconfig>\n"
                    "  <type>session</type>\n"
                    "  <listen>unix:tmpdir="
                + QFile::encodeName(m_dir->path())
                + "</listen>\n"
                  "  <auth>EXTERNAL</auth>\n"
                  "  <policy context=\"default\">\n"
                  "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
                  "    <allow eavesdrop=\"true\"/>\n"
                  "    <allow own=\"*\"/>\n"
                  "  </policy>\n"
                  "</busconfig>\n");
        }
        QProcess bus;
        bus.start(daemon,
            { QStringLiteral("--config-file=") + config, QStringLiteral("--nofork"), QStringLiteral("--nopidfile"),
                QStringLiteral("--print-address=1") });
        QVERIFY(bus.waitForStarted());
        const auto stopBus = qScopeGuard([&] {
            bus.terminate();
            bus.waitForFinished(3000);
        });
        QVERIFY(bus.waitForReadyRead(5000));
        const QByteArray address = bus.readLine().trimmed();
        QVERIFY(!address.isEmpty());

        // The keychain is asked from a child process (this executable, in
        // probe mode): GLib's D-Bus client, which libsecret uses, terminates
        // its process when the session bus goes away, as it does below.
        QProcess probe;
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"), QString::fromLocal8Bit(address));
        environment.insert(QString::fromLatin1(kProbeVariable), QStringLiteral("1"));
        probe.setProcessEnvironment(environment);
        probe.start(QCoreApplication::applicationFilePath(), {});
        QVERIFY(probe.waitForFinished(20'000));
        const QByteArray output = probe.readAllStandardOutput();
        qInfo().noquote() << "The keychain answered:" << QString::fromUtf8(output).trimmed();
        QCOMPARE(probe.exitCode(), 0);
        if (output.startsWith("available 0\n"))
            QSKIP("built without keychain support");
        QVERIFY2(output.contains("available 1\n"), output.constData());
        QVERIFY2(output.contains("read keychain-unavailable "), output.constData());
        QVERIFY2(output.contains("store keychain-unavailable "), output.constData());
        QVERIFY2(output.contains("remove keychain-unavailable "), output.constData());
        QVERIFY(!containsPartOfKey(QString::fromUtf8(output)));
#else
        QSKIP("Linux and BSD only");
#endif
    }

    void defaultEntryName()
    {
        QCOMPARE(
            ProviderKeyResolver::defaultKeychainEntry(QStringLiteral("ollama")), QStringLiteral("signalbox/ollama"));
    }

    // ---- Redaction ----------------------------------------------------------

    void redactSecrets_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QByteArray>("expected");

        // Upstream error bodies that echo the key.
        QTest::newRow("OpenAI invalid key")
            << QByteArray("{\"error\":{\"message\":\"Incorrect API key provided: sk-proj-AbCdEf1234567890GhIjKlMnOp. "
                          "You can find your API key at https://platform.openai.com/account/api-keys.\","
                          "\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}")
            << QByteArray("{\"error\":{\"message\":\"Incorrect API key provided: ***. "
                          "You can find your API key at https://platform.openai.com/account/api-keys.\","
                          "\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}");
        QTest::newRow("Anthropic key in a message")
            << QByteArray("{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"bad key "
                          "sk-ant-api03-AbC123dEf456GhI789jKl012MnO345pQr678-xyzXYZ_AA\"}}")
            << QByteArray("{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"bad key "
                          "***\"}}");
        QTest::newRow("Anthropic error without a key")
            << QByteArray("{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"invalid "
                          "x-api-key\"}}")
            << QByteArray("{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"invalid "
                          "x-api-key\"}}");
        QTest::newRow("JSON api_key field")
            << QByteArray("{\"api_key\": \"gsk_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLmnop\", \"n\": 1}")
            << QByteArray("{\"api_key\": \"***\", \"n\": 1}");
        QTest::newRow("JSON headers echoed")
            << QByteArray("{\"headers\":{\"Authorization\":\"Bearer sk-proj-XYZ123456789012345678901\"}}")
            << QByteArray("{\"headers\":{\"Authorization\":\"Bearer ***\"}}");
        QTest::newRow("virtual key in a body")
            << QByteArray("{\"error\":\"revoked key sbk_AbCdEfGhIjKl_0123456789abcdefghijABCDEFGHIJ0123456\"}")
            << QByteArray("{\"error\":\"revoked key ***\"}");

        // URLs.
        QTest::newRow("Gemini ?key=")
            << QByteArray("POST https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:"
                          "generateContent?key=AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q failed")
            << QByteArray("POST https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:"
                          "generateContent?key=*** failed");
        QTest::newRow("api_key= among other parameters")
            << QByteArray("GET /v1/models?limit=10&api_key=abc123&order=desc")
            << QByteArray("GET /v1/models?limit=10&api_key=***&order=desc");
        QTest::newRow("access_token=") << QByteArray("https://x.example/cb?access_token=ya29.short&state=1")
                                       << QByteArray("https://x.example/cb?access_token=***&state=1");

        // Headers.
        QTest::newRow("Authorization Bearer")
            << QByteArray("Authorization: Bearer sbk_AbCdEfGhIjKl_0123456789abcdefghijABCDEFGHIJ0123456\r\n"
                          "Content-Type: application/json\r\n")
            << QByteArray("Authorization: Bearer ***\r\nContent-Type: application/json\r\n");
        QTest::newRow("Authorization Basic")
            << QByteArray("authorization: Basic dXNlcjpwYXNzd29yZA==") << QByteArray("authorization: Basic ***");
        QTest::newRow("x-api-key header")
            << QByteArray("x-api-key: sk-ant-api03-AbC123dEf456GhI789jKl012MnO345pQr678-xyzXYZ_AA\n")
            << QByteArray("x-api-key: ***\n");
        QTest::newRow("hex key in an api-key header")
            << QByteArray("api-key: 0123456789abcdef0123456789abcdef") << QByteArray("api-key: ***");
        QTest::newRow("x-goog-api-key") << QByteArray("X-Goog-Api-Key: AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q")
                                        << QByteArray("X-Goog-Api-Key: ***");
        QTest::newRow("environment dump") << QByteArray("OPENAI_API_KEY=sk-abc123def456ghi789jkl012 HOME=/root")
                                          << QByteArray("OPENAI_API_KEY=*** HOME=/root");
        QTest::newRow("Bearer JWT in a log line")
            << QByteArray("forwarding with Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnX2FiYw to upstream")
            << QByteArray("forwarding with Bearer *** to upstream");

        // Prefixed keys anywhere.
        QTest::newRow("xai") << QByteArray("using xai-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789 for grok")
                             << QByteArray("using *** for grok");
        QTest::newRow("groq") << QByteArray("key=gsk_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789") << QByteArray("key=***");
        QTest::newRow("hugging face") << QByteArray("token hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456.")
                                      << QByteArray("token ***.");
        QTest::newRow("google oauth") << QByteArray("ya29.a0AfH6SMBx1234567890abcdefghij") << QByteArray("***");
        QTest::newRow("bytes around are kept") << QByteArray("mod\xc3\xa8le \xff\xfe sk-proj-1234567890abcdefghij\n")
                                               << QByteArray("mod\xc3\xa8le \xff\xfe ***\n");

        // Ordinary text stays as it is.
        for (const char *plain : {
                 "Please ask-for help; this is risk-free and the task-management-system-for-everyone works.",
                 "scikit estimators: sk-learn-compatible-estimators-everywhere",
                 "desk-1234567890abcdefghijklmnop is a part number",
                 "{\"error\":{\"message\":\"api_key: required\",\"code\":\"missing_api_key\"}}",
                 "Missing Authorization header",
                 "the bearer of bad news has a basic understanding of the monkey=3 problem",
                 "The model gpt-4o-2024-08-06 answered in 1.2 s; see https://example.com/docs?page=2&lang=en",
                 "{\"model\":\"anthropic/claude-sonnet-4\",\"max_tokens\":1024,\"stream\":true}",
                 "Bearer tokens are described in RFC 6750.",
             })
            QTest::newRow(plain) << QByteArray(plain) << QByteArray(plain);
    }

    void redactSecrets()
    {
        QFETCH(QByteArray, text);
        QFETCH(QByteArray, expected);
        QCOMPARE(signalbox::engine::redactSecrets(text), expected);
        // Idempotent.
        QCOMPARE(signalbox::engine::redactSecrets(expected), expected);
    }

    void redactKnownSecrets()
    {
        const QByteArray plainKey = "Qw3rTy-uiop/ASDF+ghjk";
        const QByteArray body = "{\"error\":\"key " + plainKey
            + " rejected; escaped Qw3rTy-uiop\\/ASDF+ghjk, "
              "in a URL Qw3rTy-uiop%2FASDF%2Bghjk; other text stays\"}";
        const QByteArray redacted = signalbox::engine::redactKnownSecrets(body, { QByteArray(), plainKey, kKey });
        QCOMPARE(redacted, QByteArray("{\"error\":\"key *** rejected; escaped ***, in a URL ***; other text stays\"}"));
        // A secret that contains another is replaced whole.
        QCOMPARE(signalbox::engine::redactKnownSecrets("abc-secret-123 and secret", { "secret", "abc-secret-123" }),
            QByteArray("*** and ***"));
        QCOMPARE(signalbox::engine::redactKnownSecrets("nothing to hide", {}), QByteArray("nothing to hide"));
    }

private:
    QString writeFile(const QString &name, const QByteArray &contents, int mode)
    {
        const QString path = m_dir->filePath(name);
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return {};
        f.write(contents);
        f.close();
#ifdef Q_OS_UNIX
        ::chmod(QFile::encodeName(path).constData(), mode_t(mode));
#else
        Q_UNUSED(mode)
#endif
        return path;
    }

    std::unique_ptr<QTemporaryDir> m_dir;
};

// Probe mode, for keychainWithASessionBusButNoKeyringNeverHangs(): one try
// of each keychain operation, each answer on a line "<operation> <code> <message>".
int keychainProbe(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    ProviderKeyResolver resolver(std::chrono::milliseconds(2500));
    const QString entry = QStringLiteral("signalbox/test-provider");
    const auto line = [](const char *operation, const Error &error) {
        std::printf("%s %s %s\n", operation, qPrintable(error.code), qPrintable(error.message));
    };
    std::printf("available %d\n", int(ProviderKeyResolver::keychainAvailable()));
    const auto read = resolver.resolve(keychain(entry));
    line("read", read.ok() ? Error { QStringLiteral("ok"), {} } : read.error());
    const auto stored = resolver.storeInKeychain(entry, kKey);
    line("store", stored.ok() ? Error { QStringLiteral("ok"), {} } : stored.error());
    const auto removed = resolver.removeFromKeychain(entry);
    line("remove", removed.ok() ? Error { QStringLiteral("ok"), {} } : removed.error());
    return 0;
}

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsSet(kProbeVariable))
        return keychainProbe(argc, argv);
    QCoreApplication app(argc, argv);
    TestProviderKeys test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}
#include "tst_providerkeys.moc"
