#pragma once

#include <QStringList>

namespace signalbox::gateway {

// Exit codes of signalbox-gateway (documented in docs/cli.md).
enum ExitCode : int {
    ExitOk = 0,
    ExitFailure = 1,    // the command could not do its work (e.g. workspace unusable)
    ExitBadInput = 2,   // unknown command or option, malformed value
    ExitNotFound = 3,
    ExitConflict = 4,
    ExitUnreachable = 5,
};

// Runs the command line (arguments without the program name) and returns the
// process exit code. Needs a QCoreApplication.
int run(const QStringList &arguments);

} // namespace signalbox::gateway
