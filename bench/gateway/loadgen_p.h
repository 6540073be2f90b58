#pragma once

// Internal to signalbox_loadgen (Linux only): the socket and HTTP/1.1 request
// helpers that the load runner (loadgen.cpp) and the idle streams
// (loadgen_idle.cpp) share. Not for benchmarks to include.

#include "bench/gateway/loadgen.h"

#include <chrono>
#include <sys/socket.h>

namespace signalbox::bench::detail {

using Clock = std::chrono::steady_clock;

struct Address {
    sockaddr_storage storage {};
    socklen_t length = 0;
    int family = AF_INET;
};

QByteArray systemError(const char *what, int error); // "what: strerror(error)"
bool resolve(const LoadSpec &spec, Address *address, QByteArray *error);
QByteArray buildRequest(const LoadSpec &spec); // the request's bytes, sent as they are for every request
int startConnect(const Address &address, QByteArray *error); // non-blocking, TCP_NODELAY; -1 on failure
int pendingSocketError(int fd); // SO_ERROR: how a non-blocking connect ended

} // namespace signalbox::bench::detail
