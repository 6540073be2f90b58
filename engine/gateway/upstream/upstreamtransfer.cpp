// One call's curl side: the easy handle's options, the callbacks curl runs
// while reading and writing (which only record), the mapping from curl's
// result to UpstreamFailure, and the response-head parser.

#include "engine/catalog/urlpolicy.h"
#include "engine/gateway/upstream/upstreamengine.h"

#include <QHostAddress>

#include <algorithm>
#include <array>

#ifdef Q_OS_WIN
#include <winsock2.h>
#else
#include <sys/socket.h>
#endif

namespace signalbox::engine::detail {

namespace {

using std::chrono::milliseconds;

// Headers the client owns: framing and connection management (curl writes
// them from the URL and the body), and Expect, which would add a round trip.
constexpr std::array kOwnedHeaders{
    QByteArrayView("Host"),        QByteArrayView("Content-Length"), QByteArrayView("Transfer-Encoding"),
    QByteArrayView("Connection"),  QByteArrayView("Keep-Alive"),     QByteArrayView("Proxy-Connection"),
    QByteArrayView("Upgrade"),     QByteArrayView("TE"),             QByteArrayView("Expect"),
};

bool isOwnedHeader(QByteArrayView name)
{
    for (QByteArrayView owned : kOwnedHeaders) {
        if (httpHeaderNameEquals(name, owned))
            return true;
    }
    return false;
}

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
    for (char c : text) {
        if (!isTokenChar(c))
            return false;
    }
    return true;
}

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

bool isHttpsUrl(QByteArrayView url)
{
    return url.size() >= 6 && url.first(6).compare("https:", Qt::CaseInsensitive) == 0;
}

bool isFieldValue(QByteArrayView text)
{
    for (char c : text) {
        if (c == '\r' || c == '\n' || c == '\0')
            return false;
    }
    return true;
}

// curl_easy_setopt is variadic: each option gets exactly the type curl reads.
void setLong(CURL *easy, CURLoption option, long value)
{
    curl_easy_setopt(easy, option, value);
}

void setText(CURL *easy, CURLoption option, const char *value)
{
    curl_easy_setopt(easy, option, value);
}

void setPointer(CURL *easy, CURLoption option, void *value)
{
    curl_easy_setopt(easy, option, value);
}

long millisecondsOption(milliseconds value)
{
    return value.count() > 0 ? static_cast<long>(value.count()) : 0L;
}

} // namespace

UpstreamTransfer::~UpstreamTransfer()
{
    Q_ASSERT(!inMulti); // in flight, the engine holds a reference
    releaseCurl();
}

void UpstreamTransfer::releaseCurl()
{
    if (easy)
        curl_easy_cleanup(std::exchange(easy, nullptr));
    if (headerList)
        curl_slist_free_all(std::exchange(headerList, nullptr));
}

