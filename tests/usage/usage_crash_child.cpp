// usage_crash_child WORKSPACE_DIR [RECORDS_PER_MS]
//
// The process tst_usagewriter kills with SIGKILL. It opens the workspace,
// starts a UsageWriter exactly as the gateway does (default options, no
// flush() calls), and submits records numbered 0, 1, 2, … continuously:
// RECORDS_PER_MS (default 2) every millisecond. After each submit() returns it
// prints "<number> <steady-clock microseconds>", line-buffered, so the test
// knows when every record it sees was handed to the writer. "ready" comes
// first, once the writer runs.

#include "engine/storage/workspace.h"
#include "engine/usage/sqliteusagestore.h"
#include "engine/usage/usagewriter.h"

#include <QCoreApplication>

#include <chrono>
#include <cstdio>
#include <thread>

using namespace signalbox::engine;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    const QStringList args = app.arguments();
    if (args.size() < 2) {
        std::fprintf(stderr, "usage: usage_crash_child WORKSPACE_DIR [RECORDS_PER_MS]\n");
        return 2;
    }
    const int perMs = args.size() > 2 ? std::max(1, args.at(2).toInt()) : 2;
    auto workspace = Workspace::open(args.at(1));
    if (!workspace) {
        std::fprintf(stderr, "usage_crash_child: %s\n", qUtf8Printable(workspace.error().message));
        return 1;
    }
    UsageWriter writer(sqliteUsageStoreFactory(workspace.value()->databasePath()));
    if (auto started = writer.start(); !started) {
        std::fprintf(stderr, "usage_crash_child: %s\n", qUtf8Printable(started.error().message));
        return 1;
    }
    std::printf("ready\n");

    const QDateTime base = QDateTime::currentDateTimeUtc();
    for (qint64 n = 0;;) {
        for (int i = 0; i < perMs; ++i, ++n) {
            UsageRecord r;
            r.id = QStringLiteral("req_%1").arg(n, 9, 10, QLatin1Char('0'));
            r.keyId = QStringLiteral("crashkey0001");
            r.startedAt = base.addMSecs(n);
            r.finishedAt = r.startedAt.addMSecs(3);
            r.endpoint = QStringLiteral("/v1/chat/completions");
            r.requestedModel = QStringLiteral("gpt-4o-mini");
            r.servedModel = QStringLiteral("openai/gpt-4o-mini");
            r.servedProvider = QStringLiteral("openai");
            r.httpStatus = 200;
            r.promptTokens = n;
            r.completionTokens = 2 * n;
            r.cost = Money::fromAttos(n);
            r.attempts = {
                { QStringLiteral("groq"), QStringLiteral("llama"), QStringLiteral("http_429"), 429, 1000, false },
                { QStringLiteral("openai"), QStringLiteral("gpt-4o-mini"), QStringLiteral("ok"), 200, 3000, true },
            };
            writer.submit(std::move(r));
            const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::steady_clock::now().time_since_epoch())
                                .count();
            std::printf("%lld %lld\n", static_cast<long long>(n), static_cast<long long>(us));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}
