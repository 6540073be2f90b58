#include "engine/sandbox/openaiwire.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>

namespace signalbox::sandbox {

namespace {

const QJsonValue kNull(QJsonValue::Null);

QString latin1(const QByteArray &bytes)
{
    return QString::fromLatin1(bytes);
}

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

qsizetype contentCharacters(const QJsonValue &content)
{
    if (content.isString())
        return content.toString().size();
    qsizetype total = 0;
    if (content.isArray()) {
        const QJsonArray parts = content.toArray();
        for (const QJsonValue &part : parts)
            total += part.toObject().value(QLatin1String("text")).toString().size();
    }
    return total;
}

// Only a positive integer is a usable token limit.
bool readLimit(const QJsonObject &object, QLatin1String key, std::optional<int> *limit, QString *error)
{
    const QJsonValue value = object.value(key);
    if (value.isUndefined() || value.isNull())
        return true;
    const double number = value.toDouble(-1);
    if (!value.isDouble() || number < 1 || number != static_cast<double>(static_cast<qint64>(number))
        || number > 1e9) {
        *error = QStringLiteral("Invalid '%1': expected an integer of at least 1.").arg(key);
        return false;
    }
    *limit = static_cast<int>(number);
    return true;
}

QJsonObject usageObject(const ChatUsage &usage)
{
    return QJsonObject{
        {QStringLiteral("prompt_tokens"), usage.promptTokens},
        {QStringLiteral("completion_tokens"), usage.completionTokens},
        {QStringLiteral("total_tokens"), usage.promptTokens + usage.completionTokens},
        {QStringLiteral("prompt_tokens_details"), QJsonObject{{QStringLiteral("cached_tokens"), usage.cachedTokens}}},
        {QStringLiteral("completion_tokens_details"),
         QJsonObject{{QStringLiteral("reasoning_tokens"), usage.reasoningTokens}}},
    };
}

QJsonObject chunkBase(const ChatAnswer &answer, const QJsonObject &delta, const QJsonValue &finishReason,
                      bool withUsageNull)
{
    QJsonObject chunk{
        {QStringLiteral("id"), latin1(answer.id)},
        {QStringLiteral("object"), QStringLiteral("chat.completion.chunk")},
        {QStringLiteral("created"), answer.created},
        {QStringLiteral("model"), answer.model},
        {QStringLiteral("system_fingerprint"), QStringLiteral("fp_signalbox_fake")},
        {QStringLiteral("choices"),
         QJsonArray{QJsonObject{
             {QStringLiteral("index"), 0},
             {QStringLiteral("delta"), delta},
             {QStringLiteral("logprobs"), kNull},
             {QStringLiteral("finish_reason"), finishReason},
         }}},
    };
    if (withUsageNull)
        chunk.insert(QStringLiteral("usage"), kNull);
    return chunk;
}

} // namespace

std::optional<ChatRequest> parseChatRequest(const QByteArray &body, QString *error)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
        *error = QStringLiteral("We could not parse the JSON body of your request. The OpenAI API expects a JSON "
                                "payload.");
        return std::nullopt;
    }
    const QJsonObject object = document.object();
    ChatRequest request;
    request.model = object.value(QLatin1String("model")).toString();
    if (request.model.isEmpty()) {
        *error = QStringLiteral("you must provide a model parameter");
        return std::nullopt;
    }
    const QJsonValue messages = object.value(QLatin1String("messages"));
    if (!messages.isArray() || messages.toArray().isEmpty()) {
        *error = QStringLiteral("Invalid 'messages': expected a non-empty array.");
        return std::nullopt;
    }
    request.stream = object.value(QLatin1String("stream")).toBool(false);
    request.includeUsage = object.value(QLatin1String("stream_options"))
                               .toObject()
                               .value(QLatin1String("include_usage"))
                               .toBool(false);
    if (!readLimit(object, QLatin1String("max_tokens"), &request.maxTokens, error)
        || !readLimit(object, QLatin1String("max_completion_tokens"), &request.maxTokens, error))
        return std::nullopt;

    qsizetype characters = 0;
    const QJsonArray list = messages.toArray();
    for (const QJsonValue &message : list)
        characters += contentCharacters(message.toObject().value(QLatin1String("content")));
    request.estimatedPromptTokens = static_cast<int>(qMax<qsizetype>(1, characters / 4));
    return request;
}

