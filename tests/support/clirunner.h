#pragma once

// Runs signalbox-gateway as a subprocess, the way admins and scripts do.
// Header-only; a suite defines SIGNALBOX_GATEWAY_BIN (see tests/cli.cmake).
// Also: a clean environment, and long-running children (the gateway, the fake
// provider binary) that announce their address on stdout.

#include <QProcess>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QString>
#include <QStringList>
#include <QTimer>

#ifdef Q_OS_UNIX
#include <csignal>
#endif

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

// No provider keys from the developer's shell: the catalog's providers stay
// unroutable and only what the test adds can serve.
inline QProcessEnvironment cleanEnvironment()
{
    QProcessEnvironment environment;
    const QProcessEnvironment system = QProcessEnvironment::systemEnvironment();
    for (const char *name : {"PATH", "HOME", "LANG", "TMPDIR"}) {
        if (system.contains(QLatin1String(name)))
            environment.insert(QLatin1String(name), system.value(QLatin1String(name)));
    }
    environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    return environment;
}

// A long-running child (the gateway, the fake provider) that announces its
// address on stdout; killed when the test ends, whatever happened.
class Child {
public:
    ~Child() { stop(); }

    // Starts `program` and waits for a stdout line matching `ready`; returns its first capture.
    QString start(const QString &program, const QStringList &arguments, const QRegularExpression &ready)
    {
        m_process.setProcessEnvironment(cleanEnvironment());
        m_process.start(program, arguments);
        if (!m_process.waitForStarted(10000))
            return {};
        QTimer deadline;
        deadline.setSingleShot(true);
        deadline.start(20000);
        while (deadline.isActive()) {
            while (m_process.canReadLine()) {
                const QString line = QString::fromUtf8(m_process.readLine());
                m_output += line;
                const auto match = ready.match(line);
                if (match.hasMatch())
                    return match.captured(1);
            }
            if (m_process.state() != QProcess::Running || !m_process.waitForReadyRead(200)) {
                if (m_process.state() != QProcess::Running)
                    return {};
            }
        }
        return {};
    }

    void signal(int number)
    {
#ifdef Q_OS_UNIX
        ::kill(static_cast<pid_t>(m_process.processId()), number);
#else
        Q_UNUSED(number)
#endif
    }

    // SIGTERM, then what it printed. Exit code through exitCode().
    QString stop()
    {
        if (m_process.state() == QProcess::Running) {
            m_process.terminate();
            if (!m_process.waitForFinished(15000)) {
                m_process.kill();
                m_process.waitForFinished();
            }
        }
        m_output += QString::fromUtf8(m_process.readAllStandardOutput());
        m_errors += QString::fromUtf8(m_process.readAllStandardError());
        return m_output + m_errors;
    }
    int exitCode() const { return m_process.exitCode(); }
    QString output()
    {
        m_output += QString::fromUtf8(m_process.readAllStandardOutput());
        return m_output;
    }

private:
    QProcess m_process;
    QString m_output;
    QString m_errors;
};

// Starts the fake provider binary (`fakeBinary`: tests/support/fakeprovider's
// main) on a free loopback port, listing `models`, with `extra` options
// (--fault, --api-key, ...); returns its /v1 base URL, empty if it did not start.
inline QString startFakeProvider(Child &child, const QString &fakeBinary, const QStringList &models,
                                 const QStringList &extra = {})
{
    QStringList arguments{QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0")};
    for (const QString &model : models)
        arguments << QStringLiteral("--model") << model;
    const QString port =
        child.start(fakeBinary, arguments + extra, QRegularExpression(QStringLiteral("listening on [^:]+:(\\d+)")));
    return port.isEmpty() ? QString() : QStringLiteral("http://127.0.0.1:%1/v1").arg(port);
}

} // namespace signalbox::testing
