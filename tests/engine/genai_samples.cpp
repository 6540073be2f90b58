// Malformed genai-prices inputs with the error each must produce. Kept out
// of the test's moc'd file: moc (Qt 6.4) cannot read raw string literals.
#include "tests/engine/genai_samples.h"

std::vector<GenaiSample> malformedGenaiPricesSamples()
{
    std::vector<GenaiSample> samples;
    const QByteArray ok = R"({"id":"p","name":"P","api_pattern":"https://p","models":[%1]})";
    auto provider = [&ok](const char *models) { return QByteArray(ok).replace("%1", models); };
    const char *model = R"({"id":"m","match":{"equals":"m"},"prices":{"input_mtok":1}})";
    samples.push_back({"not JSON", QByteArray("[{"), QStringLiteral("not valid JSON")});
    samples.push_back({"not an array", QByteArray("{}"), QStringLiteral("JSON array of providers")});
    samples.push_back({"missing provider id", QByteArray(R"([{"name":"P","api_pattern":"x","models":[]}])"), QStringLiteral("provider 0: 'id' must be a string, got missing")});
    samples.push_back({"name of wrong type", QByteArray(R"([{"id":"p","name":5,"api_pattern":"x","models":[]}])"), QStringLiteral("provider 'p': 'name' must be a string, got a number")});
    samples.push_back({"duplicate provider", "[" + provider(model) + "," + provider(model) + "]", QStringLiteral("provider 'p': duplicate provider id")});
    samples.push_back({"duplicate model", "[" + provider(R"({"id":"m","match":{"equals":"m"},"prices":{}},{"id":"m","match":{"equals":"m"},"prices":{}})") + "]", QStringLiteral("duplicate model id 'm'")});
    samples.push_back({"negative price", "[" + provider(R"({"id":"m","match":{"equals":"m"},"prices":{"input_mtok":-1}})") + "]", QStringLiteral("'m' prices.input_mtok: negative price")});
    samples.push_back({"price as string", "[" + provider(R"({"id":"m","match":{"equals":"m"},"prices":{"input_mtok":"3"}})") + "]", QStringLiteral("prices.input_mtok: a price must be a number, got a string")});
    samples.push_back({"unknown price key", "[" + provider(R"({"id":"m","match":{"equals":"m"},"prices":{"input_ktok":3}})") + "]", QStringLiteral("prices.input_ktok: unknown price key")});
    samples.push_back({"missing match", "[" + provider(R"({"id":"m","prices":{}})") + "]", QStringLiteral("'m': 'match' is missing")});
    samples.push_back({"invalid regex", "[" + provider(R"({"id":"m","match":{"regex":"(unclosed"},"prices":{}})") + "]", QStringLiteral("invalid regular expression")});
    samples.push_back({"unknown rule", "[" + provider(R"({"id":"m","match":{"like":"m"},"prices":{}})") + "]", QStringLiteral("unknown match rule 'like'")});
    samples.push_back({"empty or", "[" + provider(R"({"id":"m","match":{"or":[]},"prices":{}})") + "]", QStringLiteral("match.or: must be a non-empty array")});
    samples.push_back({"tier start negative", "[" + provider(R"({"id":"m","match":{"equals":"m"},"prices":{"input_mtok":{"base":1,"tiers":[{"start":-5,"price":2}]}}})") + "]", QStringLiteral("tiers[0].start: must be a whole number")});
    samples.push_back({"unknown constraint", "[" + provider(R"({"id":"m","match":{"equals":"m"},"prices":[{"prices":{}},{"constraint":{"type":"weekday"},"prices":{}}]})") + "]", QStringLiteral("unknown constraint type 'weekday'")});
    samples.push_back({"bad time of day", "[" + provider(R"({"id":"m","match":{"equals":"m"},"prices":[{"prices":{}},{"constraint":{"type":"time_of_date","start_time":"25:00:00Z","end_time":"01:00:00Z"},"prices":{}}]})") + "]", QStringLiteral("start_time")});
    samples.push_back({"cache price without input price", "[" + provider(R"({"id":"m","match":{"equals":"m"},"prices":{"cache_read_mtok":1}})") + "]", QStringLiteral("'cache_read_mtok' is priced but its parent 'input_mtok' is not")});
    samples.push_back({"unknown fallback provider", QByteArray(R"([{"id":"p","name":"P","api_pattern":"x","fallback_model_providers":["q"],"models":[]}])"), QStringLiteral("unknown provider 'q'")});
    return samples;
}
