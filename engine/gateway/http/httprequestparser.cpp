#include "engine/gateway/http/httprequestparser.h"

#include <climits>

namespace signalbox::engine {

bool httpHeaderNameEquals(QByteArrayView a, QByteArrayView b)
{
    return a.size() == b.size() && qstrnicmp(a.data(), a.size(), b.data(), b.size()) == 0;
}

QByteArray httpHeaderValue(const HttpHeaders &headers, QByteArrayView name)
{
    for (const auto &[key, value] : headers) {
        if (httpHeaderNameEquals(key, name))
            return value.isNull() ? QByteArray("") : value;
    }
    return {};
}

HttpRequestParser::HttpRequestParser(const HttpLimits &limits) : m_limits(limits)
{
    http_parser_init(&m_parser, HTTP_REQUEST);
    m_parser.data = this;
    m_settings.on_message_begin = &HttpRequestParser::onMessageBegin;
    m_settings.on_url = &HttpRequestParser::onUrl;
    m_settings.on_header_field = &HttpRequestParser::onHeaderField;
    m_settings.on_header_value = &HttpRequestParser::onHeaderValue;
    m_settings.on_headers_complete = &HttpRequestParser::onHeadersComplete;
    m_settings.on_body = &HttpRequestParser::onBody;
    m_settings.on_message_complete = &HttpRequestParser::onMessageComplete;
}

HttpRequestParser &HttpRequestParser::self(http_parser *parser)
{
    return *static_cast<HttpRequestParser *>(parser->data);
}

HttpRequestParser::Outcome HttpRequestParser::feed(const char *data, qsizetype size)
{
    if (m_failed)
        return {Status::Failed, 0};
    if (m_complete || size <= 0)
        return {m_complete ? Status::Complete : Status::NeedMore, 0};
    const size_t parsed = http_parser_execute(&m_parser, &m_settings, data, static_cast<size_t>(size));
    const auto consumed = static_cast<qsizetype>(parsed);
    if (m_failed)
        return {Status::Failed, consumed};
    if (m_complete)
        return {Status::Complete, consumed};
    const auto err = HTTP_PARSER_ERRNO(&m_parser);
    if (err != HPE_OK) {
        m_failed = true;
        m_error = err == HPE_HEADER_OVERFLOW ? HttpError::HeadersTooLarge : HttpError::MalformedRequest;
        return {Status::Failed, consumed};
    }
    return {Status::NeedMore, consumed};
}

std::shared_ptr<HttpRequest> HttpRequestParser::takeRequest()
{
    if (!m_complete)
        return {};
    auto request = std::move(m_request);
    m_request.reset();
    m_complete = false;
    m_headersComplete = false;
    m_expectContinue = false;
    m_headerBytes = 0;
    m_lastWasValue = false;
    http_parser_pause(&m_parser, 0);
    return request;
}

int HttpRequestParser::fail(HttpError error)
{
    m_failed = true;
    m_error = error;
    http_parser_pause(&m_parser, 1);
    return 0;
}

bool HttpRequestParser::addHeaderBytes(size_t length)
{
    m_headerBytes += static_cast<qsizetype>(length);
    return m_headerBytes <= m_limits.maxHeaderBytes;
}

int HttpRequestParser::onMessageBegin(http_parser *parser)
{
    auto &p = self(parser);
    p.m_request = std::make_shared<HttpRequest>();
    p.m_request->firstByteAt = HttpRequest::Clock::now();
    p.m_headerBytes = 16; // method, version and line ends, roughly
    return 0;
}

int HttpRequestParser::onUrl(http_parser *parser, const char *at, size_t length)
{
    auto &p = self(parser);
    if (!p.addHeaderBytes(length))
        return p.fail(HttpError::HeadersTooLarge);
    p.m_request->target.append(at, static_cast<qsizetype>(length));
    return 0;
}

int HttpRequestParser::onHeaderField(http_parser *parser, const char *at, size_t length)
{
    auto &p = self(parser);
    if (!p.addHeaderBytes(length + 4))
        return p.fail(HttpError::HeadersTooLarge);
    auto &headers = p.m_request->headers;
    if (headers.isEmpty() || p.m_lastWasValue)
        headers.append({QByteArray(at, static_cast<qsizetype>(length)), QByteArray()});
    else
        headers.last().first.append(at, static_cast<qsizetype>(length));
    p.m_lastWasValue = false;
    return 0;
}

int HttpRequestParser::onHeaderValue(http_parser *parser, const char *at, size_t length)
{
    auto &p = self(parser);
    if (!p.addHeaderBytes(length))
        return p.fail(HttpError::HeadersTooLarge);
    auto &headers = p.m_request->headers;
    if (headers.isEmpty())
        return p.fail(HttpError::MalformedRequest);
    headers.last().second.append(at, static_cast<qsizetype>(length));
    p.m_lastWasValue = true;
    return 0;
}

int HttpRequestParser::onHeadersComplete(http_parser *parser)
{
    auto &p = self(parser);
    auto &request = *p.m_request;
    request.headersCompleteAt = HttpRequest::Clock::now();
    request.method = QByteArray(http_method_str(static_cast<http_method>(parser->method)));
    request.versionMajor = parser->http_major;
    request.versionMinor = parser->http_minor;
    request.keepAlive = http_should_keep_alive(parser) != 0;
    if (request.target.isEmpty())
        return p.fail(HttpError::MalformedRequest);
    const qsizetype question = request.target.indexOf('?');
    request.path = question < 0 ? request.target : request.target.left(question);
    if (question >= 0)
        request.query = request.target.mid(question + 1);

    const bool chunked = (parser->flags & F_CHUNKED) != 0;
    const bool hasLength = (parser->flags & F_CONTENTLENGTH) != 0 && parser->content_length != ULLONG_MAX;
    if (hasLength && !chunked) {
        if (parser->content_length > static_cast<quint64>(p.m_limits.maxBodyBytes))
            return p.fail(HttpError::BodyTooLarge);
        request.body.reserve(static_cast<qsizetype>(parser->content_length));
    }
    const bool expectsBody = chunked || (hasLength && parser->content_length > 0);
    p.m_expectContinue = expectsBody && httpHeaderNameEquals(request.header("expect"), "100-continue");
    p.m_headersComplete = true;
    return 0;
}

int HttpRequestParser::onBody(http_parser *parser, const char *at, size_t length)
{
    auto &p = self(parser);
    p.m_expectContinue = false;
    auto &body = p.m_request->body;
    if (body.size() + static_cast<qint64>(length) > p.m_limits.maxBodyBytes)
        return p.fail(HttpError::BodyTooLarge);
    body.append(at, static_cast<qsizetype>(length));
    return 0;
}

int HttpRequestParser::onMessageComplete(http_parser *parser)
{
    auto &p = self(parser);
    p.m_request->receivedAt = HttpRequest::Clock::now();
    p.m_complete = true;
    p.m_expectContinue = false;
    http_parser_pause(parser, 1); // the next pipelined request waits for takeRequest()
    return 0;
}

} // namespace signalbox::engine
