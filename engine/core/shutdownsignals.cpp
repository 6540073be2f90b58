#include "engine/core/shutdownsignals.h"

#include <QCoreApplication>
#include <QSocketNotifier>

#include <csignal>

#ifdef Q_OS_UNIX
#include <cerrno>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>
#endif
#ifdef Q_OS_WIN
#include <qt_windows.h>
#endif

namespace signalbox::engine {

namespace {
#ifdef Q_OS_UNIX
// Self-pipe: the async-signal-safe handler only writes one byte.
int g_pipe[2] = {-1, -1};

extern "C" void onUnixSignal(int signalNumber)
{
    // Async-signal-safe: one non-blocking write, errno left as it was.
    const int savedErrno = errno;
    const char byte = static_cast<char>(signalNumber);
    [[maybe_unused]] auto written = ::write(g_pipe[0], &byte, 1);
    errno = savedErrno;
}

void makeNonBlockingCloseOnExec(int fd)
{
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    ::fcntl(fd, F_SETFD, ::fcntl(fd, F_GETFD) | FD_CLOEXEC);
}

struct sigaction g_previousInt = {};
struct sigaction g_previousTerm = {};
struct sigaction g_previousHup = {};
#endif
#ifdef Q_OS_WIN
ShutdownSignals *g_instance = nullptr;

BOOL WINAPI onConsoleEvent(DWORD)
{
    if (g_instance)
        QMetaObject::invokeMethod(g_instance, "shutdownRequested", Qt::QueuedConnection, Q_ARG(int, 0));
    return TRUE;
}
#endif
} // namespace

ShutdownSignals::ShutdownSignals(QObject *parent)
    : QObject(parent)
{
#ifdef Q_OS_UNIX
    // The handlers write to one process-wide pipe: a second instance would
    // steal it from the first.
    Q_ASSERT_X(g_pipe[0] < 0, "ShutdownSignals", "only one instance per process");
    if (g_pipe[0] < 0 && ::socketpair(AF_UNIX, SOCK_STREAM, 0, g_pipe) == 0) {
        makeNonBlockingCloseOnExec(g_pipe[0]);
        makeNonBlockingCloseOnExec(g_pipe[1]);
        m_notifier = new QSocketNotifier(g_pipe[1], QSocketNotifier::Read, this);
        connect(m_notifier, &QSocketNotifier::activated, this, &ShutdownSignals::onReadable);
        struct sigaction action = {};
        action.sa_handler = onUnixSignal;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESTART;
        ::sigaction(SIGINT, &action, &g_previousInt);
        ::sigaction(SIGTERM, &action, &g_previousTerm);
        ::sigaction(SIGHUP, &action, &g_previousHup);
    }
#endif
#ifdef Q_OS_WIN
    g_instance = this;
    ::SetConsoleCtrlHandler(onConsoleEvent, TRUE);
#endif
}

ShutdownSignals::~ShutdownSignals()
{
#ifdef Q_OS_UNIX
    if (m_notifier && g_pipe[0] >= 0) {
        ::sigaction(SIGINT, &g_previousInt, nullptr);
        ::sigaction(SIGTERM, &g_previousTerm, nullptr);
        ::sigaction(SIGHUP, &g_previousHup, nullptr);
        ::close(g_pipe[0]);
        ::close(g_pipe[1]);
        g_pipe[0] = g_pipe[1] = -1;
    }
#endif
#ifdef Q_OS_WIN
    ::SetConsoleCtrlHandler(onConsoleEvent, FALSE);
    g_instance = nullptr;
#endif
}

void ShutdownSignals::onReadable()
{
#ifdef Q_OS_UNIX
    char byte = 0;
    while (::read(g_pipe[1], &byte, 1) == 1) { // drain every signal that arrived
        if (byte == SIGHUP)
            Q_EMIT reloadRequested();
        else
            Q_EMIT shutdownRequested(static_cast<int>(byte));
    }
#endif
}

} // namespace signalbox::engine
