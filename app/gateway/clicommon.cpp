#include "app/gateway/clicommon.h"

#include "engine/catalog/userdata.h"
#include "engine/catalog/userstore.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimeZone>

#include <algorithm>
#include <cstdio>

namespace signalbox::gateway {

int fail(int code, const QString &message)
{
    QString line = message;
    line.replace(QLatin1Char('\n'), QLatin1Char(' '));
    std::fprintf(stderr, "%s: %s\n", kProgram, qUtf8Printable(line));
    return code;
}

void warn(const QString &message)
{
    std::fprintf(stderr, "%s: warning: %s\n", kProgram, qUtf8Printable(message));
}

void say(const QString &text)
{
    std::fprintf(stdout, "%s\n", qUtf8Printable(text));
    std::fflush(stdout);
}

void printText(const QString &text)
{
    std::fputs(qUtf8Printable(text), stdout);
    std::fflush(stdout);
}

QString dollars(const engine::Money &amount)
{
    QString digits = (amount.isNegative() ? -amount : amount).toDecimalString();
    const qsizetype point = digits.indexOf(QLatin1Char('.'));
    if (point < 0 && digits == QLatin1String("0"))
        digits += QStringLiteral(".00");
    else if (point >= 0 && digits.size() - point - 1 < 2)
        digits += QString(2 - (digits.size() - point - 1), QLatin1Char('0'));
    return (amount.isNegative() ? QStringLiteral("-$") : QStringLiteral("$")) + digits;
}

QString dollarsOrUnknown(const std::optional<engine::Money> &amount)
{
    return amount ? dollars(*amount) : QStringLiteral("unknown");
}

QJsonValue decimalOrNull(const std::optional<engine::Money> &amount)
{
    return amount ? QJsonValue(amount->toDecimalString()) : QJsonValue(QJsonValue::Null);
}

// Plain text columns: numbers right-aligned, two spaces apart.
QString textTable(const QList<QStringList> &rows, const QList<bool> &alignRight)
{
    QList<qsizetype> widths(alignRight.size(), 0);
    for (const QStringList &row : rows) {
        for (qsizetype c = 0; c < row.size(); ++c)
            widths[c] = std::max(widths[c], row.at(c).size());
    }
    QString text;
    for (const QStringList &row : rows) {
        QString line;
        for (qsizetype c = 0; c < row.size(); ++c) {
            if (c > 0)
                line += QStringLiteral("  ");
            const QString &cell = row.at(c);
            const QString padding(widths[c] - cell.size(), QLatin1Char(' '));
            line += alignRight[c] ? padding + cell : cell + padding;
        }
        while (line.endsWith(QLatin1Char(' ')))
            line.chop(1);
        text += line + QLatin1Char('\n');
    }
    return text;
}


void printJson(const QJsonValue &value)
{
    QByteArray bytes;
    if (value.isArray())
        bytes = QJsonDocument(value.toArray()).toJson(QJsonDocument::Indented);
    else if (value.isObject())
        bytes = QJsonDocument(value.toObject()).toJson(QJsonDocument::Indented);
    else
        bytes = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact).mid(1).chopped(1) + '\n';
    std::fwrite(bytes.constData(), 1, static_cast<size_t>(bytes.size()), stdout);
    std::fflush(stdout);
}

int exitCodeFor(const engine::Error &error)
{
    const QString &code = error.code;
    if (code == QLatin1String("invalid") || code == QLatin1String("bad-input"))
        return ExitBadInput;
    if (code == QLatin1String("not-found"))
        return ExitNotFound;
    if (code == QLatin1String("conflict"))
        return ExitConflict;
    if (code == QLatin1String("unreachable"))
        return ExitUnreachable;
    return ExitFailure;
}

int failWith(const engine::Error &error, const QString &prefix)
{
    return fail(exitCodeFor(error), prefix.isEmpty() ? error.message : prefix + QStringLiteral(": ") + error.message);
}

CommandLine::CommandLine(QString usage, QString description, bool withJson)
    : m_usage(std::move(usage))
    , m_description(std::move(description))
    , m_withJson(withJson)
{
    m_parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    add(QCommandLineOption({QStringLiteral("h"), QStringLiteral("help")}, QStringLiteral("Show this help.")));
    if (withJson)
        add(QCommandLineOption(QStringLiteral("json"), QStringLiteral("Print JSON for scripts.")));
}

void CommandLine::add(const QCommandLineOption &option)
{
    m_parser.addOption(option);
    m_options.append(option);
}

QString CommandLine::helpText() const
{
    QString text = QStringLiteral("Usage: %1 [--workspace DIR] %2\n").arg(QLatin1String(kProgram), m_usage);
    if (!m_description.isEmpty())
        text += QLatin1Char('\n') + m_description + QLatin1Char('\n');
    text += QStringLiteral("\nOptions:\n");
    for (const QCommandLineOption &option : m_options) {
        QStringList names;
        for (const QString &name : option.names())
            names << (name.size() == 1 ? QStringLiteral("-") : QStringLiteral("--")) + name;
        QString left = names.join(QStringLiteral(", "));
        if (!option.valueName().isEmpty())
            left += QLatin1Char(' ') + option.valueName();
        text += QStringLiteral("  %1  %2\n").arg(left, -24).arg(option.description());
    }
    return text;
}