QString UpstreamTransfer::configure(const UpstreamClient::Options &options)
{
    const QByteArray &url = request.url;
    if (url.isEmpty() || url.contains('\0'))
        return QStringLiteral("the URL is empty or contains NUL");
    if (!isToken(request.method))
        return QStringLiteral("invalid HTTP method");

    easy = curl_easy_init();
    if (!easy)
        return QStringLiteral("curl_easy_init failed");

    void *self = this;
    setPointer(easy, CURLOPT_ERRORBUFFER, errorBuffer);
    setPointer(easy, CURLOPT_PRIVATE, self);
    setText(easy, CURLOPT_URL, url.constData());
    setText(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    setText(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    setLong(easy, CURLOPT_FOLLOWLOCATION, 0L); // a 3xx reaches the caller as it is
    setLong(easy, CURLOPT_NOSIGNAL, 1L);
    setLong(easy, CURLOPT_TCP_NODELAY, 1L);
    // An empty proxy disables curl's default of reading http_proxy,
    // https_proxy and all_proxy from the environment.
    setText(easy, CURLOPT_PROXY, "");
    setLong(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    if (isHttpsUrl(url))
        setLong(easy, CURLOPT_PIPEWAIT, 1L); // prefer multiplexing on a connection being set up
    // Bytes are relayed as the server sends them; nothing asks for compression.
    setLong(easy, CURLOPT_HTTP_CONTENT_DECODING, 0L);
    setLong(easy, CURLOPT_CONNECTTIMEOUT_MS, millisecondsOption(request.connectTimeout));
    setLong(easy, CURLOPT_TIMEOUT_MS, millisecondsOption(request.totalTimeout));

    const curl_write_callback headerCallback = &UpstreamTransfer::onHeader;
    const curl_write_callback bodyCallback = &UpstreamTransfer::onBody;
    const curl_xferinfo_callback progressCallback = &UpstreamTransfer::onProgress;
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, headerCallback);
    setPointer(easy, CURLOPT_HEADERDATA, self);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, bodyCallback);
    setPointer(easy, CURLOPT_WRITEDATA, self);
    curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, progressCallback); // tells when the request went out
    setPointer(easy, CURLOPT_XFERINFODATA, self);
    setLong(easy, CURLOPT_NOPROGRESS, 0L);
    // Socket notifiers follow the socket, not the transfer (upstreamengine.h).
    const curl_closesocket_callback closeSocket = &UpstreamEngine::onCurlCloseSocket;
    curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, closeSocket);
    setPointer(easy, CURLOPT_CLOSESOCKETDATA, static_cast<void *>(engine));
    // Always ours: it checks addresses (when asked) and tells the engine which
    // sockets are connections (SocketWatch::connection).
    checkAddresses = options.checkAddresses;
    const curl_opensocket_callback openSocket = &UpstreamTransfer::onOpenSocket;
    curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, openSocket);
    setPointer(easy, CURLOPT_OPENSOCKETDATA, self);

    // Method and body. CURLOPT_POSTFIELDS is not copied: request.body lives
    // as long as this transfer.
    const QByteArray &method = request.method;
    const bool hasBody = !request.body.isEmpty() || method == "POST" || method == "PUT" || method == "PATCH";
    if (method == "HEAD") {
        setLong(easy, CURLOPT_NOBODY, 1L);
    } else if (hasBody) {
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
        setText(easy, CURLOPT_POSTFIELDS, request.body.constData());
    } else {
        setLong(easy, CURLOPT_HTTPGET, 1L);
    }
    // curl's own method is POST with a body, GET without: name any other.
    if (method != "HEAD" && method != (hasBody ? "POST" : "GET"))
        setText(easy, CURLOPT_CUSTOMREQUEST, method.constData());

    // Headers as given; an empty value is written "Name;" (curl's syntax for
    // "send it empty"), "Name:" removes a header curl would add by default.
    bool hasAccept = false;
    bool hasContentType = false;
    for (const auto &[name, value] : request.headers) {
        if (!isToken(name) || !isFieldValue(value) || isOwnedHeader(name))
            continue;
        hasAccept = hasAccept || httpHeaderNameEquals(name, "Accept");
        hasContentType = hasContentType || httpHeaderNameEquals(name, "Content-Type");
        const QByteArray line = value.isEmpty() ? QByteArray(name + ';') : QByteArray(name + ": " + value);
        headerList = curl_slist_append(headerList, line.constData());
    }
    if (!hasAccept)
        headerList = curl_slist_append(headerList, "Accept:"); // curl would send "Accept: */*"
    if (!hasContentType)
        headerList = curl_slist_append(headerList, "Content-Type:"); // ... or a form type for POST
    headerList = curl_slist_append(headerList, "Expect:");
    setPointer(easy, CURLOPT_HTTPHEADER, headerList);
    return {};
}

bool UpstreamTransfer::curlSaysRequestSent() const
{
    long requestSize = 0;
    return easy && curl_easy_getinfo(easy, CURLINFO_REQUEST_SIZE, &requestSize) == CURLE_OK && requestSize > 0;
}

// ---------------------------------------------------------------------------
// curl callbacks: record and return; the engine delivers later.

