// Idle streams: thousands of streaming requests held open, read slowly by a
// background thread, so a benchmark can weigh the server's memory per stream;
// and the process limits (descriptors, resident memory) that go with it.

#include "bench/gateway/loadgen.h"

#include <QtGlobal>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <thread>
#include <vector>

#ifdef Q_OS_LINUX
#include "bench/gateway/loadgen_p.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <http_parser.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>
#endif

namespace signalbox::bench {

#ifdef Q_OS_LINUX
using namespace detail;

namespace {

constexpr size_t kHandshakesInFlight = 32;
constexpr auto kIdleReadPause = std::chrono::milliseconds(50);
constexpr size_t kIdleReadBytes = 16 * 1024;

enum class IdleState : quint8 { Connecting, Waiting, Open, Finished, Closed };

struct IdleConnection {
    int fd = -1;
    IdleState state = IdleState::Connecting;
    bool headersDone = false;
    bool complete = false;
    http_parser parser {};
    Clock::time_point deadline {};
};

int openDescriptors()
{
    int count = 0;
    if (DIR *dir = ::opendir("/proc/self/fd")) {
        while (::readdir(dir))
            ++count;
        ::closedir(dir);
    }
    return std::max(0, count - 2); // "." and ".."
}

} // namespace

struct IdleStreams::State {
    int epoll = -1;
    std::vector<IdleConnection> connections;
    http_parser_settings settings {};
    std::thread reader;
    std::atomic<bool> stop { false };
    std::atomic<int> open { 0 }, finished { 0 }, closed { 0 };
    std::atomic<qint64> bytes { 0 };
    double secondsToOpen = 0;
    QByteArray note;

    State()
    {
        http_parser_settings_init(&settings);
        settings.on_headers_complete = [](http_parser *p) {
            static_cast<IdleConnection *>(p->data)->headersDone = true;
            return 0;
        };
        settings.on_message_complete = [](http_parser *p) {
            static_cast<IdleConnection *>(p->data)->complete = true;
            return 0;
        };
    }
    ~State()
    {
        stop = true;
        if (reader.joinable())
            reader.join();
        for (IdleConnection &c : connections)
            if (c.fd >= 0)
                ::close(c.fd);
        if (epoll >= 0)
            ::close(epoll);
    }
    State(const State &) = delete;
    State &operator=(const State &) = delete;

    void control(int op, size_t index, uint32_t events)
    {
        epoll_event event {};
        event.events = events;
        event.data.u64 = index;
        ::epoll_ctl(epoll, op, connections[index].fd, &event);
    }
    void drop(IdleConnection &c)
    {
        ::epoll_ctl(epoll, EPOLL_CTL_DEL, c.fd, nullptr);
        ::close(c.fd);
        c.fd = -1;
        if (c.state == IdleState::Open) {
            --open;
            ++closed;
        }
        c.state = IdleState::Closed;
    }
    // Feeds what was read to the stream's parser; false on a protocol error.
    bool parse(IdleConnection &c, const char *data, size_t length)
    {
        bytes += static_cast<qint64>(length);
        const size_t parsed = http_parser_execute(&c.parser, &settings, data, length);
        if (c.complete && c.state == IdleState::Open) {
            c.state = IdleState::Finished;
            --open;
            ++finished;
        }
        return HTTP_PARSER_ERRNO(&c.parser) == HPE_OK && parsed == length;
    }

