#pragma once
// Whether bytes are exactly one well-formed JSON text (RFC 8259): UTF-8
// checked, nothing after the value, no NaN or comments. A validating pass
// without building a document: the gateway checks every streamed chunk it
// relays and every answer it edits, and QJsonDocument, which builds a tree,
// cost ~360,000 instructions per 10-event stream (docs/gateway.md,
// "Overhead"). RapidJSON's SAX reader (Debian's rapidjson-dev, header-only;
// why in docs/http-stack.md), iterative, so nesting depth cannot exhaust the
// stack.

#include <QByteArrayView>

namespace signalbox::engine {

bool isWellFormedJson(QByteArrayView json);

} // namespace signalbox::engine
