#include "engine/cost/pricebook.h"

#include "engine/cost/costengine.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QRegularExpression>
#include <QSet>

namespace signalbox::engine {

// ---------------------------------------------------------------- matching

bool MatchRule::matches(QStringView id) const
{
    switch (kind) {
    case Kind::Equals:
        return id == text;
    case Kind::StartsWith:
        return id.startsWith(text);
    case Kind::EndsWith:
        return id.endsWith(text);
    case Kind::Contains:
        return id.contains(text);
    case Kind::Regex:
        return regex.match(id).hasMatch();
    case Kind::AnyOf:
        return std::any_of(children.begin(), children.end(), [id](const MatchRule &r) { return r.matches(id); });
    case Kind::AllOf:
        return std::all_of(children.begin(), children.end(), [id](const MatchRule &r) { return r.matches(id); });
    }
    return false;
}

namespace {
// Collects the literals of a rule made only of `equals` and `or`; false when
// the rule has any other kind in it.
bool exactLiterals(const MatchRule &rule, QStringList *out)
{
    if (rule.kind == MatchRule::Kind::Equals) {
        out->append(rule.text);
        return true;
    }
    if (rule.kind == MatchRule::Kind::AnyOf) {
        for (const MatchRule &child : rule.children) {
            if (!exactLiterals(child, out))
                return false;
        }
        return true;
    }
    return false;
}
} // namespace

void PriceBookProvider::buildIndex()
{
    index = {};
    for (int i = 0; i < static_cast<int>(entries.size()); ++i) {
        QStringList literals;
        if (exactLiterals(entries[static_cast<std::size_t>(i)].match, &literals)) {
            for (const QString &literal : std::as_const(literals)) {
                if (!index.exact.contains(literal))
                    index.exact.insert(literal, i);
            }
        } else {
            index.scanned.push_back(i);
        }
    }
}

int PriceBookProvider::findEntry(QStringView modelId) const
{
    const auto hit = index.exact.constFind(modelId.toString());
    const int bound = hit == index.exact.cend() ? static_cast<int>(entries.size()) : hit.value();
    for (int i : index.scanned) {
        if (i >= bound)
            break;
        if (entries[static_cast<std::size_t>(i)].match.matches(modelId))
            return i;
    }
    return hit == index.exact.cend() ? -1 : bound;
}

const PriceBookProvider *PriceBook::provider(QStringView id) const
{
    const auto it = m_providerIndex.constFind(id.toString());
    return it == m_providerIndex.cend() ? nullptr : &m_providers[static_cast<std::size_t>(it.value())];
}

const PriceBookProvider *PriceBook::findProvider(QStringView providerId) const
{
    QString id = providerId.trimmed().toString();
    if (id.isEmpty())
        return nullptr;
    if (!id.isLower())
        id = std::move(id).toLower();
    if (const PriceBookProvider *exact = provider(id))
        return exact;
    for (const PriceBookProvider &p : m_providers) {
        if (p.providerMatch && p.providerMatch->matches(id))
            return &p;
    }
    return nullptr;
}

const PriceBookProvider *PriceBook::findProviderByUrl(QStringView url) const
{
    for (const PriceBookProvider &p : m_providers) {
        const QRegularExpression pattern(QStringLiteral("^(?:%1)").arg(p.apiPattern));
        if (pattern.match(url).hasMatch())
            return &p;
    }
    return nullptr;
}

std::optional<PriceMatch> PriceBook::find(QStringView providerId, QStringView modelId) const
{
    const PriceBookProvider *p = findProvider(providerId);
    if (!p)
        return std::nullopt;
    return find(*p, modelId);
}

std::optional<PriceMatch> PriceBook::find(const PriceBookProvider &p, QStringView modelId) const
{
    auto search = [this, &p](QStringView id) -> std::optional<PriceMatch> {
        if (const int i = p.findEntry(id); i >= 0)
            return PriceMatch{&p, &p, &p.entries[static_cast<std::size_t>(i)]};
        for (const QString &fallbackId : p.fallbackProviders) {
            const PriceBookProvider *fallback = provider(fallbackId);
            if (!fallback)
                continue;
            if (const int i = fallback->findEntry(id); i >= 0)
                return PriceMatch{&p, fallback, &fallback->entries[static_cast<std::size_t>(i)]};
        }
        return std::nullopt;
    };

    QString id = modelId.trimmed().toString();
    if (!id.isLower())
        id = std::move(id).toLower();
    if (auto match = search(id))
        return match;

    // "-20250807" -> "-2025-08-07" where it is a real date, then once more.
    static const QRegularExpression compactDate(
        QStringLiteral("-(20\\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\\d|3[01])(?=-|:|$)"));
    QString rewritten;
    qsizetype last = 0;
    auto it = compactDate.globalMatch(id);
    while (it.hasNext()) {
        const QRegularExpressionMatch m = it.next();
        rewritten += QStringView(id).sliced(last, m.capturedStart() - last);
        const QDate date(m.captured(1).toInt(), m.captured(2).toInt(), m.captured(3).toInt());
        if (date.isValid())
            rewritten += QStringLiteral("-%1-%2-%3").arg(m.captured(1), m.captured(2), m.captured(3));
        else
            rewritten += m.captured(0);
        last = m.capturedEnd();
    }
    if (last == 0)
        return std::nullopt;
    rewritten += QStringView(id).sliced(last);
    if (rewritten == id)
        return std::nullopt;
    return search(rewritten);
}

Result<Cost> PriceBook::price(const PriceMatch &match, const Usage &usage, const QDateTime &at)
{
    if (match.entry->minimumAudioSeconds <= 0)
        return computeCost(match.entry->schedule, usage, at);
    // Both audio fields carry the billed duration: the reported one (audio
    // seconds, or input audio seconds when that is absent or zero), raised
    // to the minimum when any audio was sent.
    const UnitId audio = unitByUsageKey(u"audio_seconds");
    const UnitId inputAudio = unitByUsageKey(u"input_audio_seconds");
    std::optional<qint64> seconds = usage.get(audio);
    if (!seconds || *seconds == 0)
        seconds = usage.get(inputAudio);
    if (!seconds)
        return computeCost(match.entry->schedule, usage, at);
    const qint64 billed = *seconds > 0 ? std::max(*seconds, match.entry->minimumAudioSeconds) : 0;
    Usage adjusted = usage;
    adjusted.set(audio, billed).set(inputAudio, billed);
    return computeCost(match.entry->schedule, adjusted, at);
}

std::size_t PriceBook::entryCount() const
{
    std::size_t count = 0;
    for (const PriceBookProvider &p : m_providers)
        count += p.entries.size();
    return count;
}

} // namespace signalbox::engine
