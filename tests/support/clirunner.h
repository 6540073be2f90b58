#pragma once

// Runs signalbox-gateway as a subprocess, the way admins and scripts do.
// Header-only; a suite defines SIGNALBOX_GATEWAY_BIN (see tests/cli.cmake).

#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

namespace signalbox::testing {

struct CliOutcome {
    int exitCode = -1;
    bool crashed = true; // or timed out
    QString out;
    QString err;
    // Qt Test messages: the command line and what it printed.
    QString describe() const
    {
        return QStringLiteral("exit %1%2\n--- stdout\n%3--- stderr\n%4").arg(exitCode).arg(crashed ? QStringLiteral(" (crashed or timed out)") : QString(), out, err);
    }
};

inline CliOutcome runCli(const QString &program, const QStringList &arguments, const QByteArray &input = {},
                         const QProcessEnvironment &environment = QProcessEnvironment::systemEnvironment(),
                         int timeoutMs = 60000)
{
    QProcess process;
    process.setProcessEnvironment(environment);
    process.start(program, arguments);
    CliOutcome outcome;
    if (!process.waitForStarted(10000))
        return outcome;
    if (!input.isEmpty())
        process.write(input);
    process.closeWriteChannel();
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        outcome.out = QString::fromUtf8(process.readAllStandardOutput());
        outcome.err = QString::fromUtf8(process.readAllStandardError());
        return outcome;
    }
    outcome.crashed = process.exitStatus() != QProcess::NormalExit;
    outcome.exitCode = process.exitCode();
    outcome.out = QString::fromUtf8(process.readAllStandardOutput());
    outcome.err = QString::fromUtf8(process.readAllStandardError());
    return outcome;
}

} // namespace signalbox::testing
