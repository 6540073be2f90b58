// signalbox-gateway price: re-prices usage records (JSON Lines on stdin) on
// one offering, with the cost engine the gateway itself prices requests with
// ("what would last month have cost on X?"). Names resolve as the gateway
// resolves a client's model name, in the workspace's catalog (user data and
// price overrides applied). Every line is read and priced before anything is
// printed, so a bad line never leaves a partial table or a misleading total.

#include "app/gateway/commands.h"
#include "app/gateway/offeringchoice.h"
#include "engine/catalog/userstore.h"
#include "engine/cost/costengine.h"
#include "engine/gateway/dataplane/routing.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <vector>

#ifdef Q_OS_UNIX
#include <unistd.h>
#endif

namespace signalbox::gateway {

namespace {

using engine::Money;

// A usage record as read from one line.
struct Record {
    int line = 0;
    QDateTime at; // UTC: the record's own time, else --at, else now
    qint64 prompt = 0; // inclusive of cache reads and writes
    qint64 completion = 0; // inclusive of reasoning
    qint64 cacheRead = 0;
    qint64 cacheWrite = 0;
    qint64 reasoning = 0;
    Money cost;
    // The cost the record already carried (usage export writes it): absent,
    // null ("unknown": the gateway could not price it), or an amount.
    enum class Original : quint8 { Absent, Unknown, Known };
    Original original = Original::Absent;
    Money originalCost;
};

QString usd(Money amount)
{
    return amount.isNegative() ? QStringLiteral("-$") + (-amount).toDecimalString()
                               : QStringLiteral("$") + amount.toDecimalString();
}

QString signedUsd(Money amount)
{
    return amount.isNegative() || amount.isZero() ? usd(amount) : QStringLiteral("+") + usd(amount);
}

QString iso(const QDateTime &time)
{
    return time.toUTC().toString(Qt::ISODate);
}

// An exact amount as a JSON string; null when no record had one to sum.
QJsonValue amountOrNull(int count, Money amount)
{
    return count > 0 ? QJsonValue(amount.toDecimalString()) : QJsonValue(QJsonValue::Null);
}

// One line on stderr that is not an error (which offering was chosen).
void note(const QString &message)
{
    std::fprintf(stderr, "%s: %s\n", kProgram, qUtf8Printable(message));
}

engine::Error badLine(int line, const QString &message)
{
    return engine::Error { QStringLiteral("invalid"), QStringLiteral("line %1: %2").arg(line).arg(message) };
}

// A token count under `names` (the first is the usage export's name, the
// others aliases). Absent or null: 0, as the gateway records "not reported".
engine::Result<qint64> tokenField(const QJsonObject &object, int line, const char *name, const char *alias)
{
    std::optional<qint64> found;
    QString foundName;
    for (const char *each : { name, alias }) {
        if (!each)
            continue;
        const QString key = QLatin1String(each);
        const QJsonValue value = object.value(key);
        if (value.isUndefined() || value.isNull())
            continue;
        const double number = value.toDouble(-1);
        // Doubles hold integers exactly up to 2^53; no request comes near 1e15 tokens.
        if (!value.isDouble() || number < 0 || number != std::floor(number) || number > 1e15)
            return badLine(line,
                QStringLiteral("%1 must be a whole number of tokens >= 0, not %2")
                    .arg(key,
                        QString::fromUtf8(
                            QJsonDocument(QJsonArray { value }).toJson(QJsonDocument::Compact).mid(1).chopped(1))));
        const auto count = static_cast<qint64>(number);
        if (found && *found != count)
            return badLine(
                line, QStringLiteral("%1 (%2) and %3 (%4) disagree").arg(foundName).arg(*found).arg(key).arg(count));
        found = count;
        foundName = key;
    }
    return found.value_or(0);
}

engine::Result<Record> parseRecord(const QByteArray &text, int line, const QDateTime &defaultTime)
{
    QJsonParseError error {};
    const QJsonDocument document = QJsonDocument::fromJson(text, &error);
    if (error.error != QJsonParseError::NoError)
        return badLine(
            line, QStringLiteral("not valid JSON (%1 at character %2)").arg(error.errorString()).arg(error.offset + 1));
    if (!document.isObject())
        return badLine(line, QStringLiteral("expected a JSON object with token counts"));
    const QJsonObject object = document.object();

    Record record;
    record.line = line;
    const struct {
        qint64 *target;
        const char *name;
        const char *alias;
    } fields[] = {
        { &record.prompt, "prompt_tokens", "input_tokens" },
        { &record.completion, "completion_tokens", "output_tokens" },
        { &record.cacheRead, "cache_read_tokens", "cached_tokens" },
        { &record.cacheWrite, "cache_write_tokens", nullptr },
        { &record.reasoning, "reasoning_tokens", nullptr },
    };
    for (const auto &field : fields) {
        auto count = tokenField(object, line, field.name, field.alias);
        if (!count)
            return count.error();
        *field.target = count.value();
    }

    record.at = defaultTime;
    for (const char *name : { "started_at", "time" }) {
        const QString key = QLatin1String(name);
        const QJsonValue value = object.value(key);
        if (value.isUndefined() || value.isNull())
            continue;
        if (!value.isString())
            return badLine(line, QStringLiteral("%1 must be an ISO 8601 time such as 2026-11-01T09:30:00Z").arg(key));
        auto time = parseTimeArgument(value.toString(), key);
        if (!time)
            return badLine(line, time.error().message);
        record.at = time.value();
        break;
    }

    const QJsonValue cost = object.value(QStringLiteral("cost"));
    if (cost.isNull()
        || (cost.isString() && (cost.toString().isEmpty() || cost.toString() == QLatin1String("unknown")))) {
        record.original = Record::Original::Unknown;
    } else if (!cost.isUndefined()) {
        std::optional<Money> amount;
        if (cost.isString())
            amount = Money::parse(cost.toString().toUtf8());
        else if (cost.isDouble())
            amount = Money::fromDouble(cost.toDouble());
        if (!amount || amount->isNegative())
            return badLine(line, QStringLiteral("cost must be an amount in USD (\"0.0012\"), or null when unknown"));
        record.original = Record::Original::Known;
        record.originalCost = *amount;
    }
    return record;
}

} // namespace

int runPrice(const CommandContext &context, const QStringList &arguments)
{
    CommandLine line(QStringLiteral("price --model M [--provider P] [--at TIME] [--json] < records.jsonl"),
        QStringLiteral(
            "Prices usage records, one JSON object a line on stdin, on one offering with the gateway's cost\n"
            "engine, and prints each record's cost and the total. Fields (those of usage export --format jsonl):\n"
            "prompt_tokens (or input_tokens), completion_tokens (or output_tokens), cache_read_tokens (or\n"
            "cached_tokens), cache_write_tokens, reasoning_tokens, started_at (or time), cost. Counts are\n"
            "inclusive as in OpenAI's usage: prompt includes cache reads and writes, completion includes\n"
            "reasoning; absent or null means 0. A record's own time picks time-dependent prices, else --at,\n"
            "else now. With a cost, the record's original cost and the difference are shown too.\n"
            "M is a model id (openai/gpt-4o), provider/model, or an alias; without --provider the maker's\n"
            "own offering (openai's for openai/gpt-4o) is used when it is priced, else the cheapest priced\n"
            "one; stderr says which. Exit codes: 2 a malformed line (nothing printed), 3 unknown model,\n"
            "provider or price."),
        true);
    line.add(
        QCommandLineOption(QStringLiteral("model"), QStringLiteral("The model to price on."), QStringLiteral("M")));
    line.add(QCommandLineOption(
        QStringLiteral("provider"), QStringLiteral("That provider's offering of it."), QStringLiteral("P")));
    line.add(QCommandLineOption(
        QStringLiteral("at"), QStringLiteral("Time for records without one (default now)."), QStringLiteral("TIME")));
    if (auto stop = line.parse(arguments, 0, 0, QString()))
        return *stop;
    const QString modelName = line.value(QStringLiteral("model")).trimmed();
    if (modelName.isEmpty())
        return fail(ExitBadInput, QStringLiteral("price: --model is required (see --help)"));
    const QString providerName = line.value(QStringLiteral("provider")).trimmed();
    if (line.isSet(QStringLiteral("provider")) && providerName.isEmpty())
        return fail(ExitBadInput, QStringLiteral("price: --provider needs a provider id"));
    QDateTime defaultTime = QDateTime::currentDateTimeUtc();
    if (line.isSet(QStringLiteral("at"))) {
        auto at = parseTimeArgument(line.value(QStringLiteral("at")), QStringLiteral("--at"));
        if (!at)
            return failWith(at.error(), QStringLiteral("price"));
        defaultTime = at.value();
    }

    auto workspace = openWorkspace(context);
    if (!workspace)
        return failWith(workspace.error());
    auto routing = pricingTable(*workspace.value(), defaultTime);
    if (!routing)
        return failWith(routing.error(), QStringLiteral("price"));
    auto chosen = chooseOffering(*routing.value(), modelName, providerName);
    if (!chosen)
        return failWith(chosen.error(), QStringLiteral("price"));
    const engine::RouteOffering &offering = *chosen->offering;

#ifdef Q_OS_UNIX
    if (::isatty(STDIN_FILENO))
        note(QStringLiteral("reading usage records (JSON Lines) from stdin; end with Ctrl-D"));
#endif
    QFile input;
    if (!input.open(stdin, QIODevice::ReadOnly))
        return fail(ExitFailure, QStringLiteral("price: cannot read stdin: %1").arg(input.errorString()));

    // Everything is read and priced first: a bad line stops with exit 2 and
    // nothing on stdout.
    std::vector<Record> records;
    int lineNumber = 0;
    while (true) {
        QByteArray text = input.readLine();
        if (text.isEmpty() && input.atEnd())
            break;
        ++lineNumber;
        text = text.trimmed();
        if (text.isEmpty())
            continue;
        auto record = parseRecord(text, lineNumber, defaultTime);
        if (!record)
            return failWith(record.error(), QStringLiteral("price"));
        const engine::Usage usage = engine::Usage::tokens(
            record->prompt, record->completion, record->cacheRead, record->cacheWrite, 0, record->reasoning);
        auto cost = engine::computeCost(offering.price, usage, record->at);
        if (!cost)
            return failWith(badLine(lineNumber, cost.error().message), QStringLiteral("price"));
        if (!cost->isPriced()) // cannot happen: the offering was chosen for its known price
            return fail(ExitNotFound, QStringLiteral("price: no known price for %1").arg(offering.key()));
        record->cost = cost->total();
        records.push_back(std::move(record).value());
    }
    if (input.error() != QFileDevice::NoError)
        return fail(ExitFailure, QStringLiteral("price: cannot read stdin: %1").arg(input.errorString()));

    if (!chosen->note.isEmpty())
        note(chosen->note);
    if (records.empty())
        warn(QStringLiteral("price: no usage records on stdin"));

    Money total;
    int compared = 0, unknownOriginals = 0;
    Money originalTotal, comparedRepriced;
    bool anyOriginal = false;
    for (const Record &record : records) {
        total += record.cost;
        anyOriginal = anyOriginal || record.original != Record::Original::Absent;
        if (record.original == Record::Original::Known) {
            ++compared;
            originalTotal += record.originalCost;
            comparedRepriced += record.cost;
        } else if (record.original == Record::Original::Unknown) {
            ++unknownOriginals;
        }
    }

    if (line.json()) {
        QJsonArray array;
        for (const Record &record : records) {
            QJsonObject object { { QStringLiteral("line"), record.line }, { QStringLiteral("time"), iso(record.at) },
                { QStringLiteral("prompt_tokens"), record.prompt },
                { QStringLiteral("completion_tokens"), record.completion },
                { QStringLiteral("cache_read_tokens"), record.cacheRead },
                { QStringLiteral("cache_write_tokens"), record.cacheWrite },
                { QStringLiteral("reasoning_tokens"), record.reasoning },
                { QStringLiteral("cost"), record.cost.toDecimalString() } };
            if (record.original == Record::Original::Unknown) {
                object.insert(QStringLiteral("original_cost"), QJsonValue(QJsonValue::Null));
            } else if (record.original == Record::Original::Known) {
                object.insert(QStringLiteral("original_cost"), record.originalCost.toDecimalString());
                object.insert(QStringLiteral("difference"), (record.cost - record.originalCost).toDecimalString());
            }
            array.append(object);
        }
        QJsonObject result { { QStringLiteral("model"), chosen->modelId },
            { QStringLiteral("provider"), offering.provider->id },
            { QStringLiteral("provider_model"), offering.providerModelId }, { QStringLiteral("records"), array },
            { QStringLiteral("total"), total.toDecimalString() } };
        if (anyOriginal)
            result.insert(QStringLiteral("comparison"),
                QJsonObject { { QStringLiteral("records"), compared },
                    { QStringLiteral("unknown_original"), unknownOriginals },
                    { QStringLiteral("original_total"), amountOrNull(compared, originalTotal) },
                    { QStringLiteral("repriced_total"), amountOrNull(compared, comparedRepriced) },
                    { QStringLiteral("difference"), amountOrNull(compared, comparedRepriced - originalTotal) } });
        printJson(result);
        return ExitOk;
    }

    QList<QStringList> rows;
    QStringList header { QStringLiteral("LINE"), QStringLiteral("TIME"), QStringLiteral("PROMPT"),
        QStringLiteral("CACHE-READ"), QStringLiteral("CACHE-WRITE"), QStringLiteral("COMPLETION"),
        QStringLiteral("REASONING"), QStringLiteral("COST") };
    QList<bool> right { true, false, true, true, true, true, true, true };
    if (anyOriginal) {
        header << QStringLiteral("ORIGINAL") << QStringLiteral("DIFFERENCE");
        right << true << true;
    }
    rows.append(header);
    qint64 sums[5] = { 0, 0, 0, 0, 0 };
    for (const Record &record : records) {
        QStringList row { QString::number(record.line), iso(record.at), QString::number(record.prompt),
            QString::number(record.cacheRead), QString::number(record.cacheWrite), QString::number(record.completion),
            QString::number(record.reasoning), usd(record.cost) };
        if (record.original == Record::Original::Known)
            row << usd(record.originalCost) << signedUsd(record.cost - record.originalCost);
        else if (record.original == Record::Original::Unknown)
            row << QStringLiteral("unknown") << QStringLiteral("-");
        else if (anyOriginal)
            row << QStringLiteral("-") << QStringLiteral("-");
        rows.append(row);
        sums[0] += record.prompt;
        sums[1] += record.cacheRead;
        sums[2] += record.cacheWrite;
        sums[3] += record.completion;
        sums[4] += record.reasoning;
    }
    QStringList totalRow { QStringLiteral("total"),
        QStringLiteral("%1 record%2").arg(records.size()).arg(records.size() == 1 ? QString() : QStringLiteral("s")),
        QString::number(sums[0]), QString::number(sums[1]), QString::number(sums[2]), QString::number(sums[3]),
        QString::number(sums[4]), usd(total) };
    if (anyOriginal) {
        if (compared > 0)
            totalRow << usd(originalTotal) << signedUsd(comparedRepriced - originalTotal);
        else
            totalRow << QStringLiteral("unknown") << QStringLiteral("-");
    }
    rows.append(totalRow);
    say(QStringLiteral("%1 on %2 (%3)").arg(chosen->modelId, offering.provider->id, offering.providerModelId));
    printText(textTable(rows, right));
    if (anyOriginal && compared < static_cast<int>(records.size()))
        say(QStringLiteral("the original cost is known for %1 of %2 records; the total's ORIGINAL and DIFFERENCE "
                           "cover only those (%3 repriced vs %4 originally)")
                .arg(compared)
                .arg(records.size())
                .arg(usd(comparedRepriced), usd(originalTotal)));
    return ExitOk;
}

} // namespace signalbox::gateway