std::optional<int> CommandLine::parse(const QStringList &arguments)
{
    // QCommandLineParser wants a program name first.
    if (!m_parser.parse(QStringList{QLatin1String(kProgram)} + arguments))
        return fail(ExitBadInput, QStringLiteral("%1: %2 (see --help)").arg(m_usage.section(QLatin1Char(' '), 0, 0),
                                                                             m_parser.errorText()));
    if (m_parser.isSet(QStringLiteral("help"))) {
        printText(helpText());
        return ExitOk;
    }
    return std::nullopt;
}

std::optional<int> CommandLine::parse(const QStringList &arguments, int min, int max, const QString &what)
{
    if (auto stop = parse(arguments))
        return stop;
    return expectPositional(min, max, what);
}

std::optional<int> CommandLine::expectPositional(int min, int max, const QString &what) const
{
    const qsizetype count = m_parser.positionalArguments().size();
    if (count < min)
        return fail(ExitBadInput, QStringLiteral("missing %1 (see --help)").arg(what));
    if (count > max)
        return fail(ExitBadInput, QStringLiteral("unexpected argument '%1' (see --help)")
                                      .arg(m_parser.positionalArguments().at(max)));
    return std::nullopt;
}

int dispatchSubcommand(const char *command, std::initializer_list<Subcommand> subcommands,
                       const CommandContext &context, const QStringList &arguments)
{
    const QString sub = arguments.value(0);
    QStringList names;
    for (const Subcommand &subcommand : subcommands) {
        if (sub == QLatin1String(subcommand.name))
            return subcommand.run(context, arguments.mid(1));
        names.append(QLatin1String(subcommand.name));
    }
    const QString name = QLatin1String(command);
    if (sub == QLatin1String("--help") || sub == QLatin1String("-h")) {
        QString text;
        for (const Subcommand &subcommand : subcommands)
            text += QStringLiteral("%1 %2 [--workspace DIR] %3 %4 %5\n")
                        .arg(text.isEmpty() ? QStringLiteral("Usage:") : QStringLiteral("      "),
                             QLatin1String(kProgram), name, QLatin1String(subcommand.name),
                             QLatin1String(subcommand.synopsis));
        printText(text + QStringLiteral("(see %1 <subcommand> --help)\n").arg(name));
        return ExitOk;
    }
    if (sub.isEmpty()) {
        QString choices = names.last();
        if (names.size() > 1)
            choices = names.mid(0, names.size() - 1).join(QStringLiteral(", ")) + QStringLiteral(" or ") + choices;
        return fail(ExitBadInput, QStringLiteral("%1: say %2 (see %1 --help)").arg(name, choices));
    }
    return fail(ExitBadInput,
                QStringLiteral("%1: unknown subcommand '%2' (%3)").arg(name, sub, names.join(QStringLiteral(", "))));
}

engine::Result<std::unique_ptr<engine::Workspace>> openWorkspace(const CommandContext &context, bool mustExist)
{
    const QString folder = context.workspaceFolder.isEmpty() ? engine::Workspace::defaultFolder() : context.workspaceFolder;
    if (mustExist && !QFileInfo::exists(QDir(folder).filePath(QLatin1String(engine::Workspace::kDatabaseFileName))))
        return engine::Error{QStringLiteral("not-found"),
                             QStringLiteral("no workspace in %1; create one with: %2 %3init")
                                 .arg(QDir::toNativeSeparators(folder), QLatin1String(kProgram),
                                      context.workspaceGiven ? QStringLiteral("--workspace %1 ").arg(folder) : QString())};
    return engine::Workspace::open(folder);
}

engine::Result<engine::Catalog> loadWorkspaceCatalog(const engine::Workspace &workspace)
{
    auto base = engine::Catalog::loadBundled();
    if (!base)
        return engine::Error{base.error().code, QStringLiteral("cannot load the bundled catalog: %1").arg(base.error().message)};
    engine::CatalogUserStore store(workspace.database());
    auto data = store.load();
    if (!data)
        return engine::Error{data.error().code,
                             QStringLiteral("cannot read the workspace's providers: %1").arg(data.error().message)};
    return engine::applyUserData(base.value(), data.value());
}

engine::Result<QDateTime> parseTimeArgument(const QString &text, const QString &optionName)
{
    const QString trimmed = text.trimmed();
    if (trimmed.compare(QLatin1String("now"), Qt::CaseInsensitive) == 0)
        return QDateTime::currentDateTimeUtc();
    QDateTime time = QDateTime::fromString(trimmed, Qt::ISODateWithMs);
    if (!time.isValid())
        time = QDateTime::fromString(trimmed, Qt::ISODate);
    if (!time.isValid()) {
        const QDate date = QDate::fromString(trimmed, Qt::ISODate);
        if (date.isValid())
            time = date.startOfDay(QTimeZone::utc());
    }
    if (!time.isValid())
        return engine::Error{QStringLiteral("invalid"),
                             QStringLiteral("%1: '%2' is not a date or time (use 2026-11-01 or 2026-11-01T09:30:00Z)")
                                 .arg(optionName, text)};
    // Without an offset, Qt reads local time: a server admin means UTC.
    if (time.timeSpec() == Qt::LocalTime)
        time = QDateTime(time.date(), time.time(), QTimeZone::utc());
    return time.toUTC();
}

} // namespace signalbox::gateway
