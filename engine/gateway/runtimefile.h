#pragma once
// gateway.json in a workspace folder: which process serves the workspace, at
// which address, since when. Written by `signalbox-gateway serve` and by the
// console's gateway once they listen, removed when they stop (only by the
// process that wrote it: a second gateway on the same workspace may have
// replaced it). `signalbox-gateway status` reads it to find the gateway.

#include "engine/core/result.h"

#include <QDateTime>
#include <QString>

namespace signalbox::engine {

struct GatewayRuntimeInfo {
    qint64 pid = 0;
    QString url; // http://HOST:PORT
    QString address;
    quint16 port = 0;
    QDateTime startedAt;
    QString version;
    QString workspace; // the folder, native separators
    QString process;   // who serves: "signalbox-gateway serve" or "Signalbox console"
};

QString gatewayRuntimeFilePath(const QString &workspaceFolder);

// Atomic (QSaveFile). The caller gives url, address, port and process; the
// rest is this process's: its pid, Signalbox's version, the folder, and now
// as the start time.
Result<void> writeGatewayRuntimeFile(const QString &workspaceFolder, GatewayRuntimeInfo info);

// Removes the file if this process wrote it.
void removeGatewayRuntimeFile(const QString &workspaceFolder);

// Error code "absent" when there is no file, "damaged" when it is not a
// gateway.json (no http URL in it).
Result<GatewayRuntimeInfo> readGatewayRuntimeFile(const QString &workspaceFolder);

} // namespace signalbox::engine