size_t UpstreamTransfer::onHeader(char *data, size_t size, size_t count, void *self)
{
    auto *call = static_cast<UpstreamTransfer *>(self);
    const size_t length = size * count;
    const auto now = UpstreamClock::now();
    if (call->m_timings.firstByte == UpstreamClock::time_point{}) {
        // An answer means the request went out, even if onProgress has not
        // said so yet (a fast server can answer within the same curl pass).
        if (!call->fullySent)
            call->noteRequestSent(now);
        call->m_timings.firstByte = now;
        call->engine->watchIdle(*call);
    }
    call->lastActivity = now;
    if (call->headReady)
        return length; // trailers
    switch (call->headParser.feed(QByteArrayView(data, static_cast<qsizetype>(length)))) {
    case ResponseHeadParser::Step::More:
        break;
    case ResponseHeadParser::Step::Complete:
        call->head = call->headParser.take();
        call->headReady = true;
        call->engine->queue(*call);
        break;
    case ResponseHeadParser::Step::Malformed:
        call->malformedHead = true;
        return 0; // CURLE_WRITE_ERROR
    }
    return length;
}

size_t UpstreamTransfer::onBody(char *data, size_t size, size_t count, void *self)
{
    auto *call = static_cast<UpstreamTransfer *>(self);
    const auto length = static_cast<qsizetype>(size * count);
    call->lastActivity = UpstreamClock::now();
    if (!call->pending.isEmpty() && call->pending.size() + length > UpstreamClient::kMaxPendingBytes) {
        // Bounded: curl keeps this piece and reads no more until delivery
        // has drained `pending` and unpaused it.
        call->autoPaused = true;
        call->curlPaused = true;
        return CURL_WRITEFUNC_PAUSE;
    }
    call->pending.append(data, length);
    call->engine->queue(*call);
    return size * count;
}

int UpstreamTransfer::onProgress(void *self, curl_off_t, curl_off_t, curl_off_t, curl_off_t uploaded)
{
    auto *call = static_cast<UpstreamTransfer *>(self);
    if (call->fullySent || !call->curlSaysRequestSent())
        return 0;
    call->bytesSent = true;
    if (uploaded < static_cast<curl_off_t>(call->request.body.size()))
        return 0; // a large body is still going out
    call->noteRequestSent(UpstreamClock::now());
    call->engine->watchFirstByte(*call);
    return 0;
}

void UpstreamTransfer::noteRequestSent(UpstreamClock::time_point now)
{
    bytesSent = true;
    fullySent = true;
    m_timings.requestSent = now;
    // curl's connect times count from its own start of this transfer, which
    // is start() give or take one event-loop pass.
    curl_off_t connectUs = 0;
    curl_off_t tlsUs = 0;
    curl_easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &connectUs);
    curl_easy_getinfo(easy, CURLINFO_APPCONNECT_TIME_T, &tlsUs);
    m_timings.connected = std::min(m_timings.started + std::chrono::microseconds(std::max(connectUs, tlsUs)), now);
}

curl_socket_t UpstreamTransfer::onOpenSocket(void *self, curlsocktype purpose, curl_sockaddr *address)
{
    auto *call = static_cast<UpstreamTransfer *>(self);
    if (call->checkAddresses && purpose == CURLSOCKTYPE_IPCXN
        && (address->family == AF_INET || address->family == AF_INET6)) {
        const QHostAddress host(&address->addr); // curl's storage fits sockaddr_in6
        if (isForbiddenAddress(host)) {
            // Checked on the address curl is about to connect to, after its
            // own resolution: a DNS answer cannot smuggle one past us.
            call->refused = true;
            call->refusedAddress = host.toString();
            return CURL_SOCKET_BAD;
        }
    }
#ifdef SOCK_CLOEXEC
    const curl_socket_t socket = ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
#else
    const curl_socket_t socket = ::socket(address->family, address->socktype, address->protocol);
#endif
    if (socket != CURL_SOCKET_BAD && call->engine)
        call->engine->adoptConnectionSocket(socket);
    return socket;
}

// ---------------------------------------------------------------------------

