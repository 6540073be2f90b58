#pragma once

#include <QByteArray>

namespace signalbox::testing {

// JSON written with single quotes: test data without escapes, and without
// raw string literals, which moc (Qt 6.4) misreads when they hold "//".
inline QByteArray json(const char *singleQuoted)
{
    QByteArray bytes(singleQuoted);
    bytes.replace('\'', '"');
    return bytes;
}

} // namespace signalbox::testing
