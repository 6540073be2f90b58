#include "engine/catalog/jsonreader.h"

#include "engine/core/json.h"

#include <QJsonDocument>
#include <QJsonParseError>
#include <QRegularExpression>
#include <QSet>

#include <cmath>

namespace signalbox::engine {

QString quotedEntry(const QString &kind, const QString &id)
{
    return kind + QStringLiteral(" \"") + id + QLatin1Char('"');
}

std::optional<QJsonValue> StrictJson::parse(const QByteArray &json)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        m_error = Error{QStringLiteral("invalid-catalog"),
                        QStringLiteral("%1: not valid JSON at offset %2: %3")
                            .arg(m_source)
                            .arg(parseError.offset)
                            .arg(parseError.errorString())};
        return std::nullopt;
    }
    if (document.isArray())
        return QJsonValue(document.array());
    return QJsonValue(document.object());
}

void StrictJson::fail(const QString &where, const QString &field, const QString &problem)
{
    if (m_error)
        return;
    QString message = m_source + QStringLiteral(": ");
    if (!where.isEmpty())
        message += where + QStringLiteral(": ");
    if (!field.isEmpty())
        message += QStringLiteral("field \"") + field + QStringLiteral("\" ");
    message += problem;
    m_error = Error{QStringLiteral("invalid-catalog"), message};
}

QString StrictJson::typeName(const QJsonValue &value)
{
    return jsonTypeName(value);
}

QString StrictJson::shortText(const QJsonValue &value)
{
    QString text;
    if (value.isString())
        text = QLatin1Char('"') + value.toString() + QLatin1Char('"');
    else if (value.isDouble())
        text = QString::number(value.toDouble(), 'g', 17);
    else if (value.isBool())
        text = value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    else if (value.isNull())
        text = QStringLiteral("null");
    else
        text = typeName(value);
    if (text.size() > 40)
        text = text.left(37) + QStringLiteral("...");
    return text;
}

QString StrictJson::requireString(const QJsonObject &object, const QString &key, const QString &where)
{
    const QJsonValue value = object.value(key);
    if (value.isUndefined() || value.isNull()) {
        fail(where, key, QStringLiteral("is missing"));
        return {};
    }
    if (!value.isString()) {
        fail(where, key, QStringLiteral("must be a string, got ") + shortText(value));
        return {};
    }
    if (value.toString().trimmed().isEmpty()) {
        fail(where, key, QStringLiteral("must not be empty"));
        return {};
    }
    return value.toString();
}

std::optional<QString> StrictJson::optionalString(const QJsonObject &object, const QString &key, const QString &where)
{
    const QJsonValue value = object.value(key);
    if (value.isUndefined() || value.isNull())
        return std::nullopt;
    if (!value.isString()) {
        fail(where, key, QStringLiteral("must be a string, got ") + shortText(value));
        return std::nullopt;
    }
    return value.toString();
}

QJsonObject StrictJson::requireObject(const QJsonObject &object, const QString &key, const QString &where)
{
    const QJsonValue value = object.value(key);
    if (value.isUndefined() || value.isNull()) {
        fail(where, key, QStringLiteral("is missing"));
        return {};
    }
    if (!value.isObject()) {
        fail(where, key, QStringLiteral("must be an object, got ") + shortText(value));
        return {};
    }
    return value.toObject();
}

std::optional<QJsonObject> StrictJson::optionalObject(const QJsonObject &object, const QString &key,
                                                      const QString &where)
{
    const QJsonValue value = object.value(key);
    if (value.isUndefined() || value.isNull())
        return std::nullopt;
    if (!value.isObject()) {
        fail(where, key, QStringLiteral("must be an object, got ") + shortText(value));
        return std::nullopt;
    }
    return value.toObject();
}

std::optional<QJsonArray> StrictJson::optionalArray(const QJsonObject &object, const QString &key,
                                                    const QString &where)
{
    const QJsonValue value = object.value(key);
    if (value.isUndefined() || value.isNull())
        return std::nullopt;
    if (!value.isArray()) {
        fail(where, key, QStringLiteral("must be an array, got ") + shortText(value));
        return std::nullopt;
    }
    return value.toArray();
}

bool StrictJson::optionalBool(const QJsonObject &object, const QString &key, const QString &where, bool fallback)
{
    const QJsonValue value = object.value(key);
    if (value.isUndefined() || value.isNull())
        return fallback;
    if (!value.isBool()) {
        fail(where, key, QStringLiteral("must be true or false, got ") + shortText(value));
        return fallback;
    }
    return value.toBool();
}

