#include "engine/catalog/urlpolicy.h"

#include <QRegularExpression>

#include <QStringList>

#include <array>
#include <optional>

namespace signalbox::engine {

namespace {

// What of a typed URL an error may repeat: never a password or a key, which
// people paste into URLs and which error messages carry into logs.
QString redacted(const QString &text)
{
    static const QRegularExpression userInfo(QStringLiteral("(://)[^/?#@]*@"));
    static const QRegularExpression secretQuery(
        QStringLiteral("([?&](?:api[_-]?key|key|token|access_token|secret|password)=)[^&#]*"),
        QRegularExpression::CaseInsensitiveOption);
    QString out = text;
    out.replace(userInfo, QStringLiteral("\\1***@"));
    out.replace(secretQuery, QStringLiteral("\\1***"));
    return out;
}

Error invalid(const QString &text, const QString &problem)
{
    return Error { QStringLiteral("invalid"), QStringLiteral("The base URL \"%1\" %2").arg(redacted(text), problem) };
}

constexpr quint32 ipv4(quint8 a, quint8 b, quint8 c, quint8 d)
{
    return (quint32(a) << 24) | (quint32(b) << 16) | (quint32(c) << 8) | quint32(d);
}

bool inSubnet(quint32 address, quint32 network, int prefixLength)
{
    const quint32 mask = prefixLength == 0 ? 0 : ~quint32(0) << (32 - prefixLength);
    return (address & mask) == (network & mask);
}

bool isForbiddenIPv4(quint32 address)
{
    return inSubnet(address, ipv4(169, 254, 0, 0), 16) // link-local: AWS, GCP, Azure, OpenStack metadata
        || address == ipv4(100, 100, 100, 200) // Alibaba Cloud metadata
        || inSubnet(address, ipv4(0, 0, 0, 0), 8) // "this network": 0.0.0.0 reaches the host itself
        || inSubnet(address, ipv4(224, 0, 0, 0), 4) // multicast
        || address == ipv4(255, 255, 255, 255); // broadcast
}

bool allZero(const Q_IPV6ADDR &bytes, int from, int to)
{
    for (int i = from; i < to; ++i) {
        if (bytes[i] != 0)
            return false;
    }
    return true;
}

quint32 ipv4At(const Q_IPV6ADDR &bytes, int offset)
{
    return ipv4(bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3]);
}

// The IPv4 address an IPv6 address stands for, where a connection to it can
// end up at that IPv4 address.
std::optional<quint32> embeddedIPv4(const Q_IPV6ADDR &bytes)
{
    if (allZero(bytes, 0, 10) && bytes[10] == 0xff && bytes[11] == 0xff) // ::ffff:a.b.c.d (mapped)
        return ipv4At(bytes, 12);
    if (allZero(bytes, 0, 12) && !allZero(bytes, 12, 15)) // ::a.b.c.d (compatible), but not :: or ::1
        return ipv4At(bytes, 12);
    if (bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xff && bytes[3] == 0x9b && allZero(bytes, 4, 12))
        return ipv4At(bytes, 12); // NAT64 well-known prefix 64:ff9b::/96
    if (bytes[0] == 0x20 && bytes[1] == 0x02) // 6to4 2002:a.b.c.d::/48
        return ipv4At(bytes, 2);
    return std::nullopt;
}

bool isForbiddenIPv6(const Q_IPV6ADDR &bytes)
{
    if (const auto v4 = embeddedIPv4(bytes))
        return isForbiddenIPv4(*v4);
    if (bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80) // fe80::/10 link-local
        return true;
    if (bytes[0] == 0xff) // multicast
        return true;
    if (allZero(bytes, 0, 16)) // ::
        return true;
    // AWS's IPv6 instance metadata (fd00:ec2::254) and GCP's (fd20:ce::254).
    static constexpr std::array<quint8, 16> kAws = { 0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54 };
    static constexpr std::array<quint8, 16> kGcp = { 0xfd, 0x20, 0x00, 0xce, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54 };
    const auto equals = [&bytes](const std::array<quint8, 16> &other) {
        for (int i = 0; i < 16; ++i) {
            if (bytes[i] != other[static_cast<std::size_t>(i)])
                return false;
        }
        return true;
    };
    return equals(kAws) || equals(kGcp);
}

// inet_aton's spellings of an IPv4 address, which resolvers and browsers
// accept: 1 to 4 parts, each decimal, 0x-hex or 0-octal, the last part
// filling the remaining bytes ("169.254.43518", "2852039166", "0xA9FEA9FE",
// "0251.0376.0251.0376"). QUrl normalises these today; this check does not
// depend on it.
std::optional<quint32> parseLegacyIPv4(const QString &host)
{
    const QStringList parts = host.split(QLatin1Char('.'));
    if (parts.isEmpty() || parts.size() > 4)
        return std::nullopt;
    std::array<quint64, 4> values {};
    for (qsizetype i = 0; i < parts.size(); ++i) {
        const QString &part = parts.at(i);
        if (part.isEmpty())
            return std::nullopt;
        int base = 10;
        QString digits = part;
        if (part.startsWith(QLatin1String("0x"), Qt::CaseInsensitive)) {
            base = 16;
            digits = part.mid(2);
            if (digits.isEmpty())
                digits = QStringLiteral("0");
        } else if (part.size() > 1 && part.startsWith(QLatin1Char('0'))) {
            base = 8;
            digits = part.mid(1);
        }
        bool ok = false;
        const quint64 value = digits.toULongLong(&ok, base);
        if (!ok || digits.startsWith(QLatin1Char('+')) || digits.startsWith(QLatin1Char('-')))
            return std::nullopt;
        values[static_cast<std::size_t>(i)] = value;
    }
    const auto count = static_cast<std::size_t>(parts.size());
    quint64 address = 0;
    for (std::size_t i = 0; i + 1 < count; ++i) {
        if (values[i] > 255)
            return std::nullopt;
        address |= values[i] << (8 * (3 - i));
    }
    const int lastBits = 8 * static_cast<int>(4 - (count - 1));
    if (values[count - 1] >= (quint64(1) << lastBits))
        return std::nullopt;
    address |= values[count - 1];
    return static_cast<quint32>(address);
}

QString withoutTrailingDots(QString host)
{
    while (host.endsWith(QLatin1Char('.')))
        host.chop(1);
    return host;
}

} // namespace

