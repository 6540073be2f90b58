// signalbox-fake-provider: the fake OpenAI-compatible provider as a process,
// for offline demos and for driving a gateway by hand. Prints
// "listening on HOST:PORT" once ready and serves until SIGINT/SIGTERM.

#include "engine/core/shutdownsignals.h"
#include "tests/support/fakeprovider/fakeprovider.h"

#include <QCommandLineParser>
#include <QCoreApplication>

#include <cstdio>

using signalbox::testing::FakeBehaviour;
using signalbox::testing::FakeProvider;

namespace {

constexpr char kProgram[] = "signalbox-fake-provider";

int fail(int code, const QString &message)
{
    std::fprintf(stderr, "%s: %s\n", kProgram, qUtf8Printable(message));
    return code;
}

bool parseListen(const QString &value, QHostAddress *host, quint16 *port)
{
    const qsizetype colon = value.lastIndexOf(QLatin1Char(':'));
    if (colon <= 0)
        return false;
    QString hostText = value.left(colon);
    bool ok = false;
    const uint number = value.mid(colon + 1).toUInt(&ok);
    if (!ok || number > 65535)
        return false;
    if (hostText.startsWith(QLatin1Char('[')) && hostText.endsWith(QLatin1Char(']')))
        hostText = hostText.mid(1, hostText.size() - 2);
    if (hostText == QLatin1String("localhost"))
        *host = QHostAddress(QHostAddress::LocalHost);
    else if (!host->setAddress(hostText))
        return false;
    *port = static_cast<quint16>(number);
    return true;
}

bool readInt(const QCommandLineParser &parser, const QCommandLineOption &option, int *out)
{
    if (!parser.isSet(option))
        return true;
    bool ok = false;
    const int value = parser.value(option).toInt(&ok);
    if (!ok || value < 0)
        return false;
    *out = value;
    return true;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QLatin1String(kProgram));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("A fake OpenAI-compatible provider with deterministic answers, for tests and offline demos.\n"
                       "Serves POST /v1/chat/completions and GET /v1/models until SIGINT or SIGTERM."));
    parser.addHelpOption();
    const QCommandLineOption listen(QStringLiteral("listen"), QStringLiteral("Address to listen on (port 0: any)."),
                                    QStringLiteral("HOST:PORT"), QStringLiteral("127.0.0.1:0"));
    const QCommandLineOption model(QStringLiteral("model"), QStringLiteral("A model id to list (repeatable)."),
                                   QStringLiteral("ID"));
    const QCommandLineOption served(QStringLiteral("served-model"),
                                    QStringLiteral("Model id reported in answers (default: the requested one)."),
                                    QStringLiteral("ID"));
    const QCommandLineOption tokens(QStringLiteral("completion-tokens"),
                                    QStringLiteral("Words in each answer (default 8)."), QStringLiteral("N"));
    const QCommandLineOption rate(QStringLiteral("tokens-per-second"),
                                  QStringLiteral("Streaming pace (default: no pause)."), QStringLiteral("RATE"));
    const QCommandLineOption firstToken(QStringLiteral("first-token-ms"),
                                        QStringLiteral("Delay from headers to the first token."), QStringLiteral("MS"));
    const QCommandLineOption latency(QStringLiteral("headers-delay-ms"),
                                     QStringLiteral("Delay before the response headers."), QStringLiteral("MS"));
    const QCommandLineOption apiKey(QStringLiteral("api-key"),
                                    QStringLiteral("Require 'Authorization: Bearer KEY' (else 401)."),
                                    QStringLiteral("KEY"));
    const QCommandLineOption fault(QStringLiteral("fault"),
                                   QStringLiteral("Answer every chat completion with this fault (see "
                                                  "docs/fake-provider.md), e.g. http429, stall-mid-stream."),
                                   QStringLiteral("NAME"));
    parser.addOptions({listen, model, served, tokens, rate, firstToken, latency, apiKey, fault});
    parser.process(app);
    if (!parser.positionalArguments().isEmpty())
        return fail(2, QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().first()));

    QHostAddress host;
    quint16 port = 0;
    if (!parseListen(parser.value(listen), &host, &port))
        return fail(2, QStringLiteral("--listen wants HOST:PORT, e.g. 127.0.0.1:0; got '%1'").arg(parser.value(listen)));

    FakeBehaviour behaviour;
    int firstTokenMs = 0;
    int latencyMs = 0;
    if (!readInt(parser, tokens, &behaviour.completionTokens) || !readInt(parser, firstToken, &firstTokenMs)
        || !readInt(parser, latency, &latencyMs))
        return fail(2, QStringLiteral("counts and delays must be whole numbers of at least 0"));
    behaviour.firstTokenDelay = std::chrono::milliseconds(firstTokenMs);
    behaviour.headersDelay = std::chrono::milliseconds(latencyMs);
    if (parser.isSet(rate)) {
        bool ok = false;
        behaviour.tokensPerSecond = parser.value(rate).toDouble(&ok);
        if (!ok || behaviour.tokensPerSecond < 0)
            return fail(2, QStringLiteral("--tokens-per-second must be a number of at least 0"));
    }
    behaviour.servedModel = parser.value(served);
    if (parser.isSet(fault)) {
        const auto chosen = signalbox::testing::faultFromName(parser.value(fault));
        if (!chosen)
            return fail(2, QStringLiteral("unknown fault '%1' (see docs/fake-provider.md)").arg(parser.value(fault)));
        behaviour.fault = *chosen;
    }

    FakeProvider provider;
    provider.setDefaultBehaviour(behaviour);
    if (parser.isSet(model))
        provider.setModels(parser.values(model));
    provider.setRequiredApiKey(parser.value(apiKey).toUtf8());
    if (!provider.listen(host, port))
        return fail(1, QStringLiteral("cannot listen on %1: %2").arg(parser.value(listen), provider.errorString()));
    if (!host.isLoopback())
        std::fprintf(stderr, "%s: warning: %s is not a loopback address\n", kProgram, qUtf8Printable(host.toString()));

    signalbox::engine::ShutdownSignals shutdown;
    QObject::connect(&shutdown, &signalbox::engine::ShutdownSignals::shutdownRequested, &app,
                     &QCoreApplication::quit);

    const QString shown = host.protocol() == QAbstractSocket::IPv6Protocol
        ? QStringLiteral("[%1]").arg(host.toString())
        : host.toString();
    std::fprintf(stdout, "listening on %s:%u\n", qUtf8Printable(shown), static_cast<unsigned>(provider.port()));
    std::fflush(stdout);
    const int code = QCoreApplication::exec();
    provider.close();
    return code;
}
