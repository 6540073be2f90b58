#pragma once

#include <QObject>

class QSocketNotifier;

namespace signalbox::engine {

// Turns SIGINT and SIGTERM (Ctrl+C / console close on Windows) into a Qt
// signal delivered on the event loop, so shutdown runs ordinary code: flush
// the usage log, close sockets, exit 0. On Unix, SIGHUP (the daemon
// convention for "read your configuration again") becomes reloadRequested().
// One instance per process.
class ShutdownSignals final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ShutdownSignals)
public:
    explicit ShutdownSignals(QObject *parent = nullptr);
    ~ShutdownSignals() override;

Q_SIGNALS:
    // signalNumber is SIGINT or SIGTERM (or 0 where the platform has none).
    void shutdownRequested(int signalNumber);
    // SIGHUP (Unix only).
    void reloadRequested();

private:
    void onReadable();
    QSocketNotifier *m_notifier = nullptr;
};

} // namespace signalbox::engine
