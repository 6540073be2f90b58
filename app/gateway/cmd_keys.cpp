// signalbox-gateway keys create | list | revoke: the virtual keys clients
// present to the gateway. Only a hash of each secret is stored; `create`
// prints the secret once.

#include "app/gateway/commands.h"
#include "engine/keys/virtualkeys.h"

#include <QJsonArray>
#include <QJsonObject>

namespace signalbox::gateway {

namespace {

QString iso(const QDateTime &time)
{
    return time.isValid() ? time.toUTC().toString(Qt::ISODate) : QString();
}

QJsonValue isoOrNull(const QDateTime &time)
{
    return time.isValid() ? QJsonValue(iso(time)) : QJsonValue(QJsonValue::Null);
}

QString stateOf(const engine::VirtualKey &key, const QDateTime &now)
{
    if (key.revokedAt.isValid())
        return QStringLiteral("revoked");
    if (key.expiresAt.isValid() && now >= key.expiresAt)
        return QStringLiteral("expired");
    return QStringLiteral("active");
}

QJsonObject keyJson(const engine::VirtualKey &key, const QDateTime &now)
{
    return QJsonObject{{QStringLiteral("id"), key.id},
                       {QStringLiteral("name"), key.name},
                       {QStringLiteral("project"), key.project.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(key.project)},
                       {QStringLiteral("state"), stateOf(key, now)},
                       {QStringLiteral("created_at"), isoOrNull(key.createdAt)},
                       {QStringLiteral("expires_at"), isoOrNull(key.expiresAt)},
                       {QStringLiteral("revoked_at"), isoOrNull(key.revokedAt)}};
}

int create(const CommandContext &context, const QStringList &arguments)
{
    CommandLine line(QStringLiteral("keys create --name NAME [--project P] [--expires DATE] [--json]"),
                     QStringLiteral("Creates a virtual key and prints its secret once: it cannot be shown again.\n"
                                    "DATE is ISO 8601 (2027-01-31 or 2027-01-31T18:00:00Z), UTC unless it has an offset."),
                     true);
    line.add(QCommandLineOption(QStringLiteral("name"), QStringLiteral("A unique name (\"ci-pipeline\")."), QStringLiteral("NAME")));
    line.add(QCommandLineOption(QStringLiteral("project"), QStringLiteral("Group for budgets and reports."), QStringLiteral("P")));
    line.add(QCommandLineOption(QStringLiteral("expires"), QStringLiteral("When the key stops working."), QStringLiteral("DATE")));
    if (auto stop = line.parse(arguments, 0, 0, QString()))
        return *stop;
    if (!line.isSet(QStringLiteral("name")))
        return fail(ExitBadInput, QStringLiteral("keys create: --name is required"));
    QDateTime expires;
    if (line.isSet(QStringLiteral("expires"))) {
        auto parsed = parseTimeArgument(line.value(QStringLiteral("expires")), QStringLiteral("--expires"));
        if (!parsed)
            return failWith(parsed.error());
        expires = parsed.value();
    }
    auto workspace = openWorkspace(context);
    if (!workspace)
        return failWith(workspace.error());
    engine::VirtualKeyStore store(workspace.value()->database());
    auto created = store.create(line.value(QStringLiteral("name")), line.value(QStringLiteral("project")), expires);
    if (!created)
        return failWith(created.error(), QStringLiteral("keys create"));
    const auto &key = created.value().key;
    if (line.json()) {
        QJsonObject object = keyJson(key, QDateTime::currentDateTimeUtc());
        object.insert(QStringLiteral("secret"), created.value().secret);
        printJson(object);
        return ExitOk;
    }
    say(QStringLiteral("created key %1 (id %2%3%4). Its secret, shown only now:")
            .arg(key.name, key.id,
                 key.project.isEmpty() ? QString() : QStringLiteral(", project ") + key.project,
                 key.expiresAt.isValid() ? QStringLiteral(", expires ") + iso(key.expiresAt) : QString()));
    say(created.value().secret);
    return ExitOk;
}

int list(const CommandContext &context, const QStringList &arguments)
{
    CommandLine line(QStringLiteral("keys list [--json]"), QStringLiteral("Lists the virtual keys (never their secrets)."), true);
    if (auto stop = line.parse(arguments, 0, 0, QString()))
        return *stop;
    auto workspace = openWorkspace(context);
    if (!workspace)
        return failWith(workspace.error());
    engine::VirtualKeyStore store(workspace.value()->database());
    auto keys = store.list();
    if (!keys)
        return failWith(keys.error(), QStringLiteral("keys list"));
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (line.json()) {
        QJsonArray array;
        for (const auto &key : keys.value())
            array.append(keyJson(key, now));
        printJson(array);
        return ExitOk;
    }
    if (keys.value().empty()) {
        say(QStringLiteral("no virtual keys; create one with: %1 keys create --name NAME").arg(QLatin1String(kProgram)));
        return ExitOk;
    }
    QString table = QStringLiteral("%1  %2  %3  %4  %5  %6\n")
                        .arg(QStringLiteral("ID"), -12)
                        .arg(QStringLiteral("NAME"), -20)
                        .arg(QStringLiteral("PROJECT"), -16)
                        .arg(QStringLiteral("STATE"), -7)
                        .arg(QStringLiteral("CREATED"), -20)
                        .arg(QStringLiteral("EXPIRES"));
    for (const auto &key : keys.value())
        table += QStringLiteral("%1  %2  %3  %4  %5  %6\n")
                     .arg(key.id, -12)
                     .arg(key.name, -20)
                     .arg(key.project.isEmpty() ? QStringLiteral("-") : key.project, -16)
                     .arg(stateOf(key, now), -7)
                     .arg(iso(key.createdAt), -20)
                     .arg(key.expiresAt.isValid() ? iso(key.expiresAt) : QStringLiteral("never"));
    printText(table);
    return ExitOk;
}

int revoke(const CommandContext &context, const QStringList &arguments)
{
    CommandLine line(QStringLiteral("keys revoke ID|NAME [--json]"),
                     QStringLiteral("Revokes a key: a running gateway refuses it within a second."), true);
    if (auto stop = line.parse(arguments, 1, 1, QStringLiteral("the key's id or name")))
        return *stop;
    auto workspace = openWorkspace(context);
    if (!workspace)
        return failWith(workspace.error());
    engine::VirtualKeyStore store(workspace.value()->database());
    auto revoked = store.revoke(line.positional().first());
    if (!revoked)
        return failWith(revoked.error(), QStringLiteral("keys revoke"));
    if (line.json())
        printJson(keyJson(revoked.value(), QDateTime::currentDateTimeUtc()));
    else
        say(QStringLiteral("revoked key %1 (id %2) as of %3").arg(revoked.value().name, revoked.value().id, iso(revoked.value().revokedAt)));
    return ExitOk;
}

} // namespace

int runKeys(const CommandContext &context, const QStringList &arguments)
{
    return dispatchSubcommand("keys",
                              {{"create", create, "--name N [--project P] [--expires DATE] [--json]"},
                               {"list", list, "[--json]"},
                               {"revoke", revoke, "ID|NAME [--json]"}},
                              context, arguments);
}

} // namespace signalbox::gateway
