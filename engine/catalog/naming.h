#pragma once

#include "engine/core/result.h"

#include <QByteArray>
#include <QHash>
#include <QRegularExpression>
#include <QString>
#include <QStringList>

#include <vector>

namespace signalbox::engine {

// A model's author and where it is based (resources/catalog/origins.json).
struct Author {
    QString id;           // "openai" — OpenRouter's vendor slug where it has one
    QString name;         // "OpenAI"
    QString country;      // ISO 3166-1 alpha-2: "US"
    QString countryName;  // "United States"
    QStringList aliases;  // other spellings of the id in model ids: "meta", "meta-llama"
    QStringList families; // model-name prefixes that imply this author: "gpt-", "claude"
};

// The canonical identity of a model as providers name it: "gpt-oss-120b"
// (Cerebras), "openai.gpt-oss-120b-1:0" (Bedrock) and
// "accounts/fireworks/models/gpt-oss-120b" (Fireworks) are all
// "openai/gpt-oss-120b". The rules are documented in docs/catalog.md; what
// they cannot see is in the alias table (resources/catalog/aliases.json,
// later editable in the workspace database).
class ModelNaming {
public:
    struct Identity {
        QString canonicalId;  // "openai/gpt-oss-120b"; no slash when the author is unknown
        QString author;       // "openai"; empty when unknown
    };

    static Result<ModelNaming> fromJson(const QByteArray &originsJson, const QByteArray &aliasesJson);
    // From the copies bundled as Qt resources (:/signalbox/catalog/...).
    static Result<ModelNaming> bundled();

    // `providerAuthor` is the author a first-party provider implies for ids
    // without a vendor ("claude-3-haiku" at Anthropic); may be empty.
    Identity identify(const QString &providerModelId, const QString &providerAuthor = {}) const;

    const Author *author(const QString &id) const;  // by id or alias
    const std::vector<Author> &authors() const { return m_authors; }
    // Adds or replaces an alias (from -> canonical id); both lower-cased.
    void addAlias(const QString &from, const QString &canonicalId);
    const QHash<QString, QString> &aliases() const { return m_aliases; }

private:
    QString authorForFamily(const QString &modelPart) const;
    QString normaliseModelPart(QString model) const;

    std::vector<Author> m_authors;
    QHash<QString, int> m_authorByAlias;  // id and aliases -> index
    std::vector<std::pair<QString, int>> m_families;  // longest prefix first
    QStringList m_hostPrefixes;
    QStringList m_regionPrefixes;
    struct Rewrite {
        QRegularExpression pattern;
        QString replacement;
    };
    std::vector<Rewrite> m_rewrites;
    QHash<QString, QString> m_aliases;
};

} // namespace signalbox::engine
