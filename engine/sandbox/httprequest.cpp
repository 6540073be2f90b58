#include "engine/sandbox/httprequest.h"

#include <utility>

namespace signalbox::sandbox {

namespace {

bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
}

bool isToken(QByteArrayView text)
{
    if (text.isEmpty())
        return false;
    for (const char c : text) {
        if (!isTokenChar(c))
            return false;
    }
    return true;
}

bool isDigits(QByteArrayView text)
{
    if (text.isEmpty())
        return false;
    for (const char c : text) {
        if (c < '0' || c > '9')
            return false;
    }
    return true;
}

QByteArrayView trimmedOws(QByteArrayView text)
{
    while (!text.isEmpty() && (text.front() == ' ' || text.front() == '\t'))
        text = text.sliced(1);
    while (!text.isEmpty() && (text.back() == ' ' || text.back() == '\t'))
        text.chop(1);
    return text;
}

// Where the header block ends (the index just past its empty line) and how long
// the block is without that line; -1 while incomplete. Bare LF is accepted as a
// line end, as RFC 9112 allows recipients to do.
qsizetype headEnd(QByteArrayView data, qsizetype *headLength)
{
    qsizetype lineStart = 0;
    while (lineStart < data.size()) {
        const qsizetype newline = data.indexOf('\n', lineStart);
        if (newline < 0)
            return -1;
        const qsizetype lineLength = newline - lineStart;
        if (lineLength == 0 || (lineLength == 1 && data[lineStart] == '\r')) {
            *headLength = lineStart;
            return newline + 1;
        }
        lineStart = newline + 1;
    }
    return -1;
}

} // namespace

