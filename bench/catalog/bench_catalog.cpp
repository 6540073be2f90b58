// What loading the bundled model catalog costs at start-up, against merely
// reading the snapshot's bytes from the Qt resource. The budget is 50 ms for
// Catalog::loadBundled(); docs/catalog.md records the figures.

#include "engine/catalog/catalog.h"
#include "engine/catalog/snapshot.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <vector>

using namespace signalbox::engine;

namespace {
struct Timing {
    double wallMs = 0;  // median
    double cpuMs = 0;   // median processor time: what the work costs on a busy machine too
};

double median(std::vector<double> samples)
{
    const auto middle = samples.begin() + static_cast<std::ptrdiff_t>(samples.size() / 2);
    std::nth_element(samples.begin(), middle, samples.end());
    return *middle;
}

template <typename Fn>
Timing measure(int rounds, Fn &&fn)
{
    std::vector<double> wall, cpu;
    for (int i = 0; i < rounds; ++i) {
        QElapsedTimer timer;
        const std::clock_t cpuStart = std::clock();
        timer.start();
        fn();
        wall.push_back(static_cast<double>(timer.nsecsElapsed()) / 1e6);
        cpu.push_back(1000.0 * static_cast<double>(std::clock() - cpuStart) / CLOCKS_PER_SEC);
    }
    return Timing{median(std::move(wall)), median(std::move(cpu))};
}

QByteArray readSnapshotBytes()
{
    QFile file(QString::fromLatin1(kBundledSnapshotPath));
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}
} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    constexpr int kRounds = 21;

    // The first load pays for static initialisation (units, regexes): report it apart.
    QElapsedTimer cold;
    cold.start();
    auto first = Catalog::loadBundled();
    const double coldMs = static_cast<double>(cold.nsecsElapsed()) / 1e6;
    if (!first) {
        std::fprintf(stderr, "bench_catalog: %s\n", qPrintable(first.error().message));
        return 1;
    }
    const QByteArray bytes = readSnapshotBytes();

    std::size_t sink = 0;
    const Timing baseline = measure(kRounds, [&] { sink += static_cast<std::size_t>(readSnapshotBytes().size()); });
    const Timing load = measure(kRounds, [&] {
        auto catalog = Catalog::loadBundled();
        sink += catalog ? catalog->offerings().size() : 0;
    });
    const Timing parse = measure(kRounds, [&] {
        auto catalog = readSnapshot(bytes);
        sink += catalog ? catalog->models().size() : 0;
    });

    const Catalog &catalog = first.value();
    std::printf("bench_catalog: %zu providers, %zu models, %zu offerings, snapshot %lld bytes, %d rounds\n",
                catalog.providers().size(), catalog.models().size(), catalog.offerings().size(),
                static_cast<long long>(bytes.size()), kRounds);
    std::printf("                                    median wall    median CPU\n");
    std::printf("  read the resource bytes           %8.3f ms   %8.3f ms  (baseline)\n", baseline.wallMs,
                baseline.cpuMs);
    std::printf("  readSnapshot(bytes)               %8.3f ms   %8.3f ms  = %.0fx baseline\n", parse.wallMs,
                parse.cpuMs, parse.wallMs / baseline.wallMs);
    std::printf("  Catalog::loadBundled()            %8.3f ms   %8.3f ms  = %.0fx baseline (budget 50 ms)\n",
                load.wallMs, load.cpuMs, load.wallMs / baseline.wallMs);
    std::printf("  first Catalog::loadBundled()      %8.3f ms               (cold)\n", coldMs);
    return sink == 0 ? 1 : 0;
}
