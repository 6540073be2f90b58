#include "engine/gateway/runtimefile.h"

#include "engine/core/version.h"
#include "engine/storage/workspace.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QUrl>

namespace signalbox::engine {

QString gatewayRuntimeFilePath(const QString &workspaceFolder)
{
    return QDir(workspaceFolder).filePath(QLatin1String(Workspace::kRuntimeFileName));
}

Result<void> writeGatewayRuntimeFile(const QString &workspaceFolder, GatewayRuntimeInfo info)
{
    info.pid = QCoreApplication::applicationPid();
    info.version = QString::fromLatin1(kVersion);
    info.workspace = QDir::toNativeSeparators(workspaceFolder);
    info.startedAt = QDateTime::currentDateTimeUtc();
    const QJsonObject object{
        {QStringLiteral("pid"), info.pid},
        {QStringLiteral("url"), info.url},
        {QStringLiteral("address"), info.address},
        {QStringLiteral("port"), info.port},
        {QStringLiteral("started_at"), info.startedAt.toUTC().toString(Qt::ISODateWithMs)},
        {QStringLiteral("version"), info.version},
        {QStringLiteral("workspace"), info.workspace},
        {QStringLiteral("process"), info.process},
    };
    const QString path = gatewayRuntimeFilePath(workspaceFolder);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(QJsonDocument(object).toJson()) < 0 || !file.commit())
        return Error{QStringLiteral("storage"), QStringLiteral("cannot write %1: %2").arg(path, file.errorString())};
    return {};
}

void removeGatewayRuntimeFile(const QString &workspaceFolder)
{
    const auto info = readGatewayRuntimeFile(workspaceFolder);
    if (info && info->pid == QCoreApplication::applicationPid())
        QFile::remove(gatewayRuntimeFilePath(workspaceFolder));
}

Result<GatewayRuntimeInfo> readGatewayRuntimeFile(const QString &workspaceFolder)
{
    const QString path = gatewayRuntimeFilePath(workspaceFolder);
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("absent"), QStringLiteral("%1 does not exist").arg(path)};
    const QJsonObject object = QJsonDocument::fromJson(file.read(64 * 1024)).object();
    GatewayRuntimeInfo info;
    info.pid = object.value(QStringLiteral("pid")).toInteger();
    info.url = object.value(QStringLiteral("url")).toString();
    info.address = object.value(QStringLiteral("address")).toString();
    info.port = static_cast<quint16>(object.value(QStringLiteral("port")).toInt());
    info.startedAt = QDateTime::fromString(object.value(QStringLiteral("started_at")).toString(), Qt::ISODateWithMs);
    info.version = object.value(QStringLiteral("version")).toString();
    info.workspace = object.value(QStringLiteral("workspace")).toString();
    info.process = object.value(QStringLiteral("process")).toString();
    const QUrl url(info.url);
    if (!url.isValid() || url.scheme() != QLatin1String("http"))
        return Error{QStringLiteral("damaged"), QStringLiteral("%1 is damaged (no gateway URL in it)").arg(path)};
    return info;
}

} // namespace signalbox::engine
