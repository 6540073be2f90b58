// Runs the load generator (signalbox_loadgen) against the fake provider on a
// thread of its own in this process, to show what the client measures and
// what it costs: 1 and 32 keep-alive connections, JSON and SSE answers, then
// idle streams, then two runs that must fail (closed port, unknown path).
// The process CPU includes the fake's; "client" is the load thread alone.
//
// usage: bench_loadgen_selftest [requests] [idle-streams]   (Linux)

#include "bench/gateway/loadgen.h"
#include "tests/support/fakeprovider/fakeprovider.h"

#include <QCoreApplication>
#include <QThread>

#include <chrono>
#include <cstdio>

using namespace signalbox::bench;
using signalbox::testing::FakeBehaviour;
using signalbox::testing::FakeProvider;

namespace {

// Runs `work` on the fake's thread and waits for it.
template <typename Work> void onFakeThread(QObject *anchor, Work work)
{
    QMetaObject::invokeMethod(anchor, work, Qt::BlockingQueuedConnection);
}

void printRow(const char *label, const LoadResult &r)
{
    std::printf("  %-18s %6d %4d %9.0f %8.1f %8.1f %8.1f %9.1f %8.1f %8.1f %7.1f %7.1f %5.0f%%\n", label, r.ok,
        r.failed, r.requestsPerSecond, r.meanUs, r.p50Us, r.p99Us, r.maxUs, r.ttftP50Us, r.ttftP99Us, r.cpuUsPerRequest,
        r.clientCpuUsPerRequest, r.cpuUsPerRequest > 0 ? 100.0 * r.clientCpuUsPerRequest / r.cpuUsPerRequest : 0.0);
    if (!r.firstFailure.isEmpty())
        std::printf("  %-18s first failure: %s\n", "", r.firstFailure.left(200).constData());
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const int requests = argc > 1 ? std::max(100, QByteArray(argv[1]).toInt()) : 5000;
    int idleCount = argc > 2 ? std::max(1, QByteArray(argv[2]).toInt()) : 2000;

    QThread fakeThread;
    QObject anchor;
    anchor.moveToThread(&fakeThread);
    fakeThread.start();
    FakeProvider *fake = nullptr;
    quint16 port = 0;
    onFakeThread(&anchor, [&] {
        fake = new FakeProvider;
        // Idle streams: headers and the role chunk at once, the first token an hour later.
        fake->setModelBehaviour(
            QStringLiteral("idle-model"), FakeBehaviour { .firstTokenDelay = std::chrono::hours(1) });
        if (fake->listen())
            port = fake->port();
    });
    if (port == 0) {
        std::fprintf(stderr, "bench_loadgen_selftest: the fake provider cannot listen\n");
        return 1;
    }

    const QByteArray json = R"({"model":"fake-model","messages":[{"role":"user","content":"hello"}]})";
    const QByteArray sse = R"({"model":"fake-model","messages":[{"role":"user","content":"hello"}],"stream":true})";
    LoadSpec base;
    base.port = port;
    base.headers = { { "Authorization", "Bearer sk-bench" } };
    base.warmup = 200;

    bool sane = true;
    std::printf("bench_loadgen_selftest: fake provider on 127.0.0.1:%u (in-process thread), 8-token answers, "
                "%d requests per run\n",
        static_cast<unsigned>(port), requests);
    std::printf("  %-18s %6s %4s %9s %8s %8s %8s %9s %8s %8s %7s %7s %6s\n", "run", "ok", "fail", "req/s", "mean us",
        "p50 us", "p99 us", "max us", "ttft50", "ttft99", "cpu/req", "client", "share");
    for (int connections : { 1, 32 }) {
        for (bool stream : { false, true }) {
            LoadSpec spec = base;
            spec.connections = connections;
            spec.requests = requests;
            spec.stream = stream;
            spec.body = stream ? sse : json;
            const LoadResult r = runLoad(spec);
            const QByteArray label = QByteArray::number(connections) + " conn " + (stream ? "SSE" : "JSON");
            printRow(label.constData(), r);
            sane = sane && r.ok == requests && r.failed == 0 && (!stream || r.ttftP50Us > 0);
            onFakeThread(&anchor, [fake] { fake->clearRecords(); }); // its record grows per request
        }
    }

    // Idle streams: the memory of the fake and the client together, per stream.
    {
        LoadSpec spec = base;
        spec.body = R"({"model":"idle-model","messages":[{"role":"user","content":"hello"}],"stream":true})";
        // Both ends of every stream live in this process.
        QByteArray limitNote;
        const long limit = raiseFileLimit(2L * idleCount + 256, &limitNote);
        std::printf("  idle streams: both ends in this process: %s\n", limitNote.constData());
        if (limit > 0 && 2L * idleCount + 256 > limit) {
            idleCount = static_cast<int>((limit - 256) / 2);
            std::printf("  idle streams: opening %d instead\n", idleCount);
        }
        const qint64 rssBefore = residentBytes();
        QByteArray error;
        std::unique_ptr<IdleStreams> idle = openIdleStreams(spec, idleCount, &error);
        if (!idle) {
            std::printf("  idle streams: FAILED: %s\n", error.constData());
            sane = false;
        } else {
            QThread::msleep(300); // let the slow reader take the role chunks
            const qint64 rssAfter = residentBytes();
            int serverSide = 0;
            onFakeThread(&anchor, [&] { serverSide = fake->activeConnections(); });
            std::printf("  idle streams: %d opened in %.2f s; %d open, %d finished, %d closed; %lld bytes read; "
                        "fake sees %d connections; RSS +%.1f MiB (%.1f KiB per stream, fake + client)\n",
                idle->count(), idle->secondsToOpen(), idle->stillOpen(), idle->finished(), idle->closed(),
                static_cast<long long>(idle->bytesReceived()), serverSide,
                static_cast<double>(rssAfter - rssBefore) / (1024.0 * 1024.0),
                static_cast<double>(rssAfter - rssBefore) / 1024.0 / idleCount);
            std::printf("  idle streams: %s\n", idle->note().constData());
            sane = sane && idle->stillOpen() == idleCount && serverSide >= idleCount;
            idle.reset();
        }
        onFakeThread(&anchor, [fake] { fake->clearRecords(); });
    }

    // Runs that must fail, and say why.
    {
        LoadSpec refused = base;
        refused.port = 1; // nothing listens there
        refused.requests = 10;
        refused.warmup = 0;
        refused.body = json;
        const LoadResult r = runLoad(refused);
        std::printf("  closed port: ok %d, failed %d: %s\n", r.ok, r.failed, r.firstFailure.constData());
        sane = sane && r.ok == 0 && r.failed == 10 && !r.firstFailure.isEmpty();

        LoadSpec wrongPath = base;
        wrongPath.path = "/v1/no-such-endpoint";
        wrongPath.requests = 10;
        wrongPath.warmup = 0;
        wrongPath.connections = 2;
        wrongPath.body = json;
        const LoadResult w = runLoad(wrongPath);
        std::printf("  unknown path: ok %d, failed %d: %s\n", w.ok, w.failed, w.firstFailure.left(120).constData());
        sane = sane && w.ok == 0 && w.failed == 10 && w.firstFailure.startsWith("HTTP 404");
    }

    onFakeThread(&anchor, [fake] {
        fake->close();
        delete fake;
    });
    fakeThread.quit();
    fakeThread.wait();
    std::printf("bench_loadgen_selftest: %s\n", sane ? "all runs behaved as expected" : "SOME RUNS MISBEHAVED");
    return sane ? 0 : 1;
}
