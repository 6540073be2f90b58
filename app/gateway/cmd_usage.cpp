// signalbox-gateway usage

#include "app/gateway/commands.h"

namespace signalbox::gateway {

int runUsage(const CommandContext &context, const QStringList &arguments)
{
    Q_UNUSED(context)
    Q_UNUSED(arguments)
    return fail(ExitFailure, QStringLiteral("usage: not built yet"));
}

} // namespace signalbox::gateway
