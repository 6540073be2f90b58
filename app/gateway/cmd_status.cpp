// signalbox-gateway status: the health of the gateway serving this workspace,
// found through the gateway.json that `serve` (or the console) keeps in the
// workspace folder (engine/gateway/runtimefile.h).

#include "app/gateway/commands.h"
#include "engine/gateway/runtimefile.h"

#include <QDir>
#include <QEventLoop>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QTimer>

namespace signalbox::gateway {

namespace {

struct Probe {
    bool ok = false;
    QString error;
    QJsonObject health;
};

Probe probeHealth(const QUrl &url, std::chrono::milliseconds timeout)
{
    QNetworkAccessManager manager;
    manager.setProxy(QNetworkProxy::NoProxy); // a loopback gateway, whatever http_proxy says
    QNetworkRequest request(url);
    request.setTransferTimeout(static_cast<int>(timeout.count()));
    QNetworkReply *reply = manager.get(request);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    Probe probe;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (reply->error() != QNetworkReply::NoError && status == 0)
        probe.error = reply->errorString();
    else if (status != 200)
        probe.error = QStringLiteral("GET /health answered HTTP %1").arg(status);
    else {
        QJsonParseError parseError{};
        const QJsonDocument document = QJsonDocument::fromJson(reply->readAll(), &parseError);
        if (!document.isObject())
            probe.error = QStringLiteral("GET /health did not answer JSON");
        else {
            probe.ok = true;
            probe.health = document.object();
        }
    }
    reply->deleteLater();
    return probe;
}

QString duration(qint64 seconds)
{
    if (seconds < 60)
        return QStringLiteral("%1 s").arg(seconds);
    if (seconds < 3600)
        return QStringLiteral("%1 min %2 s").arg(seconds / 60).arg(seconds % 60);
    if (seconds < 86400)
        return QStringLiteral("%1 h %2 min").arg(seconds / 3600).arg(seconds % 3600 / 60);
    return QStringLiteral("%1 d %2 h").arg(seconds / 86400).arg(seconds % 86400 / 3600);
}

} // namespace

int runStatus(const CommandContext &context, const QStringList &arguments)
{
    CommandLine line(QStringLiteral("status [--json]"),
                     QStringLiteral("Shows the gateway serving this workspace: address, uptime, requests in flight,\n"
                                    "requests and errors since it started, and whether it runs the workspace's\n"
                                    "current configuration. Exits 5 when no gateway answers."),
                     true);
    if (auto stop = line.parse(arguments, 0, 0, QString()))
        return *stop;
    auto workspace = openWorkspace(context);
    if (!workspace)
        return failWith(workspace.error());

    const auto runtime = engine::readGatewayRuntimeFile(workspace.value()->folder());
    if (!runtime && runtime.error().code == QLatin1String("absent"))
        return fail(ExitUnreachable, QStringLiteral("no gateway is running on workspace %1 (start one with: %2 serve, or "
                                                    "turn on the gateway in the console)")
                                         .arg(QDir::toNativeSeparators(workspace.value()->folder()), QLatin1String(kProgram)));
    if (!runtime)
        return fail(ExitUnreachable, QStringLiteral("%1; restart the gateway").arg(runtime.error().message));
    const QUrl url(runtime->url);
    const qint64 pid = runtime->pid;
    const QString startedAt = runtime->startedAt.isValid() ? runtime->startedAt.toString(Qt::ISODateWithMs) : QString();
    const QString process = runtime->process.isEmpty() ? QStringLiteral("pid %1").arg(pid)
                                                       : QStringLiteral("pid %1, %2").arg(pid).arg(runtime->process);

    const Probe probe = probeHealth(url.resolved(QUrl(QStringLiteral("/health"))), std::chrono::seconds(3));
    if (!probe.ok)
        return fail(ExitUnreachable, QStringLiteral("the gateway of workspace %1 (%2, %3) does not answer: %4; it may have "
                                                    "stopped without cleaning up")
                                         .arg(QDir::toNativeSeparators(workspace.value()->folder()), process,
                                              url.toString(), probe.error));

    const QJsonObject &health = probe.health;
    const auto workspaceVersion = engine::Workspace::configVersion(workspace.value()->database());
    const qint64 servedVersion = health.value(QStringLiteral("config_version")).toInteger(-1);
    const bool current = workspaceVersion && servedVersion == workspaceVersion.value();

    if (line.json()) {
        QJsonObject out = health;
        out.insert(QStringLiteral("url"), url.toString());
        out.insert(QStringLiteral("pid"), pid);
        out.insert(QStringLiteral("started_at"), startedAt);
        out.insert(QStringLiteral("process"), runtime->process);
        out.insert(QStringLiteral("workspace"), QDir::toNativeSeparators(workspace.value()->folder()));
        if (workspaceVersion)
            out.insert(QStringLiteral("workspace_config_version"), workspaceVersion.value());
        out.insert(QStringLiteral("config_current"), current);
        printJson(out);
        return ExitOk;
    }
    const auto number = [&health](const char *name) { return health.value(QLatin1String(name)).toInteger(); };
    QString text;
    text += QStringLiteral("gateway      %1 (%2), version %3\n").arg(url.toString(), process, health.value(QStringLiteral("version")).toString());
    text += QStringLiteral("status       %1, up %2 (since %3)\n")
                .arg(health.value(QStringLiteral("status")).toString(), duration(number("uptime_s")),
                     startedAt);
    text += QStringLiteral("requests     %1 in flight, %2 answered, %3 errors\n").arg(number("in_flight")).arg(number("requests")).arg(number("errors"));
    text += QStringLiteral("routing      %1 routable offerings\n").arg(number("routable_offerings"));
    if (workspaceVersion)
        text += current ? QStringLiteral("config       version %1 (current)\n").arg(servedVersion)
                        : QStringLiteral("config       version %1; the workspace is at %2: reload pending\n")
                              .arg(servedVersion)
                              .arg(workspaceVersion.value());
    printText(text);
    return ExitOk;
}

} // namespace signalbox::gateway