QList<QByteArray> answerPieces(int count, qint64 contentBytes)
{
    QList<QByteArray> pieces;
    if (contentBytes <= 0) {
        pieces.reserve(count);
        for (int i = 0; i < count; ++i)
            pieces.append((i == 0 ? QByteArray() : QByteArray(" ")) + "token" + QByteArray::number(i));
        return pieces;
    }
    QByteArray text;
    text.reserve(contentBytes + 16);
    for (int i = 0; text.size() < contentBytes; ++i) {
        if (i > 0)
            text.append(' ');
        text.append("token").append(QByteArray::number(i));
    }
    text.truncate(contentBytes);
    const qint64 parts = qMax(1, count);
    const qint64 base = contentBytes / parts;
    const qint64 extra = contentBytes % parts;
    qint64 offset = 0;
    for (qint64 i = 0; i < parts; ++i) {
        const qint64 size = base + (i < extra ? 1 : 0);
        pieces.append(text.mid(offset, size));
        offset += size;
    }
    return pieces;
}

QByteArray completionJson(const ChatAnswer &answer)
{
    QByteArray content;
    for (const QByteArray &piece : answer.pieces)
        content.append(piece);
    QJsonObject object{
        {QStringLiteral("id"), latin1(answer.id)},
        {QStringLiteral("object"), QStringLiteral("chat.completion")},
        {QStringLiteral("created"), answer.created},
        {QStringLiteral("model"), answer.model},
        {QStringLiteral("system_fingerprint"), QStringLiteral("fp_signalbox_fake")},
        {QStringLiteral("service_tier"), QStringLiteral("default")},
        {QStringLiteral("choices"),
         QJsonArray{QJsonObject{
             {QStringLiteral("index"), 0},
             {QStringLiteral("message"),
              QJsonObject{{QStringLiteral("role"), QStringLiteral("assistant")},
                          {QStringLiteral("content"), latin1(content)},
                          {QStringLiteral("refusal"), kNull}}},
             {QStringLiteral("logprobs"), kNull},
             {QStringLiteral("finish_reason"), latin1(answer.finishReason)},
         }}},
    };
    if (answer.usage)
        object.insert(QStringLiteral("usage"), usageObject(*answer.usage));
    return compact(object);
}

QByteArray roleChunkJson(const ChatAnswer &answer, bool withUsageNull)
{
    const QJsonObject delta{{QStringLiteral("role"), QStringLiteral("assistant")},
                            {QStringLiteral("content"), QString()},
                            {QStringLiteral("refusal"), kNull}};
    return compact(chunkBase(answer, delta, kNull, withUsageNull));
}

QByteArray contentChunkJson(const ChatAnswer &answer, const QByteArray &content, bool withUsageNull)
{
    const QJsonObject delta{{QStringLiteral("content"), latin1(content)}};
    return compact(chunkBase(answer, delta, kNull, withUsageNull));
}

QByteArray finishChunkJson(const ChatAnswer &answer, bool withUsageNull)
{
    return compact(chunkBase(answer, QJsonObject(), latin1(answer.finishReason), withUsageNull));
}

QByteArray usageChunkJson(const ChatAnswer &answer)
{
    QJsonObject chunk{
        {QStringLiteral("id"), latin1(answer.id)},
        {QStringLiteral("object"), QStringLiteral("chat.completion.chunk")},
        {QStringLiteral("created"), answer.created},
        {QStringLiteral("model"), answer.model},
        {QStringLiteral("system_fingerprint"), QStringLiteral("fp_signalbox_fake")},
        {QStringLiteral("choices"), QJsonArray()},
    };
    chunk.insert(QStringLiteral("usage"), answer.usage ? QJsonValue(usageObject(*answer.usage)) : kNull);
    return compact(chunk);
}

QByteArray modelsJson(const QStringList &ids)
{
    QJsonArray data;
    for (const QString &id : ids) {
        data.append(QJsonObject{{QStringLiteral("id"), id},
                                {QStringLiteral("object"), QStringLiteral("model")},
                                {QStringLiteral("created"), 1700000000},
                                {QStringLiteral("owned_by"), QStringLiteral("signalbox-fake")}});
    }
    return compact(QJsonObject{{QStringLiteral("object"), QStringLiteral("list")}, {QStringLiteral("data"), data}});
}

QByteArray errorJson(const QString &message, const QString &type, const QString &code)
{
    const QJsonObject error{{QStringLiteral("message"), message},
                            {QStringLiteral("type"), type},
                            {QStringLiteral("param"), kNull},
                            {QStringLiteral("code"), code.isEmpty() ? kNull : QJsonValue(code)}};
    return compact(QJsonObject{{QStringLiteral("error"), error}});
}

} // namespace signalbox::sandbox