QByteArray headerValue(const HttpHeaders &headers, QByteArrayView name)
{
    for (const auto &[key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

bool HttpRequest::keepAlive() const
{
    const QByteArray connection = header("Connection").toLower();
    if (minorVersion == 0)
        return connection.contains("keep-alive");
    return !connection.contains("close");
}

HttpRequestParser::Status HttpRequestParser::feed(QByteArray &buffer)
{
    if (m_state == State::Failed)
        return Status::Error;
    if (m_state == State::Done)
        return Status::Complete;

    if (m_state == State::Head) {
        // RFC 9112 2.2: ignore empty lines before the request line (left over by some clients).
        qsizetype skip = 0;
        while (skip < buffer.size() && (buffer[skip] == '\r' || buffer[skip] == '\n'))
            ++skip;
        if (skip > 0)
            buffer.remove(0, skip);
        qsizetype headLength = 0;
        const qsizetype end = headEnd(buffer, &headLength);
        if (end < 0) {
            if (buffer.size() > kMaxHeaderBytes)
                return fail(431, "request header block is larger than 64 KiB");
            return Status::NeedMore;
        }
        if (headLength > kMaxHeaderBytes)
            return fail(431, "request header block is larger than 64 KiB");
        const Status head = parseHead(QByteArrayView(buffer).first(headLength));
        buffer.remove(0, end);
        if (head == Status::Error)
            return head;
        if (m_contentLength == 0) {
            m_state = State::Done;
            return Status::Complete;
        }
        m_state = State::Body;
        m_request.body.reserve(m_contentLength);
    }

    // State::Body: take what is there, up to the declared length.
    const qint64 missing = m_contentLength - m_request.body.size();
    const qsizetype take = static_cast<qsizetype>(qMin<qint64>(missing, buffer.size()));
    if (take == buffer.size()) {
        m_request.body.append(buffer);
        buffer.clear();
    } else {
        m_request.body.append(QByteArrayView(buffer).first(take));
        buffer.remove(0, take);
    }
    if (m_request.body.size() < m_contentLength)
        return Status::NeedMore;
    m_state = State::Done;
    return Status::Complete;
}

HttpRequestParser::Status HttpRequestParser::parseHead(QByteArrayView head)
{
    qsizetype lineStart = 0;
    bool first = true;
    bool haveLength = false;
    while (lineStart <= head.size()) {
        qsizetype newline = head.indexOf('\n', lineStart);
        if (newline < 0)
            newline = head.size();
        QByteArrayView line = head.sliced(lineStart, newline - lineStart);
        lineStart = newline + 1;
        if (line.endsWith('\r'))
            line.chop(1);
        if (line.contains('\r') || line.contains('\0'))
            return fail(400, "stray CR or NUL in the request head");

        if (first) {
            first = false;
            const qsizetype space1 = line.indexOf(' ');
            const qsizetype space2 = space1 < 0 ? -1 : line.indexOf(' ', space1 + 1);
            if (space1 <= 0 || space2 <= space1 + 1 || line.indexOf(' ', space2 + 1) >= 0)
                return fail(400, "malformed request line");
            const QByteArrayView method = line.first(space1);
            const QByteArrayView target = line.sliced(space1 + 1, space2 - space1 - 1);
            const QByteArrayView version = line.sliced(space2 + 1);
            if (!isToken(method))
                return fail(400, "malformed request method");
            if (version == "HTTP/1.1")
                m_request.minorVersion = 1;
            else if (version == "HTTP/1.0")
                m_request.minorVersion = 0;
            else if (version.startsWith("HTTP/"))
                return fail(505, "only HTTP/1.0 and HTTP/1.1 are supported");
            else
                return fail(400, "malformed HTTP version");
            m_request.method = method.toByteArray();
            m_request.target = target.toByteArray();
            const qsizetype query = target.indexOf('?');
            m_request.path = (query < 0 ? target : target.first(query)).toByteArray();
            continue;
        }

        if (line.isEmpty())
            continue;
        if (line.front() == ' ' || line.front() == '\t')
            return fail(400, "obsolete header line folding is not accepted");
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0 || !isToken(line.first(colon)))
            return fail(400, "malformed header field");
        const QByteArrayView name = line.first(colon);
        const QByteArrayView value = trimmedOws(line.sliced(colon + 1));
        m_request.headers.append({name.toByteArray(), value.toByteArray()});

        if (name.compare("Content-Length", Qt::CaseInsensitive) == 0) {
            if (!isDigits(value) || value.size() > 18)
                return fail(400, "malformed Content-Length");
            const qint64 length = value.toLongLong();
            if (haveLength && length != m_contentLength)
                return fail(400, "conflicting Content-Length headers");
            haveLength = true;
            m_contentLength = length;
        } else if (name.compare("Transfer-Encoding", Qt::CaseInsensitive) == 0) {
            return fail(501, "Transfer-Encoding request bodies are not supported; send Content-Length");
        }
    }
    bool hasHost = false;
    for (const auto &header : std::as_const(m_request.headers))
        hasHost = hasHost || header.first.compare("Host", Qt::CaseInsensitive) == 0;
    if (m_request.minorVersion >= 1 && !hasHost)
        return fail(400, "HTTP/1.1 request without a Host header");
    if (m_contentLength > kMaxBodyBytes)
        return fail(413, "request body is larger than 64 MiB");
    return Status::Complete;
}

HttpRequestParser::Status HttpRequestParser::fail(int status, QByteArray message)
{
    m_state = State::Failed;
    m_errorStatus = status;
    m_errorMessage = std::move(message);
    return Status::Error;
}

HttpRequest HttpRequestParser::takeRequest()
{
    HttpRequest request = std::move(m_request);
    reset();
    return request;
}

bool HttpRequestParser::wantsContinue() const
{
    return m_state == State::Body && m_request.minorVersion >= 1 && m_request.body.isEmpty()
        && m_request.header("Expect").compare("100-continue", Qt::CaseInsensitive) == 0;
}

void HttpRequestParser::reset()
{
    m_state = State::Head;
    m_request = {};
    m_contentLength = 0;
    m_errorStatus = 0;
    m_errorMessage.clear();
}

} // namespace signalbox::sandbox
