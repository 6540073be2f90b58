#pragma once

// Turns a request and a FakeBehaviour into a response plan: the exact bytes to
// write, already framed (status line, headers, chunked encoding), each at a time
// measured from the moment the request was read, and how the exchange ends.
// Pure functions, so every fault's wire shape is decided in one place; the
// connection only plays the plan.

#include "engine/sandbox/fakeprovider.h"
#include "engine/sandbox/openaiwire.h"

#include <chrono>
#include <vector>

namespace signalbox::sandbox {

struct PlannedWrite {
    enum class Kind { Other, Head, Content };
    std::chrono::milliseconds at{0};
    QByteArray bytes;
    Kind kind = Kind::Other; // Head: carries the status line; Content: starts an SSE content event
};

enum class PlanEnd {
    Finish, // response complete: keep the connection for the next request, or close it gracefully
    Close,  // a fault: close gracefully (FIN) once the writes are out
    Reset,  // a fault: TCP RST at endAt, once the writes are out
    Hang,   // a fault: write nothing more and keep the connection open
};

struct ResponsePlan {
    int status = 0; // 0 when no status line is ever sent
    bool keepAlive = true;
    std::vector<PlannedWrite> writes; // in order; `at` never decreases
    PlanEnd end = PlanEnd::Finish;
    std::chrono::milliseconds endAt{0}; // for Reset and Close
};

struct ExchangeContext {
    quint64 requestId = 0;
    int minorVersion = 1; // HTTP/1.0 clients never get chunked framing
    bool keepAlive = true;
};

QByteArray reasonPhrase(int status);
// Status line and headers, with Date and Server added, ending in the empty line.
QByteArray responseHead(int status, const HttpHeaders &headers);

// A complete response with a Content-Length body written in one piece at `at`.
ResponsePlan simpleResponse(int status, const QByteArray &contentType, const QByteArray &body, bool keepAlive,
                            const HttpHeaders &extraHeaders = {}, std::chrono::milliseconds at = {});
ResponsePlan errorResponse(int status, const QString &message, const QString &type, const QString &code,
                           bool keepAlive, const HttpHeaders &extraHeaders = {}, std::chrono::milliseconds at = {});

ResponsePlan chatResponse(const ChatRequest &request, const FakeBehaviour &behaviour, const ExchangeContext &context);

} // namespace signalbox::sandbox
