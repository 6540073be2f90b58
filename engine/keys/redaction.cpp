// Redaction of keys from text (providerkeys.h): for logs and error bodies.

#include "engine/keys/providerkeys.h"

#include <QRegularExpression>

#include <algorithm>
#include <vector>

namespace signalbox::engine {

namespace {

const QString kMask = QStringLiteral("***");

bool hasDigit(QStringView text)
{
    return std::any_of(text.begin(), text.end(), [](QChar c) { return c >= u'0' && c <= u'9'; });
}

// Random-looking enough to be a credential rather than a word: long, and with
// a digit or punctuation, or mixed case.
bool looksLikeToken(QStringView value)
{
    if (value.size() < 8)
        return false;
    bool upper = false;
    bool lower = false;
    for (QChar c : value) {
        if ((c >= u'0' && c <= u'9') || c == u'.' || c == u'~' || c == u'+' || c == u'/' || c == u'=' || c == u'-')
            return true;
        upper = upper || (c >= u'A' && c <= u'Z');
        lower = lower || (c >= u'a' && c <= u'z');
    }
    return upper && lower && value.size() >= 16;
}

// Replaces capture `group` of every accepted match of `pattern` with "***".
template <typename Accept>
QString replaceMatches(const QString &text, const QRegularExpression &pattern, int group, Accept accept)
{
    QString out;
    qsizetype copied = 0;
    bool changed = false;
    QRegularExpressionMatchIterator it = pattern.globalMatch(text);
    while (it.hasNext()) {
        const QRegularExpressionMatch match = it.next();
        if (match.capturedLength(group) == 0 || !accept(match))
            continue;
        out += QStringView(text).sliced(copied, match.capturedStart(group) - copied);
        out += kMask;
        copied = match.capturedEnd(group);
        changed = true;
    }
    if (!changed)
        return text;
    out += QStringView(text).sliced(copied);
    return out;
}

} // namespace

QByteArray redactSecrets(QByteArrayView text)
{
    // Keys are ASCII; Latin-1 maps every byte to one character and back, so
    // whatever else the text holds (invalid UTF-8 included) comes back as it was.
    QString s = QString::fromLatin1(text);

    // Values of Authorization-like headers, JSON fields and parameters:
    // `x-api-key: v`, `"api_key": "v"`, `Authorization: Bearer v`, `OPENAI_API_KEY=v`.
    static const QRegularExpression keyed(
        QStringLiteral("(?<![A-Za-z0-9])((?:proxy-)?authorization|x-goog-api-key|x-api-key|api[-_]?key|"
                       "access[-_]?token|refresh[-_]?token|auth[-_]?token|client[-_]?secret|secret[-_]?key)"
                       "([\"']?[ \\t]*[:=][ \\t]*[\"']?)((?:(?:bearer|basic|token)[ \\t]+)?)"
                       "([^ \\t\\r\\n\"'&,;<>{}\\[\\]\\\\]+)"),
        QRegularExpression::CaseInsensitiveOption);
    s = replaceMatches(s, keyed, 4, [](const QRegularExpressionMatch &m) {
        return looksLikeToken(m.capturedView(4)) || (m.capturedLength(3) > 0 && m.capturedLength(4) >= 4);
    });

    // Query parameters: `?key=v`, `&api_key=v`, `&access_token=v`.
    static const QRegularExpression query(
        QStringLiteral("[?&;](?:key|api[-_]?key|apikey|access[-_]?token|token|auth|sig|signature|x-goog-api-key)="
                       "([^&#\\s\"'<>]+)"),
        QRegularExpression::CaseInsensitiveOption);
    s = replaceMatches(s, query, 1, [](const QRegularExpressionMatch &) { return true; });

    // A credential after its scheme anywhere else ("... Bearer v ...").
    static const QRegularExpression scheme(
        QStringLiteral("(?<![A-Za-z0-9_-])(bearer|basic)[ \\t]+([A-Za-z0-9._~+/=-]{8,})"),
        QRegularExpression::CaseInsensitiveOption);
    s = replaceMatches(s, scheme, 2, [](const QRegularExpressionMatch &m) {
        return m.capturedView(1).compare(u"bearer", Qt::CaseInsensitive) == 0 || looksLikeToken(m.capturedView(2));
    });

    // Tokens with a known provider prefix, wherever they stand. The `sk-`
    // family must also hold a digit, so "sk-learn-compatible-estimators"
    // stays; the others' prefixes are distinctive enough.
    static const QRegularExpression prefixed(
        QStringLiteral("(?<![A-Za-z0-9_-])(sk-[A-Za-z0-9_-]{20,}|sbk_[A-Za-z0-9_-]{16,}|gsk_[A-Za-z0-9]{20,}|"
                       "xai-[A-Za-z0-9]{20,}|AIza[A-Za-z0-9_-]{30,}|hf_[A-Za-z0-9]{20,}|pplx-[A-Za-z0-9]{20,}|"
                       "r8_[A-Za-z0-9]{20,}|ya29\\.[A-Za-z0-9._-]{20,}|ghp_[A-Za-z0-9]{20,}|"
                       "github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,})"));
    s = replaceMatches(s, prefixed, 1, [](const QRegularExpressionMatch &m) {
        const QStringView token = m.capturedView(1);
        return !token.startsWith(u"sk-") || hasDigit(token.sliced(3));
    });
    return s.toLatin1();
}

QByteArray redactKnownSecrets(QByteArrayView text, const std::vector<QByteArray> &secrets)
{
    std::vector<QByteArray> forms;
    for (const QByteArray &secret : secrets) {
        if (secret.isEmpty())
            continue;
        forms.push_back(secret);
        forms.push_back(secret.toPercentEncoding());
        QByteArray json = secret;
        json.replace("\\", "\\\\").replace("\"", "\\\"").replace("/", "\\/");
        forms.push_back(json);
    }
    // Longest first, so a secret that contains another is replaced whole.
    std::sort(forms.begin(), forms.end(),
        [](const QByteArray &a, const QByteArray &b) { return a.size() != b.size() ? a.size() > b.size() : a < b; });
    forms.erase(std::unique(forms.begin(), forms.end()), forms.end());
    QByteArray out = text.toByteArray();
    for (const QByteArray &form : forms)
        out.replace(form, "***");
    return out;
}

} // namespace signalbox::engine
