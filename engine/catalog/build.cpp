// buildCatalog(): from the source files to a merged Catalog.

#include "engine/catalog/merge.h"

#include <QFile>
#include <QFileInfo>

namespace signalbox::engine {

Result<BuiltCatalog> buildCatalog(const CatalogSourceFiles &files)
{
    const auto read = [](const QString &path) -> Result<QByteArray> {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            return Error{QStringLiteral("cannot-read"), QStringLiteral("Cannot read %1: %2").arg(path, file.errorString())};
        return file.readAll();
    };
    auto modelsDevJson = read(files.modelsDev);
    if (!modelsDevJson)
        return modelsDevJson.error();
    auto genaiJson = read(files.genaiPrices);
    if (!genaiJson)
        return genaiJson.error();
    auto modelsDev = importModelsDev(modelsDevJson.value());
    if (!modelsDev)
        return modelsDev.error();
    auto priceBook = PriceBook::fromGenaiPricesJson(genaiJson.value());
    if (!priceBook)
        return priceBook.error();
    auto directory = ProviderDirectory::bundled();
    if (!directory)
        return directory.error();
    auto naming = ModelNaming::bundled();
    if (!naming)
        return naming.error();

    MergeInputs inputs;
    inputs.modelsDev = std::move(modelsDev).value();
    inputs.priceBook = std::move(priceBook).value();
    inputs.genaiJson = genaiJson.value();
    inputs.genaiVersion = files.genaiVersion;
    inputs.genaiDate = files.genaiDate;
    inputs.directory = std::move(directory).value();
    inputs.naming = std::move(naming).value();
    inputs.modelsDevSource = QFileInfo(files.modelsDev).fileName();
    inputs.genaiSource = QFileInfo(files.genaiPrices).fileName();
    if (!files.openRouter.isEmpty()) {
        auto openRouterJson = read(files.openRouter);
        if (!openRouterJson)
            return openRouterJson.error();
        auto openRouter = importOpenRouterModels(openRouterJson.value(), files.openRouterDate);
        if (!openRouter)
            return openRouter.error();
        inputs.openRouter = std::move(openRouter).value();
    }
    auto catalog = mergeCatalog(std::move(inputs));
    if (!catalog)
        return catalog.error();
    return BuiltCatalog{std::move(catalog).value(), std::move(genaiJson).value()};
}

} // namespace signalbox::engine
