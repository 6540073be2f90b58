// The load runner: one epoll loop over N keep-alive connections, each sending
// the same request back to back; http-parser reads the answers.

#include "bench/gateway/loadgen.h"

#include <QtGlobal>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <vector>

#ifdef Q_OS_LINUX
#include "bench/gateway/loadgen_p.h"

#include <http_parser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>
#endif

namespace signalbox::bench {

std::future<LoadResult> startLoad(const LoadSpec &spec)
{
    return std::async(std::launch::async, [spec] { return runLoad(spec); });
}

#ifdef Q_OS_LINUX
namespace detail {

QByteArray systemError(const char *what, int error)
{
    return QByteArray(what) + ": " + QByteArray(std::strerror(error));
}

bool resolve(const LoadSpec &spec, Address *address, QByteArray *error)
{
    addrinfo hints {};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo *found = nullptr;
    const QByteArray port = QByteArray::number(spec.port);
    if (const int rc = ::getaddrinfo(spec.host.constData(), port.constData(), &hints, &found); rc != 0 || !found) {
        *error = "resolve " + spec.host + ": " + QByteArray(::gai_strerror(rc));
        return false;
    }
    std::memcpy(&address->storage, found->ai_addr, found->ai_addrlen);
    address->length = found->ai_addrlen;
    address->family = found->ai_family;
    ::freeaddrinfo(found);
    return true;
}

QByteArray buildRequest(const LoadSpec &spec)
{
    QByteArray out = spec.method + ' ' + spec.path + " HTTP/1.1\r\nHost: " + spec.host + ':'
        + QByteArray::number(spec.port) + "\r\n";
    bool contentType = false;
    for (const auto &[name, value] : spec.headers) {
        contentType = contentType || name.compare("content-type", Qt::CaseInsensitive) == 0;
        out += name + ": " + value + "\r\n";
    }
    if (!spec.body.isEmpty() && !contentType)
        out += "Content-Type: application/json\r\n";
    if (!spec.body.isEmpty() || spec.method == "POST")
        out += "Content-Length: " + QByteArray::number(spec.body.size()) + "\r\n";
    return out + "\r\n" + spec.body;
}

// A non-blocking socket with a connect under way (or done), or -1.
int startConnect(const Address &address, QByteArray *error)
{
    const int fd = ::socket(address.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *error = systemError("socket", errno);
        return -1;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd, reinterpret_cast<const sockaddr *>(&address.storage), address.length) != 0
        && errno != EINPROGRESS) {
        *error = systemError("connect", errno);
        ::close(fd);
        return -1;
    }
    return fd;
}

int pendingSocketError(int fd)
{
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0)
        return errno;
    return error;
}

} // namespace detail

