#pragma once

// The OpenAI chat completions wire format as the fake speaks it: reading the
// fields it honours from a request, and writing completions, stream chunks,
// model lists and error bodies.

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace signalbox::sandbox {

struct ChatRequest {
    QString model;
    bool stream = false;
    bool includeUsage = false;       // stream_options.include_usage
    std::optional<int> maxTokens;    // max_completion_tokens, else max_tokens
    int estimatedPromptTokens = 1;   // characters of the messages' content / 4, at least 1
};

// Nullopt with a message suitable for a 400 error body when the request is unusable.
std::optional<ChatRequest> parseChatRequest(const QByteArray &body, QString *error);

struct ChatUsage {
    int promptTokens = 0;
    int completionTokens = 0; // includes reasoningTokens, as OpenAI counts them
    int cachedTokens = 0;
    int reasoningTokens = 0;
};

struct ChatAnswer {
    QByteArray id; // chatcmpl-...
    qint64 created = 0;
    QString model;
    QList<QByteArray> pieces; // the content, one piece per stream event; joined for JSON
    QByteArray finishReason;  // "stop" or "length"
    std::optional<ChatUsage> usage;
};

// "token0 token1 ..." as pieces ("token0", " token1", ...), or, with
// contentBytes > 0, that word sequence cut to exactly contentBytes bytes and
// split into `count` nearly equal pieces.
QList<QByteArray> answerPieces(int count, qint64 contentBytes);

QByteArray completionJson(const ChatAnswer &answer);
// One chat.completion.chunk. withUsageNull adds "usage": null, as OpenAI does
// on every chunk when include_usage is on.
QByteArray roleChunkJson(const ChatAnswer &answer, bool withUsageNull);
QByteArray contentChunkJson(const ChatAnswer &answer, const QByteArray &content, bool withUsageNull);
QByteArray finishChunkJson(const ChatAnswer &answer, bool withUsageNull);
QByteArray usageChunkJson(const ChatAnswer &answer); // empty choices + usage

QByteArray modelsJson(const QStringList &ids);
// {"error": {"message", "type", "param": null, "code"}}; an empty code is null.
QByteArray errorJson(const QString &message, const QString &type, const QString &code = {});

} // namespace signalbox::sandbox
