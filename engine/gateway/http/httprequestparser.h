#pragma once

// Stage 1 of the inbound pipeline: bytes -> HttpRequest, one request at a
// time, with the limits of HttpLimits. A thin layer over Debian's http_parser
// (libhttp-parser 2.9): it owns the HTTP grammar, chunked decoding and
// keep-alive rules; this class owns the limits and the request object.

#include "engine/gateway/http/httplimits.h"
#include "engine/gateway/http/httprequest.h"

#include <http_parser.h>

#include <memory>

namespace signalbox::engine {

class HttpRequestParser {
public:
    explicit HttpRequestParser(const HttpLimits &limits);
    HttpRequestParser(const HttpRequestParser &) = delete;
    HttpRequestParser &operator=(const HttpRequestParser &) = delete;

    enum class Status {
        NeedMore, // all bytes consumed, request not complete yet
        Complete, // a request is ready (takeRequest); bytes after it are not consumed
        Failed,   // error() says why; the connection must answer and close
    };
    struct Outcome {
        Status status;
        qsizetype consumed;
    };

    // Parses from the front of [data, data + size). After Complete the parser
    // stays paused until takeRequest(), so pipelined requests wait their turn.
    Outcome feed(const char *data, qsizetype size);

    bool messageStarted() const { return m_request != nullptr; }
    // The request being read, as far as it got (method and path once the
    // headers are complete, the target while it arrives); null between requests.
    const HttpRequest *partialRequest() const { return m_request.get(); }
    bool headersComplete() const { return m_headersComplete; }
    // The client sent "Expect: 100-continue" and the body has not started.
    bool expectsContinue() const { return m_expectContinue; }
    HttpError error() const { return m_error; }

    std::shared_ptr<HttpRequest> takeRequest();

private:
    static int onMessageBegin(http_parser *parser);
    static int onUrl(http_parser *parser, const char *at, size_t length);
    static int onHeaderField(http_parser *parser, const char *at, size_t length);
    static int onHeaderValue(http_parser *parser, const char *at, size_t length);
    static int onHeadersComplete(http_parser *parser);
    static int onBody(http_parser *parser, const char *at, size_t length);
    static int onMessageComplete(http_parser *parser);
    static HttpRequestParser &self(http_parser *parser);

    int fail(HttpError error);
    bool addHeaderBytes(size_t length);

    const HttpLimits m_limits;
    http_parser m_parser{};
    http_parser_settings m_settings{};
    std::shared_ptr<HttpRequest> m_request;
    qsizetype m_headerBytes = 0;
    bool m_lastWasValue = false;
    bool m_headersComplete = false;
    bool m_expectContinue = false;
    bool m_complete = false;
    bool m_failed = false;
    HttpError m_error = HttpError::MalformedRequest;
};

} // namespace signalbox::engine
