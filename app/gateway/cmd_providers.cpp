// signalbox-gateway providers list | add | remove | test: the providers the
// gateway can call. `add` registers an OpenAI-compatible server (a local
// vLLM, Ollama or llama.cpp, a company proxy), discovers its models from
// GET /v1/models and makes each routable as NAME/MODEL, priced from the
// catalog where it knows the model. `test` sends one tiny chat through the
// gateway's own upstream client and reports time to first token.

#include "app/gateway/commands.h"
#include "app/gateway/offeringchoice.h"
#include "app/gateway/upstreamprobe.h"
#include "engine/catalog/urlpolicy.h"
#include "engine/catalog/userstore.h"
#include "engine/cost/costengine.h"
#include "engine/gateway/dataplane/sse.h"
#include "engine/keys/providerkeys.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cstdio>

#ifdef Q_OS_UNIX
#include <termios.h>
#include <unistd.h>
#endif

namespace signalbox::gateway {

namespace {

using engine::CustomOffering;
using engine::CustomProvider;
using engine::KeyReference;
using engine::RouteOffering;
using engine::RoutingTable;

// "none", "env:OPENAI_API_KEY", "file:/etc/...", "keychain:entry": where, never the key.
QString keyText(const KeyReference &key)
{
    const QString kind = KeyReference::kindName(key.kind);
    return key.kind == KeyReference::Kind::None ? kind : kind + QLatin1Char(':') + key.ref;
}

QString millis(std::chrono::microseconds us)
{
    return QString::number(static_cast<double>(us.count()) / 1000.0, 'f', 1);
}

std::vector<const RouteOffering *> offeringsOf(const RoutingTable &table, const QString &providerId)
{
    std::vector<const RouteOffering *> result;
    for (const RouteOffering &offering : table.offerings()) {
        if (offering.provider->id == providerId)
            result.push_back(&offering);
    }
    return result;
}

QString stateOf(const engine::ProviderEndpoint *endpoint)
{
    if (!endpoint)
        return QStringLiteral("not in the catalog");
    return endpoint->usable ? QStringLiteral("ready") : endpoint->unusableReason;
}

// ---------------------------------------------------------------------------
// list

int list(const CommandContext &context, const QStringList &arguments)
{
    CommandLine line(QStringLiteral("providers list [--all] [--json]"),
                     QStringLiteral("Lists the workspace's custom providers: base URL, where the key is kept (never\n"
                                    "the key), how many models, and whether the gateway can call it now. --all adds\n"
                                    "the catalog's providers (usable once their key's variable is set)."),
                     true);
    line.add(QCommandLineOption(QStringLiteral("all"), QStringLiteral("Also list the catalog's providers.")));
    if (auto stop = line.parse(arguments, 0, 0, QString()))
        return *stop;
    auto workspace = openWorkspace(context);
    if (!workspace)
        return failWith(workspace.error());
    auto custom = engine::CatalogUserStore(workspace.value()->database()).providers();
    if (!custom)
        return failWith(custom.error(), QStringLiteral("providers list"));
    auto table = servingTable(*workspace.value());
    if (!table)
        return failWith(table.error(), QStringLiteral("providers list"));

    struct Row {
        QString id, name, baseUrl, key, source, state;
        qsizetype models = 0;
        bool usable = false;
    };
    std::vector<Row> rows;
    QSet<QString> customIds;
    for (const CustomProvider &provider : custom.value()) {
        const auto *endpoint = findProvider(*table.value(), provider.id);
        customIds.insert(provider.id);
        rows.push_back({provider.id, provider.name, provider.baseUrl, keyText(provider.key), QStringLiteral("custom"),
                        stateOf(endpoint), static_cast<qsizetype>(offeringsOf(*table.value(), provider.id).size()),
                        endpoint && endpoint->usable});
    }
    if (line.isSet(QStringLiteral("all"))) {
        for (const engine::Provider &provider : table.value()->catalog().providers()) {
            if (customIds.contains(provider.id))
                continue;
            const auto *endpoint = findProvider(*table.value(), provider.id);
            rows.push_back({provider.id, provider.name, provider.baseUrl,
                            provider.keyEnv.isEmpty() ? QStringLiteral("none") : QStringLiteral("env:") + provider.keyEnv.first(),
                            QStringLiteral("catalog"), stateOf(endpoint),
                            static_cast<qsizetype>(offeringsOf(*table.value(), provider.id).size()),
                            endpoint && endpoint->usable});
        }
    }

    if (line.json()) {
        QJsonArray array;
        for (const Row &row : rows)
            array.append(QJsonObject{{QStringLiteral("id"), row.id},
                                     {QStringLiteral("name"), row.name},
                                     {QStringLiteral("base_url"), row.baseUrl},
                                     {QStringLiteral("key"), row.key},
                                     {QStringLiteral("source"), row.source},
                                     {QStringLiteral("models"), row.models},
                                     {QStringLiteral("usable"), row.usable},
                                     {QStringLiteral("state"), row.state}});
        printJson(array);
        return ExitOk;
    }
    if (rows.empty()) {
        say(QStringLiteral("no custom providers; add one with: %1 providers add NAME --base-url URL "
                           "(--all lists the catalog's)")
                .arg(QLatin1String(kProgram)));
        return ExitOk;
    }
    QList<QStringList> cells{{QStringLiteral("ID"), QStringLiteral("SOURCE"), QStringLiteral("BASE URL"),
                              QStringLiteral("KEY"), QStringLiteral("MODELS"), QStringLiteral("STATE")}};
    for (const Row &row : rows)
        cells.append({row.id, row.source, row.baseUrl.isEmpty() ? QStringLiteral("-") : row.baseUrl, row.key,
                      QString::number(row.models), row.state});
    printText(textTable(cells, {false, false, false, false, true, false}));
    return ExitOk;
}

// ---------------------------------------------------------------------------
// add

// A key typed or piped on stdin, for --keychain: never an argument (shell
// history, `ps`). Echo is off on a terminal.
engine::Result<QByteArray> readKeyFromStdin(const QString &providerId)
{
#ifdef Q_OS_UNIX
    const bool terminal = ::isatty(STDIN_FILENO);
    termios saved{};
    if (terminal) {
        std::fprintf(stderr, "API key for %s (not shown): ", qUtf8Printable(providerId));
        std::fflush(stderr);
        ::tcgetattr(STDIN_FILENO, &saved);
        termios quiet = saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
#else
    Q_UNUSED(providerId)
#endif
    QFile input;
    QByteArray key;
    if (input.open(stdin, QIODevice::ReadOnly))
        key = input.readLine(engine::ProviderKeyResolver::kMaxKeyFileBytes).trimmed();
#ifdef Q_OS_UNIX
    if (terminal) {
        ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        std::fputc('\n', stderr);
    }
#endif
    if (key.isEmpty())
        return engine::Error{QStringLiteral("invalid"), QStringLiteral("--keychain reads the key from stdin, and got none")};
    return key;
}

QString baseWithoutSlash(QString base)
{
    while (base.endsWith(QLatin1Char('/')))
        base.chop(1);
    return base;
}

// The model ids an OpenAI-compatible server lists at GET <base>/models.
engine::Result<QStringList> discoverModels(const QString &baseUrl, const QByteArray &key)
{
    const QString url = baseWithoutSlash(baseUrl) + QStringLiteral("/models");
    engine::UpstreamRequest request;
    request.url = url.toUtf8();
    request.method = "GET";
    request.headers.append({QByteArrayLiteral("Accept"), QByteArrayLiteral("application/json")});
    if (!key.isEmpty())
        request.headers.append({QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer ") + key});
    request.connectTimeout = std::chrono::seconds(10);
    request.firstByteTimeout = std::chrono::seconds(20);
    request.idleTimeout = std::chrono::seconds(20);
    request.totalTimeout = std::chrono::seconds(60);
    const ProbeResult result = runProbe(std::move(request));
    const QString hint = QStringLiteral("; give the models with --models a,b");
    if (!result.answered())
        return engine::Error{QStringLiteral("unreachable"),
                             QStringLiteral("cannot list models at %1: %2%3").arg(url, result.failureText(), hint)};
    if (result.status != 200) {
        const QByteArray said = engine::redactKnownSecrets(result.body.left(300).simplified(), {key});
        return engine::Error{QStringLiteral("failed"), QStringLiteral("GET %1 answered HTTP %2%3%4")
                                                           .arg(url)
                                                           .arg(result.status)
                                                           .arg(said.isEmpty() ? QString() : QStringLiteral(": ") + QString::fromUtf8(said), hint)};
    }
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(result.body, &error);
    const QJsonArray data = document.isObject() ? document.object().value(QStringLiteral("data")).toArray()
                                                : document.array();
    if (error.error != QJsonParseError::NoError || result.truncated || (document.isObject() && !document.object().value(QStringLiteral("data")).isArray()))
        return engine::Error{QStringLiteral("failed"),
                             QStringLiteral("GET %1 did not answer with an OpenAI model list%2").arg(url, hint)};
    QStringList ids;
    for (const QJsonValue &entry : data) {
        const QString id = entry.isObject() ? entry.toObject().value(QStringLiteral("id")).toString().trimmed()
                                            : entry.toString().trimmed();
        if (!id.isEmpty() && !ids.contains(id))
            ids.append(id);
    }
    if (ids.isEmpty())
        return engine::Error{QStringLiteral("failed"), QStringLiteral("GET %1 lists no models%2").arg(url, hint)};
    return ids;
}

// A discovered or given model, as the offering `add` stores, and where its price came from.
struct PlannedOffering {
    CustomOffering offering;
    QString pricedFrom; // "openai/gpt-4o-mini" (the catalog offering copied); empty: unpriced
    std::optional<engine::Money> promptPerMillion;
    std::optional<engine::Money> completionPerMillion;
};

PlannedOffering planOffering(const RoutingTable &pricing, const QString &providerId, const QString &providerModelId)
{
    PlannedOffering plan;
    plan.offering.providerId = providerId;
    plan.offering.providerModelId = providerModelId;
    const RoutingTable::Resolved resolved = pricing.resolve(providerModelId);
    if (resolved.modelId.isEmpty()) {
        // A model the catalog does not know: its own name, lower case, groups
        // it with the same model on other custom providers (failover).
        plan.offering.modelId = providerModelId.toLower();
        return plan;
    }
    plan.offering.modelId = resolved.modelId;
    if (const engine::Model *model = pricing.catalog().model(resolved.modelId))
        plan.offering.name = model->name;
    auto chosen = chooseOffering(pricing, providerModelId);
    if (!chosen) // known model, no known price anywhere: stays unpriced
        return plan;
    const RouteOffering &reference = *chosen->offering;
    plan.offering.price = reference.price;
    plan.offering.contextLength = reference.contextLength;
    plan.pricedFrom = reference.key();
    plan.promptPerMillion = reference.promptPerMillion;
    plan.completionPerMillion = reference.completionPerMillion;
    return plan;
}

int add(const CommandContext &context, const QStringList &arguments)
{
    CommandLine line(
        QStringLiteral("providers add NAME --base-url URL [--dialect openai] [--key-env VAR | --key-file F | "
                       "--keychain] [--models a,b] [--name TEXT] [--json]"),
        QStringLiteral(
            "Adds an OpenAI-compatible provider (a local vLLM, Ollama or llama.cpp server, a company proxy).\n"
            "Its models come from GET URL/models, or from --models; each becomes routable as NAME/MODEL and\n"
            "is priced from the catalog when the catalog knows the model (the maker's own offering, else the\n"
            "cheapest), otherwise unpriced until given a price (a price override). The key is never stored:\n"
            "--key-env names a variable, --key-file a file only its owner can read (chmod 600), --keychain\n"
            "reads the key from stdin into the system keychain (desktops; servers have none). No key option:\n"
            "the server takes none."),
        true);
    line.add(QCommandLineOption(QStringLiteral("base-url"), QStringLiteral("The API's base, e.g. http://127.0.0.1:8000/v1."),
                                QStringLiteral("URL")));
    line.add(QCommandLineOption(QStringLiteral("dialect"), QStringLiteral("openai (the only one relayed today)."),
                                QStringLiteral("D"), QStringLiteral("openai")));
    line.add(QCommandLineOption(QStringLiteral("key-env"), QStringLiteral("Environment variable holding the key."),
                                QStringLiteral("VAR")));
    line.add(QCommandLineOption(QStringLiteral("key-file"), QStringLiteral("File holding only the key (mode 600)."),
                                QStringLiteral("F")));
    line.add(QCommandLineOption(QStringLiteral("keychain"), QStringLiteral("Read the key from stdin into the keychain.")));
    line.add(QCommandLineOption(QStringLiteral("models"), QStringLiteral("Comma-separated model ids; skips discovery."),
                                QStringLiteral("LIST")));
    line.add(QCommandLineOption(QStringLiteral("name"), QStringLiteral("Display name (default NAME)."), QStringLiteral("TEXT")));
    if (auto stop = line.parse(arguments, 1, 1, QStringLiteral("the provider's name (its id: a-z 0-9 . _ -)")))
        return *stop;
    const QString prefix = QStringLiteral("providers add");
    if (!line.isSet(QStringLiteral("base-url")))
        return fail(ExitBadInput, QStringLiteral("providers add: --base-url is required"));
    const int keyOptions = int(line.isSet(QStringLiteral("key-env"))) + int(line.isSet(QStringLiteral("key-file")))
                           + int(line.isSet(QStringLiteral("keychain")));
    if (keyOptions > 1)
        return fail(ExitBadInput, QStringLiteral("providers add: give one of --key-env, --key-file, --keychain"));
    const auto dialect = engine::apiDialectFromName(line.value(QStringLiteral("dialect")).trimmed().toLower());
    if (!dialect)
        return fail(ExitBadInput, QStringLiteral("providers add: unknown --dialect '%1' (openai)")
                                      .arg(line.value(QStringLiteral("dialect"))));
    if (*dialect != engine::ApiDialect::OpenAI)
        return fail(ExitBadInput, QStringLiteral("providers add: the gateway relays the OpenAI dialect only; "
                                                 "'%1' providers cannot be routed to yet")
                                      .arg(engine::apiDialectName(*dialect)));

    CustomProvider provider;
    provider.id = line.positional().first();
    provider.name = line.isSet(QStringLiteral("name")) ? line.value(QStringLiteral("name")) : provider.id;
    provider.baseUrl = line.value(QStringLiteral("base-url"));
    provider.dialect = *dialect;
    if (line.isSet(QStringLiteral("key-env")))
        provider.key = {KeyReference::Kind::Environment, line.value(QStringLiteral("key-env"))};
    else if (line.isSet(QStringLiteral("key-file")))
        provider.key = {KeyReference::Kind::File, line.value(QStringLiteral("key-file"))};
    else if (line.isSet(QStringLiteral("keychain")))
        provider.key = {KeyReference::Kind::Keychain, {}};
    provider = engine::normalised(provider);
    if (auto valid = engine::validateCustomProvider(provider); !valid)
        return failWith(valid.error(), prefix);
    if (auto url = engine::validateProviderBaseUrl(provider.baseUrl); !url)
        return failWith(url.error(), prefix);

    auto workspace = openWorkspace(context);
    if (!workspace)
        return failWith(workspace.error());
    engine::CatalogUserStore store(workspace.value()->database());
    auto pricing = pricingTable(*workspace.value(), QDateTime::currentDateTimeUtc());
    if (!pricing)
        return failWith(pricing.error(), prefix);
    // Checked before anything is asked of the network or the keychain.
    if (auto existing = store.provider(provider.id); existing)
        return fail(ExitConflict, QStringLiteral("providers add: provider '%1' exists already (%2); remove it first")
                                      .arg(provider.id, existing.value().baseUrl));
    if (pricing.value()->catalog().provider(provider.id))
        return fail(ExitConflict, QStringLiteral("providers add: '%1' is a catalog provider; choose another name (its "
                                                 "models route once its key is set: see providers list --all)")
                                      .arg(provider.id));

    // The key: needed to discover, and checked now so a typo shows at once.
    QByteArray key;
    const engine::ProviderKeyResolver resolver;
    if (provider.key.kind == KeyReference::Kind::Keychain) {
        if (!engine::ProviderKeyResolver::keychainAvailable())
            return fail(ExitFailure, QStringLiteral("providers add: no system keychain here (servers and CI have none); "
                                                    "use --key-env VAR or --key-file F (chmod 600)"));
        auto typed = readKeyFromStdin(provider.id);
        if (!typed)
            return failWith(typed.error(), prefix);
        key = typed.value();
    } else if (provider.key.kind != KeyReference::Kind::None) {
        auto resolved = resolver.resolve(provider.key, provider.id);
        if (resolved)
            key = resolved.value();
        else if (!line.isSet(QStringLiteral("models")))
            return failWith(resolved.error(), prefix + QStringLiteral(" (the key is needed to list the models)"));
        else
            warn(QStringLiteral("providers add: %1; the gateway will not route to %2 until it is there")
                     .arg(resolved.error().message, provider.id));
    }

    QStringList modelIds;
    if (line.isSet(QStringLiteral("models"))) {
        for (const QString &id : line.value(QStringLiteral("models")).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            if (!id.trimmed().isEmpty() && !modelIds.contains(id.trimmed()))
                modelIds.append(id.trimmed());
        }
        if (modelIds.isEmpty())
            return fail(ExitBadInput, QStringLiteral("providers add: --models lists no model"));
    } else {
        auto discovered = discoverModels(provider.baseUrl, key);
        if (!discovered)
            return fail(ExitFailure, prefix + QStringLiteral(": ") + discovered.error().message);
        modelIds = discovered.value();
    }

    std::vector<PlannedOffering> plans;
    for (const QString &id : modelIds) {
        PlannedOffering plan = planOffering(*pricing.value(), provider.id, id);
        plan.offering = engine::normalised(plan.offering);
        if (auto valid = engine::validateCustomOffering(plan.offering); !valid)
            return failWith(valid.error(), prefix);
        plans.push_back(std::move(plan));
    }

    if (provider.key.kind == KeyReference::Kind::Keychain) {
        if (auto stored = resolver.storeInKeychain(engine::ProviderKeyResolver::defaultKeychainEntry(provider.id), key);
            !stored)
            return failWith(stored.error(), prefix);
    }
    // The provider, then its offerings; if an offering cannot be written the
    // provider goes again (its offerings with it), so nothing half-added stays.
    auto added = store.addProvider(provider);
    if (!added)
        return failWith(added.error(), prefix);
    for (const PlannedOffering &plan : plans) {
        if (auto written = store.addOffering(plan.offering); !written) {
            (void)store.removeProvider(provider.id);
            return failWith(written.error(), prefix);
        }
    }

    if (line.json()) {
        QJsonArray models;
        for (const PlannedOffering &plan : plans)
            models.append(QJsonObject{
                {QStringLiteral("route"), QString(provider.id + QLatin1Char('/') + plan.offering.providerModelId)},
                {QStringLiteral("model"), plan.offering.modelId},
                {QStringLiteral("priced_from"), plan.pricedFrom.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(plan.pricedFrom)},
                {QStringLiteral("prompt_per_million"), decimalOrNull(plan.promptPerMillion)},
                {QStringLiteral("completion_per_million"), decimalOrNull(plan.completionPerMillion)}});
        printJson(QJsonObject{{QStringLiteral("id"), added.value().id},
                              {QStringLiteral("name"), added.value().name},
                              {QStringLiteral("base_url"), added.value().baseUrl},
                              {QStringLiteral("key"), keyText(added.value().key)},
                              {QStringLiteral("models"), models}});
        return ExitOk;
    }
    say(QStringLiteral("added provider %1 (%2, key: %3) with %4 model%5:")
            .arg(provider.id, added.value().baseUrl, keyText(added.value().key))
            .arg(plans.size())
            .arg(plans.size() == 1 ? QString() : QStringLiteral("s")));
    QList<QStringList> cells{{QStringLiteral("ROUTE AS"), QStringLiteral("MODEL"), QStringLiteral("$/1M IN"),
                              QStringLiteral("$/1M OUT"), QStringLiteral("PRICED FROM")}};
    int unpriced = 0;
    for (const PlannedOffering &plan : plans) {
        unpriced += plan.pricedFrom.isEmpty() ? 1 : 0;
        cells.append({provider.id + QLatin1Char('/') + plan.offering.providerModelId, plan.offering.modelId,
                      dollarsOrUnknown(plan.promptPerMillion), dollarsOrUnknown(plan.completionPerMillion),
                      plan.pricedFrom.isEmpty() ? QStringLiteral("- (unpriced)") : QStringLiteral("catalog: ") + plan.pricedFrom});
    }
    printText(textTable(cells, {false, false, true, true, false}));
    if (unpriced > 0)
        say(QStringLiteral("%1 model%2 without a known price: requests are logged as unpriced (never $0) until a "
                           "price override gives one")
                .arg(unpriced)
                .arg(unpriced == 1 ? QString() : QStringLiteral("s")));
    return ExitOk;
}

// ---------------------------------------------------------------------------
// remove

int remove(const CommandContext &context, const QStringList &arguments)
{
    CommandLine line(QStringLiteral("providers remove NAME"),
                     QStringLiteral("Removes a custom provider, its models and its price overrides. A running gateway\n"
                                    "stops routing to it at its next reload; streams in flight finish."));
    if (auto stop = line.parse(arguments, 1, 1, QStringLiteral("the provider's name")))
        return *stop;
    const QString id = line.positional().first().trimmed().toLower();
    auto workspace = openWorkspace(context);
    if (!workspace)
        return failWith(workspace.error());
    engine::CatalogUserStore store(workspace.value()->database());
    auto offerings = store.offerings(id);
    if (!offerings)
        return failWith(offerings.error(), QStringLiteral("providers remove"));
    if (auto removed = store.removeProvider(id); !removed) {
        if (removed.error().code == QLatin1String("not-found"))
            return fail(ExitNotFound, QStringLiteral("providers remove: no custom provider '%1' (see providers list)")
                                          .arg(line.positional().first()));
        return failWith(removed.error(), QStringLiteral("providers remove"));
    }
    say(QStringLiteral("removed provider %1 and its %2 model%3")
            .arg(id)
            .arg(offerings.value().size())
            .arg(offerings.value().size() == 1 ? QString() : QStringLiteral("s")));
    return ExitOk;
}

// ---------------------------------------------------------------------------
// test

// What the test chat streamed back.
struct TestStream {
    engine::SseAssembler assembler;
    std::chrono::steady_clock::time_point firstToken{};
    QString text;
    qint64 promptTokens = -1;
    qint64 completionTokens = -1;

    void feed(QByteArrayView bytes)
    {
        assembler.feed(bytes, [this](const engine::SseEvent &event) {
            if (!event.hasData || event.isDone())
                return;
            const QJsonObject chunk = QJsonDocument::fromJson(event.data).object();
            const QJsonArray choices = chunk.value(QStringLiteral("choices")).toArray();
            if (!choices.isEmpty()) {
                const QString content = choices.first().toObject().value(QStringLiteral("delta")).toObject()
                                            .value(QStringLiteral("content")).toString();
                if (!content.isEmpty() && firstToken == std::chrono::steady_clock::time_point{})
                    firstToken = std::chrono::steady_clock::now();
                if (text.size() < 200)
                    text += content;
            }
            const QJsonObject usage = chunk.value(QStringLiteral("usage")).toObject();
            if (!usage.isEmpty()) {
                promptTokens = usage.value(QStringLiteral("prompt_tokens")).toInteger(-1);
                completionTokens = usage.value(QStringLiteral("completion_tokens")).toInteger(-1);
            }
        });
    }
};

int test(const CommandContext &context, const QStringList &arguments)
{
    CommandLine line(QStringLiteral("providers test NAME [--model M] [--json]"),
                     QStringLiteral("Sends one tiny streamed chat (\"Reply with the word OK.\") straight to the provider,\n"
                                    "as the gateway would, and prints the HTTP status, time to first token, total\n"
                                    "latency, tokens and cost. M is the provider's model id or a canonical id; default:\n"
                                    "the provider's cheapest model. Exit 0 when it answered 200, 1 otherwise. The test\n"
                                    "does not pass through a gateway and is not in the usage log."),
                     true);
    line.add(QCommandLineOption(QStringLiteral("model"), QStringLiteral("The model to ask."), QStringLiteral("M")));
    if (auto stop = line.parse(arguments, 1, 1, QStringLiteral("the provider's name")))
        return *stop;
    const QString prefix = QStringLiteral("providers test");
    const QString id = line.positional().first().trimmed().toLower();
    auto workspace = openWorkspace(context);
    if (!workspace)
        return failWith(workspace.error());
    auto table = servingTable(*workspace.value());
    if (!table)
        return failWith(table.error(), prefix);
    const engine::ProviderEndpoint *endpoint = findProvider(*table.value(), id);
    if (!endpoint)
        return fail(ExitNotFound, QStringLiteral("providers test: no provider '%1' (see providers list --all)")
                                      .arg(line.positional().first()));
    if (!endpoint->usable)
        return fail(ExitFailure, QStringLiteral("providers test: %1 cannot be called: %2").arg(id, endpoint->unusableReason));

    std::vector<const RouteOffering *> offerings = offeringsOf(*table.value(), id);
    std::sort(offerings.begin(), offerings.end(), cheaperOffering);
    const RouteOffering *offering = offerings.empty() ? nullptr : offerings.front();
    QString providerModel = offering ? offering->providerModelId : QString();
    if (line.isSet(QStringLiteral("model"))) {
        const QString wanted = line.value(QStringLiteral("model")).trimmed();
        offering = nullptr;
        for (const RouteOffering *candidate : offerings) {
            if (candidate->providerModelId == wanted || candidate->modelId == wanted.toLower())
                offering = candidate;
        }
        // A model the workspace does not list yet is asked for by its name as given.
        providerModel = offering ? offering->providerModelId : wanted;
    }
    if (providerModel.isEmpty())
        return fail(ExitBadInput, QStringLiteral("providers test: %1 lists no model; say which with --model").arg(id));

    QJsonObject body{{QStringLiteral("model"), providerModel},
                     {QStringLiteral("messages"), QJsonArray{QJsonObject{{QStringLiteral("role"), QStringLiteral("user")},
                                                                        {QStringLiteral("content"), QStringLiteral("Reply with the word OK.")}}}},
                     {QStringLiteral("stream"), true},
                     {QStringLiteral("stream_options"), QJsonObject{{QStringLiteral("include_usage"), true}}}};
    engine::UpstreamRequest request;
    request.url = endpoint->chatUrl;
    request.headers.append({QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")});
    request.headers.append({QByteArrayLiteral("Accept"), QByteArrayLiteral("text/event-stream")});
    if (!endpoint->apiKey.isEmpty())
        request.headers.append({QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer ") + endpoint->apiKey});
    request.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    request.firstByteTimeout = std::chrono::seconds(60);
    request.idleTimeout = std::chrono::seconds(30);
    request.totalTimeout = std::chrono::seconds(120);

    TestStream stream;
    const auto started = std::chrono::steady_clock::now();
    const ProbeResult result = runProbe(std::move(request), [&stream](QByteArrayView bytes) { stream.feed(bytes); });
    // Both from the same clock start, so the first token never comes after the end.
    const auto totalUs = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
    const QString route = id + QLatin1Char('/') + providerModel;
    if (!result.answered())
        return fail(ExitFailure, QStringLiteral("providers test: %1: %2").arg(route, result.failureText()));
    if (result.status != 200) {
        // The provider's own message, without any key it may echo.
        const QJsonObject error = QJsonDocument::fromJson(result.body).object().value(QStringLiteral("error")).toObject();
        QByteArray said = error.value(QStringLiteral("message")).toString().toUtf8();
        if (said.isEmpty() && !result.body.trimmed().startsWith('<'))
            said = result.body.left(200).simplified();
        said = engine::redactKnownSecrets(said, table.value()->secrets());
        return fail(ExitFailure, QStringLiteral("providers test: %1 answered HTTP %2%3")
                                     .arg(route)
                                     .arg(result.status)
                                     .arg(said.isEmpty() ? QString() : QStringLiteral(": ") + QString::fromUtf8(said)));
    }

    // Microseconds to the first content token; -1: none came.
    const qint64 ttftUs = stream.firstToken == std::chrono::steady_clock::time_point{}
        ? -1
        : std::chrono::duration_cast<std::chrono::microseconds>(stream.firstToken - started).count();
    std::optional<engine::Money> cost; // unknown when the provider reports no usage or the price is unknown
    if (stream.promptTokens >= 0 && offering && offering->price.isKnown()) {
        auto priced = engine::computeCost(offering->price,
                                          engine::Usage::tokens(stream.promptTokens, std::max<qint64>(0, stream.completionTokens)),
                                          QDateTime::currentDateTimeUtc());
        if (priced && priced.value().isPriced())
            cost = priced.value().total();
    }
    if (line.json()) {
        printJson(QJsonObject{
            {QStringLiteral("provider"), id},
            {QStringLiteral("model"), providerModel},
            {QStringLiteral("status"), result.status},
            {QStringLiteral("ttft_ms"), ttftUs >= 0 ? QJsonValue(static_cast<double>(ttftUs) / 1000.0) : QJsonValue(QJsonValue::Null)},
            {QStringLiteral("latency_ms"), static_cast<double>(totalUs.count()) / 1000.0},
            {QStringLiteral("prompt_tokens"), stream.promptTokens >= 0 ? QJsonValue(stream.promptTokens) : QJsonValue(QJsonValue::Null)},
            {QStringLiteral("completion_tokens"), stream.completionTokens >= 0 ? QJsonValue(stream.completionTokens) : QJsonValue(QJsonValue::Null)},
            {QStringLiteral("cost"), decimalOrNull(cost)},
            {QStringLiteral("reply"), stream.text}});
        return ExitOk;
    }
    QString tokens = stream.promptTokens >= 0
                         ? QStringLiteral("%1 prompt + %2 completion tokens").arg(stream.promptTokens).arg(stream.completionTokens)
                         : QStringLiteral("no usage reported");
    say(QStringLiteral("%1: HTTP %2, first token %3 ms, total %4 ms, %5, cost %6")
            .arg(route)
            .arg(result.status)
            .arg(ttftUs >= 0 ? millis(std::chrono::microseconds(ttftUs)) : QStringLiteral("-"), millis(totalUs), tokens,
                 dollarsOrUnknown(cost)));
    if (!stream.text.isEmpty())
        say(QStringLiteral("reply: %1").arg(stream.text.simplified().left(120)));
    return ExitOk;
}

} // namespace

int runProviders(const CommandContext &context, const QStringList &arguments)
{
    return dispatchSubcommand(
        "providers",
        {{"list", list, "[--all] [--json]"},
         {"add", add,
          "NAME --base-url URL [--dialect openai] [--key-env VAR | --key-file F | --keychain] [--models a,b] [--json]"},
         {"remove", remove, "NAME"},
         {"test", test, "NAME [--model M] [--json]"}},
        context, arguments);
}

} // namespace signalbox::gateway
