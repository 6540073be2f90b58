// signalbox-gateway models

#include "app/gateway/commands.h"

namespace signalbox::gateway {

int runModels(const CommandContext &context, const QStringList &arguments)
{
    Q_UNUSED(context)
    Q_UNUSED(arguments)
    return fail(ExitFailure, QStringLiteral("models: not built yet"));
}

} // namespace signalbox::gateway