bool isForbiddenAddress(const QHostAddress &address)
{
    if (address.isNull())
        return false;
    if (address.protocol() == QAbstractSocket::IPv4Protocol)
        return isForbiddenIPv4(address.toIPv4Address());
    if (address.protocol() == QAbstractSocket::IPv6Protocol)
        return isForbiddenIPv6(address.toIPv6Address());
    return false;
}

bool isMetadataHostName(const QString &host)
{
    const QString name = withoutTrailingDots(host.trimmed()).toLower();
    return name == QLatin1String("metadata") || name == QLatin1String("metadata.google.internal")
        || name == QLatin1String("instance-data") || name == QLatin1String("instance-data.ec2.internal");
}

Result<QUrl> validateProviderBaseUrl(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty())
        return Error { QStringLiteral("invalid"), QStringLiteral("No base URL given") };
    // Tolerant, as QNetworkAccessManager would read it; what is checked is
    // the QUrl returned, so the check and the use cannot read it differently.
    const QUrl url(trimmed, QUrl::TolerantMode);
    if (!url.isValid())
        return invalid(trimmed, QStringLiteral("is not a valid URL: ") + url.errorString());
    const QString scheme = url.scheme().toLower();
    if (scheme != QLatin1String("http") && scheme != QLatin1String("https"))
        return invalid(trimmed, QStringLiteral("must start with http:// or https://"));
    if (!url.userName().isEmpty() || !url.password().isEmpty())
        return invalid(trimmed,
            QStringLiteral("must not contain a user name or password; "
                           "name where the API key is kept instead"));
    if (url.hasFragment())
        return invalid(trimmed, QStringLiteral("must not have a #fragment"));
    const QString host = withoutTrailingDots(url.host(QUrl::FullyDecoded)).toLower();
    if (host.isEmpty())
        return invalid(trimmed, QStringLiteral("has no host"));

    QHostAddress address;
    if (!address.setAddress(host)) {
        if (const auto legacy = parseLegacyIPv4(host))
            address = QHostAddress(*legacy);
    }
    if (!address.isNull()) {
        if (isForbiddenAddress(address))
            return invalid(trimmed,
                QStringLiteral("points to %1, a link-local, cloud metadata or otherwise "
                               "unusable address; Signalbox never sends requests there")
                    .arg(address.toString()));
    } else if (isMetadataHostName(host)) {
        return invalid(trimmed,
            QStringLiteral("names a cloud metadata service (%1); "
                           "Signalbox never sends requests there")
                .arg(host));
    }
    return url;
}

QNetworkRequest makeProviderRequest(const QUrl &url)
{
    QNetworkRequest request(url);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    return request;
}

} // namespace signalbox::engine
