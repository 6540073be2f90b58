#pragma once

// The commands of signalbox-gateway, one cmd_*.cpp each. Each takes the
// arguments after its name (e.g. for "keys create --name ci": "create",
// "--name", "ci") and returns the process exit code.

#include "app/gateway/clicommon.h"

namespace signalbox::gateway {

int runInit(const CommandContext &context, const QStringList &arguments);
int runServe(const CommandContext &context, const QStringList &arguments);
int runStatus(const CommandContext &context, const QStringList &arguments);
int runProviders(const CommandContext &context, const QStringList &arguments);
int runKeys(const CommandContext &context, const QStringList &arguments);
int runModels(const CommandContext &context, const QStringList &arguments);
int runUsage(const CommandContext &context, const QStringList &arguments);
int runPrice(const CommandContext &context, const QStringList &arguments);
int runConfig(const CommandContext &context, const QStringList &arguments);

} // namespace signalbox::gateway
