#include "app/gateway/cli.h"

#include "engine/core/shutdownsignals.h"
#include "engine/catalog/catalog.h"
#include "engine/core/version.h"
#include "engine/gateway/gateway.h"
#include "engine/storage/workspace.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QHostAddress>

#include <algorithm>
#include <cstdio>
#include <optional>

#ifdef Q_OS_UNIX
#include <sys/resource.h>
#endif

namespace signalbox::gateway {

namespace {

constexpr char kProgram[] = "signalbox-gateway";
constexpr quint16 kDefaultPort = 8787;

// Every error is one line on stderr, prefixed with the program name.
int fail(int code, const QString &message)
{
    std::fprintf(stderr, "%s: %s\n", kProgram, qUtf8Printable(message));
    return code;
}

void say(const QString &line)
{
    std::fprintf(stdout, "%s\n", qUtf8Printable(line));
    std::fflush(stdout);
}

QString usage()
{
    return QStringLiteral(
               "Usage: %1 [--workspace DIR] <command> [options]\n"
               "\n"
               "The headless Signalbox router engine.\n"
               "\n"
               "Global options:\n"
               "  --workspace DIR   Workspace folder (default: %2)\n"
               "  -h, --help        Show this help (also: <command> --help)\n"
               "  -v, --version     Show the version\n"
               "\n"
               "Commands:\n"
               "  serve [--listen HOST:PORT]   Open the workspace and serve until SIGINT/SIGTERM\n"
               "                               (default listen address 127.0.0.1:%3)\n"
               "\n"
               "Exit codes: 0 ok, 1 failure, 2 bad input, 3 not found, 4 conflict,\n"
               "5 cannot reach a running gateway.\n")
        .arg(QLatin1String(kProgram), QDir::toNativeSeparators(engine::Workspace::defaultFolder()))
        .arg(kDefaultPort);
}

struct ListenAddress {
    QHostAddress host;
    quint16 port = 0;
    QString text() const
    {
        const QString h = host.protocol() == QAbstractSocket::IPv6Protocol ? QStringLiteral("[%1]").arg(host.toString())
                                                                           : host.toString();
        return QStringLiteral("%1:%2").arg(h).arg(port);
    }
};

// HOST:PORT with HOST an IPv4 address, [IPv6] or "localhost".
std::optional<ListenAddress> parseListen(const QString &value, QString *error)
{
    if (value.startsWith(QLatin1Char('[')) && !value.contains(QStringLiteral("]:"))) {
        *error = QStringLiteral("--listen: write an IPv6 address in brackets with a port, like [::1]:%1").arg(kDefaultPort);
        return std::nullopt;
    }
    const qsizetype colon = value.lastIndexOf(QLatin1Char(':'));
    if (colon <= 0) {
        *error = QStringLiteral("--listen wants HOST:PORT (for example 127.0.0.1:%1), got '%2'").arg(kDefaultPort).arg(value);
        return std::nullopt;
    }
    QString host = value.left(colon);
    const QString portText = value.mid(colon + 1);
    bool portOk = false;
    const uint port = portText.toUInt(&portOk);
    if (!portOk || port > 65535) {
        *error = QStringLiteral("--listen: '%1' is not a port number (0-65535)").arg(portText);
        return std::nullopt;
    }
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']'))) {
        host = host.mid(1, host.size() - 2);
    } else if (host.contains(QLatin1Char(':')) || host.contains(QLatin1Char('['))) {
        // "::1" alone would split into host "::" and port 1: insist on brackets.
        *error = QStringLiteral("--listen: write an IPv6 address in brackets with a port, like [::1]:%1").arg(kDefaultPort);
        return std::nullopt;
    }
    ListenAddress address;
    if (host == QLatin1String("localhost"))
        address.host = QHostAddress(QHostAddress::LocalHost);
    else if (!address.host.setAddress(host)) {
        *error = QStringLiteral("--listen: '%1' is not an IP address (use 127.0.0.1, [::1] or localhost)").arg(host);
        return std::nullopt;
    }
    address.port = static_cast<quint16>(port);
    return address;
}

// Each client connection and each upstream call holds a descriptor: a
// gateway allowed N connections needs about 2N + some. Raise the soft limit
// toward the hard one (what every server does); say so when even that is short.
void raiseDescriptorLimit(int maxConnections)
{
#ifdef Q_OS_UNIX
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return;
    const rlim_t wanted = static_cast<rlim_t>(maxConnections) * 2 + 64;
    if (limit.rlim_cur < wanted) {
        limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, limit.rlim_max);
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    if (limit.rlim_cur < wanted)
        std::fprintf(stderr, "%s: warning: the descriptor limit (%llu) is below the %llu that --max-connections %d "
                             "may need; raise it with ulimit -n\n",
                     kProgram, static_cast<unsigned long long>(limit.rlim_cur),
                     static_cast<unsigned long long>(wanted), maxConnections);
#else
    Q_UNUSED(maxConnections)
#endif
}

engine::Result<std::unique_ptr<engine::Workspace>> openWorkspace(const QString &folder)
{
    return engine::Workspace::open(folder.isEmpty() ? engine::Workspace::defaultFolder() : folder);
}

