// signalbox-catalog-convert: merges models.dev and genai-prices (and, when
// given, a saved OpenRouter /api/v1/models response) into the catalog
// snapshot the engine bundles, and prints the merge report. Run through
// scripts/refresh-catalog.sh.

#include "engine/catalog/merge.h"
#include "engine/catalog/snapshot.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QSaveFile>

#include <cstdio>

using namespace signalbox::engine;

namespace {
int fail(const QString &message, int code = 1)
{
    std::fprintf(stderr, "signalbox-catalog-convert: %s\n", qPrintable(message));
    return code;
}
} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("signalbox-catalog-convert"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Builds the bundled model catalog snapshot."));
    parser.addHelpOption();
    const QCommandLineOption modelsDev(QStringLiteral("models-dev"), QStringLiteral("models.dev JSON file."),
                                       QStringLiteral("file"));
    const QCommandLineOption genai(QStringLiteral("genai-prices"), QStringLiteral("genai-prices JSON file."),
                                   QStringLiteral("file"));
    const QCommandLineOption genaiVersion(QStringLiteral("genai-version"),
                                          QStringLiteral("genai-prices package version."), QStringLiteral("version"));
    const QCommandLineOption genaiDate(QStringLiteral("genai-date"),
                                       QStringLiteral("genai-prices publication date (YYYY-MM-DD)."),
                                       QStringLiteral("date"));
    const QCommandLineOption openRouter(QStringLiteral("openrouter"),
                                        QStringLiteral("Optional saved OpenRouter /api/v1/models response."),
                                        QStringLiteral("file"));
    const QCommandLineOption openRouterDate(QStringLiteral("openrouter-date"),
                                            QStringLiteral("When the OpenRouter response was fetched."),
                                            QStringLiteral("date"));
    const QCommandLineOption output(QStringLiteral("output"), QStringLiteral("Snapshot file to write."),
                                    QStringLiteral("file"));
    const QCommandLineOption listModels(QStringLiteral("list-models"),
                                        QStringLiteral("Also print every canonical model with its offerings."));
    parser.addOptions({modelsDev, genai, genaiVersion, genaiDate, openRouter, openRouterDate, output, listModels});
    parser.process(app);

    for (const QCommandLineOption &required : {modelsDev, genai, genaiVersion, genaiDate, output}) {
        if (!parser.isSet(required))
            return fail(QStringLiteral("--%1 is required (see --help)").arg(required.names().constFirst()), 2);
    }
    CatalogSourceFiles files;
    files.modelsDev = parser.value(modelsDev);
    files.genaiPrices = parser.value(genai);
    files.genaiVersion = parser.value(genaiVersion);
    files.genaiDate = QDate::fromString(parser.value(genaiDate), Qt::ISODate);
    files.openRouter = parser.value(openRouter);
    files.openRouterDate = QDate::fromString(parser.value(openRouterDate), Qt::ISODate);
    if (!files.genaiDate.isValid())
        return fail(QStringLiteral("--genai-date must be a date like 2026-09-23"), 2);
    if (!files.openRouter.isEmpty() && !files.openRouterDate.isValid())
        return fail(QStringLiteral("--openrouter needs --openrouter-date YYYY-MM-DD"), 2);

    QElapsedTimer timer;
    timer.start();
    auto built = buildCatalog(files);
    if (!built)
        return fail(built.error().message);
    const qint64 mergeMs = timer.elapsed();
    const QByteArray snapshot = writeSnapshot(built->catalog, built->genaiJson);

    // Read it back before replacing the bundled file: a snapshot the engine
    // cannot load must never be written.
    timer.restart();
    auto reloaded = readSnapshot(snapshot);
    if (!reloaded)
        return fail(QStringLiteral("the new snapshot does not load: ") + reloaded.error().message);
    const qint64 loadMs = timer.elapsed();

    QSaveFile file(parser.value(output));
    if (!file.open(QIODevice::WriteOnly) || file.write(snapshot) != snapshot.size() || !file.commit())
        return fail(QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString()));

    const Catalog &catalog = built->catalog;
    if (parser.isSet(listModels)) {
        for (const Model &model : catalog.models()) {
            QStringList ids;
            for (const Offering *offering : catalog.offeringsOf(model.id))
                ids.append(offering->providerId + QLatin1Char(':') + offering->providerModelId);
            std::printf("%s\t%d\t%s\t%s\t%s\n", qPrintable(model.id), catalog.providerCount(model.id),
                        qPrintable(model.name), qPrintable(model.authorCountry), qPrintable(ids.join(QLatin1Char(' '))));
        }
    }
    std::printf("%s", qPrintable(catalog.info().report.toText()));
    std::printf("Wrote %s: %lld bytes (merge %lld ms, reload %lld ms)\n", qPrintable(file.fileName()),
                static_cast<long long>(snapshot.size()), static_cast<long long>(mergeMs),
                static_cast<long long>(loadMs));
    return 0;
}
