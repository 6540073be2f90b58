#include "engine/catalog/naming.h"

#include "engine/catalog/jsonreader.h"

#include <QFile>

#include <algorithm>

namespace signalbox::engine {

namespace {

QByteArray readResource(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

// A ":tag" variant (OpenRouter's ":free", ":thinking", ":nitro" ...); a
// word, so "ft:gpt-4o" (a fine-tune) stays whole.
const QRegularExpression &variantSuffix()
{
    static const QRegularExpression re(QStringLiteral(":[a-z]+$"));
    return re;
}
// Bedrock's "-v1:0", "-1:0" and ":0" versions and Vertex's "@20250219" / "@latest".
const QRegularExpression &versionSuffix()
{
    static const QRegularExpression re(QStringLiteral("(?:(?:-v?\\d+)?:\\d+|@[a-z0-9._-]+)$"));
    return re;
}
// Weights formats of the same model: "-fp8", "-awq" ...
const QRegularExpression &quantisationSuffix()
{
    static const QRegularExpression re(QStringLiteral("-(?:fp8|fp16|bf16|fp4|nvfp4|int8|int4|awq)$"));
    return re;
}
// Anthropic-style compact snapshot dates "-20250219" name the only release of
// that model; OpenAI-style "-2024-08-06" snapshots are kept (they can differ
// in price: gpt-4o-2024-05-13 is not gpt-4o).
const QRegularExpression &compactDate()
{
    static const QRegularExpression re(QStringLiteral("-20\\d{6}$"));
    return re;
}
// "claude-3-7-sonnet" -> "claude-3.7-sonnet": a single-digit major and minor
// version written with a dash, as Anthropic and Bedrock do.
const QRegularExpression &dashedVersion()
{
    static const QRegularExpression re(QStringLiteral("(?<![a-z0-9.])(\\d)-(\\d)(?![a-z0-9])"));
    return re;
}
const QRegularExpression &vendorDot()
{
    static const QRegularExpression re(QStringLiteral("^([a-z0-9-]+)\\.(.+)$"));
    return re;
}

} // namespace

Result<ModelNaming> ModelNaming::bundled()
{
    return fromJson(readResource(QStringLiteral(":/signalbox/catalog/origins.json")),
                    readResource(QStringLiteral(":/signalbox/catalog/aliases.json")));
}

Result<ModelNaming> ModelNaming::fromJson(const QByteArray &originsJson, const QByteArray &aliasesJson)
{
    ModelNaming naming;
    {
        StrictJson reader(QStringLiteral("origins.json"));
        const auto document = reader.parse(originsJson);
        if (!document)
            return reader.error();
        const QJsonObject root = document->toObject();
        const QJsonObject countries = reader.requireObject(root, QStringLiteral("countries"), {});
        const QJsonObject authors = reader.requireObject(root, QStringLiteral("authors"), {});
        for (auto it = authors.begin(); it != authors.end() && !reader.failed(); ++it) {
            const QString where = quotedEntry(QStringLiteral("author"), it.key());
            const QJsonObject object = it.value().toObject();
            if (!it.value().isObject()) {
                reader.fail(where, {}, QStringLiteral("must be an object"));
                break;
            }
            Author author;
            author.id = it.key().toLower();
            author.name = reader.requireString(object, QStringLiteral("name"), where);
            author.country = reader.optionalString(object, QStringLiteral("country"), where).value_or(QString());
            author.aliases = reader.optionalStringList(object, QStringLiteral("aliases"), where);
            author.families = reader.optionalStringList(object, QStringLiteral("families"), where);
            if (!author.country.isEmpty()) {
                author.countryName = countries.value(author.country).toString();
                if (author.countryName.isEmpty())
                    reader.fail(where, QStringLiteral("country"),
                                QStringLiteral("\"%1\" is not in \"countries\"").arg(author.country));
            }
            naming.m_authors.push_back(std::move(author));
        }
        if (reader.failed())
            return reader.error();
    }
    for (std::size_t i = 0; i < naming.m_authors.size(); ++i) {
        const Author &author = naming.m_authors[i];
        const int index = static_cast<int>(i);
        naming.m_authorByAlias.insert(author.id, index);
        for (const QString &alias : author.aliases)
            naming.m_authorByAlias.insert(alias.toLower(), index);
        for (const QString &family : author.families)
            naming.m_families.emplace_back(family.toLower(), index);
    }
    std::stable_sort(naming.m_families.begin(), naming.m_families.end(),
                     [](const auto &a, const auto &b) { return a.first.size() > b.first.size(); });

    StrictJson reader(QStringLiteral("aliases.json"));
    const auto document = reader.parse(aliasesJson);
    if (!document)
        return reader.error();
    const QJsonObject root = document->toObject();
    naming.m_hostPrefixes = reader.optionalStringList(root, QStringLiteral("hostPrefixes"), {});
    naming.m_regionPrefixes = reader.optionalStringList(root, QStringLiteral("regionPrefixes"), {});
    const auto rewrites = reader.optionalArray(root, QStringLiteral("rewrites"), {});
    for (qsizetype i = 0; rewrites && i < rewrites->size() && !reader.failed(); ++i) {
        const QString where = QStringLiteral("rewrites[%1]").arg(i);
        const QJsonObject object = rewrites->at(i).toObject();
        Rewrite rewrite;
        rewrite.pattern.setPattern(reader.requireString(object, QStringLiteral("pattern"), where));
        rewrite.replacement = reader.optionalString(object, QStringLiteral("replace"), where).value_or(QString());
        if (!reader.failed() && !rewrite.pattern.isValid())
            reader.fail(where, QStringLiteral("pattern"),
                        QStringLiteral("is not a valid regular expression: ") + rewrite.pattern.errorString());
        naming.m_rewrites.push_back(std::move(rewrite));
    }
    if (const auto aliases = reader.optionalObject(root, QStringLiteral("aliases"), {})) {
        for (auto it = aliases->begin(); it != aliases->end() && !reader.failed(); ++it) {
            if (!it.value().isString() || !it.value().toString().contains(QLatin1Char('/')))
                reader.fail(quotedEntry(QStringLiteral("alias"), it.key()), {},
                            QStringLiteral("must name a canonical id like \"openai/gpt-oss-120b\""));
            naming.addAlias(it.key(), it.value().toString());
        }
    }
    if (reader.failed())
        return reader.error();
    return naming;
}

void ModelNaming::addAlias(const QString &from, const QString &canonicalId)
{
    m_aliases.insert(from.toLower(), canonicalId.toLower());
}

const Author *ModelNaming::author(const QString &id) const
{
    const int index = m_authorByAlias.value(id.toLower(), -1);
    return index < 0 ? nullptr : &m_authors[static_cast<std::size_t>(index)];
}

QString ModelNaming::authorForFamily(const QString &modelPart) const
{
    for (const auto &[prefix, index] : m_families) {
        if (modelPart.startsWith(prefix))
            return m_authors[static_cast<std::size_t>(index)].id;
    }
    return {};
}

QString ModelNaming::normaliseModelPart(QString model) const
{
    model.remove(quantisationSuffix());
    model.remove(compactDate());
    for (const Rewrite &rewrite : m_rewrites)
        model.replace(rewrite.pattern, rewrite.replacement);
    model.replace(dashedVersion(), QStringLiteral("\\1.\\2"));
    return model;
}

ModelNaming::Identity ModelNaming::identify(const QString &providerModelId, const QString &providerAuthor) const
{
    const auto withAuthor = [](QString canonical) {
        const qsizetype slash = canonical.indexOf(QLatin1Char('/'));
        return Identity{canonical, slash < 0 ? QString() : canonical.left(slash)};
    };
    QString id = providerModelId.trimmed().toLower();
    if (const auto alias = m_aliases.constFind(id); alias != m_aliases.cend())
        return withAuthor(*alias);

    for (bool stripped = true; stripped;) {
        stripped = false;
        for (const QString &prefix : m_hostPrefixes) {
            if (id.startsWith(prefix) && id.size() > prefix.size()) {
                id.remove(0, prefix.size());
                stripped = true;
            }
        }
    }
    id.remove(variantSuffix());
    id.remove(versionSuffix());

    QString vendor;
    QString model = id;
    const qsizetype slash = id.lastIndexOf(QLatin1Char('/'));
    if (slash >= 0) {
        const qsizetype before = id.lastIndexOf(QLatin1Char('/'), slash - 1);
        vendor = id.mid(before + 1, slash - before - 1);
        // OpenRouter's "~anthropic/claude-opus-latest": a moving alias by that author.
        if (vendor.startsWith(QLatin1Char('~')))
            vendor.remove(0, 1);
        model = id.mid(slash + 1);
    } else {
        for (const QString &region : m_regionPrefixes) {
            if (id.startsWith(region)) {
                const QRegularExpressionMatch rest = vendorDot().match(QStringView(id).mid(region.size()));
                if (rest.hasMatch() && author(rest.captured(1)))
                    id.remove(0, region.size());
            }
        }
        const QRegularExpressionMatch match = vendorDot().match(id);
        if (match.hasMatch() && author(match.captured(1))) {
            vendor = match.captured(1);
            model = match.captured(2);
        } else {
            model = id;
        }
    }
    model = normaliseModelPart(model);

    QString authorId;
    if (!vendor.isEmpty()) {
        const Author *known = author(vendor);
        authorId = known ? known->id : vendor;
    } else {
        authorId = authorForFamily(model);
        if (authorId.isEmpty() && !providerAuthor.isEmpty()) {
            const Author *known = author(providerAuthor);
            authorId = known ? known->id : providerAuthor.toLower();
        }
    }
    const QString canonical = authorId.isEmpty() ? model : authorId + QLatin1Char('/') + model;
    if (const auto alias = m_aliases.constFind(canonical); alias != m_aliases.cend())
        return withAuthor(*alias);
    return Identity{canonical, authorId};
}

} // namespace signalbox::engine
