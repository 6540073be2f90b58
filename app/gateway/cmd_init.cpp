// signalbox-gateway init: create the workspace, or check an existing one.

#include "app/gateway/commands.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonObject>

namespace signalbox::gateway {

int runInit(const CommandContext &context, const QStringList &arguments)
{
    CommandLine line(QStringLiteral("init [--json]"),
                     QStringLiteral("Creates the workspace folder and its database, or brings an existing one to the\n"
                                    "current schema. Running it again changes nothing."),
                     /*withJson=*/true);
    if (auto stop = line.parse(arguments, 0, 0, QString()))
        return *stop;

    const bool existed = QFileInfo::exists(QDir(context.workspaceFolder).filePath(QLatin1String(engine::Workspace::kDatabaseFileName)));
    auto workspace = openWorkspace(context, /*mustExist=*/false);
    if (!workspace)
        return failWith(workspace.error(), QStringLiteral("init"));
    const auto &report = workspace.value()->migrationReport();
    const QString folder = QDir::toNativeSeparators(workspace.value()->folder());
    if (line.json()) {
        printJson(QJsonObject{{QStringLiteral("workspace"), folder},
                              {QStringLiteral("database"), QDir::toNativeSeparators(workspace.value()->databasePath())},
                              {QStringLiteral("created"), !existed},
                              {QStringLiteral("schema_from"), report.fromVersion},
                              {QStringLiteral("schema"), report.toVersion}});
        return ExitOk;
    }
    if (!existed)
        say(QStringLiteral("created workspace %1 (schema %2)").arg(folder).arg(report.toVersion));
    else if (report.changed())
        say(QStringLiteral("workspace %1 upgraded from schema %2 to %3").arg(folder).arg(report.fromVersion).arg(report.toVersion));
    else
        say(QStringLiteral("workspace %1 is ready (schema %2); nothing to do").arg(folder).arg(report.toVersion));
    return ExitOk;
}

} // namespace signalbox::gateway
