// What Signalbox's inbound HTTP layer (engine/gateway/http) costs per request,
// against the floor: a bare QTcpServer on its own thread that answers every
// "\r\n\r\n" with fixed bytes and parses nothing. Both serve keep-alive
// requests from blocking client threads over loopback, at 1 and 32
// concurrent connections, in the same run.
//
// usage: bench_http_server [requests-per-connection]   (Linux/macOS)

#include "engine/gateway/http/httpserver.h"

#include <QCoreApplication>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#ifdef Q_OS_UNIX
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

using namespace signalbox::engine;
using Clock = std::chrono::steady_clock;

namespace {
const QByteArray kBody = QByteArrayLiteral("{\"id\":\"bench\",\"object\":\"chat.completion\",\"choices\":[]}");

// The floor: no parsing, no routing, one thread, fixed answer.
class BareServer final : public QTcpServer {
public:
    void incomingConnection(qintptr descriptor) override
    {
        auto *socket = new QTcpSocket(this);
        socket->setSocketDescriptor(descriptor);
        socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        connect(socket, &QTcpSocket::readyRead, socket, [socket] {
            static const QByteArray response = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                                               + QByteArray::number(kBody.size()) + "\r\n\r\n" + kBody;
            const QByteArray data = socket->readAll();
            for (qsizetype from = 0; (from = data.indexOf("\r\n\r\n", from)) >= 0; from += 4)
                socket->write(response);
            socket->flush();  // write now, not on the next event-loop pass
        });
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    }
};

class FixedHandler final : public HttpHandler {
public:
    void handle(HttpRequestPtr, HttpResponder responder) override
    {
        responder.respond(200, {{QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")}}, kBody);
    }
};

struct Measurement {
    double requestsPerSecond = 0;
    double p50us = 0;
    double p99us = 0;
};

#ifdef Q_OS_UNIX
// One blocking keep-alive client: send, read a whole response, repeat.
std::vector<double> runClient(quint16 port, int requests)
{
    std::vector<double> latencies;
    latencies.reserve(static_cast<std::size_t>(requests));
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0) {
        ::close(fd);
        return latencies;
    }
    const QByteArray request = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                               "Content-Length: 2\r\n\r\n{}";
    char buffer[4096];
    for (int i = 0; i < requests; ++i) {
        const auto start = Clock::now();
        if (::send(fd, request.constData(), static_cast<size_t>(request.size()), 0) != request.size())
            break;
        QByteArray response;
        qsizetype expected = -1;
        while (expected < 0 || response.size() < expected) {
            const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
            if (n <= 0)
                break;
            response.append(buffer, n);
            const qsizetype headerEnd = response.indexOf("\r\n\r\n");
            if (expected < 0 && headerEnd >= 0) {
                const qsizetype at = response.toLower().indexOf("content-length:");
                expected = headerEnd + 4 + response.mid(at + 15, response.indexOf("\r\n", at) - at - 15).trimmed().toLongLong();
            }
        }
        latencies.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    }
    ::close(fd);
    return latencies;
}
#endif

Measurement measure(quint16 port, int connections, int requestsPerConnection)
{
    Measurement result;
#ifdef Q_OS_UNIX
    std::vector<std::vector<double>> perClient(static_cast<std::size_t>(connections));
    std::vector<std::thread> clients;
    const auto start = Clock::now();
    for (int c = 0; c < connections; ++c)
        clients.emplace_back([&, c] { perClient[static_cast<std::size_t>(c)] = runClient(port, requestsPerConnection); });
    for (std::thread &t : clients)
        t.join();
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    std::vector<double> all;
    for (const auto &v : perClient)
        all.insert(all.end(), v.begin(), v.end());
    if (all.empty())
        return result;
    std::sort(all.begin(), all.end());
    result.requestsPerSecond = static_cast<double>(all.size()) / seconds;
    result.p50us = all[all.size() / 2];
    result.p99us = all[std::min(all.size() - 1, all.size() * 99 / 100)];
#else
    Q_UNUSED(port);
    Q_UNUSED(connections);
    Q_UNUSED(requestsPerConnection);
#endif
    return result;
}
} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const int requests = argc > 1 ? std::max(100, QByteArray(argv[1]).toInt()) : 5000;

    // The floor runs on a thread of its own, as the gateway's workers do.
    QThread bareThread;
    BareServer *bare = new BareServer;
    bare->moveToThread(&bareThread);
    bareThread.start();
    quint16 barePort = 0;
    QMetaObject::invokeMethod(
        bare, [&] { bare->listen(QHostAddress::LocalHost, 0); barePort = bare->serverPort(); }, Qt::BlockingQueuedConnection);

    HttpServer server([] { return std::make_unique<FixedHandler>(); });
    HttpServer::Options options;
    options.workerThreads = 1;  // like the floor: one serving thread
    if (auto started = server.start(options); !started) {
        std::fprintf(stderr, "bench_http_server: %s\n", qPrintable(started.error().message));
        return 1;
    }

    // The listener accepts on this thread's event loop: measure from another.
    const quint16 ourPort = server.serverPort();
    std::thread bench([=] {
        std::printf("bench_http_server: %d keep-alive requests per connection, loopback\n", requests);
        std::printf("  %-34s %11s %9s %9s %12s\n", "", "req/s", "p50 us", "p99 us", "added p50");
        for (int connections : {1, 32}) {
            const int perConnection = connections == 1 ? requests : std::max(100, requests / 8);
            measure(barePort, connections, 200);  // warm up
            measure(ourPort, connections, 200);
            const Measurement floorRun = measure(barePort, connections, perConnection);
            const Measurement ours = measure(ourPort, connections, perConnection);
            std::printf("  %2d conn  bare QTcpServer (floor)     %11.0f %9.1f %9.1f\n", connections, floorRun.requestsPerSecond,
                        floorRun.p50us, floorRun.p99us);
            std::printf("  %2d conn  signalbox HttpServer        %11.0f %9.1f %9.1f %9.1f us  (%.0f%% of floor req/s)\n",
                        connections, ours.requestsPerSecond, ours.p50us, ours.p99us, ours.p50us - floorRun.p50us,
                        100.0 * ours.requestsPerSecond / std::max(1.0, floorRun.requestsPerSecond));
        }
        QMetaObject::invokeMethod(qApp, &QCoreApplication::quit, Qt::QueuedConnection);
    });
    app.exec();
    bench.join();

    server.stop(std::chrono::milliseconds(500));
    QMetaObject::invokeMethod(bare, [bare] { bare->close(); delete bare; }, Qt::BlockingQueuedConnection);
    bareThread.quit();
    bareThread.wait();
    return 0;
}
