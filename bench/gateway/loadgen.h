#pragma once

// A lean HTTP/1.1 load generator for the gateway benchmarks: N keep-alive
// connections driven by one epoll loop on one thread (raw non-blocking
// sockets, Debian's http-parser for the answers), so the client costs little
// next to the server it measures. Also holds thousands of streaming requests
// open ("idle streams") so a benchmark can read the server's memory per
// stream. Linux only (epoll); elsewhere every call fails.
//
// runLoad() drives the connections on the calling thread and blocks until the
// run is over: never call it from the thread whose event loop serves the
// target. startLoad() runs it on a std::thread of its own.

#include <QByteArray>
#include <QList>
#include <QPair>

#include <chrono>
#include <future>
#include <memory>

namespace signalbox::bench {

struct LoadSpec {
    QByteArray host = "127.0.0.1"; // an IPv4/IPv6 literal or a name (resolved once)
    quint16 port = 0;
    QByteArray method = "POST";
    QByteArray path = "/v1/chat/completions";
    QList<QPair<QByteArray, QByteArray>> headers; // Host and Content-Length are added;
                                                  // Content-Type: application/json too unless given
    QByteArray body;
    int connections = 1;
    int requests = 1000; // total over all connections, measured
    int warmup = 100; // total, before the measured run, on the same connections; not measured
    double durationSeconds = 0; // > 0: measure for this long instead of counting `requests`
    bool stream = false; // the answer is SSE: measure TTFT, and require "data: [DONE]" at its end
    std::chrono::milliseconds timeout { 10000 }; // per request, and per connect
};

struct LoadResult {
    int ok = 0, failed = 0; // measured requests only; failed: non-2xx, timeout, reset, bad framing
    int reconnects = 0; // connections the server closed (or broke) and we opened again
    double seconds = 0; // wall time of the measured run
    double requestsPerSecond = 0; // ok / seconds
    // Latency of successful requests: first byte written -> last byte of the answer
    // read (for SSE that is the time to the last event).
    double meanUs = 0, p50Us = 0, p90Us = 0, p99Us = 0, maxUs = 0;
    // SSE only: first byte written -> first read whose body holds "data:" (the first
    // event the server sent, usually the role chunk).
    double ttftP50Us = 0, ttftP99Us = 0, ttftMaxUs = 0;
    double cpuUsPerRequest = 0; // this process, user + system (getrusage RUSAGE_SELF) / (ok + failed)
    double clientCpuUsPerRequest = 0; // the load generator's own thread alone (RUSAGE_THREAD)
    QByteArray firstFailure; // e.g. "HTTP 401: {\"error\":...}" or "connect: Connection refused"
};

LoadResult runLoad(const LoadSpec &spec);
std::future<LoadResult> startLoad(const LoadSpec &spec); // runs runLoad on a thread of its own

// Streams held open by openIdleStreams(). A background thread reads what the
// server sends, slowly (every 50 ms, at most 16 KiB per stream per pass), so
// the server sees live but idle clients. Destroying it closes every connection.
class IdleStreams {
public:
    ~IdleStreams();
    IdleStreams(const IdleStreams &) = delete;
    IdleStreams &operator=(const IdleStreams &) = delete;

    int count() const; // streams opened
    int stillOpen() const; // neither finished nor closed by the server yet
    int finished() const; // answers that ended (the whole SSE body arrived)
    int closed() const; // connections the server closed or reset before the end
    qint64 bytesReceived() const;
    double secondsToOpen() const; // from the first connect to the last status line
    QByteArray note() const; // e.g. what was done to RLIMIT_NOFILE

    struct State;

private:
    explicit IdleStreams(std::unique_ptr<State> state);
    friend std::unique_ptr<IdleStreams> openIdleStreams(const LoadSpec &, int, QByteArray *);
    std::unique_ptr<State> d;
};

// Opens `count` connections, each sending spec's request (meant to be a streaming
// one, answered slowly) and waiting for a 2xx status line and headers; at most
// 32 handshakes are in flight at once, below QTcpServer's default listen
// backlog of 50. Raises RLIMIT_NOFILE first (raiseFileLimit). Returns null,
// with *error set, if the limit cannot cover `count`, or if not every stream
// could be opened.
std::unique_ptr<IdleStreams> openIdleStreams(const LoadSpec &spec, int count, QByteArray *error);

// Raises this process's RLIMIT_NOFILE so `wanted` descriptors fit: soft to
// hard, then hard as well where the process may (CAP_SYS_RESOURCE, which root
// lacks in some containers). Returns the soft limit in force afterwards; *note
// says what happened. Servers in the same process share the limit, so a
// benchmark hosting the gateway calls this for both ends.
long raiseFileLimit(long wanted, QByteArray *note = nullptr);

// Resident set size of a process (0: this one) from /proc/PID/status, or -1.
qint64 residentBytes(qint64 pid = 0);

} // namespace signalbox::bench
