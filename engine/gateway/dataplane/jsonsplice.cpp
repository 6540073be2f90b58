#include "engine/gateway/dataplane/jsonsplice.h"

namespace signalbox::engine {

namespace {

bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

qsizetype skipSpace(QByteArrayView s, qsizetype i)
{
    while (i < s.size() && isSpace(s[i]))
        ++i;
    return i;
}

// Index just past the string starting at s[i] == '"'; -1 if unterminated.
qsizetype skipString(QByteArrayView s, qsizetype i)
{
    for (++i; i < s.size(); ++i) {
        if (s[i] == '\\')
            ++i;
        else if (s[i] == '"')
            return i + 1;
    }
    return -1;
}

// Index just past the value starting at s[i]; -1 if malformed.
qsizetype skipValue(QByteArrayView s, qsizetype i)
{
    if (i >= s.size())
        return -1;
    const char c = s[i];
    if (c == '"')
        return skipString(s, i);
    if (c == '{' || c == '[') {
        int depth = 0;
        for (; i < s.size(); ++i) {
            const char d = s[i];
            if (d == '"') {
                i = skipString(s, i);
                if (i < 0)
                    return -1;
                --i;
            } else if (d == '{' || d == '[') {
                ++depth;
            } else if (d == '}' || d == ']') {
                if (--depth == 0)
                    return i + 1;
            }
        }
        return -1;
    }
    const qsizetype start = i;
    while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && !isSpace(s[i]))
        ++i;
    return i > start ? i : -1;
}

} // namespace

std::optional<QList<JsonMember>> jsonObjectMembers(QByteArrayView json)
{
    qsizetype i = skipSpace(json, 0);
    if (i >= json.size() || json[i] != '{')
        return std::nullopt;
    QList<JsonMember> members;
    i = skipSpace(json, i + 1);
    if (i < json.size() && json[i] == '}')
        return members;
    while (i < json.size()) {
        if (json[i] != '"')
            return std::nullopt;
        const qsizetype keyEnd = skipString(json, i);
        if (keyEnd < 0)
            return std::nullopt;
        const QByteArrayView key = json.sliced(i + 1, keyEnd - i - 2);
        i = skipSpace(json, keyEnd);
        if (i >= json.size() || json[i] != ':')
            return std::nullopt;
        i = skipSpace(json, i + 1);
        const qsizetype valueEnd = skipValue(json, i);
        if (valueEnd < 0)
            return std::nullopt;
        members.append({key, json.sliced(i, valueEnd - i)});
        i = skipSpace(json, valueEnd);
        if (i >= json.size())
            return std::nullopt;
        if (json[i] == '}')
            return members;
        if (json[i] != ',')
            return std::nullopt;
        i = skipSpace(json, i + 1);
    }
    return std::nullopt;
}

std::optional<QByteArray> jsonObjectWithEdits(QByteArrayView json, const QList<JsonEdit> &edits)
{
    const auto members = jsonObjectMembers(json);
    if (!members)
        return std::nullopt;
    QByteArray out;
    out.reserve(json.size() + 64);
    out += '{';
    bool first = true;
    const auto append = [&](QByteArrayView key, QByteArrayView value) {
        if (!first)
            out += ',';
        first = false;
        out += '"';
        out += key;
        out += "\":";
        out += value;
    };
    QList<bool> applied(edits.size(), false);
    for (const auto &member : *members) {
        qsizetype editIndex = -1;
        for (qsizetype e = 0; e < edits.size(); ++e) {
            if (edits[e].key == member.key) {
                editIndex = e;
                break;
            }
        }
        if (editIndex < 0) {
            append(member.key, member.value);
            continue;
        }
        // A duplicate key is replaced (or removed) every time it appears, but
        // the new value is written once.
        if (!applied[editIndex] && !edits[editIndex].value.isNull())
            append(member.key, edits[editIndex].value);
        applied[editIndex] = true;
    }
    for (qsizetype e = 0; e < edits.size(); ++e) {
        if (!applied[e] && !edits[e].value.isNull())
            append(edits[e].key, edits[e].value);
    }
    out += '}';
    return out;
}

QByteArray jsonQuoted(QByteArrayView text)
{
    QByteArray out;
    out.reserve(text.size() + 2);
    out += '"';
    for (const char c : text) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                static const char hex[] = "0123456789abcdef";
                out += "\\u00";
                out += hex[(c >> 4) & 0xf];
                out += hex[c & 0xf];
            } else {
                out += c;
            }
        }
    }
    out += '"';
    return out;
}

} // namespace signalbox::engine