std::optional<qint64> StrictJson::optionalCount(const QJsonObject &object, const QString &key, const QString &where)
{
    const QJsonValue value = object.value(key);
    if (value.isUndefined() || value.isNull())
        return std::nullopt;
    const double number = value.toDouble(-1);
    // 2^53: beyond it a double no longer holds every whole number.
    if (!value.isDouble() || number < 0 || number > 9007199254740992.0 || std::floor(number) != number) {
        fail(where, key, QStringLiteral("must be a whole non-negative number, got ") + shortText(value));
        return std::nullopt;
    }
    return static_cast<qint64>(number);
}

QStringList StrictJson::optionalStringList(const QJsonObject &object, const QString &key, const QString &where)
{
    const auto array = optionalArray(object, key, where);
    if (!array)
        return {};
    QStringList out;
    out.reserve(array->size());
    for (qsizetype i = 0; i < array->size(); ++i) {
        const QJsonValue element = array->at(i);
        if (!element.isString()) {
            fail(where, QStringLiteral("%1[%2]").arg(key).arg(i),
                 QStringLiteral("must be a string, got ") + shortText(element));
            return {};
        }
        out.append(element.toString());
    }
    return out;
}

QDate StrictJson::optionalDate(const QJsonObject &object, const QString &key, const QString &where, QString *text)
{
    const auto value = optionalString(object, key, where);
    if (!value)
        return {};
    static const QRegularExpression pattern(QStringLiteral("^(\\d{4})-(\\d{2})(?:-(\\d{2}))?$"));
    const QRegularExpressionMatch match = pattern.match(*value);
    QDate date;
    if (match.hasMatch()) {
        const int day = match.capturedLength(3) > 0 ? match.captured(3).toInt() : 1;
        date = QDate(match.captured(1).toInt(), match.captured(2).toInt(), day);
    }
    if (!date.isValid()) {
        fail(where, key, QStringLiteral("must be a date like 2025-09-11 or 2025-09, got \"") + *value
                             + QLatin1Char('"'));
        return {};
    }
    if (text)
        *text = *value;
    return date;
}

std::optional<Money> StrictJson::requireMoneyNumber(const QJsonValue &value, const QString &where, const QString &field)
{
    if (!value.isDouble()) {
        fail(where, field, QStringLiteral("must be a number, got ") + shortText(value));
        return std::nullopt;
    }
    const double number = value.toDouble();
    if (number < 0) {
        fail(where, field, QStringLiteral("must not be negative, got ") + shortText(value));
        return std::nullopt;
    }
    const std::optional<Money> money = Money::fromDouble(number);
    if (!money) {
        fail(where, field, QStringLiteral("is not a representable price: ") + shortText(value));
        return std::nullopt;
    }
    return money;
}

} // namespace signalbox::engine

namespace signalbox::engine {

std::optional<DuplicateKey> findDuplicateKey(const QByteArray &json)
{
    struct Frame {
        bool isObject = false;
        bool expectingKey = false;
        QByteArray key;  // the key whose value is being read (objects)
        QSet<QByteArray> keys;
    };
    std::vector<Frame> stack;
    const auto pathOf = [&stack]() {
        QStringList parts;
        for (std::size_t i = 0; i + 1 < stack.size(); ++i) {
            if (stack[i].isObject)
                parts.append(QString::fromUtf8(stack[i].key));
        }
        return parts.join(QLatin1Char('.'));
    };
    const qsizetype size = json.size();
    for (qsizetype i = 0; i < size; ++i) {
        const char c = json.at(i);
        if (c == '"') {
            const qsizetype start = i + 1;
            for (++i; i < size && json.at(i) != '"'; ++i) {
                if (json.at(i) == '\\')
                    ++i;
            }
            if (!stack.empty() && stack.back().isObject && stack.back().expectingKey) {
                Frame &frame = stack.back();
                frame.key = json.mid(start, i - start);
                if (frame.keys.contains(frame.key))
                    return DuplicateKey{QString::fromUtf8(frame.key), pathOf()};
                frame.keys.insert(frame.key);
                frame.expectingKey = false;
            }
        } else if (c == '{' || c == '[') {
            Frame frame;
            frame.isObject = c == '{';
            frame.expectingKey = frame.isObject;
            stack.push_back(std::move(frame));
        } else if (c == '}' || c == ']') {
            if (!stack.empty())
                stack.pop_back();
        } else if (c == ',' && !stack.empty() && stack.back().isObject) {
            stack.back().expectingKey = true;
        }
    }
    return std::nullopt;
}

} // namespace signalbox::engine
