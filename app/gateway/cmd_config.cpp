// signalbox-gateway config

#include "app/gateway/commands.h"

namespace signalbox::gateway {

int runConfig(const CommandContext &context, const QStringList &arguments)
{
    Q_UNUSED(context)
    Q_UNUSED(arguments)
    return fail(ExitFailure, QStringLiteral("config: not built yet"));
}

} // namespace signalbox::gateway