UpstreamFailure UpstreamTransfer::classify(CURLcode code, QString *detailText) const
{
    if (code == CURLE_OK)
        return UpstreamFailure::None;
    QString text = QString::fromUtf8(curl_easy_strerror(code));
    if (errorBuffer[0] != '\0')
        text += QStringLiteral(": ") + QString::fromUtf8(errorBuffer);
    *detailText = text;

    const bool isHttps = isHttpsUrl(request.url);
    switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return UpstreamFailure::Resolve;
    case CURLE_COULDNT_CONNECT:
        if (refused) {
            *detailText = QStringLiteral("refused to connect to %1: link-local, cloud metadata or otherwise "
                                         "forbidden address")
                              .arg(refusedAddress);
            return UpstreamFailure::ForbiddenAddress;
        }
        return UpstreamFailure::Connect;
    case CURLE_OPERATION_TIMEDOUT: {
        curl_off_t connectUs = 0;
        curl_easy_getinfo(easy, isHttps ? CURLINFO_APPCONNECT_TIME_T : CURLINFO_CONNECT_TIME_T, &connectUs);
        const bool connected = connectUs > 0 || bytesSent;
        const auto elapsed = UpstreamClock::now() - m_timings.started;
        if (connected || (request.totalTimeout.count() > 0 && elapsed >= request.totalTimeout))
            return UpstreamFailure::TotalTimeout;
        return UpstreamFailure::ConnectTimeout;
    }
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
        return UpstreamFailure::Tls;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2_STREAM:
        return UpstreamFailure::Reset;
    case CURLE_WRITE_ERROR:
        if (malformedHead)
            *detailText = QStringLiteral("malformed response status line");
        return UpstreamFailure::Protocol;
    case CURLE_PARTIAL_FILE: // closed before the announced length or the last chunk
    default:
        return UpstreamFailure::Protocol;
    }
}

// ---------------------------------------------------------------------------

ResponseHeadParser::Step ResponseHeadParser::feed(QByteArrayView line)
{
    while (!line.isEmpty() && (line.back() == '\n' || line.back() == '\r'))
        line.chop(1);
    if (!m_inBlock) {
        if (line.isEmpty())
            return Step::More;
        // "HTTP/1.1 200 OK", "HTTP/1.0 404", and for HTTP/2 curl's "HTTP/2 200 ".
        if (!line.startsWith("HTTP/"))
            return Step::Malformed;
        const qsizetype space = line.indexOf(' ');
        if (space < 0)
            return Step::Malformed;
        const QByteArrayView version = line.sliced(5, space - 5);
        int httpVersion = 0;
        if (version == "1.0")
            httpVersion = 10;
        else if (version == "1.1")
            httpVersion = 11;
        else if (version == "2" || version == "2.0")
            httpVersion = 20;
        else if (version == "3" || version == "3.0")
            httpVersion = 30;
        else
            return Step::Malformed;
        const QByteArrayView rest = line.sliced(space + 1).trimmed();
        if (rest.size() < 3 || !isDigit(rest[0]) || !isDigit(rest[1]) || !isDigit(rest[2])
            || (rest.size() > 3 && rest[3] != ' '))
            return Step::Malformed;
        m_head = {};
        m_head.status = (rest[0] - '0') * 100 + (rest[1] - '0') * 10 + (rest[2] - '0');
        m_head.httpVersion = httpVersion;
        m_inBlock = true;
        return Step::More;
    }
    if (line.isEmpty()) {
        m_inBlock = false;
        if (m_head.status < 200) {
            m_head = {}; // 1xx: an interim block, the real one follows
            return Step::More;
        }
        return Step::Complete;
    }
    if (line.front() == ' ' || line.front() == '\t') {
        // Obsolete line folding: part of the previous value.
        if (!m_head.headers.isEmpty()) {
            QByteArray &value = m_head.headers.last().second;
            value += ' ';
            value += line.trimmed();
        }
        return Step::More;
    }
    const qsizetype colon = line.indexOf(':');
    if (colon <= 0)
        return Step::More; // not a header; curl tolerates it, so do we
    m_head.headers.emplaceBack(line.first(colon).toByteArray(), line.sliced(colon + 1).trimmed().toByteArray());
    return Step::More;
}

} // namespace signalbox::engine::detail
