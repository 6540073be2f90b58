#include "tests/support/fileprint.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>

namespace signalbox::testing {

FilePrint printOf(const QString &path)
{
    FilePrint print;
    QFileInfo info(path);
    print.exists = info.exists();
    if (!print.exists)
        return print;
    print.size = info.size();
    print.modified = info.lastModified();
    QFile file(path);
    if (file.open(QIODevice::ReadOnly)) {
        QCryptographicHash hash(QCryptographicHash::Sha256);
        hash.addData(&file);
        print.sha256 = hash.result().toHex();
    }
    return print;
}

} // namespace signalbox::testing
