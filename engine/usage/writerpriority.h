#pragma once
// The usage writer's CPU priority. Its commits are bursts of SQLite work
// (about a millisecond every few), and it wakes every few milliseconds; at
// the normal priority both delay whatever request thread the kernel puts on
// the same core, which was most of the gateway's 1-connection p99
// (docs/gateway.md, "Overhead"). So the writer waits, wakes and does its store
// work under SCHED_IDLE: any other thread preempts it at once, and a core
// running only it counts as free.
//
// Never while it holds a lock: around every lock a request thread may need
// (its queue's mutex, another thread's malloc arena when it frees their
// records, Qt's logging) the writer is under SCHED_BATCH. An idle-priority
// thread preempted while holding such a lock would stall the request threads
// for as long as the machine is busy. So the writer waits on a semaphore, not
// on a condition variable (which wakes holding its mutex).
//
// An idle thread can starve while the machine is saturated, and records must
// not wait for that (the crash window, docs/usage-log.md). A watchdog thread
// at the normal priority marks the writer late — its bursts then run under
// SCHED_BATCH, a fair share — once the oldest unwritten record is
// `raiseAfter` old; flush() and stop() do too; the writer clears it when it
// has caught up. Leaving SCHED_IDLE needs CAP_SYS_NICE or an RLIMIT_NICE of
// 20 (systemd: LimitNICE=+0): without it the writer stays under SCHED_BATCH
// all along, as before, and there is no watchdog. Linux only; elsewhere the
// writer keeps the default priority.

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

    // Default: not Linux, or no SCHED_BATCH; Batch: SCHED_BATCH all along;
    // Idle: SCHED_IDLE whenever it holds no lock, with the watchdog.
    enum class Mode { Default, Batch, Idle };

    WriterPriority(std::chrono::milliseconds raiseAfter, OldestWaiting oldestWaiting);
    ~WriterPriority(); // stops the watchdog

    // On the writer thread, once: SCHED_BATCH for it, and Idle with a
    // watchdog when `preferIdle` and the process may leave SCHED_IDLE again.
    void adopt(bool preferIdle);
    // On the writer thread. yield(): from here until hold() it takes no lock
    // another thread may wait for (it waits on a semaphore, or runs the
    // store): SCHED_IDLE unless late. hold(): SCHED_BATCH again, before it
    // takes one.
    void yield();
    void hold();
    // From submit(), after the record is queued: wakes a parked watchdog.
    // One relaxed atomic load unless the watchdog sleeps with nothing to watch.
    void recordsWaiting();
    // On the writer thread, when nothing old waits any more: bursts go back
    // to SCHED_IDLE.
    void caughtUp();
    // Late now (someone waits: flush(), stop()); any thread, no lock taken.
    void raise();
    // Stops the watchdog.
    void stop();

    Mode mode() const { return m_mode; }
    // Times the writer was found late and raised (by the watchdog, flush() or stop()).
    quint64 raises() const { return m_raises.load(std::memory_order_relaxed); }
    bool late() const { return m_late.load(std::memory_order_relaxed); }

private:
    void watch();
    // Marks late and moves a yielding writer to SCHED_BATCH; true if it
    // was not late before.
    bool markLate();

    const std::chrono::milliseconds m_raiseAfter;
    const OldestWaiting m_oldestWaiting;
    Mode m_mode = Mode::Default; // set once by adopt(), before the watchdog starts
    int m_writerTid = 0;

    std::atomic<bool> m_late { false };
    std::atomic<bool> m_yielding { false }; // the writer is (about to be) under SCHED_IDLE
    bool m_lowered = false; // writer thread only: yield() set SCHED_IDLE
    std::atomic<quint64> m_raises { 0 };

    std::mutex m_mutex; // the watchdog's sleep; never taken by the writer thread
    std::condition_variable m_cv;
    bool m_stopping = false;
    std::atomic<bool> m_parked { false }; // the watchdog sleeps until recordsWaiting()
    std::thread m_watchdog;
};

} // namespace signalbox::engine