int serve(const QString &workspaceFolder, const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption listenOption(QStringLiteral("listen"), QStringLiteral("Address to listen on."),
                                          QStringLiteral("HOST:PORT"),
                                          QStringLiteral("127.0.0.1:%1").arg(kDefaultPort));
    const QCommandLineOption maxConnectionsOption(QStringLiteral("max-connections"),
                                                  QStringLiteral("Most open client connections (default 1024)."),
                                                  QStringLiteral("N"), QStringLiteral("1024"));
    const QCommandLineOption helpOption({QStringLiteral("h"), QStringLiteral("help")}, QStringLiteral("Show help."));
    parser.addOption(listenOption);
    parser.addOption(maxConnectionsOption);
    parser.addOption(helpOption);
    if (!parser.parse(QStringList{QStringLiteral("serve")} + arguments))
        return fail(ExitBadInput, QStringLiteral("serve: %1").arg(parser.errorText()));
    if (parser.isSet(helpOption)) {
        say(QStringLiteral("Usage: %1 [--workspace DIR] serve [--listen HOST:PORT] [--max-connections N]\n\n"
                           "Opens the workspace and serves the gateway on HOST:PORT (default 127.0.0.1:%2)\n"
                           "until SIGINT or SIGTERM. Listening on a non-loopback address exposes the\n"
                           "gateway to the network: do so only on purpose.")
                .arg(QLatin1String(kProgram))
                .arg(kDefaultPort));
        return ExitOk;
    }
    if (!parser.positionalArguments().isEmpty())
        return fail(ExitBadInput, QStringLiteral("serve: unexpected argument '%1'").arg(parser.positionalArguments().first()));

    QString error;
    const auto listen = parseListen(parser.value(listenOption), &error);
    if (!listen)
        return fail(ExitBadInput, error);
    bool numberOk = false;
    const int maxConnections = parser.value(maxConnectionsOption).toInt(&numberOk);
    if (!numberOk || maxConnections < 1 || maxConnections > 1'000'000)
        return fail(ExitBadInput, QStringLiteral("serve: --max-connections must be a number from 1 to 1000000"));

    auto workspace = openWorkspace(workspaceFolder);
    if (!workspace)
        return fail(ExitFailure, workspace.error().message);
    raiseDescriptorLimit(maxConnections);

    if (!listen->host.isLoopback())
        std::fprintf(stderr, "%s: warning: %s is not a loopback address; the gateway will be reachable from the network\n",
                     kProgram, qUtf8Printable(listen->host.toString()));

    auto catalog = engine::Catalog::loadBundled();
    if (!catalog)
        return fail(ExitFailure, QStringLiteral("cannot load the bundled catalog: %1").arg(catalog.error().message));
    auto table = engine::Gateway::loadRoutingTable(workspace.value()->database(), catalog.value());
    if (!table)
        return fail(ExitFailure, QStringLiteral("cannot read the workspace's providers: %1").arg(table.error().message));
    for (const auto &provider : table.value()->providers()) {
        // Say why a provider the user added cannot be used; the catalog's
        // many providers without a key stay quiet.
        if (!provider.usable && table.value()->catalog().offeringsOfProvider(provider.id).size() > 0
            && !catalog->provider(provider.id))
            std::fprintf(stderr, "%s: warning: provider %s is not routable: %s\n", kProgram, qUtf8Printable(provider.id),
                         qUtf8Printable(provider.unusableReason));
    }

    engine::Gateway gateway;
    engine::Gateway::Options gatewayOptions;
    gatewayOptions.address = listen->host;
    gatewayOptions.port = listen->port;
    gatewayOptions.routingTable = table.value();
    gatewayOptions.limits.maxConnections = maxConnections;
    gatewayOptions.dataPlane.databasePath = workspace.value()->databasePath();
    if (auto started = gateway.start(gatewayOptions); !started)
        return fail(ExitFailure, QStringLiteral("cannot listen on %1: %2").arg(listen->text(), started.error().message));
    ListenAddress bound{gateway.address(), gateway.port()};

    engine::ShutdownSignals shutdown;
    int received = 0;
    QObject::connect(&shutdown, &engine::ShutdownSignals::shutdownRequested, QCoreApplication::instance(),
                     [&received](int signalNumber) {
                         received = signalNumber;
                         QCoreApplication::quit();
                     });

    say(QStringLiteral("%1 %2: workspace %3 (schema %4), %5 routable offerings, listening on http://%6; ready, stop "
                       "with SIGINT or SIGTERM")
            .arg(QLatin1String(kProgram), QString::fromLatin1(kVersion),
                 QDir::toNativeSeparators(workspace.value()->folder()))
            .arg(workspace.value()->schemaVersion())
            .arg(table.value()->usableOfferings())
            .arg(bound.text()));
    QCoreApplication::exec();
    gateway.stop(std::chrono::seconds(5));
    say(QStringLiteral("%1: stopping (signal %2)").arg(QLatin1String(kProgram)).arg(received));
    return ExitOk;
}

} // namespace

int run(const QStringList &arguments)
{
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
    if (parser.isSet(workspaceOption) && parser.value(workspaceOption).trimmed().isEmpty())
        return fail(ExitBadInput, QStringLiteral("--workspace needs a folder"));

    const QString command = positional.first();
    const QStringList rest = positional.mid(1);
    if (command == QLatin1String("serve"))
        return serve(parser.value(workspaceOption), rest);
    return fail(ExitBadInput, QStringLiteral("unknown command '%1' (see --help)").arg(command));
}

} // namespace signalbox::gateway
