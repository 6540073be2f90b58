// What the gateway adds: the fake provider answered directly vs through the
// real signalbox-gateway binary, in one run, at 1 and 32 concurrent
// connections, JSON and streaming. Prints requests/s, p50/p99 latency, the
// added latency, time to first streamed event, the gateway process's CPU time
// per request, and the memory of 10,000 idle concurrent streams. A bare
// epoll byte relay (no work at all) is measured alongside: the floor any
// relay pays on the machine for the extra hop and wake-ups.
//
// The fake providers run as their own processes (signalbox-fake-provider), so
// the gateway's CPU time is read from /proc for its process alone. Targets
// (issue: 2 cores): added p50 <= 50 us and p99 <= 500 us at 1 connection;
// >= 50 % of direct throughput at 32; streaming adds <= 100 us to the first
// event; 10,000 idle streams in <= 500 MB.
//
// usage: bench_gateway_overhead [requests-per-case] [idle-streams]   (Linux)

#include "bench/gateway/loadgen.h"
#include "engine/catalog/priceschedulejson.h"
#include "engine/catalog/userstore.h"
#include "engine/keys/virtualkeys.h"
#include "engine/storage/workspace.h"

#include <QCoreApplication>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>

#include <cstdio>
#include <memory>
#include <thread>
#include <unordered_map>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cerrno>

using namespace signalbox;
using namespace signalbox::bench;

