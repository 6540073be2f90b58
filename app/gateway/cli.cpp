#include "app/gateway/cli.h"

#include "app/gateway/commands.h"
#include "engine/core/version.h"

#include <QDir>
#include <QLoggingCategory>

#include <algorithm>
#include <cstdio>

namespace signalbox::gateway {

namespace {

QString usage()
{
    return QStringLiteral(
               "Usage: %1 [--workspace DIR] <command> [options]\n"
               "\n"
               "The headless Signalbox router engine and its administration.\n"
               "\n"
               "Global options:\n"
               "  --workspace DIR   Workspace folder (default: %2)\n"
               "  -h, --help        Show this help (also: <command> --help)\n"
               "  -v, --version     Show the version\n"
               "\n"
               "Commands:\n"
               "  init                         Create the workspace (idempotent)\n"
               "  serve [--listen HOST:PORT]   Run the gateway until SIGINT/SIGTERM (default 127.0.0.1:%3);\n"
               "                               SIGHUP reloads providers, offerings and prices\n"
               "  status                       Health of the gateway running on this workspace\n"
               "  providers list|add|remove|test   Custom providers (a local vLLM, Ollama, a company proxy)\n"
               "  keys create|list|revoke      Virtual keys clients present to the gateway\n"
               "  models list                  What the gateway can route to, with prices\n"
               "  usage tail|export            The usage log\n"
               "  price --model M              Price usage records (JSONL on stdin) with the cost engine\n"
               "  config apply FILE|export     Declarative configuration (YAML), all or nothing\n"
               "\n"
               "List commands take --json. Exit codes: 0 ok, 1 failure, 2 bad input, 3 not found,\n"
               "4 conflict, 5 cannot reach a running gateway. See docs/cli.md.\n")
        .arg(QLatin1String(kProgram), QDir::toNativeSeparators(engine::Workspace::defaultFolder()))
        .arg(kDefaultPort);
}

} // namespace

int run(const QStringList &givenArguments)
{
    // --workspace is global but reads naturally after the command too
    // ("init --workspace /srv/signalbox"): take it from anywhere.
    QStringList arguments;
    QString workspaceAfterCommand;
    bool workspaceAfterCommandSet = false;
    for (qsizetype i = 0; i < givenArguments.size(); ++i) {
        const QString &argument = givenArguments.at(i);
        const bool afterCommand = std::any_of(givenArguments.begin(), givenArguments.begin() + i,
                                              [](const QString &a) { return !a.startsWith(QLatin1Char('-')); });
        if (afterCommand && (argument == QLatin1String("--workspace") || argument == QLatin1String("-workspace"))
            && i + 1 < givenArguments.size()) {
            workspaceAfterCommand = givenArguments.at(++i);
            workspaceAfterCommandSet = true;
            continue;
        }
        if (afterCommand && argument.startsWith(QLatin1String("--workspace="))) {
            workspaceAfterCommand = argument.mid(12);
            workspaceAfterCommandSet = true;
            continue;
        }
        arguments << argument;
    }

    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    parser.setOptionsAfterPositionalArgumentsMode(QCommandLineParser::ParseAsPositionalArguments);
    const QCommandLineOption workspaceOption(QStringLiteral("workspace"), QStringLiteral("Workspace folder."),
                                             QStringLiteral("DIR"));
    const QCommandLineOption helpOption({QStringLiteral("h"), QStringLiteral("help")}, QStringLiteral("Show help."));
    const QCommandLineOption versionOption({QStringLiteral("v"), QStringLiteral("version")},
                                           QStringLiteral("Show the version."));
    parser.addOption(workspaceOption);
    parser.addOption(helpOption);
    parser.addOption(versionOption);

    if (!parser.parse(QStringList{QLatin1String(kProgram)} + arguments))
        return fail(ExitBadInput, parser.errorText() + QStringLiteral(" (see --help)"));
    if (parser.isSet(versionOption)) {
        say(QStringLiteral("%1 %2").arg(QLatin1String(kProgram), QString::fromLatin1(kVersion)));
        return ExitOk;
    }
    const QStringList positional = parser.positionalArguments();
    if (parser.isSet(helpOption) || positional.isEmpty()) {
        if (positional.isEmpty() && !parser.isSet(helpOption)) {
            std::fprintf(stderr, "%s", qUtf8Printable(usage()));
            return fail(ExitBadInput, QStringLiteral("no command given"));
        }
        std::fprintf(stdout, "%s", qUtf8Printable(usage()));
        return ExitOk;
    }
    CommandContext context;
    context.workspaceGiven = parser.isSet(workspaceOption) || workspaceAfterCommandSet;
    const QString workspaceFolder = workspaceAfterCommandSet ? workspaceAfterCommand : parser.value(workspaceOption);
    if (context.workspaceGiven && workspaceFolder.trimmed().isEmpty())
        return fail(ExitBadInput, QStringLiteral("--workspace needs a folder"));
    context.workspaceFolder = context.workspaceGiven ? workspaceFolder : engine::Workspace::defaultFolder();

    const QString command = positional.first();
    // Admin commands print their own results; the engine's progress notes
    // (migrations applied, …) are for the long-running server's log.
    if (command != QLatin1String("serve"))
        QLoggingCategory::setFilterRules(QStringLiteral("signalbox.*.info=false\nsignalbox.*.debug=false"));
    const QStringList rest = positional.mid(1);
    using Runner = int (*)(const CommandContext &, const QStringList &);
    static const std::pair<const char *, Runner> kCommands[] = {
        {"init", runInit},         {"serve", runServe}, {"status", runStatus}, {"providers", runProviders},
        {"keys", runKeys},         {"models", runModels}, {"usage", runUsage}, {"price", runPrice},
        {"config", runConfig},
    };
    for (const auto &[name, runner] : kCommands) {
        if (command == QLatin1String(name))
            return runner(context, rest);
    }
    return fail(ExitBadInput, QStringLiteral("unknown command '%1' (see --help)").arg(command));
}

} // namespace signalbox::gateway
