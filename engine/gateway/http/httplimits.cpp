#include "engine/gateway/http/httplimits.h"

namespace signalbox::engine {

const HttpErrorMapping &httpErrorMapping(HttpError error)
{
    static const HttpErrorMapping kMalformed{400, "invalid_request_error", "bad_request",
                                             "The request is not valid HTTP/1.1."};
    static const HttpErrorMapping kHeaders{431, "invalid_request_error", "request_header_fields_too_large",
                                           "The request line and headers are larger than this gateway accepts."};
    static const HttpErrorMapping kBody{413, "invalid_request_error", "request_too_large",
                                        "The request body is larger than this gateway accepts."};
    static const HttpErrorMapping kHeaderTimeout{408, "invalid_request_error", "request_timeout",
                                                 "The request headers did not arrive in time."};
    static const HttpErrorMapping kBodyTimeout{408, "invalid_request_error", "request_timeout",
                                               "The request body stopped arriving."};
    static const HttpErrorMapping kTooMany{503, "server_error", "server_overloaded",
                                           "The gateway has too many open connections; retry shortly."};
    switch (error) {
    case HttpError::MalformedRequest: return kMalformed;
    case HttpError::HeadersTooLarge: return kHeaders;
    case HttpError::BodyTooLarge: return kBody;
    case HttpError::HeaderTimeout: return kHeaderTimeout;
    case HttpError::BodyTimeout: return kBodyTimeout;
    case HttpError::TooManyConnections: return kTooMany;
    }
    return kMalformed;
}

namespace {

void appendJsonString(QByteArray &out, QByteArrayView text)
{
    static constexpr char kHex[] = "0123456789abcdef";
    out += '"';
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (u < 0x20) {
                out += "\\u00";
                out += kHex[u >> 4];
                out += kHex[u & 0xf];
            } else {
                out += c;
            }
        }
    }
    out += '"';
}

} // namespace

QByteArray openAiErrorBody(QByteArrayView message, QByteArrayView type, QByteArrayView code)
{
    QByteArray out;
    out.reserve(64 + message.size() + type.size() + code.size());
    out += "{\"error\":{\"message\":";
    appendJsonString(out, message);
    out += ",\"type\":";
    appendJsonString(out, type);
    out += ",\"code\":";
    appendJsonString(out, code);
    out += "}}";
    return out;
}

QByteArray httpReasonPhrase(int status)
{
    switch (status) {
    case 100: return QByteArrayLiteral("Continue");
    case 200: return QByteArrayLiteral("OK");
    case 201: return QByteArrayLiteral("Created");
    case 202: return QByteArrayLiteral("Accepted");
    case 204: return QByteArrayLiteral("No Content");
    case 301: return QByteArrayLiteral("Moved Permanently");
    case 302: return QByteArrayLiteral("Found");
    case 304: return QByteArrayLiteral("Not Modified");
    case 400: return QByteArrayLiteral("Bad Request");
    case 401: return QByteArrayLiteral("Unauthorized");
    case 402: return QByteArrayLiteral("Payment Required");
    case 403: return QByteArrayLiteral("Forbidden");
    case 404: return QByteArrayLiteral("Not Found");
    case 405: return QByteArrayLiteral("Method Not Allowed");
    case 408: return QByteArrayLiteral("Request Timeout");
    case 409: return QByteArrayLiteral("Conflict");
    case 413: return QByteArrayLiteral("Content Too Large");
    case 415: return QByteArrayLiteral("Unsupported Media Type");
    case 422: return QByteArrayLiteral("Unprocessable Content");
    case 429: return QByteArrayLiteral("Too Many Requests");
    case 431: return QByteArrayLiteral("Request Header Fields Too Large");
    case 499: return QByteArrayLiteral("Client Closed Request");
    case 500: return QByteArrayLiteral("Internal Server Error");
    case 501: return QByteArrayLiteral("Not Implemented");
    case 502: return QByteArrayLiteral("Bad Gateway");
    case 503: return QByteArrayLiteral("Service Unavailable");
    case 504: return QByteArrayLiteral("Gateway Timeout");
    default: return QByteArrayLiteral("Unknown");
    }
}

} // namespace signalbox::engine
