// signalbox-gateway serve: the gateway itself, until SIGINT or SIGTERM.

#include "app/gateway/commands.h"
#include "engine/catalog/catalog.h"
#include "engine/core/shutdownsignals.h"
#include "engine/core/version.h"
#include "engine/gateway/configreloader.h"
#include "engine/gateway/gateway.h"
#include "engine/gateway/runtimefile.h"

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

// Says why a provider the user added cannot be used; the catalog's many
// providers without a key stay quiet.
void warnUnroutable(const engine::RoutingTable &table, const engine::Catalog &base)
{
    for (const auto &provider : table.providers()) {
        if (!provider.usable && table.catalog().offeringsOfProvider(provider.id).size() > 0 && !base.provider(provider.id))
            warn(QStringLiteral("provider %1 is not routable: %2").arg(provider.id, provider.unusableReason));
    }
}

} // namespace

int runServe(const CommandContext &context, const QStringList &arguments)
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
    const QCommandLineOption reloadOption(QStringLiteral("reload-interval"),
                                          QStringLiteral("Seconds between checks for configuration changes (default 1; 0: on SIGHUP only)."),
                                          QStringLiteral("S"), QStringLiteral("1"));
    parser.addOption(reloadOption);
    const QCommandLineOption workersOption(QStringLiteral("workers"),
                                           QStringLiteral("Threads serving requests (default: 2, or 1 on a 1-core machine)."),
                                           QStringLiteral("N"), QStringLiteral("0"));
    parser.addOption(workersOption);
    parser.addOption(helpOption);
    if (!parser.parse(QStringList{QStringLiteral("serve")} + arguments))
        return fail(ExitBadInput, QStringLiteral("serve: %1").arg(parser.errorText()));
    if (parser.isSet(helpOption)) {
        say(QStringLiteral("Usage: %1 [--workspace DIR] serve [--listen HOST:PORT] [--max-connections N] [--workers N]\n"
                           "       [--reload-interval S]\n\n"
                           "Opens the workspace and serves the gateway on HOST:PORT (default 127.0.0.1:%2)\n"
                           "until SIGINT or SIGTERM. Configuration changes (providers, offerings, prices,\n"
                           "aliases, keys) apply within --reload-interval seconds, or at once on SIGHUP, without dropping\n"
                           "a request in flight. Listening on a non-loopback address exposes the\n"
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

    const int workers = parser.value(workersOption).toInt(&numberOk);
    if (!numberOk || workers < 0 || workers > 256)
        return fail(ExitBadInput, QStringLiteral("serve: --workers must be a number from 1 to 256"));
    const double reloadSeconds = parser.value(reloadOption).toDouble(&numberOk);
    if (!numberOk || reloadSeconds < 0 || reloadSeconds > 86400)
        return fail(ExitBadInput, QStringLiteral("serve: --reload-interval must be a number of seconds from 0 to 86400"));

    auto workspace = openWorkspace(context, /*mustExist=*/false);
    if (!workspace)
        return fail(ExitFailure, workspace.error().message);
    raiseDescriptorLimit(maxConnections);

    if (!listen->host.isLoopback())
        warn(QStringLiteral("%1 is not a loopback address; the gateway will be reachable from the network")
                 .arg(listen->host.toString()));

    auto catalog = engine::Catalog::loadBundled();
    if (!catalog)
        return fail(ExitFailure, QStringLiteral("cannot load the bundled catalog: %1").arg(catalog.error().message));

    engine::Gateway gateway;
    engine::ConfigReloader reloader(&gateway, workspace.value()->database(), catalog.value(),
                                    std::chrono::milliseconds(qRound64(reloadSeconds * 1000)));
    auto table = reloader.loadInitial();
    if (!table)
        return fail(ExitFailure, QStringLiteral("cannot read the workspace's configuration: %1").arg(table.error().message));
    warnUnroutable(*table.value(), catalog.value());

    engine::Gateway::Options gatewayOptions;
    gatewayOptions.address = listen->host;
    gatewayOptions.port = listen->port;
    gatewayOptions.routingTable = table.value();
    gatewayOptions.limits.maxConnections = maxConnections;
    gatewayOptions.workerThreads = workers;
    gatewayOptions.dataPlane.databasePath = workspace.value()->databasePath();
    if (auto started = gateway.start(gatewayOptions); !started)
        return fail(ExitFailure, QStringLiteral("cannot listen on %1: %2").arg(listen->text(), started.error().message));
    ListenAddress bound{gateway.address(), gateway.port()};

    // Configuration changes reach the running gateway without a restart:
    // polled every second, or at once on SIGHUP.
    const engine::Catalog &base = catalog.value();
    QObject::connect(&reloader, &engine::ConfigReloader::reloaded, &reloader,
                     [&gateway, &base](qint64 version, int offerings, const QString &reason) {
                         say(QStringLiteral("%1: reloaded configuration version %2 (%3): %4 routable offerings")
                                 .arg(QLatin1String(kProgram))
                                 .arg(version)
                                 .arg(reason)
                                 .arg(offerings));
                         if (const auto *plane = gateway.dataPlane())
                             warnUnroutable(*plane->routingTable(), base);
                     });
    QObject::connect(&reloader, &engine::ConfigReloader::reloadFailed, &reloader, [](const QString &message) {
        warn(QStringLiteral("configuration not reloaded, still serving the previous one: %1").arg(message));
    });
    reloader.startPolling();

    engine::ShutdownSignals signals_;
    int received = 0;
    QObject::connect(&signals_, &engine::ShutdownSignals::shutdownRequested, QCoreApplication::instance(),
                     [&received](int signalNumber) {
                         received = signalNumber;
                         QCoreApplication::quit();
                     });
    QObject::connect(&signals_, &engine::ShutdownSignals::reloadRequested, &reloader,
                     [&reloader] { (void)reloader.reloadNow(QStringLiteral("SIGHUP")); });

    const QString folder = workspace.value()->folder();
    engine::GatewayRuntimeInfo runtime;
    runtime.url = QStringLiteral("http://%1").arg(bound.text());
    runtime.address = bound.host.toString();
    runtime.port = bound.port;
    runtime.process = QStringLiteral("%1 serve").arg(QLatin1String(kProgram));
    if (auto written = engine::writeGatewayRuntimeFile(folder, runtime); !written)
        warn(QStringLiteral("%1; `status` will not find this gateway").arg(written.error().message));

    say(QStringLiteral("%1 %2: workspace %3 (schema %4), %5 routable offerings, listening on http://%6; ready, stop "
                       "with SIGINT or SIGTERM, reload with SIGHUP")
            .arg(QLatin1String(kProgram), QString::fromLatin1(kVersion),
                 QDir::toNativeSeparators(workspace.value()->folder()))
            .arg(workspace.value()->schemaVersion())
            .arg(table.value()->usableOfferings())
            .arg(bound.text()));
    QCoreApplication::exec();
    gateway.stop(std::chrono::seconds(5));
    engine::removeGatewayRuntimeFile(folder);
    say(QStringLiteral("%1: stopping (signal %2)").arg(QLatin1String(kProgram)).arg(received));
    return ExitOk;
}


} // namespace signalbox::gateway
