// signalbox-gateway price

#include "app/gateway/commands.h"

namespace signalbox::gateway {

int runPrice(const CommandContext &context, const QStringList &arguments)
{
    Q_UNUSED(context)
    Q_UNUSED(arguments)
    return fail(ExitFailure, QStringLiteral("price: not built yet"));
}

} // namespace signalbox::gateway
