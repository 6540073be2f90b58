// signalbox-gateway config apply FILE [--dry-run] | export: the workspace's
// providers, offerings, price overrides, aliases and virtual keys as a YAML
// file kept in git. The work is engine/config's; this file parses options
// and prints. See docs/config.md.

#include "app/gateway/commands.h"
#include "engine/config/configapply.h"
#include "engine/config/configexport.h"
#include "engine/config/configparser.h"

#include <QJsonArray>
#include <QJsonObject>

#include <algorithm>
#include <cstdio>

namespace signalbox::gateway {

namespace {

namespace config = engine::config;

// Enough to fix a file in one go, without flooding a terminal.
constexpr std::size_t kMaxProblemsShown = 20;

QJsonArray problemsToJson(const std::vector<config::ConfigProblem> &problems)
{
    QJsonArray array;
    for (std::size_t i = 0; i < problems.size() && i < kMaxProblemsShown; ++i) {
        const config::ConfigProblem &problem = problems[i];
        array.append(QJsonObject { { QStringLiteral("code"), problem.code },
            { QStringLiteral("line"), problem.spot.line }, { QStringLiteral("column"), problem.spot.column },
            { QStringLiteral("field"), problem.spot.field }, { QStringLiteral("message"), problem.message } });
    }
    return array;
}

// Every problem (up to kMaxProblemsShown) on a line of its own,
// "FILE:LINE:COLUMN: FIELD: message" as compilers write them (editors jump to
// them), then one summary line; or all of it as JSON. A conflict with the
// workspace exits 4, anything else wrong with the file 2.
int failProblems(const QString &fileName, const std::vector<config::ConfigProblem> &problems, bool json, bool dryRun)
{
    const bool conflict = std::any_of(problems.cbegin(), problems.cend(),
        [](const config::ConfigProblem &problem) { return problem.code == QLatin1String("conflict"); });
    const int code = conflict ? ExitConflict : ExitBadInput;
    if (json) {
        printJson(QJsonObject { { QStringLiteral("file"), fileName }, { QStringLiteral("dry_run"), dryRun },
            { QStringLiteral("ok"), false }, { QStringLiteral("applied"), false },
            { QStringLiteral("problem_count"), static_cast<qint64>(problems.size()) },
            { QStringLiteral("problems"), problemsToJson(problems) } });
        return code;
    }
    for (std::size_t i = 0; i < problems.size() && i < kMaxProblemsShown; ++i) {
        QString line = config::describe(fileName, problems[i]);
        line.replace(QLatin1Char('\n'), QLatin1Char(' '));
        std::fprintf(stderr, "%s\n", qUtf8Printable(line));
    }
    const auto count = static_cast<qsizetype>(problems.size());
    QString summary = QStringLiteral("config apply: %1: %2 problem%3")
                          .arg(fileName)
                          .arg(count)
                          .arg(count == 1 ? QString() : QStringLiteral("s"));
    if (problems.size() > kMaxProblemsShown)
        summary += QStringLiteral(" (the first %1 shown)").arg(kMaxProblemsShown);
    return fail(code, summary + QStringLiteral(", nothing changed"));
}

int apply(const CommandContext &context, const QStringList &arguments)
{
    CommandLine line(QStringLiteral("config apply FILE [--dry-run] [--json]"),
        QStringLiteral("Makes the workspace match FILE (YAML, see docs/config.md): every section the file has\n"
                       "is authoritative, sections it leaves out are not touched. Everything is checked\n"
                       "first and applied in one transaction, or nothing is. Prints the changes\n"
                       "(+ add, ~ change, - remove); --dry-run prints them and changes nothing."),
        true);
    line.add(QCommandLineOption(QStringLiteral("dry-run"), QStringLiteral("Show what would change; change nothing.")));
    if (auto stop = line.parse(arguments, 1, 1, QStringLiteral("the configuration file")))
        return *stop;
    const QString path = line.positional().first();
    const bool dryRun = line.isSet(QStringLiteral("dry-run"));

    const config::ParseResult parsed = config::parseConfigFile(path);
    if (!parsed.problems.empty())
        return failProblems(path, parsed.problems, line.json(), dryRun);
    auto workspace = openWorkspace(context);
    if (!workspace)
        return failWith(workspace.error());
    // To refuse a custom provider that takes a catalog provider's id, and to
    // warn about overrides on offerings nobody has.
    auto catalog = engine::Catalog::loadBundled();
    if (!catalog)
        return failWith(catalog.error(), QStringLiteral("config apply: cannot load the bundled catalog"));
    auto outcome = config::applyConfig(
        workspace.value()->database(), parsed.document, dryRun, QDateTime::currentDateTimeUtc(), &catalog.value());
    if (!outcome)
        return failWith(outcome.error(), QStringLiteral("config apply"));
    const config::ConfigPlan &plan = outcome.value().plan;
    if (!plan.conflicts.empty())
        return failProblems(path, plan.conflicts, line.json(), dryRun);

    if (line.json()) {
        QJsonArray changes;
        for (const auto &change : plan.changes)
            changes.append(config::changeToJson(change));
        printJson(QJsonObject { { QStringLiteral("file"), path }, { QStringLiteral("dry_run"), dryRun },
            { QStringLiteral("ok"), true }, { QStringLiteral("changed"), !plan.isEmpty() },
            { QStringLiteral("applied"), outcome.value().applied }, { QStringLiteral("changes"), changes },
            { QStringLiteral("warnings"), problemsToJson(plan.warnings) },
            { QStringLiteral("config_version"), outcome.value().configVersion } });
        return ExitOk;
    }
    for (const config::ConfigProblem &warning : plan.warnings)
        warn(config::describe(path, warning));
    if (plan.isEmpty()) {
        say(QStringLiteral("nothing to change: the workspace matches %1").arg(path));
        return ExitOk;
    }
    const QStringList lines = config::describeChanges(plan.changes);
    printText(lines.join(QLatin1Char('\n')) + QLatin1Char('\n'));
    const auto count = static_cast<qsizetype>(plan.changes.size());
    if (dryRun)
        say(QStringLiteral("dry run: %1 change%2, nothing applied")
                .arg(count)
                .arg(count == 1 ? QString() : QStringLiteral("s")));
    else
        say(QStringLiteral("applied %1 change%2 (configuration version %3); a running gateway reloads within its "
                           "reload interval")
                .arg(count)
                .arg(count == 1 ? QString() : QStringLiteral("s"))
                .arg(outcome.value().configVersion));
    return ExitOk;
}

int exportConfig(const CommandContext &context, const QStringList &arguments)
{
    CommandLine line(QStringLiteral("config export"),
        QStringLiteral("Prints the workspace's configuration as YAML that config apply takes back\n"
                       "unchanged. No secret is printed: provider keys are references, virtual keys\n"
                       "their id and the SHA-256 of their secret; revoked keys are left out."));
    if (auto stop = line.parse(arguments, 0, 0, QString()))
        return *stop;
    auto workspace = openWorkspace(context);
    if (!workspace)
        return failWith(workspace.error());
    auto state = config::loadConfigState(workspace.value()->database());
    if (!state)
        return failWith(state.error(), QStringLiteral("config export"));
    printText(QString::fromUtf8(config::exportConfig(state.value())));
    return ExitOk;
}

} // namespace

int runConfig(const CommandContext &context, const QStringList &arguments)
{
    return dispatchSubcommand("config",
                              {{"apply", apply, "FILE [--dry-run] [--json]  (docs/config.md)"},
                               {"export", exportConfig, "(YAML on stdout)"}},
                              context, arguments);
}

} // namespace signalbox::gateway
