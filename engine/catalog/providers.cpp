// providers.json: what Signalbox adds to the providers the sources describe.

#include "engine/catalog/jsonreader.h"
#include "engine/catalog/merge.h"

#include <QFile>
#include <QRegularExpression>

#include <algorithm>

namespace signalbox::engine {

QString baseUrlFromApiPattern(const QString &pattern)
{
    QString url = pattern;
    for (const QLatin1StringView tail : {QLatin1StringView("(?:/|$)"), QLatin1StringView("(/|$)")}) {
        if (url.endsWith(tail))
            url.chop(tail.size());
    }
    url.replace(QStringLiteral("\\."), QStringLiteral("."));
    static const QRegularExpression meta(QStringLiteral("[\\\\()\\[\\]*+?|^${}]"));
    if (url.contains(meta) || !url.startsWith(QLatin1StringView("https://")))
        return {};
    return url;
}

Result<ProviderDirectory> ProviderDirectory::bundled()
{
    QFile file(QStringLiteral(":/signalbox/catalog/providers.json"));
    if (!file.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("no-catalog"), QStringLiteral("providers.json is missing from this build")};
    return fromJson(file.readAll());
}

Result<ProviderDirectory> ProviderDirectory::fromJson(const QByteArray &json)
{
    StrictJson reader(QStringLiteral("providers.json"));
    const auto document = reader.parse(json);
    if (!document)
        return reader.error();
    const QJsonObject providers = reader.requireObject(document->toObject(), QStringLiteral("providers"), {});
    ProviderDirectory directory;
    for (auto it = providers.begin(); it != providers.end() && !reader.failed(); ++it) {
        const QString where = quotedEntry(QStringLiteral("provider"), it.key());
        if (!it.value().isObject()) {
            reader.fail(where, {}, QStringLiteral("must be an object"));
            break;
        }
        const QJsonObject object = it.value().toObject();
        ProviderProfile profile;
        profile.id = it.key();
        profile.genaiPrices = reader.optionalString(object, QStringLiteral("genaiPrices"), where).value_or(QString());
        profile.primary = reader.optionalBool(object, QStringLiteral("primary"), where);
        profile.modelIdFromName = reader.optionalBool(object, QStringLiteral("modelIdFromName"), where);
        profile.name = reader.optionalString(object, QStringLiteral("name"), where).value_or(QString());
        profile.baseUrl = reader.optionalString(object, QStringLiteral("baseUrl"), where).value_or(QString());
        profile.docUrl = reader.optionalString(object, QStringLiteral("doc"), where).value_or(QString());
        profile.author = reader.optionalString(object, QStringLiteral("author"), where).value_or(QString());
        profile.keyEnv = reader.optionalStringList(object, QStringLiteral("env"), where);
        profile.dataPolicy = reader.optionalStringList(object, QStringLiteral("dataPolicy"), where);
        if (const auto dialect = reader.optionalString(object, QStringLiteral("dialect"), where)) {
            profile.dialect = apiDialectFromName(*dialect);
            if (!profile.dialect)
                reader.fail(where, QStringLiteral("dialect"), QStringLiteral("must be \"openai\" or \"anthropic\""));
        }
        directory.m_profiles.push_back(std::move(profile));
    }
    if (reader.failed())
        return reader.error();
    return directory;
}

const ProviderProfile *ProviderDirectory::find(const QString &catalogId) const
{
    const auto it = std::lower_bound(m_profiles.begin(), m_profiles.end(), catalogId,
                                     [](const ProviderProfile &p, const QString &id) { return p.id < id; });
    return it != m_profiles.end() && it->id == catalogId ? &*it : nullptr;
}

} // namespace signalbox::engine
