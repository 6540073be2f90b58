#pragma once

// The fake provider's own HTTP/1.1 request parser: request line, headers,
// Content-Length bodies, keep-alive. Deliberately independent of the gateway's
// code so the two cannot share a bug. Chunked request bodies are refused (501).

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QPair>

namespace signalbox::sandbox {

using HttpHeaders = QList<QPair<QByteArray, QByteArray>>;

// First value of a header, by case-insensitive name; empty if absent.
QByteArray headerValue(const HttpHeaders &headers, QByteArrayView name);

struct HttpRequest {
    QByteArray method;
    QByteArray target; // as sent, including any query string
    QByteArray path;   // target without the query string
    int minorVersion = 1; // HTTP/1.<minor>
    HttpHeaders headers;  // in arrival order, names as sent
    QByteArray body;

    QByteArray header(QByteArrayView name) const { return headerValue(headers, name); }
    // HTTP/1.1 keeps the connection unless "Connection: close"; 1.0 closes unless "keep-alive".
    bool keepAlive() const;
};

// Incremental parser for one request at a time. feed() consumes bytes from the
// front of the buffer it is given, so pipelined requests stay in the buffer.
class HttpRequestParser {
public:
    // Bounds: a header block above kMaxHeaderBytes answers 431, a body above
    // kMaxBodyBytes answers 413, so a broken client cannot exhaust memory.
    static constexpr qsizetype kMaxHeaderBytes = 64 * 1024;
    static constexpr qint64 kMaxBodyBytes = 64LL * 1024 * 1024;

    enum class Status { NeedMore, Complete, Error };

    Status feed(QByteArray &buffer);

    // Valid after Complete; moved out by takeRequest(), which also resets the parser.
    HttpRequest takeRequest();
    // True once the header block is parsed and the client waits for "100 Continue".
    bool wantsContinue() const;
    bool headersComplete() const { return m_state == State::Body; }
    // Valid after Error: the status to answer (400, 413, 431, 501, 505) and why.
    int errorStatus() const { return m_errorStatus; }
    QByteArray errorMessage() const { return m_errorMessage; }
    void reset();

private:
    enum class State { Head, Body, Done, Failed };
    Status fail(int status, QByteArray message);
    Status parseHead(QByteArrayView head);

    State m_state = State::Head;
    HttpRequest m_request;
    qint64 m_contentLength = 0;
    int m_errorStatus = 0;
    QByteArray m_errorMessage;
};

} // namespace signalbox::sandbox