namespace {

using namespace detail;

double microseconds(Clock::duration d)
{
    return std::chrono::duration<double, std::micro>(d).count();
}

double cpuSeconds(int who)
{
    rusage usage {};
    ::getrusage(who, &usage);
    const auto seconds
        = [](const timeval &t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Whether `needle` occurs in the body seen so far: `carry` holds the last
// bytes of earlier reads, so a needle split across reads is found too.
struct SplitSearch {
    char carry[8] = {};
    int carried = 0;

    bool feed(const char *data, size_t length, const char *needle, int needleLength)
    {
        bool found = false;
        if (carried > 0) {
            char window[16];
            const int head = static_cast<int>(std::min<size_t>(length, static_cast<size_t>(needleLength - 1)));
            std::memcpy(window, carry, static_cast<size_t>(carried));
            std::memcpy(window + carried, data, static_cast<size_t>(head));
            found = ::memmem(window, static_cast<size_t>(carried + head), needle, static_cast<size_t>(needleLength))
                != nullptr;
        }
        found = found || ::memmem(data, length, needle, static_cast<size_t>(needleLength)) != nullptr;
        // Keep the last needleLength - 1 bytes of everything seen.
        const int keep = needleLength - 1;
        if (length >= static_cast<size_t>(keep)) {
            std::memcpy(carry, data + length - static_cast<size_t>(keep), static_cast<size_t>(keep));
            carried = keep;
        } else {
            const int total = std::min(keep, carried + static_cast<int>(length));
            const int fromCarry = total - static_cast<int>(length);
            std::memmove(carry, carry + carried - fromCarry, static_cast<size_t>(fromCarry));
            std::memcpy(carry + fromCarry, data, length);
            carried = total;
        }
        return found;
    }
};

constexpr char kData[] = "data:";
constexpr char kDone[] = "[DONE]";
constexpr int kErrorBodyBytes = 300;

// ---------------------------------------------------------------------------
// runLoad

enum class ConnState { Connecting, Writing, Reading, Idle };

struct Connection {
    int fd = -1;
    ConnState state = ConnState::Idle;
    http_parser parser {};
    qsizetype written = 0;
    Clock::time_point startedAt {};
    Clock::time_point deadline {};
    Clock::time_point firstDataAt {};
    bool sawData = false;
    bool sawDone = false;
    bool complete = false;
    bool keepAlive = true;
    bool inRequest = false; // a request's ticket was taken and not yet settled
    bool wantWrite = false; // EPOLLOUT registered: a request did not fit the socket buffer
    SplitSearch dataSearch;
    SplitSearch doneSearch;
    QByteArray errorBody;
};

class Runner {
public:
    Runner(const LoadSpec &spec, const Address &address)
        : m_spec(spec)
        , m_address(address)
        , m_request(buildRequest(spec))
    {
        http_parser_settings_init(&m_settings);
        m_settings.on_body = &Runner::onBody;
        m_settings.on_message_complete = &Runner::onMessageComplete;
        m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
        m_connections.resize(static_cast<size_t>(std::max(1, spec.connections)));
    }
    ~Runner()
    {
        for (Connection &c : m_connections)
            if (c.fd >= 0)
                ::close(c.fd);
        if (m_epoll >= 0)
            ::close(m_epoll);
    }
    Runner(const Runner &) = delete;
    Runner &operator=(const Runner &) = delete;

    bool connectAll(QByteArray *error);
    void runPhase(int requests, double durationSeconds, bool measure);

    std::vector<double> latencies;
    std::vector<double> ttfts;
    int ok = 0;
    int failed = 0;
    int reconnects = 0;
    QByteArray firstFailure;

private:
    static int onBody(http_parser *parser, const char *data, size_t length);
    static int onMessageComplete(http_parser *parser);

    bool canIssue() const { return m_byDuration ? Clock::now() < m_phaseEnd : m_issued < m_toIssue; }
    void control(Connection &c, int op, uint32_t events)
    {
        epoll_event event {};
        event.events = events;
        event.data.u64 = static_cast<uint64_t>(&c - m_connections.data());
        ::epoll_ctl(m_epoll, op, c.fd, &event);
    }
    bool open(Connection &c, QByteArray *error);
    void next(Connection &c);
    void startRequest(Connection &c);
    void writeSome(Connection &c);
    void readSome(Connection &c);
    void settle(Connection &c, bool success, const QByteArray &failure);
    void fail(Connection &c, const QByteArray &failure) { settle(c, false, failure); }
    void dropAndReconnect(Connection &c);
    void connectFailed(Connection &c, const QByteArray &why);

    const LoadSpec &m_spec;
    Address m_address;
    QByteArray m_request;
    http_parser_settings m_settings {};
    int m_epoll = -1;
    std::vector<Connection> m_connections;
    char m_buffer[64 * 1024];
    Clock::time_point m_readAt {};
    // The current phase.
    bool m_measure = false;
    bool m_byDuration = false;
    int m_toIssue = 0;
    int m_issued = 0;
    Clock::time_point m_phaseEnd {};
};

int Runner::onBody(http_parser *parser, const char *data, size_t length)
{
    auto *c = static_cast<Connection *>(parser->data);
    if (parser->status_code / 100 != 2) {
        const qsizetype room = kErrorBodyBytes - c->errorBody.size();
        if (room > 0)
            c->errorBody.append(data, std::min(room, static_cast<qsizetype>(length)));
        return 0;
    }
    if (!c->sawDone && c->doneSearch.feed(data, length, kDone, 6))
        c->sawDone = true;
    if (!c->sawData && c->dataSearch.feed(data, length, kData, 5))
        c->sawData = true; // readSome() stamps the read's time
    return 0;
}

int Runner::onMessageComplete(http_parser *parser)
{
    auto *c = static_cast<Connection *>(parser->data);
    c->complete = true;
    c->keepAlive = http_should_keep_alive(parser) != 0;
    return 0;
}

bool Runner::open(Connection &c, QByteArray *error)
{
    c.fd = startConnect(m_address, error);
    if (c.fd < 0)
        return false;
    c.state = ConnState::Connecting;
    c.deadline = Clock::now() + m_spec.timeout;
    control(c, EPOLL_CTL_ADD, EPOLLOUT);
    return true;
}

bool Runner::connectAll(QByteArray *error)
{
    if (m_epoll < 0) {
        *error = systemError("epoll_create1", errno);
        return false;
    }
    for (Connection &c : m_connections)
        if (!open(c, error))
            return false;
    int pending = static_cast<int>(m_connections.size());
    epoll_event events[256];
    while (pending > 0) {
        const int n = ::epoll_wait(m_epoll, events, 256, 50);
        for (int i = 0; i < n; ++i) {
            Connection &c = m_connections[events[i].data.u64];
            if (c.state != ConnState::Connecting)
                continue;
            if (const int e = pendingSocketError(c.fd); e != 0) {
                *error = systemError("connect", e);
                return false;
            }
            c.state = ConnState::Idle;
            control(c, EPOLL_CTL_MOD, EPOLLIN);
            --pending;
        }
        for (const Connection &c : m_connections)
            if (c.state == ConnState::Connecting && Clock::now() > c.deadline) {
                *error = "connect: no answer within " + QByteArray::number(m_spec.timeout.count()) + " ms";
                return false;
            }
    }
    return true;
}

// A connection is free: give it the next request, or let it idle.
void Runner::next(Connection &c)
{
    if (canIssue())
        startRequest(c);
    else
        c.state = ConnState::Idle;
}

void Runner::startRequest(Connection &c)
{
    ++m_issued;
    c.inRequest = true;
    c.written = 0;
    c.sawData = c.sawDone = c.complete = false;
    c.keepAlive = true;
    c.dataSearch = {};
    c.doneSearch = {};
    c.errorBody.clear();
    http_parser_init(&c.parser, HTTP_RESPONSE);
    c.parser.data = &c;
    c.startedAt = Clock::now();
    c.deadline = c.startedAt + m_spec.timeout;
    c.state = ConnState::Writing;
    writeSome(c);
}

void Runner::writeSome(Connection &c)
{
    while (c.written < m_request.size()) {
        const ssize_t n = ::send(
            c.fd, m_request.constData() + c.written, static_cast<size_t>(m_request.size() - c.written), MSG_NOSIGNAL);
        if (n > 0) {
            c.written += n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            if (!c.wantWrite)
                control(c, EPOLL_CTL_MOD, EPOLLIN | EPOLLOUT); // until the rest is out
            c.wantWrite = true;
            return;
        }
        fail(c, systemError("send", errno));
        return;
    }
    if (c.wantWrite)
        control(c, EPOLL_CTL_MOD, EPOLLIN);
    c.wantWrite = false;
    c.state = ConnState::Reading;
}

void Runner::readSome(Connection &c)
{
    for (;;) {
        const ssize_t n = ::read(c.fd, m_buffer, sizeof m_buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (!c.inRequest) { // the server closed (or wrote to) a connection between requests
            dropAndReconnect(c);
            return;
        }
        if (n < 0) {
            fail(c, systemError("read", errno));
            return;
        }
        m_readAt = Clock::now();
        const bool hadData = c.sawData;
        // n == 0 tells the parser about EOF (a close-delimited body ends there).
        const size_t parsed = http_parser_execute(&c.parser, &m_settings, m_buffer, static_cast<size_t>(n));
        if (c.sawData && !hadData)
            c.firstDataAt = m_readAt;
        if (c.complete) {
            settle(c, true, {});
            return;
        }
        if (n == 0) {
            fail(c, "connection closed before the end of the response");
            return;
        }
        if (HTTP_PARSER_ERRNO(&c.parser) != HPE_OK || parsed != static_cast<size_t>(n)) {
            fail(c, "bad response: " + QByteArray(http_errno_name(HTTP_PARSER_ERRNO(&c.parser))));
            return;
        }
        if (static_cast<size_t>(n) < sizeof m_buffer)
            return; // level-triggered: epoll says when there is more
    }
}

// One request is over, well or not.
void Runner::settle(Connection &c, bool success, const QByteArray &failure)
{
    const Clock::time_point end = success ? m_readAt : Clock::now();
    c.inRequest = false;
    QByteArray why = failure;
    if (success && c.parser.status_code / 100 != 2)
        why = "HTTP " + QByteArray::number(c.parser.status_code) + ": " + c.errorBody;
    else if (success && m_spec.stream && !c.sawDone)
        why = "SSE answer ended without data: [DONE]";
    if (m_measure) {
        if (why.isEmpty()) {
            ++ok;
            latencies.push_back(microseconds(end - c.startedAt));
            if (m_spec.stream && c.sawData)
                ttfts.push_back(microseconds(c.firstDataAt - c.startedAt));
        } else {
            ++failed;
            if (firstFailure.isEmpty())
                firstFailure = why;
        }
    }
    if (!success || !c.keepAlive)
        dropAndReconnect(c);
    if (c.fd >= 0 && c.state != ConnState::Connecting)
        next(c);
}

void Runner::dropAndReconnect(Connection &c)
{
    if (c.fd >= 0) {
        ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, c.fd, nullptr);
        ::close(c.fd);
    }
    c.fd = -1;
    c.state = ConnState::Idle;
    c.wantWrite = false;
    if (!canIssue())
        return;
    if (m_measure)
        ++reconnects;
    QByteArray error;
    if (!open(c, &error)) {
        // Counted as a failed request, as in connectFailed().
        ++m_issued;
        if (m_measure) {
            ++failed;
            if (firstFailure.isEmpty())
                firstFailure = error;
        }
    }
}

// A connect during the run failed: that costs one request, so a dead server
// ends the run instead of spinning.
void Runner::connectFailed(Connection &c, const QByteArray &why)
{
    if (canIssue()) {
        ++m_issued;
        if (m_measure && ++failed == 1)
            firstFailure = why;
    }
    dropAndReconnect(c);
}

void Runner::runPhase(int requests, double durationSeconds, bool measure)
{
    m_measure = measure;
    m_byDuration = durationSeconds > 0;
    m_toIssue = requests;
    m_issued = 0;
    m_phaseEnd
        = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(durationSeconds));
    if (measure && !m_byDuration) {
        latencies.reserve(static_cast<size_t>(requests));
        if (m_spec.stream)
            ttfts.reserve(static_cast<size_t>(requests));
    }
    for (Connection &c : m_connections) {
        if (c.fd < 0)
            dropAndReconnect(c);
        else if (c.state == ConnState::Idle)
            next(c);
    }
    epoll_event events[256];
    for (;;) {
        bool busy = false;
        for (Connection &c : m_connections) {
            if (c.fd < 0 && canIssue())
                dropAndReconnect(c); // a reconnect that failed at once: try again
            busy = busy || (c.fd >= 0 && c.state != ConnState::Idle);
        }
        if (!busy)
            break;
        const int n = ::epoll_wait(m_epoll, events, 256, 20);
        for (int i = 0; i < n; ++i) {
            Connection &c = m_connections[events[i].data.u64];
            if (c.fd < 0)
                continue;
            if (c.state == ConnState::Connecting) {
                if (const int e = pendingSocketError(c.fd); e != 0) {
                    connectFailed(c, systemError("connect", e));
                    continue;
                }
                control(c, EPOLL_CTL_MOD, EPOLLIN);
                next(c);
                continue;
            }
            if ((events[i].events & EPOLLOUT) && c.state == ConnState::Writing)
                writeSome(c);
            // writeSome() may have failed and begun a new connection.
            if ((events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && c.fd >= 0 && c.state != ConnState::Connecting)
                readSome(c);
        }
        const Clock::time_point now = Clock::now();
        for (Connection &c : m_connections) {
            if (c.fd < 0 || c.state == ConnState::Idle || now <= c.deadline)
                continue;
            if (c.state == ConnState::Connecting) {
                connectFailed(c, "connect: no answer within " + QByteArray::number(m_spec.timeout.count()) + " ms");
            } else {
                fail(c, "no complete answer within " + QByteArray::number(m_spec.timeout.count()) + " ms");
            }
        }
    }
}

double percentile(const std::vector<double> &sorted, double q)
{
    if (sorted.empty())
        return 0;
    // Nearest rank: the smallest value with at least q of the samples at or below it.
    const auto rank = static_cast<size_t>(std::max(1.0, std::ceil(q * static_cast<double>(sorted.size()))));
    return sorted[std::min(sorted.size(), rank) - 1];
}

} // namespace

LoadResult runLoad(const LoadSpec &spec)
{
    LoadResult result;
    Address address;
    if (!resolve(spec, &address, &result.firstFailure)) {
        result.failed = spec.requests;
        return result;
    }
    Runner runner(spec, address);
    if (!runner.connectAll(&result.firstFailure)) {
        result.failed = spec.requests;
        return result;
    }
    if (spec.warmup > 0)
        runner.runPhase(spec.warmup, 0, false);

    const double cpuBefore = cpuSeconds(RUSAGE_SELF);
    const double threadBefore = cpuSeconds(RUSAGE_THREAD);
    const auto start = Clock::now();
    runner.runPhase(spec.requests, spec.durationSeconds, true);
    result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const double cpu = cpuSeconds(RUSAGE_SELF) - cpuBefore;
    const double threadCpu = cpuSeconds(RUSAGE_THREAD) - threadBefore;

    result.ok = runner.ok;
    result.failed = runner.failed;
    result.reconnects = runner.reconnects;
    result.firstFailure = runner.firstFailure;
    result.requestsPerSecond = result.seconds > 0 ? result.ok / result.seconds : 0;
    if (const int total = result.ok + result.failed; total > 0) {
        result.cpuUsPerRequest = cpu * 1e6 / total;
        result.clientCpuUsPerRequest = threadCpu * 1e6 / total;
    }
    std::vector<double> &lat = runner.latencies;
    std::sort(lat.begin(), lat.end());
    if (!lat.empty()) {
        double sum = 0;
        for (double v : lat)
            sum += v;
        result.meanUs = sum / static_cast<double>(lat.size());
        result.p50Us = percentile(lat, 0.50);
        result.p90Us = percentile(lat, 0.90);
        result.p99Us = percentile(lat, 0.99);
        result.maxUs = lat.back();
    }
    std::vector<double> &ttft = runner.ttfts;
    std::sort(ttft.begin(), ttft.end());
    if (!ttft.empty()) {
        result.ttftP50Us = percentile(ttft, 0.50);
        result.ttftP99Us = percentile(ttft, 0.99);
        result.ttftMaxUs = ttft.back();
    }
    return result;
}

#else // not Linux: no epoll

LoadResult runLoad(const LoadSpec &spec)
{
    LoadResult result;
    result.failed = spec.requests;
    result.firstFailure = "the load generator needs Linux (epoll)";
    return result;
}

#endif

} // namespace signalbox::bench
