// The Signalbox console: opens a workspace, shows the main window and runs
// the gateway on its own threads (ui/gateway/gatewaycontroller.h).

#include "engine/catalog/catalog.h"
#include "engine/catalog/userstore.h"
#include "engine/core/version.h"
#include "engine/storage/workspace.h"
#include "ui/gateway/gatewaycontroller.h"
#include "ui/gateway/gatewaypanel.h"
#include "ui/mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFutureWatcher>
#include <QMessageBox>
#include <QPointer>
#include <QtConcurrent/QtConcurrentRun>

#include <cstdio>

using namespace signalbox;

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Signalbox"));
    QApplication::setApplicationName(QStringLiteral("Signalbox"));
    QApplication::setApplicationVersion(QString::fromLatin1(kVersion));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/signalbox/icons/signalbox.svg")));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Signalbox — LLM cost-and-routing console"));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption workspaceOption(
        QStringLiteral("workspace"),
        QStringLiteral("Workspace folder (default: %1).").arg(engine::Workspace::defaultFolder()), QStringLiteral("DIR"));
    parser.addOption(workspaceOption);
    parser.process(app);

    const QString folder =
        parser.isSet(workspaceOption) ? parser.value(workspaceOption) : engine::Workspace::defaultFolder();
    auto workspace = engine::Workspace::open(folder);
    if (!workspace) {
        std::fprintf(stderr, "signalbox: %s\n", qUtf8Printable(workspace.error().message));
        QMessageBox::critical(nullptr, QObject::tr("Signalbox"),
                              QObject::tr("The workspace could not be opened.\n\n%1").arg(workspace.error().message));
        return 1;
    }

    // Custom providers, price overrides and aliases live in the workspace.
    engine::CatalogUserStore userStore(workspace.value()->database());
    ui::MainWindow window(
        {workspace.value()->folder(), workspace.value()->databasePath(), workspace.value()->schemaVersion()});
    window.setUserStore(&userStore);

    // The gateway starts once the catalog has loaded (setCatalog hands it
    // over), on 127.0.0.1 and the port from the Settings page.
    ui::GatewayController gateway(workspace.value()->databasePath());
    window.setGatewayController(&gateway);
    if (const ui::GatewaySettings settings = ui::GatewaySettings::load(); settings.enabled)
        gateway.start(settings.port);
    window.show();

    // The catalog loads on a worker thread; the page says "loading" until then.
    using CatalogResult = engine::Result<engine::Catalog>;
    QFutureWatcher<std::shared_ptr<CatalogResult>> catalogWatcher;
    QPointer<ui::MainWindow> target(&window);
    QObject::connect(&catalogWatcher, &QFutureWatcherBase::finished, &window, [&catalogWatcher, target] {
        const std::shared_ptr<CatalogResult> loaded = catalogWatcher.result();
        if (!target)
            return;
        if (loaded->ok())
            target->setCatalog(std::make_shared<const engine::Catalog>(std::move(*loaded).value()));
        else
            target->setCatalogError(loaded->error().message);
    });
    catalogWatcher.setFuture(
        QtConcurrent::run([] { return std::make_shared<CatalogResult>(engine::Catalog::loadBundled()); }));

    const int code = app.exec();
    // The window is gone; requests in flight finish (5 s at most) and every
    // usage row is written before the process ends.
    gateway.shutdown();
    return code;
}
