#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QString>

namespace signalbox::testing {

// What a file looks like on disk: used to prove an operation left it alone.
struct FilePrint {
    bool exists = false;
    qint64 size = 0;
    QByteArray sha256;
    QDateTime modified;
    bool operator==(const FilePrint &) const = default;
};

FilePrint printOf(const QString &path);

} // namespace signalbox::testing
