// UpstreamEngine: the curl multi handle on the Qt event loop (socket
// notifiers, one timer), the calls in flight, their first-byte and idle
// watches, and the delivery of user callbacks. See upstreamengine.h for the
// rule that keeps re-entrancy simple.

#include "engine/gateway/upstream/upstreamengine.h"

#include "engine/core/logging.h"

#include <QThread>
#include <QTimerEvent>

#include <mutex>
#include <vector>

#ifdef Q_OS_WIN
#include <winsock2.h>
#else
#include <unistd.h>
#endif

namespace signalbox::engine::detail {

namespace {

void initCurlOnce()
{
    static std::once_flag once;
    std::call_once(once, [] {
        if (const CURLcode code = curl_global_init(CURL_GLOBAL_DEFAULT); code != CURLE_OK)
            qCCritical(lcGateway) << "curl_global_init failed:" << curl_easy_strerror(code);
    });
}

} // namespace

// ---------------------------------------------------------------------------
// EngineDriver

struct EngineDriver::Busy {
    explicit Busy(EngineDriver *driver)
        : d(driver)
    {
        ++d->m_busy;
    }
    ~Busy()
    {
        if (--d->m_busy == 0 && d->m_released)
            d->deleteLater(); // we are inside one of its handlers: the event loop runs
    }
    Busy(const Busy &) = delete;
    Busy &operator=(const Busy &) = delete;
    EngineDriver *d;
};

EngineDriver::EngineDriver(std::weak_ptr<UpstreamEngine> engine)
    : m_engine(std::move(engine))
{
}

void EngineDriver::socketActivated(curl_socket_t socket, QSocketNotifier *notifier, int select)
{
    const Busy busy(this);
    if (const std::shared_ptr<UpstreamEngine> engine = m_engine.lock())
        engine->socketActivated(socket, notifier, select);
}

void EngineDriver::timerEvent(QTimerEvent *event)
{
    const Busy busy(this);
    if (const std::shared_ptr<UpstreamEngine> engine = m_engine.lock())
        engine->timerFired(event->timerId());
    else
        killTimer(event->timerId());
}

void EngineDriver::release()
{
    m_engine.reset();
    m_released = true;
    if (m_busy == 0)
        delete this;
}

// ---------------------------------------------------------------------------
// UpstreamEngine: setup and teardown

UpstreamEngine::UpstreamEngine(const UpstreamClient::Options &options)
    : m_options(options)
    , m_thread(QThread::currentThread())
{
    initCurlOnce();
}

UpstreamEngine::~UpstreamEngine()
{
    shutdown();
}

void UpstreamEngine::init()
{
    m_driver = new EngineDriver(weak_from_this());
    m_multi = curl_multi_init();
    if (!m_multi) {
        qCCritical(lcGateway) << "curl_multi_init failed";
        return;
    }
    const curl_socket_callback socketCallback = &UpstreamEngine::onCurlSocket;
    const curl_multi_timer_callback timerCallback = &UpstreamEngine::onCurlTimer;
    void *self = this;
    curl_multi_setopt(m_multi, CURLMOPT_SOCKETFUNCTION, socketCallback);
    curl_multi_setopt(m_multi, CURLMOPT_SOCKETDATA, self);
    curl_multi_setopt(m_multi, CURLMOPT_TIMERFUNCTION, timerCallback);
    curl_multi_setopt(m_multi, CURLMOPT_TIMERDATA, self);
    curl_multi_setopt(m_multi, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(m_options.maxConnectionsPerHost));
    curl_multi_setopt(m_multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, static_cast<long>(m_options.maxTotalConnections));
    // The idle pool: without this curl keeps 4 x the handles added, which
    // drops warm connections when traffic dips.
    curl_multi_setopt(m_multi, CURLMOPT_MAXCONNECTS, static_cast<long>(m_options.maxTotalConnections));
    curl_multi_setopt(m_multi, CURLMOPT_PIPELINING, static_cast<long>(CURLPIPE_MULTIPLEX));
}

void UpstreamEngine::shutdown()
{
    if (m_shutDown)
        return;
    m_shutDown = true;
    std::vector<std::shared_ptr<UpstreamTransfer>> calls;
    calls.reserve(m_calls.size());
    for (const auto &entry : m_calls)
        calls.push_back(entry.second);
    for (const std::shared_ptr<UpstreamTransfer> &call : calls)
        abandon(*call);
    m_ready.clear();
    if (m_multi) {
        curl_multi_cleanup(m_multi); // closes the pooled connections
        m_multi = nullptr;
    }
    for (auto &entry : m_sockets) {
        for (QSocketNotifier *notifier : {entry.second.read, entry.second.write}) {
            if (notifier)
                notifier->setEnabled(false);
        }
    }
    m_sockets.clear(); // the notifiers are the driver's children
    m_callTimers.clear();
    if (m_driver) {
        if (m_curlTimer)
            m_driver->killTimer(m_curlTimer);
        if (m_dispatchTimer)
            m_driver->killTimer(m_dispatchTimer);
        m_curlTimer = m_dispatchTimer = 0;
        std::exchange(m_driver, nullptr)->release();
    }
}

// ---------------------------------------------------------------------------
// Calls

std::shared_ptr<UpstreamCall> UpstreamEngine::start(UpstreamRequest request, UpstreamCallbacks callbacks)
{
    Q_ASSERT_X(QThread::currentThread() == m_thread, "UpstreamClient::start", "used on another thread");
    auto call = std::make_shared<UpstreamTransfer>();
    call->m_timings.started = UpstreamClock::now();
    call->engine = this;
    call->request = std::move(request);
    call->callbacks = std::move(callbacks);
    m_calls.emplace(call.get(), call);

    QString problem = m_multi ? call->configure(m_options) : QStringLiteral("curl is not available");
    if (problem.isEmpty()) {
        if (const CURLMcode code = curl_multi_add_handle(m_multi, call->easy); code == CURLM_OK)
            call->inMulti = true;
        else
            problem = QString::fromUtf8(curl_multi_strerror(code));
    }
    if (call->inMulti) {
        // Kick the transfer now (a reused connection: the request is sent
        // right here) instead of on the zero timer curl just asked for, one
        // event-loop turn later. Only curl's recording callbacks run; what
        // finished is delivered from the event loop, never from start().
        int running = 0;
        curl_multi_socket_action(m_multi, CURL_SOCKET_TIMEOUT, 0, &running);
        collectDone();
        scheduleDispatch();
    }
    if (!problem.isEmpty()) {
        endTransfer(*call, UpstreamFailure::Protocol, problem);
        scheduleDispatch(); // onFinished from the event loop, never from inside start()
    }
    return call;
}

void UpstreamEngine::cancel(UpstreamTransfer &call)
{
    Q_ASSERT_X(QThread::currentThread() == m_thread, "UpstreamCall::cancel", "used on another thread");
    abandon(call);
}

void UpstreamEngine::abandon(UpstreamTransfer &call)
{
    if (call.finished)
        return;
    const std::shared_ptr<UpstreamTransfer> keep = call.shared_from_this();
    call.finished = true;
    if (!call.transferDone) {
        detach(call); // closes an unfinished HTTP/1 connection before we return
        call.transferDone = true;
    }
    call.result = UpstreamFailure::Cancelled;
    call.detail.clear();
    call.engine = nullptr;
    call.pending = QByteArray();
    if (!call.inCallback)
        call.callbacks = {}; // else when that callback returns (deliver)
    m_calls.erase(&call);
}

void UpstreamEngine::pause(UpstreamTransfer &call)
{
    Q_ASSERT_X(QThread::currentThread() == m_thread, "UpstreamCall::pause", "used on another thread");
    if (call.paused)
        return;
    call.paused = true;
    stopCallTimer(call); // a paused call is never idle by the provider's fault
    setCurlPaused(call, true);
}

void UpstreamEngine::resume(UpstreamTransfer &call)
{
    Q_ASSERT_X(QThread::currentThread() == m_thread, "UpstreamCall::resume", "used on another thread");
    if (!call.paused)
        return;
    call.paused = false;
    if (!call.transferDone) {
        if (call.idlePhase)
            watchIdle(call);
        else if (call.fullySent)
            watchFirstByte(call);
        if (!call.autoPaused)
            setCurlPaused(call, false); // may hand buffered bytes to onBody right here
    }
    queue(call); // pending bytes, the end, or nothing: deliver() sorts it out
    scheduleDispatch();
}

void UpstreamEngine::setCurlPaused(UpstreamTransfer &call, bool paused)
{
    if (!call.easy || call.transferDone || call.curlPaused == paused)
        return;
    call.curlPaused = paused;
    // Unpausing may call onBody at once with what curl held back, and onBody
    // may pause again (autoPaused); both only touch the call's own state.
    curl_easy_pause(call.easy, paused ? CURLPAUSE_RECV : CURLPAUSE_CONT);
}

void UpstreamEngine::detach(UpstreamTransfer &call)
{
    stopCallTimer(call);
    if (call.easy) {
        call.bytesSent = call.bytesSent || call.curlSaysRequestSent();
        long connects = 0;
        if (curl_easy_getinfo(call.easy, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK)
            m_connectionsOpened += static_cast<int>(connects);
        if (call.inMulti && m_multi)
            curl_multi_remove_handle(m_multi, call.easy); // premature: closes an HTTP/1 connection
        call.inMulti = false;
        call.releaseCurl();
    }
    call.m_timings.finished = UpstreamClock::now();
}

void UpstreamEngine::endTransfer(UpstreamTransfer &call, UpstreamFailure result, const QString &detail)
{
    if (call.transferDone)
        return;
    detach(call);
    call.transferDone = true;
    call.result = result;
    call.detail = detail;
    if (result != UpstreamFailure::None)
        qCDebug(lcGateway) << "upstream call failed:" << upstreamFailureName(result) << detail;
    queue(call);
}

// ---------------------------------------------------------------------------
// First-byte and idle watches: one timer per call, re-armed lazily (body
// reads only note the time; the timer checks the gap when it fires).

void UpstreamEngine::watchFirstByte(UpstreamTransfer &call)
{
    call.idlePhase = false;
    if (call.request.firstByteTimeout.count() > 0 && !call.paused)
        armCallTimer(call, call.request.firstByteTimeout);
}

void UpstreamEngine::watchIdle(UpstreamTransfer &call)
{
    call.idlePhase = true;
    call.lastActivity = UpstreamClock::now();
    if (call.request.idleTimeout.count() > 0 && !call.paused)
        armCallTimer(call, call.request.idleTimeout);
    else
        stopCallTimer(call);
}

void UpstreamEngine::armCallTimer(UpstreamTransfer &call, std::chrono::milliseconds timeout)
{
    stopCallTimer(call);
    if (!m_driver)
        return;
    call.timerId = m_driver->startTimer(timeout, Qt::PreciseTimer); // coarse ones may fire early
    if (call.timerId)
        m_callTimers.emplace(call.timerId, &call);
}

void UpstreamEngine::stopCallTimer(UpstreamTransfer &call)
{
    if (!call.timerId)
        return;
    m_callTimers.erase(call.timerId);
    if (m_driver)
        m_driver->killTimer(call.timerId);
    call.timerId = 0;
}

void UpstreamEngine::callTimerFired(UpstreamTransfer &call)
{
    stopCallTimer(call);
    if (call.transferDone || call.paused)
        return;
    if (!call.idlePhase) {
        endTransfer(call, UpstreamFailure::FirstByteTimeout,
                    QStringLiteral("no response within %1 ms after the request was sent")
                        .arg(call.request.firstByteTimeout.count()));
        return;
    }
    const auto silent = std::chrono::duration_cast<std::chrono::milliseconds>(UpstreamClock::now() - call.lastActivity);
    if (silent >= call.request.idleTimeout) {
        endTransfer(call, UpstreamFailure::IdleTimeout,
                    QStringLiteral("the response stalled for %1 ms").arg(silent.count()));
        return;
    }
    armCallTimer(call, call.request.idleTimeout - silent);
}

// ---------------------------------------------------------------------------
// Qt <-> curl

int UpstreamEngine::onCurlSocket(CURL *, curl_socket_t socket, int what, void *self, void *)
{
    static_cast<UpstreamEngine *>(self)->watchSocket(socket, what);
    return 0;
}

int UpstreamEngine::onCurlTimer(CURLM *, long timeoutMs, void *self)
{
    auto *engine = static_cast<UpstreamEngine *>(self);
    if (!engine->m_driver)
        return 0;
    if (engine->m_curlTimer)
        engine->m_driver->killTimer(std::exchange(engine->m_curlTimer, 0));
    if (timeoutMs >= 0)
        engine->m_curlTimer = engine->m_driver->startTimer(std::chrono::milliseconds(timeoutMs), Qt::PreciseTimer);
    return 0;
}

void UpstreamEngine::watchSocket(curl_socket_t socket, int what)
{
    if (what == CURL_POLL_REMOVE) {
        const auto it = m_sockets.find(socket);
        if (it == m_sockets.end())
            return;
        if (!it->second.connection) {
            // Not a connection (the resolver's socketpair): curl closes it
            // without CURLOPT_CLOSESOCKETFUNCTION, so this is the last word.
            forgetSocket(socket);
            return;
        }
        // Not watched until curl asks again (a pooled connection's next
        // transfer); the notifiers stay until the socket closes. The read
        // notifier even stays enabled: a kept-alive connection is silent
        // between transfers, and every enable/disable costs the event loop a
        // wake-up write. If it does fire meanwhile (the server closed the
        // connection), socketActivated() disables it.
        it->second.watched = false;
        if (it->second.write && it->second.write->isEnabled())
            it->second.write->setEnabled(false);
        return;
    }
    SocketWatch &watch = m_sockets[socket];
    watch.watched = true;
    setNotifier(watch.read, socket, QSocketNotifier::Read, what == CURL_POLL_IN || what == CURL_POLL_INOUT);
    setNotifier(watch.write, socket, QSocketNotifier::Write, what == CURL_POLL_OUT || what == CURL_POLL_INOUT);
}

int UpstreamEngine::onCurlCloseSocket(void *self, curl_socket_t socket)
{
    static_cast<UpstreamEngine *>(self)->forgetSocket(socket);
#ifdef Q_OS_WIN
    return ::closesocket(socket);
#else
    return ::close(socket);
#endif
}

void UpstreamEngine::adoptConnectionSocket(curl_socket_t socket)
{
    // A descriptor number curl closed behind our back may come back: start afresh.
    forgetSocket(socket);
    m_sockets[socket].connection = true;
}

void UpstreamEngine::forgetSocket(curl_socket_t socket)
{
    const auto it = m_sockets.find(socket);
    if (it == m_sockets.end())
        return;
    // Possibly the notifier whose activation we are handling: disable it
    // now, delete it from the event loop. The descriptor number may be
    // reused at once; a new socket gets new notifiers.
    for (QSocketNotifier *notifier : {it->second.read, it->second.write}) {
        if (notifier) {
            notifier->setEnabled(false);
            notifier->deleteLater();
        }
    }
    m_sockets.erase(it);
}

void UpstreamEngine::setNotifier(QSocketNotifier *&notifier, curl_socket_t socket, QSocketNotifier::Type type,
                                 bool on)
{
    if (!on) {
        if (notifier && notifier->isEnabled())
            notifier->setEnabled(false);
        return;
    }
    if (!m_driver)
        return;
    if (!notifier) {
        notifier = new QSocketNotifier(static_cast<qintptr>(socket), type, m_driver);
        const int select = type == QSocketNotifier::Read ? CURL_CSELECT_IN : CURL_CSELECT_OUT;
        QObject::connect(notifier, &QSocketNotifier::activated, notifier,
                         [driver = m_driver, socket, self = notifier, select] {
                             driver->socketActivated(socket, self, select);
                         });
    }
    if (!notifier->isEnabled())
        notifier->setEnabled(true);
}

void UpstreamEngine::socketActivated(curl_socket_t socket, QSocketNotifier *notifier, int select)
{
    const auto it = m_sockets.find(socket);
    if (it == m_sockets.end() || (it->second.read != notifier && it->second.write != notifier))
        return; // a retired notifier; the descriptor may already belong to another connection
    if (!it->second.watched) {
        // An idle pooled connection became readable (closed by the server):
        // curl finds out when it next uses or prunes it; stop polling it.
        notifier->setEnabled(false);
        return;
    }
    socketAction(socket, select);
}

void UpstreamEngine::timerFired(int timerId)
{
    if (timerId == m_curlTimer) {
        m_driver->killTimer(std::exchange(m_curlTimer, 0));
        socketAction(CURL_SOCKET_TIMEOUT, 0);
        return;
    }
    if (timerId == m_dispatchTimer) {
        m_driver->killTimer(std::exchange(m_dispatchTimer, 0));
        dispatch();
        return;
    }
    const auto it = m_callTimers.find(timerId);
    if (it == m_callTimers.end()) {
        m_driver->killTimer(timerId);
        return;
    }
    callTimerFired(*it->second);
    dispatch();
}

void UpstreamEngine::socketAction(curl_socket_t socket, int select)
{
    if (!m_multi)
        return;
    int running = 0;
    curl_multi_socket_action(m_multi, socket, select, &running);
    collectDone();
    dispatch();
}

void UpstreamEngine::collectDone()
{
    int left = 0;
    while (CURLMsg *message = curl_multi_info_read(m_multi, &left)) {
        if (message->msg != CURLMSG_DONE)
            continue;
        const CURLcode code = message->data.result; // `message` dies with remove_handle
        char *data = nullptr;
        curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &data);
        auto *call = static_cast<UpstreamTransfer *>(static_cast<void *>(data));
        if (!call)
            continue;
        QString detail;
        const UpstreamFailure result = call->classify(code, &detail);
        endTransfer(*call, result, detail);
    }
}

// ---------------------------------------------------------------------------
// Delivery. Runs only from the driver's handlers, with no curl function on
// the stack; user callbacks may do anything, including destroying the client.

void UpstreamEngine::queue(UpstreamTransfer &call)
{
    if (call.queued || call.finished || m_shutDown)
        return;
    call.queued = true;
    m_ready.push_back(call.shared_from_this());
}

void UpstreamEngine::scheduleDispatch()
{
    if (!m_dispatchTimer && m_driver && !m_ready.empty())
        m_dispatchTimer = m_driver->startTimer(0);
}

void UpstreamEngine::dispatch()
{
    while (!m_ready.empty() && !m_shutDown) {
        const std::shared_ptr<UpstreamTransfer> call = std::move(m_ready.front());
        m_ready.pop_front();
        call->queued = false;
        deliver(call);
    }
}

void UpstreamEngine::deliver(const std::shared_ptr<UpstreamTransfer> &call)
{
    // Re-entered through a nested event loop while one of this call's own
    // callbacks runs: that frame's loop below picks the new events up.
    if (call->inCallback || call->finished)
        return;
    call->inCallback = true;
    while (!call->finished && !m_shutDown) {
        if (call->headReady && !call->headDelivered) {
            call->headDelivered = true;
            if (call->callbacks.onHead)
                call->callbacks.onHead(call->head);
            continue;
        }
        if (call->paused)
            break;
        if (!call->pending.isEmpty()) {
            const QByteArray chunk = std::exchange(call->pending, QByteArray());
            if (call->callbacks.onData)
                call->callbacks.onData(chunk);
            continue;
        }
        if (call->autoPaused) {
            call->autoPaused = false;
            setCurlPaused(*call, false); // may refill `pending` at once
            continue;
        }
        if (call->transferDone) {
            call->finished = true;
            call->engine = nullptr;
            UpstreamCallbacks callbacks = std::move(call->callbacks);
            call->callbacks = {};
            m_calls.erase(call.get());
            if (callbacks.onFinished)
                callbacks.onFinished(call->result, call->detail);
        }
        break;
    }
    call->inCallback = false;
    if (call->finished)
        call->callbacks = {}; // cancel() from inside a callback left them to us
}

} // namespace signalbox::engine::detail
