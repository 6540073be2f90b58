#pragma once

// What every signalbox-gateway command shares: one-line errors on stderr,
// exit codes, option parsing with --help and --json, the workspace and the
// catalog it routes with. Commands live in cmd_*.cpp, one file each, and are
// declared in commands.h.

#include "app/gateway/cli.h"
#include "engine/catalog/catalog.h"
#include "engine/core/result.h"
#include "engine/cost/money.h"
#include "engine/storage/workspace.h"

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QJsonValue>
#include <QString>
#include <QStringList>

#include <initializer_list>
#include <memory>
#include <optional>

namespace signalbox::gateway {

inline constexpr char kProgram[] = "signalbox-gateway";
inline constexpr quint16 kDefaultPort = 8787;

// Every error is one line on stderr, prefixed with the program name; returns `code`.
int fail(int code, const QString &message);
// A warning: one line on stderr; the command goes on.
void warn(const QString &message);
// One line (or block) on stdout, flushed.
void say(const QString &text);
// A JSON document on stdout (indented, ends with a newline).
void printJson(const QJsonValue &value);
// Text on stdout as is (tables), flushed.
void printText(const QString &text);
// "$0.60", "$0.0375", "$12": exact (never rounded), at least two decimals
// when there is a fraction or below a dollar; negatives as "-$1.50".
QString dollars(const engine::Money &amount);
// An amount known or not: dollars(), or "unknown" (never $0).
QString dollarsOrUnknown(const std::optional<engine::Money> &amount);
// An amount known or not, for JSON: the exact decimal string, or null.
QJsonValue decimalOrNull(const std::optional<engine::Money> &amount);
// Plain text columns two spaces apart, `alignRight` per column (numbers);
// trailing spaces trimmed. Every row ends with a newline.
QString textTable(const QList<QStringList> &rows, const QList<bool> &alignRight);

// The exit code for an engine error: "invalid"/"bad-input" 2, "not-found" 3,
// "conflict" 4, "unreachable" 5, anything else 1.
int exitCodeFor(const engine::Error &error);
// fail(exitCodeFor(error), prefix + ": " + message) — prefix may be empty.
int failWith(const engine::Error &error, const QString &prefix = {});

// What run() hands every command.
struct CommandContext {
    QString workspaceFolder; // as given with --workspace, or the default folder
    bool workspaceGiven = false;
};

// A subcommand's options: --help is added, and --json when asked. parse()
// returns an exit code when the command must stop there (help printed: 0;
// bad option: 2, with the error printed), nothing when it should go on.
class CommandLine {
public:
    // `usage` is the help text's first line(s), e.g.
    // "keys create --name N [--project P] [--expires DATE]"; `description` follows.
    CommandLine(QString usage, QString description, bool withJson = false);
    void add(const QCommandLineOption &option);
    std::optional<int> parse(const QStringList &arguments);
    // parse(), then expectPositional(min, max, what).
    std::optional<int> parse(const QStringList &arguments, int min, int max, const QString &what);

    bool isSet(const QString &name) const { return m_parser.isSet(name); }
    QString value(const QString &name) const { return m_parser.value(name); }
    QStringList values(const QString &name) const { return m_parser.values(name); }
    QStringList positional() const { return m_parser.positionalArguments(); }
    bool json() const { return m_withJson && m_parser.isSet(QStringLiteral("json")); }
    // Fails with exit 2 unless there are between `min` and `max` positional arguments.
    std::optional<int> expectPositional(int min, int max, const QString &what) const;
    QString helpText() const;

private:
    QString m_usage;
    QString m_description;
    bool m_withJson;
    QCommandLineParser m_parser;
    QList<QCommandLineOption> m_options;
};

// A command with subcommands ("keys create|list|revoke"): runs the one named
// first in `arguments` with the rest; "--help" prints the usage lines (one per
// subcommand, e.g. "keys create --name N ..."); a missing or unknown
// subcommand fails with exit 2 and names the valid ones.
struct Subcommand {
    const char *name;
    int (*run)(const CommandContext &context, const QStringList &arguments);
    const char *synopsis; // the options after "<command> <name>", for --help
};
int dispatchSubcommand(const char *command, std::initializer_list<Subcommand> subcommands,
                       const CommandContext &context, const QStringList &arguments);

// Opens the workspace of the context. `mustExist`: a folder without a
// workspace database fails with "not-found" (run init first) instead of
// creating one — only init and serve create.
engine::Result<std::unique_ptr<engine::Workspace>> openWorkspace(const CommandContext &context, bool mustExist = true);

// The catalog the gateway routes with: the bundled snapshot with the
// workspace's user data (custom providers, offerings, overrides, aliases) on top.
engine::Result<engine::Catalog> loadWorkspaceCatalog(const engine::Workspace &workspace);

// Parses a time given on the command line: ISO 8601 date or date-time (UTC
// unless it has an offset), or "now". Fails with "invalid".
engine::Result<QDateTime> parseTimeArgument(const QString &text, const QString &optionName);

} // namespace signalbox::gateway
