#pragma once

// One parsed inbound request. Bytes stay bytes: nothing here is a QString, so
// the hot path does no text conversion; the gateway parses the JSON body once.

#include <QByteArray>
#include <QByteArrayView>
#include <QHostAddress>
#include <QList>
#include <QPair>

#include <chrono>
#include <memory>

namespace signalbox::engine {

// Header fields in arrival order, names as sent.
using HttpHeaders = QList<QPair<QByteArray, QByteArray>>;

// First value of a header by case-insensitive name; a null QByteArray if absent.
QByteArray httpHeaderValue(const HttpHeaders &headers, QByteArrayView name);
bool httpHeaderNameEquals(QByteArrayView a, QByteArrayView b);

struct HttpRequest {
    using Clock = std::chrono::steady_clock;

    QByteArray method; // "GET", "POST", ...
    QByteArray target; // as sent, including any query string
    QByteArray path;   // target up to '?'
    QByteArray query;  // after '?', without it; empty if none
    int versionMajor = 1;
    int versionMinor = 1;
    HttpHeaders headers;
    QByteArray body; // de-chunked
    QHostAddress peerAddress;
    quint16 peerPort = 0;
    bool keepAlive = true; // what the client asked for (HTTP/1.1 default, "Connection: close")

    // Steady-clock timestamps for measuring the gateway's own overhead.
    Clock::time_point firstByteAt;       // first byte of this request read from the socket
    Clock::time_point headersCompleteAt; // header block parsed
    Clock::time_point receivedAt;        // whole request parsed, just before the handler runs

    QByteArray header(QByteArrayView name) const { return httpHeaderValue(headers, name); }
    bool hasHeader(QByteArrayView name) const { return !header(name).isNull(); }
};

using HttpRequestPtr = std::shared_ptr<const HttpRequest>;

} // namespace signalbox::engine
