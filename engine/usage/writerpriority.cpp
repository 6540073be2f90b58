#include "engine/usage/writerpriority.h"

#include "engine/core/logging.h"

#include <cerrno>

#ifdef Q_OS_LINUX
#include <pthread.h>
#include <sched.h>
#include <unistd.h>
#endif

namespace signalbox::engine {

namespace {
#ifdef Q_OS_LINUX
bool setPolicy(int tid, int policy)
{
    sched_param parameters {};
    parameters.sched_priority = 0;
    return ::sched_setscheduler(tid, policy, &parameters) == 0; // tid 0: the calling thread
}

// Whether a thread of this process may go back from SCHED_IDLE to
// SCHED_BATCH (CAP_SYS_NICE, or RLIMIT_NICE >= 20). Asked of a throwaway
// thread, so that a "no" leaves no thread stuck at the idle priority.
bool mayLeaveIdle()
{
    bool may = false;
    std::thread probe([&may] { may = setPolicy(0, SCHED_IDLE) && setPolicy(0, SCHED_BATCH); });
    probe.join();
    return may;
}
#endif
} // namespace

WriterPriority::WriterPriority(std::chrono::milliseconds raiseAfter, OldestWaiting oldestWaiting)
    : m_raiseAfter(raiseAfter)
    , m_oldestWaiting(std::move(oldestWaiting))
{
}

WriterPriority::~WriterPriority()
{
    stop();
}

void WriterPriority::adopt(bool preferIdle)
{
#ifdef Q_OS_LINUX
    m_writerTid = static_cast<int>(::gettid());
    // SCHED_BATCH: the writer's wake-ups do not preempt a running request thread.
    if (!setPolicy(0, SCHED_BATCH)) {
        qCDebug(lcStorage) << "usage log: cannot use SCHED_BATCH for the writer:" << qt_error_string(errno);
        return;
    }
    m_mode = Mode::Batch;
    if (!preferIdle)
        return;
    if (!mayLeaveIdle()) {
        qCDebug(lcStorage) << "usage log: the writer runs under SCHED_BATCH: without CAP_SYS_NICE or an RLIMIT_NICE "
                              "of 20 it could not leave SCHED_IDLE when it falls behind";
        return;
    }
    m_mode = Mode::Idle;
    m_watchdog = std::thread([this] { watch(); });
    ::pthread_setname_np(m_watchdog.native_handle(), "usage-watchdog");
#else
    Q_UNUSED(preferIdle)
#endif
}

void WriterPriority::yield()
{
#ifdef Q_OS_LINUX
    if (m_mode != Mode::Idle)
        return;
    // Announce first, then look: a watchdog marking us late either is seen
    // here or sees us yielding (and moves us back to SCHED_BATCH).
    m_yielding.store(true);
    if (m_late.load()) {
        m_yielding.store(false);
        return;
    }
    if (!m_lowered)
        m_lowered = setPolicy(0, SCHED_IDLE);
    // Marked late between the look and the lowering: markLate() may have
    // raised us before we lowered ourselves. Look again.
    if (m_lowered && m_late.load()) {
        m_lowered = false;
        setPolicy(0, SCHED_BATCH);
    }
#endif
}

void WriterPriority::hold()
{
#ifdef Q_OS_LINUX
    m_yielding.store(false);
    if (m_lowered) {
        m_lowered = false;
        setPolicy(0, SCHED_BATCH);
    }
#endif
}

void WriterPriority::recordsWaiting()
{
    if (!m_parked.load(std::memory_order_relaxed))
        return;
    {
        std::lock_guard lock(m_mutex);
        m_parked.store(false, std::memory_order_relaxed);
    }
    m_cv.notify_one();
}

void WriterPriority::caughtUp()
{
    m_late.store(false);
}

void WriterPriority::raise()
{
    if (m_mode == Mode::Idle && markLate())
        m_raises.fetch_add(1, std::memory_order_relaxed);
}

bool WriterPriority::markLate()
{
    const bool wasLate = m_late.exchange(true);
#ifdef Q_OS_LINUX
    // Whether or not it was late already: a writer that lowered itself just
    // before it saw the mark is moved back here, at the latest one interval on.
    if (m_yielding.load() && !setPolicy(m_writerTid, SCHED_BATCH) && errno != ESRCH)
        qCWarning(lcStorage) << "usage log: cannot raise the writer's priority:" << qt_error_string(errno);
#endif
    return !wasLate;
}

void WriterPriority::stop()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_cv.notify_all();
    if (m_watchdog.joinable())
        m_watchdog.join();
}

void WriterPriority::watch()
{
    std::unique_lock lock(m_mutex);
    while (!m_stopping) {
        // Parked before looking, so that a record queued after the look
        // finds the flag set and wakes us (recordsWaiting()).
        m_parked.store(true, std::memory_order_relaxed);
        lock.unlock();
        const std::optional<Clock::time_point> oldest = m_oldestWaiting();
        lock.lock();
        if (!oldest) {
            m_cv.wait(lock, [this] { return m_stopping || !m_parked.load(std::memory_order_relaxed); });
            continue;
        }
        m_parked.store(false, std::memory_order_relaxed);
        const Clock::time_point due = *oldest + m_raiseAfter;
        if (Clock::now() < due) {
            m_cv.wait_until(lock, due, [this] { return m_stopping; });
            continue;
        }
        if (markLate())
            m_raises.fetch_add(1, std::memory_order_relaxed);
        // Look again after another interval (and move a writer that lowered
        // itself meanwhile back up).
        m_cv.wait_for(lock, m_raiseAfter, [this] { return m_stopping; });
    }
}

} // namespace signalbox::engine
