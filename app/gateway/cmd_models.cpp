// signalbox-gateway models list: what the gateway can route to, with prices,
// from the same routing table `serve` builds (catalog, the workspace's data,
// which provider keys are present).

#include "app/gateway/commands.h"
#include "app/gateway/offeringchoice.h"

#include <QJsonArray>
#include <QJsonObject>

#include <algorithm>

namespace signalbox::gateway {

namespace {

QString contextText(qint64 tokens)
{
    return tokens > 0 ? QString::number(tokens) : QStringLiteral("-");
}

int list(const CommandContext &context, const QStringList &arguments)
{
    CommandLine line(QStringLiteral("models list [--provider P] [--all] [--json]"),
                     QStringLiteral("Lists the offerings the gateway can route to now: model, provider, the name to\n"
                                    "send to pin that provider (provider/model), context, and prices per million\n"
                                    "prompt and completion tokens (\"unknown\" when no price is known: such requests\n"
                                    "are logged unpriced, never at $0). Offerings of providers without a key are\n"
                                    "left out; --all lists them too, with the reason."),
                     true);
    line.add(QCommandLineOption(QStringLiteral("provider"), QStringLiteral("Only this provider's offerings."),
                                QStringLiteral("P")));
    line.add(QCommandLineOption(QStringLiteral("all"), QStringLiteral("Also offerings the gateway cannot call now.")));
    if (auto stop = line.parse(arguments, 0, 0, QString()))
        return *stop;
    auto workspace = openWorkspace(context);
    if (!workspace)
        return failWith(workspace.error());
    auto table = servingTable(*workspace.value());
    if (!table)
        return failWith(table.error(), QStringLiteral("models list"));

    const QString providerId = line.value(QStringLiteral("provider")).trimmed().toLower();
    if (line.isSet(QStringLiteral("provider"))) {
        if (!findProvider(*table.value(), providerId))
            return fail(ExitNotFound, QStringLiteral("models list: unknown provider '%1' (see providers list --all)")
                                          .arg(line.value(QStringLiteral("provider"))));
    }
    const bool all = line.isSet(QStringLiteral("all"));
    std::vector<const engine::RouteOffering *> rows;
    for (const engine::RouteOffering &offering : table.value()->offerings()) {
        if (!providerId.isEmpty() && offering.provider->id != providerId)
            continue;
        if (!all && !offering.provider->usable)
            continue;
        rows.push_back(&offering);
    }
    // By model, then cheapest first within a model: the gateway's default order.
    std::sort(rows.begin(), rows.end(), [](const engine::RouteOffering *a, const engine::RouteOffering *b) {
        if (a->modelId != b->modelId)
            return a->modelId < b->modelId;
        return cheaperOffering(a, b);
    });

    if (line.json()) {
        QJsonArray array;
        for (const engine::RouteOffering *offering : rows)
            array.append(QJsonObject{
                {QStringLiteral("model"), offering->modelId},
                {QStringLiteral("provider"), offering->provider->id},
                {QStringLiteral("provider_model"), offering->providerModelId},
                {QStringLiteral("route"), offering->key()},
                {QStringLiteral("context_length"), offering->contextLength > 0 ? QJsonValue(offering->contextLength)
                                                                                : QJsonValue(QJsonValue::Null)},
                {QStringLiteral("prompt_per_million"), decimalOrNull(offering->promptPerMillion)},
                {QStringLiteral("completion_per_million"), decimalOrNull(offering->completionPerMillion)},
                {QStringLiteral("priced"), offering->price.isKnown()},
                {QStringLiteral("usable"), offering->provider->usable},
                {QStringLiteral("reason"), offering->provider->usable ? QJsonValue(QJsonValue::Null)
                                                                      : QJsonValue(offering->provider->unusableReason)}});
        printJson(array);
        return ExitOk;
    }
    if (rows.empty()) {
        if (all || !providerId.isEmpty())
            say(QStringLiteral("no offerings"));
        else
            say(QStringLiteral("nothing is routable yet: set a provider's key variable (e.g. OPENAI_API_KEY), or add "
                               "a provider with: %1 providers add NAME --base-url URL (models list --all shows every "
                               "offering)")
                    .arg(QLatin1String(kProgram)));
        return ExitOk;
    }
    QList<QStringList> cells{{QStringLiteral("MODEL"), QStringLiteral("ROUTE AS"), QStringLiteral("CONTEXT"),
                              QStringLiteral("$/1M IN"), QStringLiteral("$/1M OUT")}};
    if (all)
        cells.first().append(QStringLiteral("STATE"));
    for (const engine::RouteOffering *offering : rows) {
        QStringList row{offering->modelId, offering->key(), contextText(offering->contextLength),
                        dollarsOrUnknown(offering->promptPerMillion), dollarsOrUnknown(offering->completionPerMillion)};
        if (all)
            row.append(offering->provider->usable ? QStringLiteral("ready") : offering->provider->unusableReason);
        cells.append(row);
    }
    printText(textTable(cells, {false, false, true, true, true, false}));
    return ExitOk;
}

} // namespace

int runModels(const CommandContext &context, const QStringList &arguments)
{
    return dispatchSubcommand("models", {{"list", list, "[--provider P] [--all] [--json]"}}, context, arguments);
}

} // namespace signalbox::gateway
