#include "engine/usage/usagerecord.h"

#include <QRandomGenerator>

#include <array>

namespace signalbox::engine {

namespace {
struct StatusName {
    UsageStatus status;
    const char *name;
};
constexpr std::array<StatusName, 6> kStatusNames = { {
    { UsageStatus::Ok, "ok" },
    { UsageStatus::UpstreamError, "upstream_error" },
    { UsageStatus::GatewayError, "gateway_error" },
    { UsageStatus::ClientError, "client_error" },
    { UsageStatus::Cancelled, "cancelled" },
    { UsageStatus::Timeout, "timeout" },
} };

// 0001-01-01 is a valid QDateTime but not a request time; 9999-12-31 keeps
// every stored value a plain positive 48-bit integer.
constexpr qint64 kMaxEpochMs = 253'402'300'799'999;

Error invalid(const UsageRecord &record, const QString &what)
{
    const QString id = record.id.isEmpty() ? QStringLiteral("(no id)") : clippedUsageText(record.id, 40);
    return Error { QStringLiteral("invalid"), QStringLiteral("Usage record %1: %2").arg(id, what) };
}

bool validTime(const QDateTime &time)
{
    if (!time.isValid())
        return false;
    const qint64 ms = time.toMSecsSinceEpoch();
    return ms >= 0 && ms <= kMaxEpochMs;
}

bool validHttpStatus(int status)
{
    return status == 0 || (status >= 100 && status <= 599);
}
} // namespace

QString usageStatusName(UsageStatus status)
{
    for (const StatusName &entry : kStatusNames) {
        if (entry.status == status)
            return QString::fromLatin1(entry.name);
    }
    Q_UNREACHABLE();
    return {};
}

std::optional<UsageStatus> usageStatusFromName(QStringView name)
{
    for (const StatusName &entry : kStatusNames) {
        if (name == QLatin1StringView(entry.name))
            return entry.status;
    }
    return std::nullopt;
}

Result<void> validateUsageRecord(const UsageRecord &record)
{
    if (record.id.isEmpty())
        return invalid(record, QStringLiteral("no id"));
    if (record.id.size() > UsageLimits::kId)
        return invalid(record, QStringLiteral("the id is longer than %1 characters").arg(UsageLimits::kId));
    if (!validTime(record.startedAt))
        return invalid(record, QStringLiteral("no valid start time"));
    if (!validTime(record.finishedAt))
        return invalid(record, QStringLiteral("no valid finish time"));
    if (!validHttpStatus(record.httpStatus))
        return invalid(record, QStringLiteral("HTTP status %1 is not 0 or 100..599").arg(record.httpStatus));
    const std::array<std::pair<qint64, const char *>, 8> counts = { {
        { record.promptTokens, "promptTokens" },
        { record.completionTokens, "completionTokens" },
        { record.cachedTokens, "cachedTokens" },
        { record.cacheWriteTokens, "cacheWriteTokens" },
        { record.reasoningTokens, "reasoningTokens" },
        { record.latencyUs, "latencyUs" },
        { record.overheadUs, "overheadUs" },
        { record.ttftUs.value_or(0), "ttftUs" },
    } };
    for (const auto &[value, name] : counts) {
        if (value < 0)
            return invalid(record, QStringLiteral("%1 is negative (%2)").arg(QLatin1StringView(name)).arg(value));
    }
    if (record.cost && record.cost->isNegative())
        return invalid(record, QStringLiteral("the cost is negative (%1)").arg(record.cost->toDecimalString()));
    for (std::size_t i = 0; i < record.attempts.size(); ++i) {
        const UsageAttempt &attempt = record.attempts[i];
        if (!validHttpStatus(attempt.httpStatus))
            return invalid(record, QStringLiteral("attempt %1 has HTTP status %2").arg(i).arg(attempt.httpStatus));
        if (attempt.durationUs < 0)
            return invalid(record, QStringLiteral("attempt %1 has a negative duration").arg(i));
    }
    return {};
}

QString clippedUsageText(const QString &text, int limit)
{
    if (text.size() <= limit)
        return text.isNull() ? QStringLiteral("") : text;
    qsizetype cut = limit;
    if (cut > 0 && text.at(cut - 1).isHighSurrogate())
        --cut;
    return text.left(cut);
}

QString newUsageRequestId()
{
    // 128 bits: 48 of milliseconds, then 80 random; encoded 5 bits at a time
    // from two leading zero bits (26 x 5 = 130), most significant first.
    static constexpr char kAlphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
    const quint64 ms = static_cast<quint64>(QDateTime::currentMSecsSinceEpoch()) & 0xFFFF'FFFF'FFFFull;
    const quint64 random = QRandomGenerator::global()->generate64();
    const quint64 high = (ms << 16) | (random >> 48); // 48 bits of time, 16 random
    const quint64 low = QRandomGenerator::global()->generate64();
    auto bit = [&](int index) -> unsigned { // index 0 = most significant of the 130
        if (index < 2)
            return 0;
        const int i = index - 2;
        return i < 64 ? static_cast<unsigned>((high >> (63 - i)) & 1u) : static_cast<unsigned>((low >> (127 - i)) & 1u);
    };
    QString id = QStringLiteral("req_");
    id.reserve(4 + 26);
    for (int c = 0; c < 26; ++c) {
        unsigned value = 0;
        for (int b = 0; b < 5; ++b)
            value = (value << 1) | bit(c * 5 + b);
        id += QLatin1Char(kAlphabet[value]);
    }
    return id;
}

} // namespace signalbox::engine
