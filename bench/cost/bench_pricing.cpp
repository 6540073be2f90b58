// Time to identify the price entry for a response's (provider, model id) and
// price its usage — what the gateway does once per request — against a
// baseline of one QHash lookup of the same id in the same run.
//
// usage: bench_pricing GENAI_PRICES.json   (target: median <= 1 us per request)

#include "engine/cost/costengine.h"
#include "engine/cost/pricebook.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QHash>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace signalbox::engine;

namespace {
struct Request {
    QString provider;
    QString model;
    Usage usage;
};

// Median over batches of the per-call time in nanoseconds.
template <typename Fn>
double medianNanos(const std::vector<Request> &requests, int batches, Fn &&fn)
{
    std::vector<double> samples;
    for (int b = 0; b < batches; ++b) {
        QElapsedTimer timer;
        timer.start();
        for (const Request &r : requests)
            fn(r);
        samples.push_back(static_cast<double>(timer.nsecsElapsed()) / static_cast<double>(requests.size()));
    }
    std::nth_element(samples.begin(), samples.begin() + batches / 2, samples.end());
    return samples[static_cast<std::size_t>(batches / 2)];
}
} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    if (argc < 2) {
        std::fprintf(stderr, "bench_pricing: usage: bench_pricing GENAI_PRICES.json\n");
        return 2;
    }
    QFile file(QString::fromLocal8Bit(argv[1]));
    if (!file.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "bench_pricing: cannot read %s\n", argv[1]);
        return 1;
    }
    QElapsedTimer loadTimer;
    loadTimer.start();
    auto book = PriceBook::fromGenaiPricesJson(file.readAll());
    const double loadMs = static_cast<double>(loadTimer.nsecsElapsed()) / 1e6;
    if (!book) {
        std::fprintf(stderr, "bench_pricing: %s\n", qPrintable(book.error().message));
        return 1;
    }

    // Real traffic shapes: dated ids, OpenRouter slugs, cached prompts.
    const std::vector<Request> requests = {
        {QStringLiteral("openai"), QStringLiteral("gpt-5-2025-08-07"), Usage::tokens(1200, 300, 1000)},
        {QStringLiteral("anthropic"), QStringLiteral("claude-sonnet-4-5-20250929"), Usage::tokens(250000, 2000, 40000, 10000)},
        {QStringLiteral("openrouter"), QStringLiteral("meta-llama/llama-3.3-70b-instruct"), Usage::tokens(800, 200)},
        {QStringLiteral("openrouter"), QStringLiteral("deepseek/deepseek-chat-v3-0324:free"), Usage::tokens(800, 200)},
        {QStringLiteral("deepseek"), QStringLiteral("deepseek-chat"), Usage::tokens(5000, 700, 2000)},
        {QStringLiteral("google"), QStringLiteral("gemini-2.5-flash"), Usage::tokens(9000, 900)},
        {QStringLiteral("groq"), QStringLiteral("llama-3.3-70b-versatile"), Usage::tokens(3000, 400)},
        {QStringLiteral("azure"), QStringLiteral("gpt-4o"), Usage::tokens(2000, 100)},
    };
    const QDateTime at = QDateTime::fromString(QStringLiteral("2026-10-01T12:00:00Z"), Qt::ISODate);

    QHash<QString, int> baselineIndex;
    for (std::size_t i = 0; i < requests.size(); ++i)
        baselineIndex.insert(requests[i].model, static_cast<int>(i));

    volatile qint64 sink = 0;
    constexpr int kBatches = 2001;
    for (int warm = 0; warm < 200; ++warm) {
        for (const Request &r : requests)
            if (auto m = book->find(r.provider, r.model))
                sink = sink + PriceBook::price(*m, r.usage, at)->total().nanos();
    }
    const double baseline = medianNanos(requests, kBatches, [&](const Request &r) { sink = sink + baselineIndex.value(r.model); });
    const double identify = medianNanos(requests, kBatches, [&](const Request &r) {
        if (auto m = book->find(r.provider, r.model))
            sink = sink + m->entry->id.size();
    });
    const double full = medianNanos(requests, kBatches, [&](const Request &r) {
        if (auto m = book->find(r.provider, r.model))
            sink = sink + PriceBook::price(*m, r.usage, at)->total().nanos();
    });

    std::printf("bench_pricing: %zu providers, %zu entries, import %.1f ms\n", book->providers().size(),
                book->entryCount(), loadMs);
    std::printf("  baseline QHash<QString,int> lookup  median %7.0f ns\n", baseline);
    std::printf("  identify entry                     median %7.0f ns  = %5.1fx baseline\n", identify, identify / baseline);
    std::printf("  identify + price request           median %7.0f ns  = %5.1fx baseline  (target <= 1000 ns)\n", full,
                full / baseline);
    return 0;
}
