#include "engine/gateway/dataplane/chatrequest.h"

#include "engine/core/json.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

namespace signalbox::engine {

namespace {

Error invalid(const QString &message)
{
    return Error{QStringLiteral("invalid_request_error"), message};
}

// `field` must be a list of strings, or absent.
Result<QStringList> stringList(const QJsonObject &object, const QString &field, const QString &where)
{
    const QJsonValue value = object.value(field);
    QStringList out;
    if (value.isUndefined() || value.isNull())
        return out;
    if (!value.isArray())
        return invalid(where + field + QStringLiteral(" must be an array of strings"));
    for (const QJsonValue &item : value.toArray()) {
        if (!item.isString() || item.toString().isEmpty())
            return invalid(where + field + QStringLiteral(" must be an array of non-empty strings"));
        out.append(item.toString().toLower());
    }
    return out;
}

Result<std::optional<double>> perMillion(const QJsonObject &maxPrice, const QString &field)
{
    const QJsonValue value = maxPrice.value(field);
    if (value.isUndefined() || value.isNull())
        return std::optional<double>();
    if (!value.isDouble() || value.toDouble() < 0)
        return invalid(QStringLiteral("provider.max_price.") + field
                       + QStringLiteral(" must be a non-negative number (USD per million tokens)"));
    return std::optional<double>(value.toDouble());
}

Result<ProviderPreferences> parseProvider(const QJsonValue &value)
{
    ProviderPreferences prefs;
    if (value.isUndefined() || value.isNull())
        return prefs;
    if (!value.isObject())
        return invalid(QStringLiteral("provider must be an object"));
    const QJsonObject object = value.toObject();
    const QString where = QStringLiteral("provider.");
    auto order = stringList(object, QStringLiteral("order"), where);
    if (!order)
        return order.error();
    auto only = stringList(object, QStringLiteral("only"), where);
    if (!only)
        return only.error();
    auto ignore = stringList(object, QStringLiteral("ignore"), where);
    if (!ignore)
        return ignore.error();
    prefs.order = order.value();
    prefs.only = only.value();
    prefs.ignore = ignore.value();

    const auto boolean = [&](const QString &field, bool fallback) -> Result<bool> {
        const QJsonValue v = object.value(field);
        if (v.isUndefined() || v.isNull())
            return fallback;
        if (!v.isBool())
            return invalid(where + field + QStringLiteral(" must be true or false"));
        return v.toBool();
    };
    auto allow = boolean(QStringLiteral("allow_fallbacks"), true);
    if (!allow)
        return allow.error();
    prefs.allowFallbacks = allow.value();
    auto require = boolean(QStringLiteral("require_parameters"), false);
    if (!require)
        return require.error();
    prefs.requireParameters = require.value();
    auto zdr = boolean(QStringLiteral("zdr"), false);
    if (!zdr)
        return zdr.error();
    prefs.zeroDataRetention = zdr.value();

    const QJsonValue collection = object.value(QStringLiteral("data_collection"));
    if (!collection.isUndefined() && !collection.isNull()) {
        const QString text = collection.toString();
        if (text != QLatin1StringView("allow") && text != QLatin1StringView("deny"))
            return invalid(QStringLiteral("provider.data_collection must be \"allow\" or \"deny\""));
        prefs.denyDataCollection = text == QLatin1StringView("deny");
    }

    const QJsonValue sort = object.value(QStringLiteral("sort"));
    if (!sort.isUndefined() && !sort.isNull()) {
        const QString text = sort.toString();
        if (text == QLatin1StringView("price"))
            prefs.sort = ProviderPreferences::Sort::Price;
        else if (text == QLatin1StringView("throughput"))
            prefs.sort = ProviderPreferences::Sort::Throughput;
        else if (text == QLatin1StringView("latency"))
            prefs.sort = ProviderPreferences::Sort::Latency;
        else
            return invalid(QStringLiteral("provider.sort must be \"price\", \"throughput\" or \"latency\""));
    }

    const QJsonValue maxPrice = object.value(QStringLiteral("max_price"));
    if (!maxPrice.isUndefined() && !maxPrice.isNull()) {
        if (!maxPrice.isObject())
            return invalid(QStringLiteral("provider.max_price must be an object"));
        auto prompt = perMillion(maxPrice.toObject(), QStringLiteral("prompt"));
        if (!prompt)
            return prompt.error();
        auto completion = perMillion(maxPrice.toObject(), QStringLiteral("completion"));
        if (!completion)
            return completion.error();
        prefs.maxPromptPerMillion = prompt.value();
        prefs.maxCompletionPerMillion = completion.value();
    }
    return prefs;
}

} // namespace

bool ProviderPreferences::isDefault() const
{
    return order.isEmpty() && only.isEmpty() && ignore.isEmpty() && allowFallbacks && sort == Sort::Default
        && !maxPromptPerMillion && !maxCompletionPerMillion && !requireParameters && !denyDataCollection
        && !zeroDataRetention;
}

Result<ChatRequest> ChatRequest::parse(const QByteArray &body)
{
    if (body.trimmed().isEmpty())
        return invalid(QStringLiteral("The request body is empty; send a JSON object with model and messages"));
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return invalid(QStringLiteral("The request body is not valid JSON: %1 at byte %2")
                           .arg(parseError.errorString())
                           .arg(parseError.offset));
    if (!document.isObject())
        return invalid(QStringLiteral("The request body must be a JSON object"));

    ChatRequest request;
    request.body = body;
    request.json = document.object();
    const QJsonObject &json = request.json;

    const QJsonValue model = json.value(QStringLiteral("model"));
    if (!model.isUndefined() && !model.isNull()) {
        if (!model.isString() || model.toString().trimmed().isEmpty())
            return invalid(QStringLiteral("model must be a non-empty string"));
        request.models.append(model.toString().trimmed());
    }
    auto fallbacks = stringList(json, QStringLiteral("models"), QString());
    if (!fallbacks)
        return fallbacks.error();
    // Keep the client's spelling of fallback models (stringList lower-cased them for providers).
    for (const QJsonValue &item : json.value(QStringLiteral("models")).toArray()) {
        const QString name = item.toString().trimmed();
        if (!request.models.contains(name))
            request.models.append(name);
    }
    if (request.models.isEmpty())
        return invalid(QStringLiteral("model is required"));

    const QJsonValue messages = json.value(QStringLiteral("messages"));
    if (!messages.isArray() || messages.toArray().isEmpty())
        return invalid(QStringLiteral("messages is required and must be a non-empty array"));
    for (const QJsonValue &message : messages.toArray()) {
        if (!message.isObject() || !message.toObject().value(QStringLiteral("role")).isString())
            return invalid(QStringLiteral("every message must be an object with a role"));
    }

    const QJsonValue stream = json.value(QStringLiteral("stream"));
    if (!stream.isUndefined() && !stream.isNull() && !stream.isBool())
        return invalid(QStringLiteral("stream must be true or false"));
    request.stream = stream.toBool(false);

    const QJsonValue streamOptions = json.value(QStringLiteral("stream_options"));
    if (!streamOptions.isUndefined() && !streamOptions.isNull() && !streamOptions.isObject())
        return invalid(QStringLiteral("stream_options must be an object"));
    const QJsonValue usage = json.value(QStringLiteral("usage"));
    if (!usage.isUndefined() && !usage.isNull() && !usage.isObject())
        return invalid(QStringLiteral("usage must be an object"));
    request.clientWantsUsage = streamOptions.toObject().value(QStringLiteral("include_usage")).toBool(false)
        || usage.toObject().value(QStringLiteral("include")).toBool(false);

    const QJsonValue tools = json.value(QStringLiteral("tools"));
    request.usesTools = tools.isArray() && !tools.toArray().isEmpty();

    auto provider = parseProvider(json.value(QStringLiteral("provider")));
    if (!provider)
        return provider.error();
    request.provider = provider.value();
    return request;
}

QByteArray ChatRequest::upstreamBody(const QString &providerModelId) const
{
    QList<JsonEdit> edits{
        {"model", jsonQuoted(providerModelId.toUtf8())},
        {"models", QByteArray()},
        {"provider", QByteArray()},
        {"route", QByteArray()},
        {"transforms", QByteArray()},
        {"usage", QByteArray()},
    };
    if (stream) {
        QJsonObject options = json.value(QStringLiteral("stream_options")).toObject();
        options.insert(QStringLiteral("include_usage"), true);
        edits.append({"stream_options", QJsonDocument(options).toJson(QJsonDocument::Compact)});
    }
    auto edited = jsonObjectWithEdits(body, edits);
    return edited ? *edited : QJsonDocument(json).toJson(QJsonDocument::Compact);
}

qint64 ChatRequest::promptCharacters() const
{
    qint64 characters = 0;
    for (const QJsonValue &message : json.value(QStringLiteral("messages")).toArray()) {
        const QJsonValue content = message.toObject().value(QStringLiteral("content"));
        if (content.isString()) {
            characters += content.toString().size();
        } else if (content.isArray()) {
            for (const QJsonValue &part : content.toArray())
                characters += part.toObject().value(QStringLiteral("text")).toString().size();
        }
    }
    return characters;
}

} // namespace signalbox::engine
