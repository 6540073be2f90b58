// How much opening a workspace (header check, read-only version probe,
// read-write connection, migration check) costs over a bare SQLite open of the
// same file. Start-up of the console and of every CLI command pays this once.

#include "engine/storage/workspace.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace signalbox::engine;

namespace {
template <typename Fn>
double medianMicros(int rounds, Fn &&fn)
{
    std::vector<double> samples;
    samples.reserve(static_cast<std::size_t>(rounds));
    for (int i = 0; i < rounds; ++i) {
        QElapsedTimer timer;
        timer.start();
        fn();
        samples.push_back(static_cast<double>(timer.nsecsElapsed()) / 1000.0);
    }
    std::nth_element(samples.begin(), samples.begin() + rounds / 2, samples.end());
    return samples[static_cast<std::size_t>(rounds / 2)];
}
} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QTemporaryDir dir;
    { auto created = Workspace::open(dir.path()); if (!created) return 1; }
    const QString path = dir.filePath(QStringLiteral("signalbox.db"));
    constexpr int kRounds = 200;

    const double baseline = medianMicros(kRounds, [&] {
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("baseline"));
            db.setDatabaseName(path);
            db.open();
            QSqlQuery(db).exec(QStringLiteral("PRAGMA user_version"));
        }
        QSqlDatabase::removeDatabase(QStringLiteral("baseline"));
    });
    const double workspace = medianMicros(kRounds, [&] { auto opened = Workspace::open(dir.path()); });

    std::printf("bench_workspace: %d rounds\n", kRounds);
    std::printf("  bare SQLite open + PRAGMA  median %8.1f us (baseline)\n", baseline);
    std::printf("  Workspace::open            median %8.1f us  = %.2fx baseline\n", workspace, workspace / baseline);
    return 0;
}
