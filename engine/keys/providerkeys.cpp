#include "engine/keys/providerkeys.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QLoggingCategory>
#include <QReadWriteLock>
#include <QRegularExpression>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>

#ifdef Q_OS_UNIX
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

#if SIGNALBOX_HAVE_KEYCHAIN
#include <QThread>
#include <qt6keychain/keychain.h>
#endif

namespace signalbox::engine {

namespace {
#if SIGNALBOX_HAVE_KEYCHAIN
Q_LOGGING_CATEGORY(lcKeys, "signalbox.keys", QtInfoMsg)
#endif

using std::chrono::milliseconds;

Error error(const char *code, const QString &message)
{
    return Error { QString::fromLatin1(code), message };
}

qint64 steadyNowMs()
{
    return std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Trims whitespace around the key and checks what is left: printable ASCII
// without spaces, as an HTTP header value needs. `what` names the source.
Result<QByteArray> checkedKey(QByteArray raw, const QString &what)
{
    const QByteArray key = raw.trimmed();
    if (key.isEmpty())
        return error("key-missing", QStringLiteral("%1 is empty").arg(what));
    for (char c : key) {
        if (c <= ' ' || c > '~')
            return error("invalid",
                QStringLiteral("%1 must hold only the key, on one line: it contains spaces, control characters or "
                               "more than one line (without \"Bearer \" or a variable name in front)")
                    .arg(what));
    }
    return key;
}

// A reference that is probably the key itself, pasted where its name belongs
// (validateKeyReference's test): refused, and never echoed in a message.
bool looksLikePastedKey(const QString &reference)
{
    static const QRegularExpression token(QStringLiteral("^(?=.*[0-9])(?=.*[A-Za-z])[A-Za-z0-9_\\-+=]{32,}$"));
    return token.match(reference).hasMatch() || redactSecrets(reference.toUtf8()) != reference.toUtf8();
}

// A reference as a message may show it: not at all when it may be the key
// itself, pasted where its variable's name, path or entry name belongs.
QString shown(const QString &reference)
{
    return looksLikePastedKey(reference) ? QStringLiteral("(hidden: it looks like a key)") : reference;
}

bool isEnvironmentName(const QString &name)
{
    // Variable names are upper case by convention, so a long one is only taken
    // for a pasted key when it has lower-case letters too.
    static const QRegularExpression pattern(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]{0,127}$"));
    const bool lowerCase = std::any_of(name.cbegin(), name.cend(), [](QChar c) { return c.isLower(); });
    return pattern.match(name).hasMatch() && !(looksLikePastedKey(name) && lowerCase);
}

Result<QByteArray> readEnvironment(const QString &name)
{
    if (!isEnvironmentName(name))
        return error("invalid",
            QStringLiteral("The API key reference must be the name of an environment variable, such as "
                           "OPENAI_API_KEY (letters, digits and _)"));
    const QByteArray nameBytes = name.toLatin1();
    if (!qEnvironmentVariableIsSet(nameBytes.constData()))
        return error("key-missing", QStringLiteral("The environment variable %1 is not set").arg(name));
    return checkedKey(qgetenv(nameBytes.constData()), QStringLiteral("The environment variable %1").arg(name));
}

Result<QByteArray> readKeyFile(const QString &path)
{
    if (path.isEmpty() || path.size() > 1024)
        return error("invalid", QStringLiteral("The API key file must be given as an absolute path"));
    const QString name = shown(path);
    if (!QFileInfo(path).isAbsolute())
        return error("invalid", QStringLiteral("The API key file %1 must be given as an absolute path").arg(name));
    const QString what = QStringLiteral("The key file %1").arg(name);
    QByteArray contents;
#ifdef Q_OS_UNIX
    // open + fstat: the checks apply to the file actually read. O_NONBLOCK
    // keeps a FIFO from blocking the open; it is refused below anyway.
    const QByteArray encoded = QFile::encodeName(path);
    const int fd = ::open(encoded.constData(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        const int code = errno;
        if (code == ENOENT || code == ENOTDIR)
            return error("key-missing", QStringLiteral("%1 does not exist").arg(what));
        return error("key-missing",
            QStringLiteral("%1 cannot be opened: %2").arg(what, QString::fromLocal8Bit(std::strerror(code))));
    }
    struct FdCloser {
        int fd;
        ~FdCloser() { ::close(fd); }
    } closer { fd };
    struct stat info { };
    if (::fstat(fd, &info) != 0)
        return error("key-missing", QStringLiteral("%1 cannot be examined").arg(what));
    if (!S_ISREG(info.st_mode))
        return error("invalid", QStringLiteral("%1 is not a regular file").arg(what));
    const QString chmod = QStringLiteral("chmod 600 %1").arg(name);
    if (info.st_uid != ::geteuid())
        return error("key-insecure",
            QStringLiteral("%1 belongs to another user (uid %2, the gateway runs as uid %3): make the gateway's user "
                           "its owner (chown), then run %4")
                .arg(what)
                .arg(info.st_uid)
                .arg(::geteuid())
                .arg(chmod));
    if ((info.st_mode & 077) != 0)
        return error("key-insecure",
            QStringLiteral("%1 can be accessed by other users (mode %2): run %3")
                .arg(what, QString::number(info.st_mode & 0777, 8).rightJustified(4, QLatin1Char('0')), chmod));
    if (info.st_size > ProviderKeyResolver::kMaxKeyFileBytes)
        return error("invalid", QStringLiteral("%1 is larger than 64 KiB: it must hold only the key").arg(what));
    contents.resize(ProviderKeyResolver::kMaxKeyFileBytes + 1);
    qsizetype filled = 0;
    while (filled < contents.size()) {
        const ssize_t n = ::read(fd, contents.data() + filled, size_t(contents.size() - filled));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return error("key-missing", QStringLiteral("%1 cannot be read").arg(what));
        if (n == 0)
            break;
        filled += n;
    }
    contents.truncate(filled);
#else
    // Windows: no mode check (NTFS ACLs; a file in the user's profile is
    // private by default). See docs/provider-keys.md.
    QFile file(path);
    if (!file.exists())
        return error("key-missing", QStringLiteral("%1 does not exist").arg(what));
    if (!file.open(QIODevice::ReadOnly))
        return error("key-missing", QStringLiteral("%1 cannot be read: %2").arg(what, file.errorString()));
    contents = file.read(ProviderKeyResolver::kMaxKeyFileBytes + 1);
#endif
    if (contents.size() > ProviderKeyResolver::kMaxKeyFileBytes)
        return error("invalid", QStringLiteral("%1 is larger than 64 KiB: it must hold only the key").arg(what));
    return checkedKey(std::move(contents), what);
}

QString keychainAdvice()
{
    return QStringLiteral("On servers and in containers, put the key in an environment variable (with systemd: "
                          "EnvironmentFile=) or in a key file only the gateway's user can read (chmod 600), and "
                          "point the provider at it.");
}

bool isEntryName(const QString &entry)
{
    if (entry.isEmpty() || entry.size() > 200 || looksLikePastedKey(entry))
        return false;
    return std::none_of(entry.cbegin(), entry.cend(), [](QChar c) { return c.category() == QChar::Other_Control; });
}

// A keychain attempt that timed out keeps everyone off the keychain until then.
std::atomic<qint64> g_keychainBackoffUntilMs { 0 };

// Why there is no keychain to try; empty when one may be tried.
QString keychainUnavailableReason()
{
#if !SIGNALBOX_HAVE_KEYCHAIN
    return QStringLiteral("this build of Signalbox has no keychain support");
#else
#if defined(Q_OS_UNIX) && !defined(Q_OS_DARWIN) && !defined(Q_OS_ANDROID)
    // No session bus, no Secret Service or KWallet: checked up front so a
    // headless server answers at once instead of waiting for a D-Bus timeout.
    if (qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS"))
        return QStringLiteral("there is no D-Bus session (DBUS_SESSION_BUS_ADDRESS is not set)");
#endif
    if (!QCoreApplication::instance())
        return QStringLiteral("the keychain needs a running application object");
    if (g_keychainBackoffUntilMs.load(std::memory_order_relaxed) > steadyNowMs())
        return QStringLiteral("the keychain did not answer in time a moment ago");
    return {};
#endif
}

Error keychainUnavailable(const QString &entry, const QString &reason)
{
    return error("keychain-unavailable",
        QStringLiteral("The system keychain cannot be used for \"%1\": %2. %3")
            .arg(shown(entry), reason, keychainAdvice()));
}

// ---- The keychain, through qtkeychain ----------------------------------------

enum class KeychainOp { Read, Write, Delete };
enum class KeychainStatus { Ok, NotFound, Unavailable, TimedOut };

struct KeychainAnswer {
    KeychainStatus status = KeychainStatus::Unavailable;
    QString detail; // the backend's words, for the message
    QByteArray data;
};

#if SIGNALBOX_HAVE_KEYCHAIN
// qtkeychain runs its jobs one at a time through a process-wide queue, created
// on the thread of the first job and driven by that thread's event loop. So
// every job runs on one thread of ours that lives as long as the application;
// callers block on a condition variable with a timeout. This never spins a
// nested event loop on a gateway worker (which would re-enter its connection
// handlers) and works on threads without any event loop.
class KeychainBroker {
public:
    static KeychainBroker &instance()
    {
        static KeychainBroker *broker = new KeychainBroker; // never destroyed: see stop()
        return *broker;
    }

    KeychainAnswer run(KeychainOp op, const QString &entry, const QByteArray &data, milliseconds timeout)
    {
        QObject *target = context();
        if (!target)
            return KeychainAnswer { KeychainStatus::Unavailable, QStringLiteral("no keychain thread"), {} };
        auto pending = std::make_shared<Pending>();
        QMetaObject::invokeMethod(
            target, [pending, op, entry, data] { start(pending, op, entry, data); }, Qt::QueuedConnection);
        std::unique_lock lock(pending->mutex);
        if (!pending->done.wait_for(lock, timeout, [&] { return pending->finished; }))
            return KeychainAnswer { KeychainStatus::TimedOut, {}, {} };
        return pending->answer;
    }

private:
    struct Pending {
        std::mutex mutex;
        std::condition_variable done;
        bool finished = false;
        KeychainAnswer answer;
    };

    static void finish(const std::shared_ptr<Pending> &pending, KeychainAnswer answer)
    {
        {
            std::lock_guard lock(pending->mutex);
            pending->answer = std::move(answer);
            pending->finished = true;
        }
        pending->done.notify_all();
    }

    // On the keychain thread.
    static void start(
        const std::shared_ptr<Pending> &pending, KeychainOp op, const QString &entry, const QByteArray &data)
    {
        static const QString service = QStringLiteral("Signalbox");
        QKeychain::Job *job = nullptr;
        switch (op) {
        case KeychainOp::Read:
            job = new QKeychain::ReadPasswordJob(service);
            break;
        case KeychainOp::Write: {
            auto *write = new QKeychain::WritePasswordJob(service);
            write->setTextData(QString::fromLatin1(data)); // checked printable ASCII
            job = write;
            break;
        }
        case KeychainOp::Delete:
            job = new QKeychain::DeletePasswordJob(service);
            break;
        }
        job->setAutoDelete(true);
        job->setInsecureFallback(false); // never a plain-text QSettings file
        job->setKey(entry);
        QObject::connect(job, &QKeychain::Job::finished, job, [pending, op](QKeychain::Job *done) {
            KeychainAnswer answer;
            switch (done->error()) {
            case QKeychain::NoError:
                answer.status = KeychainStatus::Ok;
                if (op == KeychainOp::Read)
                    answer.data = static_cast<QKeychain::ReadPasswordJob *>(done)->binaryData();
                break;
            case QKeychain::EntryNotFound:
                answer.status = KeychainStatus::NotFound;
                break;
            default: // no backend, access denied, D-Bus errors ...
                answer.status = KeychainStatus::Unavailable;
                answer.detail = done->errorString();
                break;
            }
            finish(pending, std::move(answer));
        });
        job->start();
    }

    QObject *context()
    {
        std::lock_guard lock(m_mutex);
        if (m_thread)
            return m_context;
        if (!QCoreApplication::instance())
            return nullptr;
        m_thread = new QThread;
        m_thread->setObjectName(QStringLiteral("signalbox-keychain"));
        m_context = new QObject;
        m_context->moveToThread(m_thread);
        QObject::connect(m_thread, &QThread::finished, m_context, &QObject::deleteLater);
        m_thread->start();
        qAddPostRoutine(&KeychainBroker::stop);
        return m_context;
    }

    // When the application object goes: end the thread before Qt is torn
    // down. A job still hanging in a backend keeps it alive; it is left then.
    static void stop()
    {
        KeychainBroker &broker = instance();
        std::lock_guard lock(broker.m_mutex);
        if (!broker.m_thread)
            return;
        broker.m_thread->quit();
        if (broker.m_thread->wait(1000))
            delete broker.m_thread;
        broker.m_thread = nullptr;
        broker.m_context = nullptr;
    }

    std::mutex m_mutex;
    QThread *m_thread = nullptr;
    QObject *m_context = nullptr;
};
#endif

KeychainAnswer runKeychain(KeychainOp op, const QString &entry, const QByteArray &data, milliseconds timeout)
{
#if SIGNALBOX_HAVE_KEYCHAIN
    KeychainAnswer answer = KeychainBroker::instance().run(op, entry, data, timeout);
    if (answer.status == KeychainStatus::TimedOut) {
        g_keychainBackoffUntilMs.store(steadyNowMs() + ProviderKeyResolver::kKeychainBackoff.count());
        qCWarning(lcKeys) << "The system keychain did not answer within" << timeout.count()
                          << "ms; not asking it again for" << ProviderKeyResolver::kKeychainBackoff.count() << "ms";
    }
    return answer;
#else
    Q_UNUSED(op)
    Q_UNUSED(entry)
    Q_UNUSED(data)
    Q_UNUSED(timeout)
    return KeychainAnswer {};
#endif
}

Error keychainFailure(
    const QString &entry, const KeychainAnswer &answer, milliseconds timeout, const QByteArray &key = {})
{
    if (answer.status == KeychainStatus::TimedOut)
        return keychainUnavailable(entry,
            QStringLiteral("it did not answer within %1 ms (locked, or waiting for a password prompt)")
                .arg(timeout.count()));
    QString detail = answer.detail.isEmpty() ? QStringLiteral("no keychain service answered")
                                             : QStringLiteral("the keychain reported \"%1\"").arg(answer.detail);
    if (!key.isEmpty()) // a backend has no reason to echo the key; make sure
        detail = QString::fromUtf8(redactKnownSecrets(detail.toUtf8(), { key }));
    return keychainUnavailable(entry, detail);
}

} // namespace

// ---- ProviderKeyResolver ------------------------------------------------------

struct ProviderKeyResolver::Private {
    struct Cached {
        QByteArray key; // empty: known missing until expiresMs
        qint64 expiresMs = 0;
    };

    milliseconds timeout;
    mutable QReadWriteLock lock;
    mutable QHash<QString, Cached> cache; // in memory only, by entry name
};

ProviderKeyResolver::ProviderKeyResolver(milliseconds keychainTimeout)
    : d(std::make_unique<Private>())
{
    d->timeout = std::clamp(keychainTimeout, milliseconds(1), kDefaultKeychainTimeout);
}

ProviderKeyResolver::~ProviderKeyResolver() = default;

QString ProviderKeyResolver::defaultKeychainEntry(const QString &providerId)
{
    return QStringLiteral("signalbox/") + providerId;
}

bool ProviderKeyResolver::keychainAvailable()
{
    return keychainUnavailableReason().isEmpty();
}

Result<QByteArray> ProviderKeyResolver::resolve(const KeyReference &ref, const QString &providerId) const
{
    switch (ref.kind) {
    case KeyReference::Kind::None:
        return QByteArray();
    case KeyReference::Kind::Environment:
        return readEnvironment(ref.ref);
    case KeyReference::Kind::File:
        return readKeyFile(ref.ref);
    case KeyReference::Kind::Keychain:
        break;
    }
    const QString entry = ref.ref.isEmpty() && !providerId.isEmpty() ? defaultKeychainEntry(providerId) : ref.ref;
    if (!isEntryName(entry))
        return error("invalid", QStringLiteral("The keychain entry must be a short name such as \"signalbox/ollama\""));

    {
        QReadLocker lock(&d->lock);
        const auto it = d->cache.constFind(entry);
        if (it != d->cache.cend()) {
            if (!it->key.isEmpty())
                return it->key;
            if (it->expiresMs > steadyNowMs())
                return error("key-missing", QStringLiteral("The keychain has no entry \"%1\"").arg(shown(entry)));
        }
    }
    if (const QString reason = keychainUnavailableReason(); !reason.isEmpty())
        return keychainUnavailable(entry, reason);

    const KeychainAnswer answer = runKeychain(KeychainOp::Read, entry, {}, d->timeout);
    if (answer.status == KeychainStatus::NotFound) {
        QWriteLocker lock(&d->lock);
        d->cache.insert(entry, Private::Cached { {}, steadyNowMs() + kMissingEntryTtl.count() });
        return error("key-missing", QStringLiteral("The keychain has no entry \"%1\"").arg(shown(entry)));
    }
    if (answer.status != KeychainStatus::Ok)
        return keychainFailure(entry, answer, d->timeout);
    auto key = checkedKey(answer.data, QStringLiteral("The keychain entry \"%1\"").arg(shown(entry)));
    if (key) {
        QWriteLocker lock(&d->lock);
        d->cache.insert(entry, Private::Cached { key.value(), 0 });
    }
    return key;
}

Result<void> ProviderKeyResolver::storeInKeychain(const QString &entry, const QByteArray &key) const
{
    if (!isEntryName(entry))
        return error("invalid", QStringLiteral("The keychain entry must be a short name such as \"signalbox/ollama\""));
    if (key.size() > kMaxKeyFileBytes)
        return error("invalid", QStringLiteral("The key for \"%1\" is larger than 64 KiB").arg(shown(entry)));
    auto checked = checkedKey(key, QStringLiteral("The key for \"%1\"").arg(shown(entry)));
    if (!checked)
        return checked.error();
    if (const QString reason = keychainUnavailableReason(); !reason.isEmpty())
        return keychainUnavailable(entry, reason);
    const KeychainAnswer answer = runKeychain(KeychainOp::Write, entry, checked.value(), d->timeout);
    if (answer.status != KeychainStatus::Ok)
        return keychainFailure(entry, answer, d->timeout, checked.value());
    QWriteLocker lock(&d->lock);
    d->cache.insert(entry, Private::Cached { checked.value(), 0 });
    return {};
}

Result<void> ProviderKeyResolver::removeFromKeychain(const QString &entry) const
{
    if (!isEntryName(entry))
        return error("invalid", QStringLiteral("The keychain entry must be a short name such as \"signalbox/ollama\""));
    invalidate(entry);
    if (const QString reason = keychainUnavailableReason(); !reason.isEmpty())
        return keychainUnavailable(entry, reason);
    const KeychainAnswer answer = runKeychain(KeychainOp::Delete, entry, {}, d->timeout);
    if (answer.status != KeychainStatus::Ok && answer.status != KeychainStatus::NotFound)
        return keychainFailure(entry, answer, d->timeout);
    return {};
}

void ProviderKeyResolver::invalidate(const QString &entry) const
{
    QWriteLocker lock(&d->lock);
    if (entry.isEmpty())
        d->cache.clear();
    else
        d->cache.remove(entry);
}

} // namespace signalbox::engine
