#pragma once

#include "engine/core/result.h"
#include "engine/cost/money.h"

#include <QDate>
#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QStringList>

#include <optional>

namespace signalbox::engine {

// Strict reading of catalog JSON. The first problem is remembered as an Error
// that names the source, the entry and the field ("models.dev: provider
// \"anthropic\", model \"claude-3-haiku\": field \"cost.input\" must be a
// non-negative number, got \"abc\""); later calls are no-ops, so an importer
// reads on and checks failed() once per entry. Importers build into local
// values and hand them out only when nothing failed, so a bad file never
// half-applies.
class StrictJson {
public:
    explicit StrictJson(QString source) : m_source(std::move(source)) {}

    // Parses a whole document; fails with the parser's offset and message.
    std::optional<QJsonValue> parse(const QByteArray &json);

    bool failed() const { return m_error.has_value(); }
    const Error &error() const { return *m_error; }
    // Remembers the first failure: `where` names the entry, `field` the key.
    void fail(const QString &where, const QString &field, const QString &problem);

    // Required fields fail when absent; optional ones return std::nullopt
    // when absent or null. Both fail on a wrong type.
    QString requireString(const QJsonObject &object, const QString &key, const QString &where);
    std::optional<QString> optionalString(const QJsonObject &object, const QString &key, const QString &where);
    QJsonObject requireObject(const QJsonObject &object, const QString &key, const QString &where);
    std::optional<QJsonObject> optionalObject(const QJsonObject &object, const QString &key, const QString &where);
    std::optional<QJsonArray> optionalArray(const QJsonObject &object, const QString &key, const QString &where);
    bool optionalBool(const QJsonObject &object, const QString &key, const QString &where, bool fallback = false);
    // A whole, non-negative number (token counts, limits).
    std::optional<qint64> optionalCount(const QJsonObject &object, const QString &key, const QString &where);
    // Every element must be a string.
    QStringList optionalStringList(const QJsonObject &object, const QString &key, const QString &where);
    // "YYYY-MM-DD" or "YYYY-MM"; the latter reads as the first of the month.
    QDate optionalDate(const QJsonObject &object, const QString &key, const QString &where,
                       QString *text = nullptr);
    // A non-negative JSON number read exactly (Money::fromDouble).
    std::optional<Money> requireMoneyNumber(const QJsonValue &value, const QString &where, const QString &field);

    static QString typeName(const QJsonValue &value);
    static QString shortText(const QJsonValue &value);  // the value as JSON, cut at 40 characters

private:
    QString m_source;
    std::optional<Error> m_error;
};

// Qt's JSON parser keeps the last of two equal keys silently; importers that
// must refuse duplicate ids scan the raw text first. Returns the first key
// that repeats inside one object and the path of that object
// ("anthropic.models"; "" for the top level), or std::nullopt.
struct DuplicateKey {
    QString key;
    QString path;
};
std::optional<DuplicateKey> findDuplicateKey(const QByteArray &json);

// "provider \"anthropic\"" — quotes an id for messages.
QString quotedEntry(const QString &kind, const QString &id);

} // namespace signalbox::engine
