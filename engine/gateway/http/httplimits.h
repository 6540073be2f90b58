#pragma once

// The inbound HTTP server's two tables: every bound (HttpLimits) and every
// protocol-level error it answers by itself (httpErrorMapping). Handlers never
// see a request that broke a limit; they get only well-formed requests.

#include <QByteArray>
#include <QByteArrayView>
#include <QtGlobal>

#include <chrono>

namespace signalbox::engine {

// All bounds of the inbound side, with their defaults. A connection never
// buffers more than maxHeaderBytes + maxBodyBytes of one request, plus
// maxPipelinedBytes of the following ones, plus writeHighWaterBytes of
// response the handler chose to write past the high-water mark.
struct HttpLimits {
    // Request line + header block. Beyond it: 431 and close. (http_parser's own
    // compiled-in ceiling of 80 KiB also answers 431.)
    qsizetype maxHeaderBytes = 32 * 1024;
    // Request body. Checked on Content-Length before a byte of the body is
    // read, and while a chunked body arrives. Beyond it: 413 and close.
    qint64 maxBodyBytes = 16LL * 1024 * 1024;
    // The whole header block must arrive within this time, counted from the
    // connection's accept (first request) or the request's first byte (later
    // ones); trickling bytes do not extend it (slowloris). Else 408 and close.
    std::chrono::milliseconds headerTimeout{10'000};
    // Longest silence while a body is arriving. Else 408 and close.
    std::chrono::milliseconds bodyIdleTimeout{30'000};
    // Longest silence between two requests on a kept-alive connection; then
    // the connection is closed without a response.
    std::chrono::milliseconds keepAliveTimeout{60'000};
    // After an error response the connection discards input for at most this
    // long (so the client reads the response instead of a reset), then closes.
    std::chrono::milliseconds lingerTimeout{2'000};
    // Open connections across all workers. An excess connection is accepted,
    // answered 503 and closed.
    int maxConnections = 512;
    // Bytes of pipelined requests read ahead while a response is in progress;
    // beyond it the socket is simply not read until the response completes.
    qsizetype maxPipelinedBytes = 1024 * 1024;
    // Response backpressure on bytes queued in user space (not yet taken by
    // the kernel): at or above the high mark HttpResponder::isWritable() is
    // false; the writable notification fires once the queue drains to the low
    // mark. A relay stops reading upstream in between.
    qint64 writeHighWaterBytes = 256 * 1024;
    qint64 writeLowWaterBytes = 64 * 1024;
};

// Errors the server answers itself, before or instead of the handler.
enum class HttpError {
    MalformedRequest,   // 400 bad_request
    HeadersTooLarge,    // 431 request_header_fields_too_large
    BodyTooLarge,       // 413 request_too_large
    HeaderTimeout,      // 408 request_timeout
    BodyTimeout,        // 408 request_timeout
    TooManyConnections, // 503 server_overloaded
};

struct HttpErrorMapping {
    int status;
    const char *type;    // OpenAI error "type"
    const char *code;    // OpenAI error "code": stable, machine-readable
    const char *message; // for the client's developer
};

// The one error-mapping table.
const HttpErrorMapping &httpErrorMapping(HttpError error);

// {"error":{"message":...,"type":...,"code":...}}, the body OpenAI-compatible
// clients parse. Strings are JSON-escaped; bytes are taken as UTF-8.
QByteArray openAiErrorBody(QByteArrayView message, QByteArrayView type, QByteArrayView code);

// "OK", "Not Found", ...; "Unknown" for a status not in the table.
QByteArray httpReasonPhrase(int status);

} // namespace signalbox::engine
