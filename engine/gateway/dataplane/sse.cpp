#include "engine/gateway/dataplane/sse.h"

namespace signalbox::engine {

namespace {

// End of the event starting at `from` (index just past its blank line), or -1.
qsizetype findEventEnd(QByteArrayView s, qsizetype from)
{
    for (qsizetype i = from; i < s.size(); ++i) {
        const char c = s[i];
        if (c != '\n' && c != '\r')
            continue;
        // A line ends at i; the event ends if the next line is empty.
        qsizetype next = i + 1;
        if (c == '\r' && next < s.size() && s[next] == '\n')
            ++next;
        if (next >= s.size())
            return -1; // cannot tell yet ("\r" may be followed by "\n")
        const char d = s[next];
        if (d == '\n')
            return next + 1;
        if (d == '\r') {
            if (next + 1 >= s.size())
                return -1;
            return s[next + 1] == '\n' ? next + 2 : next + 1;
        }
        i = next - 1;
    }
    return -1;
}

} // namespace

QByteArray sseEventData(QByteArrayView rawEvent, bool *hasData)
{
    QByteArray data;
    bool any = false;
    qsizetype i = 0;
    while (i < rawEvent.size()) {
        qsizetype end = i;
        while (end < rawEvent.size() && rawEvent[end] != '\n' && rawEvent[end] != '\r')
            ++end;
        const QByteArrayView line = rawEvent.sliced(i, end - i);
        if (line.startsWith("data:")) {
            QByteArrayView value = line.sliced(5);
            if (value.startsWith(' '))
                value = value.sliced(1);
            if (any)
                data += '\n';
            data += value;
            any = true;
        } else if (line == "data") {
            if (any)
                data += '\n';
            any = true;
        }
        i = end;
        if (i < rawEvent.size() && rawEvent[i] == '\r')
            ++i;
        if (i < rawEvent.size() && rawEvent[i] == '\n')
            ++i;
    }
    if (hasData)
        *hasData = any;
    return data;
}

bool SseAssembler::hasPending() const
{
    for (qsizetype i = m_scanned; i < m_buffer.size(); ++i) {
        const char c = m_buffer[i];
        if (c != '\n' && c != '\r' && c != ' ')
            return true;
    }
    return false;
}

bool SseAssembler::feed(QByteArrayView bytes, const std::function<void(const SseEvent &)> &onEvent)
{
    // Fast path: nothing pending and the read holds whole events only.
    QByteArrayView input;
    if (m_scanned == m_buffer.size()) {
        m_buffer.clear();
        m_scanned = 0;
        input = bytes;
    } else {
        m_buffer += bytes;
        input = m_buffer;
    }
    qsizetype start = (input.data() == m_buffer.constData()) ? m_scanned : 0;
    for (;;) {
        const qsizetype end = findEventEnd(input, start);
        if (end < 0)
            break;
        SseEvent event;
        event.raw = input.sliced(start, end - start);
        event.data = sseEventData(event.raw, &event.hasData);
        start = end;
        onEvent(event);
    }
    if (input.data() != m_buffer.constData()) {
        // Keep the unfinished tail.
        m_buffer = input.sliced(start).toByteArray();
        m_scanned = 0;
    } else {
        m_scanned = start;
        if (m_scanned > 64 * 1024 && m_scanned * 2 > m_buffer.size()) {
            m_buffer.remove(0, m_scanned);
            m_scanned = 0;
        }
    }
    return pendingBytes() <= kMaxEventBytes;
}

} // namespace signalbox::engine