    void readSlowly()
    {
        std::vector<epoll_event> events(1024);
        std::vector<char> buffer(kIdleReadBytes);
        while (!stop) {
            const int n = ::epoll_wait(epoll, events.data(), static_cast<int>(events.size()), 0);
            for (int i = 0; i < n; ++i) {
                IdleConnection &c = connections[events[i].data.u64];
                if (c.fd < 0)
                    continue;
                const ssize_t got = ::read(c.fd, buffer.data(), buffer.size());
                if (got < 0 && (errno == EAGAIN || errno == EINTR))
                    continue;
                if (got <= 0 || !parse(c, buffer.data(), static_cast<size_t>(got)))
                    drop(c);
            }
            std::this_thread::sleep_for(kIdleReadPause);
        }
    }
};

IdleStreams::IdleStreams(std::unique_ptr<State> state)
    : d(std::move(state))
{
}
IdleStreams::~IdleStreams() = default;
int IdleStreams::count() const
{
    return static_cast<int>(d->connections.size());
}
int IdleStreams::stillOpen() const
{
    return d->open;
}
int IdleStreams::finished() const
{
    return d->finished;
}
int IdleStreams::closed() const
{
    return d->closed;
}
qint64 IdleStreams::bytesReceived() const
{
    return d->bytes;
}
double IdleStreams::secondsToOpen() const
{
    return d->secondsToOpen;
}
QByteArray IdleStreams::note() const
{
    return d->note;
}

std::unique_ptr<IdleStreams> openIdleStreams(const LoadSpec &spec, int count, QByteArray *error)
{
    QByteArray scratch;
    QByteArray &why = error ? *error : scratch;
    auto state = std::make_unique<IdleStreams::State>();
    const long wanted = openDescriptors() + count + 16L;
    const long limit = raiseFileLimit(wanted, &state->note);
    if (limit < wanted) {
        why = QByteArray::number(count) + " streams need about " + QByteArray::number(wanted) + " descriptors; "
            + state->note;
        return nullptr;
    }
    Address address;
    if (!resolve(spec, &address, &why))
        return nullptr;
    state->epoll = ::epoll_create1(EPOLL_CLOEXEC);
    if (state->epoll < 0) {
        why = systemError("epoll_create1", errno);
        return nullptr;
    }
    const QByteArray request = buildRequest(spec);
    state->connections.resize(static_cast<size_t>(std::max(0, count)));
    std::vector<size_t> handshakes; // indices still connecting or waiting for their status line
    std::vector<char> buffer(64 * 1024);
    epoll_event events[256];
    size_t started = 0;
    int established = 0;
    const auto begin = Clock::now();
    const auto failWith = [&](size_t index, const QByteArray &reason) {
        why = "opened " + QByteArray::number(established) + " of " + QByteArray::number(count) + " streams; stream "
            + QByteArray::number(static_cast<qulonglong>(index)) + ": " + reason;
        return nullptr;
    };
    while (established < count) {
        while (handshakes.size() < kHandshakesInFlight && started < state->connections.size()) {
            IdleConnection &c = state->connections[started];
            c.fd = startConnect(address, &why);
            if (c.fd < 0)
                return failWith(started, why);
            c.deadline = Clock::now() + spec.timeout;
            http_parser_init(&c.parser, HTTP_RESPONSE);
            c.parser.data = &c;
            state->control(EPOLL_CTL_ADD, started, EPOLLOUT);
            handshakes.push_back(started++);
        }
        const int n = ::epoll_wait(state->epoll, events, 256, 20);
        for (int i = 0; i < n; ++i) {
            const size_t index = events[i].data.u64;
            IdleConnection &c = state->connections[index];
            if (c.state == IdleState::Connecting) {
                if (const int e = pendingSocketError(c.fd); e != 0)
                    return failWith(index, systemError("connect", e));
                // A request is a few hundred bytes: it fits an empty socket buffer.
                if (::send(c.fd, request.constData(), static_cast<size_t>(request.size()), MSG_NOSIGNAL)
                    != request.size())
                    return failWith(index, systemError("send", errno));
                c.state = IdleState::Waiting;
                state->control(EPOLL_CTL_MOD, index, EPOLLIN);
                continue;
            }
            const ssize_t got = ::read(c.fd, buffer.data(), buffer.size());
            if (got < 0 && (errno == EAGAIN || errno == EINTR))
                continue;
            if (got < 0)
                return failWith(index, systemError("read", errno));
            if (got == 0)
                return failWith(index, "the server closed the connection before the response headers");
            if (c.state != IdleState::Waiting) { // an open stream talking while others connect
                if (!state->parse(c, buffer.data(), static_cast<size_t>(got)))
                    state->drop(c);
                continue;
            }
            state->bytes += got;
            const size_t parsed
                = http_parser_execute(&c.parser, &state->settings, buffer.data(), static_cast<size_t>(got));
            if (HTTP_PARSER_ERRNO(&c.parser) != HPE_OK || parsed != static_cast<size_t>(got))
                return failWith(index, "bad response: " + QByteArray(http_errno_name(HTTP_PARSER_ERRNO(&c.parser))));
            if (!c.headersDone)
                continue;
            if (c.parser.status_code / 100 != 2)
                return failWith(index,
                    "HTTP " + QByteArray::number(c.parser.status_code) + ": "
                        + QByteArray(buffer.data(), std::min<qsizetype>(got, 300)));
            c.state = c.complete ? IdleState::Finished : IdleState::Open;
            ++(c.complete ? state->finished : state->open);
            ++established;
            handshakes.erase(std::find(handshakes.begin(), handshakes.end(), index));
        }
        const auto now = Clock::now();
        for (size_t index : handshakes)
            if (now > state->connections[index].deadline)
                return failWith(index,
                    "no status line within " + QByteArray::number(spec.timeout.count())
                        + " ms (is the server out of file descriptors?)");
    }
    state->secondsToOpen = std::chrono::duration<double>(Clock::now() - begin).count();
    IdleStreams::State *raw = state.get();
    state->reader = std::thread([raw] { raw->readSlowly(); });
    return std::unique_ptr<IdleStreams>(new IdleStreams(std::move(state)));
}

long raiseFileLimit(long wanted, QByteArray *note)
{
    QByteArray scratch;
    QByteArray &says = note ? *note : scratch;
    rlimit limit {};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        says = systemError("getrlimit(RLIMIT_NOFILE)", errno);
        return -1;
    }
    const auto text = [](rlim_t v) {
        return v == RLIM_INFINITY ? QByteArray("unlimited") : QByteArray::number(static_cast<qulonglong>(v));
    };
    const rlim_t want = static_cast<rlim_t>(std::max(0L, wanted));
    const rlim_t softBefore = limit.rlim_cur;
    const rlim_t hardBefore = limit.rlim_max;
    bool raised = false;
    if (hardBefore != RLIM_INFINITY && hardBefore < want) {
        // Beyond the hard limit: only a privileged process (CAP_SYS_RESOURCE) may.
        const rlimit both { want, want };
        raised = ::setrlimit(RLIMIT_NOFILE, &both) == 0;
    }
    if (!raised && softBefore != hardBefore) {
        // The hard limit is the most an unprivileged process may ask for.
        const rlimit soft { hardBefore == RLIM_INFINITY ? std::max(want, softBefore) : hardBefore, hardBefore };
        ::setrlimit(RLIMIT_NOFILE, &soft);
    }
    ::getrlimit(RLIMIT_NOFILE, &limit);
    says = "RLIMIT_NOFILE soft " + text(softBefore) + " -> " + text(limit.rlim_cur) + ", hard " + text(hardBefore)
        + " -> " + text(limit.rlim_max) + ", wanted " + QByteArray::number(static_cast<qlonglong>(wanted));
    if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < want)
        says += ": not enough (raise the hard limit: ulimit -Hn, limits.conf or systemd LimitNOFILE)";
    return limit.rlim_cur == RLIM_INFINITY ? std::max(wanted, 1L << 30) : static_cast<long>(limit.rlim_cur);
}

