// signalbox-gateway: the headless router engine and its admin commands.

#include "app/gateway/cli.h"
#include "engine/core/version.h"

#include <QCoreApplication>

int main(int argc, char *argv[])
{
    // Qt's own Unix event dispatcher rather than GLib's: nothing headless
    // needs GLib's main loop, and it is measurably cheaper per request
    // (docs/gateway.md, "Overhead"). Set before the application exists;
    // QT_NO_GLIB set to anything, even empty (GLib), is left alone.
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("Signalbox"));
    QCoreApplication::setApplicationName(QStringLiteral("Signalbox"));
    QCoreApplication::setApplicationVersion(QString::fromLatin1(signalbox::kVersion));
    QStringList arguments = QCoreApplication::arguments();
    arguments.removeFirst();
    return signalbox::gateway::run(arguments);
}