namespace {

struct Child {
    std::unique_ptr<QProcess> process;
    quint16 port = 0;
};

Child launch(const QString &program, const QStringList &arguments, const QByteArray &readyWord)
{
    Child child;
    child.process = std::make_unique<QProcess>();
    child.process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    child.process->start(program, arguments);
    if (!child.process->waitForStarted(5000))
        return child;
    QByteArray out;
    while (!out.contains(readyWord) && child.process->waitForReadyRead(15000))
        out += child.process->readAllStandardOutput();
    const auto match = QRegularExpression(QStringLiteral("127\\.0\\.0\\.1:(\\d+)")).match(QString::fromUtf8(out));
    if (match.hasMatch())
        child.port = static_cast<quint16>(match.captured(1).toUInt());
    return child;
}

// utime + stime of a process, in microseconds.
double cpuMicros(qint64 pid)
{
    QFile file(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!file.open(QIODevice::ReadOnly))
        return 0;
    const QByteArray stat = file.readAll();
    const QList<QByteArray> fields = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
    if (fields.size() < 13)
        return 0;
    const double ticks = fields[11].toDouble() + fields[12].toDouble(); // fields 14 and 15 of stat
    return ticks * 1e6 / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// The floor: a bare byte relay (one thread, epoll, no parsing, no
// accounting) between the load and the fake provider. What it adds over
// direct is what any relay pays on this machine for the extra loopback hop
// and the extra wake-ups, before doing any work.
class BareRelay {
public:
    explicit BareRelay(quint16 upstreamPort)
        : m_upstream(upstreamPort)
    {
        m_listen = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address = loopback(0);
        socklen_t length = sizeof address;
        if (::bind(m_listen, reinterpret_cast<sockaddr *>(&address), length) != 0 || ::listen(m_listen, 128) != 0
            || ::getsockname(m_listen, reinterpret_cast<sockaddr *>(&address), &length) != 0)
            return;
        m_port = ntohs(address.sin_port);
        m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
        m_stop = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        watch(m_listen);
        watch(m_stop);
        m_thread = std::thread([this] { run(); });
    }
    ~BareRelay()
    {
        if (m_thread.joinable()) {
            const quint64 one = 1;
            (void)!::write(m_stop, &one, sizeof one);
            m_thread.join();
        }
        for (const auto &entry : m_peer)
            ::close(entry.first);
        for (int fd : {m_listen, m_epoll, m_stop}) {
            if (fd >= 0)
                ::close(fd);
        }
    }
    BareRelay(const BareRelay &) = delete;
    BareRelay &operator=(const BareRelay &) = delete;
    quint16 port() const { return m_port; }

private:
    static sockaddr_in loopback(quint16 port)
    {
        sockaddr_in address {};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = htons(port);
        return address;
    }
    void watch(int fd)
    {
        epoll_event event {};
        event.events = EPOLLIN;
        event.data.fd = fd;
        ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &event);
    }
    void drop(int fd)
    {
        const auto it = m_peer.find(fd);
        if (it == m_peer.end())
            return;
        const int peer = it->second;
        m_peer.erase(it);
        m_peer.erase(peer);
        ::close(fd);
        ::close(peer);
    }
    void accept()
    {
        const int one = 1;
        const int client = ::accept4(m_listen, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0)
            return;
        const int upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        const sockaddr_in address = loopback(m_upstream);
        if (::connect(upstream, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0) {
            ::close(client);
            ::close(upstream);
            return;
        }
        for (int s : {client, upstream})
            ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        m_peer[client] = upstream;
        m_peer[upstream] = client;
        watch(client);
        watch(upstream);
    }
    void run()
    {
        static char buffer[65536];
        epoll_event events[64];
        for (;;) {
            const int n = ::epoll_wait(m_epoll, events, 64, -1);
            for (int i = 0; i < n; ++i) {
                const int fd = events[i].data.fd;
                if (fd == m_stop)
                    return;
                if (fd == m_listen) {
                    accept();
                    continue;
                }
                const auto it = m_peer.find(fd);
                if (it == m_peer.end())
                    continue;
                const ssize_t got = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
                if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
                    drop(fd);
                    continue;
                }
                // Blocking writes to the peer: the answers are small, fine for a floor.
                for (ssize_t sent = 0; got > 0 && sent < got;) {
                    const ssize_t w = ::send(it->second, buffer + sent, static_cast<size_t>(got - sent), MSG_NOSIGNAL);
                    if (w <= 0)
                        break;
                    sent += w;
                }
            }
        }
    }

    quint16 m_upstream;
    quint16 m_port = 0;
    int m_listen = -1, m_epoll = -1, m_stop = -1;
    std::unordered_map<int, int> m_peer;
    std::thread m_thread;
};

struct Case {
    const char *name;
    int connections;
    bool stream;
};

void printResult(const char *route, const LoadResult &r, double gatewayCpuUs)
{
    std::printf("  %-8s %7d %4d %9.0f %8.1f %8.1f %8.1f %9.1f %9.1f %10s\n", route, r.ok, r.failed, r.requestsPerSecond,
                r.p50Us, r.p90Us, r.p99Us, r.ttftP50Us, r.ttftP99Us,
                gatewayCpuUs > 0 ? qPrintable(QString::number(gatewayCpuUs, 'f', 1)) : "-");
    if (!r.firstFailure.isEmpty())
        std::printf("           first failure: %s\n", r.firstFailure.left(200).constData());
}

// What `route` adds over `direct`: p50, p99, the first event (streams) and the share of throughput.
void printAdded(const char *label, const LoadResult &route, const LoadResult &direct, bool stream)
{
    const QByteArray firstEvent = stream
        ? QStringLiteral(", first event p50 %1 us").arg(route.ttftP50Us - direct.ttftP50Us, 0, 'f', 1).toLatin1()
        : QByteArray();
    std::printf("  %s: p50 %+.1f us, p99 %+.1f us%s; throughput %.0f %% of direct\n", label,
                route.p50Us - direct.p50Us, route.p99Us - direct.p99Us, firstEvent.constData(),
                direct.requestsPerSecond > 0 ? 100.0 * route.requestsPerSecond / direct.requestsPerSecond : 0.0);
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const int requests = argc > 1 ? std::max(200, QByteArray(argv[1]).toInt()) : 20000;
    const int idle = argc > 2 ? std::max(0, QByteArray(argv[2]).toInt()) : 10000;
    const QString binDir = QCoreApplication::applicationDirPath();
    // SIGNALBOX_BENCH_GATEWAY_BIN: another build of the gateway, for A/B runs against the same fakes.
    const QString gatewayBin = qEnvironmentVariableIsEmpty("SIGNALBOX_BENCH_GATEWAY_BIN")
        ? QStringLiteral(SIGNALBOX_GATEWAY_BIN)
        : qEnvironmentVariable("SIGNALBOX_BENCH_GATEWAY_BIN");
    const QString fakeBin = QStringLiteral(SIGNALBOX_FAKE_PROVIDER_BIN);
    QByteArray note;
    raiseFileLimit(2 * idle + 4096, &note); // children inherit it
    std::printf("descriptor limit: %s\n", note.constData());

    Child fast = launch(fakeBin, {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0")}, "listening");
    Child slow = launch(fakeBin, {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                                  QStringLiteral("--first-token-ms"), QStringLiteral("3600000")}, "listening");
    if (!fast.port || !slow.port) {
        std::fprintf(stderr, "bench_gateway_overhead: cannot start %s\n", qPrintable(fakeBin));
        return 1;
    }

    QTemporaryDir dir;
    const QString folder = dir.filePath(QStringLiteral("ws"));
    QByteArray secret;
    {
        auto workspace = engine::Workspace::open(folder);
        if (!workspace) {
            std::fprintf(stderr, "bench_gateway_overhead: %s\n", qPrintable(workspace.error().message));
            return 1;
        }
        engine::CatalogUserStore store(workspace.value()->database());
        const auto price = engine::priceScheduleFromJson(
            "[{\"prices\":[{\"unit\":\"input_tokens\",\"rate\":\"0.000001\"},{\"unit\":\"output_tokens\",\"rate\":\"0.000004\"}]}]");
        for (const auto &[id, port, model] : {std::tuple{"fast", fast.port, "acme/chat"}, std::tuple{"slow", slow.port, "acme/idle"}}) {
            engine::CustomProvider provider;
            provider.id = QString::fromLatin1(id);
            provider.name = provider.id;
            provider.baseUrl = QStringLiteral("http://127.0.0.1:%1/v1").arg(port);
            (void)store.addProvider(provider);
            engine::CustomOffering offering;
            offering.providerId = provider.id;
            offering.providerModelId = QStringLiteral("fake-model");
            offering.modelId = QString::fromLatin1(model);
            offering.price = price.value();
            (void)store.addOffering(offering);
        }
        secret = engine::VirtualKeyStore(workspace.value()->database()).create(QStringLiteral("bench"))->secret.toLatin1();
    }
    // SIGNALBOX_BENCH_SERVE_ARGS: extra `serve` options to compare ("--workers 1").
    const QStringList extraServeArguments = QString::fromLocal8Bit(qgetenv("SIGNALBOX_BENCH_SERVE_ARGS"))
                                                .split(QLatin1Char(' '), Qt::SkipEmptyParts);
    Child gateway = launch(gatewayBin,
                           QStringList{QStringLiteral("--workspace"), folder, QStringLiteral("serve"), QStringLiteral("--listen"),
                                       QStringLiteral("127.0.0.1:0"), QStringLiteral("--max-connections"),
                                       QString::number(idle + 256)}
                               + extraServeArguments,
                           "ready");
    if (!gateway.port) {
        std::fprintf(stderr, "bench_gateway_overhead: cannot start %s\n", qPrintable(gatewayBin));
        return 1;
    }
    const qint64 gatewayPid = gateway.process->processId();

    BareRelay relay(fast.port);
    if (!relay.port()) {
        std::fprintf(stderr, "bench_gateway_overhead: cannot start the bare relay\n");
        return 1;
    }

    const QByteArray message = "{\"role\":\"user\",\"content\":\"Say hello to Signalbox in eight words\"}";
    std::printf("\n%d measured requests per row (+10%% warm-up); gateway CPU = its process's user+system time per request\n",
                requests);
    std::printf("  %-8s %7s %4s %9s %8s %8s %8s %9s %9s %10s\n", "route", "ok", "fail", "req/s", "p50 us", "p90 us",
                "p99 us", "ttft p50", "ttft p99", "gw cpu us");
    const Case cases[] = {{"JSON, 1 connection", 1, false}, {"JSON, 32 connections", 32, false},
                          {"stream, 1 connection", 1, true}, {"stream, 32 connections", 32, true}};
    for (const Case &c : cases) {
        std::printf("%s\n", c.name);
        LoadSpec direct;
        direct.port = fast.port;
        direct.connections = c.connections;
        direct.requests = requests;
        direct.warmup = requests / 10;
        direct.stream = c.stream;
        direct.body = "{\"model\":\"fake-model\",\"messages\":[" + message + "]" + (c.stream ? ",\"stream\":true}" : "}");
        const LoadResult d = runLoad(direct);
        printResult("direct", d, 0);

        LoadSpec bare = direct;
        bare.port = relay.port();
        const LoadResult r = runLoad(bare);
        printResult("relay", r, 0);

        LoadSpec via = direct;
        via.port = gateway.port;
        via.headers = {{QByteArrayLiteral("Authorization"), "Bearer " + secret}};
        via.body = "{\"model\":\"acme/chat\",\"messages\":[" + message + "]" + (c.stream ? ",\"stream\":true}" : "}");
        const double cpuBefore = cpuMicros(gatewayPid);
        const LoadResult g = runLoad(via);
        const double cpuPerRequest = (cpuMicros(gatewayPid) - cpuBefore) / std::max(1, g.ok + g.failed + via.warmup);
        printResult("gateway", g, cpuPerRequest);
        printAdded("bare relay adds", r, d, c.stream);
        printAdded("added", g, d, c.stream);
    }

    if (idle > 0) {
        std::printf("\nidle streams: %d concurrent streaming requests through the gateway, first token an hour away\n", idle);
        const qint64 before = residentBytes(gatewayPid);
        LoadSpec spec;
        spec.port = gateway.port;
        spec.stream = true;
        spec.headers = {{QByteArrayLiteral("Authorization"), "Bearer " + secret}};
        spec.body = "{\"model\":\"acme/idle\",\"messages\":[" + message + "],\"stream\":true}";
        spec.timeout = std::chrono::milliseconds(60000);
        QByteArray error;
        auto streams = openIdleStreams(spec, idle, &error);
        if (!streams) {
            std::printf("  could not open them: %s\n", error.constData());
        } else {
            const qint64 after = residentBytes(gatewayPid);
            std::printf("  opened %d in %.1f s, %d still open; gateway RSS %.1f MB -> %.1f MB: %.1f KB per stream "
                        "(target: all %d in <= 500 MB)\n",
                        streams->count(), streams->secondsToOpen(), streams->stillOpen(), before / 1048576.0,
                        after / 1048576.0, (after - before) / 1024.0 / std::max(1, streams->count()), idle);
        }
    }
    gateway.process->terminate();
    gateway.process->waitForFinished(20000);
    fast.process->terminate();
    slow.process->terminate();
    fast.process->waitForFinished(5000);
    slow.process->waitForFinished(5000);
    return 0;
}