qint64 residentBytes(qint64 pid)
{
    const QByteArray path = pid > 0 ? "/proc/" + QByteArray::number(pid) + "/status" : QByteArray("/proc/self/status");
    FILE *file = std::fopen(path.constData(), "r");
    if (!file)
        return -1;
    char line[256];
    qint64 kib = -1;
    while (std::fgets(line, sizeof line, file)) {
        if (std::strncmp(line, "VmRSS:", 6) == 0) {
            kib = std::strtoll(line + 6, nullptr, 10);
            break;
        }
    }
    std::fclose(file);
    return kib < 0 ? -1 : kib * 1024;
}

#else // not Linux: no epoll

struct IdleStreams::State { };
IdleStreams::IdleStreams(std::unique_ptr<State> state)
    : d(std::move(state))
{
}
IdleStreams::~IdleStreams() = default;
int IdleStreams::count() const
{
    return 0;
}
int IdleStreams::stillOpen() const
{
    return 0;
}
int IdleStreams::finished() const
{
    return 0;
}
int IdleStreams::closed() const
{
    return 0;
}
qint64 IdleStreams::bytesReceived() const
{
    return 0;
}
double IdleStreams::secondsToOpen() const
{
    return 0;
}
QByteArray IdleStreams::note() const
{
    return {};
}

std::unique_ptr<IdleStreams> openIdleStreams(const LoadSpec &, int, QByteArray *error)
{
    if (error)
        *error = "idle streams need Linux (epoll)";
    return nullptr;
}

long raiseFileLimit(long, QByteArray *note)
{
    if (note)
        *note = "RLIMIT_NOFILE: Linux only";
    return -1;
}

qint64 residentBytes(qint64)
{
    return -1;
}

#endif

} // namespace signalbox::bench
