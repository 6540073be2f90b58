// signalbox-gateway providers

#include "app/gateway/commands.h"

namespace signalbox::gateway {

int runProviders(const CommandContext &context, const QStringList &arguments)
{
    Q_UNUSED(context)
    Q_UNUSED(arguments)
    return fail(ExitFailure, QStringLiteral("providers: not built yet"));
}

} // namespace signalbox::gateway
