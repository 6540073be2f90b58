// signalbox-gateway: the headless router engine and its admin commands.

#include "app/gateway/cli.h"
#include "engine/core/version.h"

#include <QCoreApplication>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("Signalbox"));
    QCoreApplication::setApplicationName(QStringLiteral("Signalbox"));
    QCoreApplication::setApplicationVersion(QString::fromLatin1(signalbox::kVersion));
    QStringList arguments = QCoreApplication::arguments();
    arguments.removeFirst();
    return signalbox::gateway::run(arguments);
}
