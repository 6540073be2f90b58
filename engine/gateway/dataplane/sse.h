#pragma once

// Server-Sent Events as a relay needs them: bytes in, whole events out, each
// with its raw bytes (forwarded exactly as the provider wrote them) and its
// joined `data:` payload (inspected for usage, errors and [DONE]). An event
// split across any number of TCP reads comes out once, whole.

#include <QByteArray>
#include <QByteArrayView>

#include <functional>

namespace signalbox::engine {

struct SseEvent {
    QByteArrayView raw;  // the event including its terminating blank line
    QByteArray data;     // its data: lines joined by '\n' (no trailing newline)
    bool hasData = false; // false: a comment or a field-only event (keep-alive)
    bool isDone() const { return hasData && data == "[DONE]"; }
};

class SseAssembler {
public:
    // Largest event we hold while waiting for its end; a provider that sends
    // more without a blank line is broken (the relay fails the stream).
    static constexpr qsizetype kMaxEventBytes = 8 * 1024 * 1024;

    // Calls `onEvent` for every event completed by `bytes`, in order. Returns
    // false if the pending partial event grew past kMaxEventBytes.
    bool feed(QByteArrayView bytes, const std::function<void(const SseEvent &)> &onEvent);
    // Bytes of an event begun but not ended.
    qsizetype pendingBytes() const { return m_buffer.size() - m_scanned; }
    bool hasPending() const;

private:
    QByteArray m_buffer;
    qsizetype m_scanned = 0; // start of the first incomplete event in m_buffer
};

// An event's data payload parsed out of raw event text (for tests and tools).
QByteArray sseEventData(QByteArrayView rawEvent, bool *hasData = nullptr);

} // namespace signalbox::engine
