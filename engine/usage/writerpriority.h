#pragma once
// The usage writer's CPU priority. Its commits are bursts of SQLite work
// (about a millisecond every few); at the normal priority a burst delays
// whatever request thread the kernel puts on the same core, which was most of
// the gateway's 1-connection p99 (docs/gateway.md, "Overhead"). So the writer
// runs under SCHED_IDLE: any other thread preempts it at once, and a core
// running only it counts as free.
//
// An idle thread can starve while the machine is saturated, and records must
// not wait for that (the crash window, docs/usage-log.md). A watchdog thread
// at the normal priority raises the writer to SCHED_BATCH (a fair share)
// once the oldest unwritten record is `raiseAfter` old; the writer lowers
// itself again when it has caught up. Leaving SCHED_IDLE needs CAP_SYS_NICE
// or an RLIMIT_NICE of 20 (systemd: LimitNICE=+0): without it the writer
// stays at SCHED_BATCH all along, as before, and there is no watchdog.
// Linux only; elsewhere the writer keeps the default priority.

#include <QtGlobal>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace signalbox::engine {

class WriterPriority final {
    Q_DISABLE_COPY_MOVE(WriterPriority)
public:
    using Clock = std::chrono::steady_clock;
    // When the oldest record not yet written was submitted; nullopt: none.
    // Called by the watchdog with no lock of this class held.
    using OldestWaiting = std::function<std::optional<Clock::time_point>()>;

    enum class Mode { Default, Batch, IdleRaisedWhenLate };

    WriterPriority(std::chrono::milliseconds raiseAfter, OldestWaiting oldestWaiting);
    ~WriterPriority(); // stops the watchdog

    // On the writer thread, once: picks the mode (IdleRaisedWhenLate when
    // `preferIdle` and the process may leave SCHED_IDLE again), applies it
    // to the calling thread and starts the watchdog if there is one.
    Mode adopt(bool preferIdle);
    // From submit(), after the record is queued: wakes a parked watchdog.
    // One relaxed atomic load unless the watchdog sleeps with nothing to watch.
    void recordsWaiting();
    // Back to SCHED_IDLE if raised. On the writer thread, when it has caught up.
    void caughtUp();
    // To SCHED_BATCH now (someone waits: flush(), stop()). Any thread.
    void raise();
    // Stops the watchdog; the writer keeps its current policy.
    void stop();

    Mode mode() const { return m_mode; }
    // Times the writer was raised: by the watchdog, and in all.
    quint64 raisesByWatchdog() const { return m_watchdogRaises.load(std::memory_order_relaxed); }
    quint64 raises() const { return m_raises.load(std::memory_order_relaxed); }
    bool raised() const { return m_raised.load(std::memory_order_relaxed); }

private:
    void watch();
    bool raiseLocked();

    const std::chrono::milliseconds m_raiseAfter;
    const OldestWaiting m_oldestWaiting;
    Mode m_mode = Mode::Default; // set once by adopt(), before the watchdog starts
    int m_writerTid = 0;

    std::mutex m_mutex; // policy changes and the watchdog's sleep
    std::condition_variable m_cv;
    bool m_stopping = false;
    std::atomic<bool> m_parked { false }; // the watchdog sleeps until recordsWaiting()
    std::atomic<bool> m_raised { false };
    std::atomic<quint64> m_raises { 0 };
    std::atomic<quint64> m_watchdogRaises { 0 };
    std::thread m_watchdog;
};

} // namespace signalbox::engine
