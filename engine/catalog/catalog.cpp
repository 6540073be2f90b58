#include "engine/catalog/catalog.h"

#include "engine/catalog/snapshot.h"

#include <QFile>

#include <algorithm>

namespace signalbox::engine {

QString apiDialectName(ApiDialect dialect)
{
    return dialect == ApiDialect::Anthropic ? QStringLiteral("anthropic") : QStringLiteral("openai");
}

std::optional<ApiDialect> apiDialectFromName(QStringView name)
{
    if (name == QLatin1StringView("openai"))
        return ApiDialect::OpenAI;
    if (name == QLatin1StringView("anthropic"))
        return ApiDialect::Anthropic;
    return std::nullopt;
}

namespace {
struct ModalityName {
    Modality modality;
    QLatin1StringView name;
};
constexpr ModalityName kModalityNames[] = {
    {Modality::Text, QLatin1StringView("text")},   {Modality::Image, QLatin1StringView("image")},
    {Modality::Audio, QLatin1StringView("audio")}, {Modality::Video, QLatin1StringView("video")},
    {Modality::Pdf, QLatin1StringView("pdf")},     {Modality::File, QLatin1StringView("file")},
};

constexpr QLatin1StringView kSourceNames[] = {
    QLatin1StringView("genai-prices"),
    QLatin1StringView("models.dev"),
    QLatin1StringView("openrouter"),
    QLatin1StringView("user"),
};

QString offeringKey(const QString &providerId, const QString &providerModelId)
{
    return providerId + QChar(0x1f) + providerModelId;
}
} // namespace

std::optional<Modality> modalityFromName(QStringView name)
{
    for (const ModalityName &entry : kModalityNames) {
        if (name == entry.name)
            return entry.modality;
    }
    return std::nullopt;
}

Modalities modalitiesFromNames(const QStringList &names)
{
    if (names.isEmpty())
        return Modality::Text;
    Modalities modalities;
    for (const QString &name : names) {
        if (const auto modality = modalityFromName(name))
            modalities |= *modality;
    }
    return modalities;
}

QStringList modalityNames(Modalities modalities)
{
    QStringList names;
    for (const ModalityName &entry : kModalityNames) {
        if (modalities.testFlag(entry.modality))
            names.append(QString(entry.name));
    }
    return names;
}

QString priceSourceName(PriceSource source)
{
    return QString(kSourceNames[static_cast<int>(source)]);
}

std::optional<PriceSource> priceSourceFromName(QStringView name)
{
    for (int i = 0; i < 4; ++i) {
        if (name == kSourceNames[i])
            return static_cast<PriceSource>(i);
    }
    return std::nullopt;
}

Catalog::Catalog(std::vector<Provider> providers, std::vector<Model> models, std::vector<Offering> offerings,
                 PriceBook priceBook, CatalogInfo info)
    : m_providers(std::move(providers))
    , m_models(std::move(models))
    , m_offerings(std::move(offerings))
    , m_priceBook(std::move(priceBook))
    , m_info(std::move(info))
{
    buildIndexes();
}

void Catalog::buildIndexes()
{
    m_providerIndex.reserve(static_cast<qsizetype>(m_providers.size()));
    for (std::size_t i = 0; i < m_providers.size(); ++i)
        m_providerIndex.insert(m_providers[i].id, static_cast<int>(i));
    m_modelIndex.reserve(static_cast<qsizetype>(m_models.size()));
    for (std::size_t i = 0; i < m_models.size(); ++i)
        m_modelIndex.insert(m_models[i].id, static_cast<int>(i));

    m_offeringsByModel.assign(m_models.size(), {});
    m_offeringsByProvider.assign(m_providers.size(), {});
    m_offeringIndex.reserve(static_cast<qsizetype>(m_offerings.size()));
    for (std::size_t i = 0; i < m_offerings.size(); ++i) {
        const Offering &offering = m_offerings[i];
        const int index = static_cast<int>(i);
        m_offeringIndex.insert(offeringKey(offering.providerId, offering.providerModelId), index);
        const int model = m_modelIndex.value(offering.modelId, -1);
        if (model >= 0)
            m_offeringsByModel[static_cast<std::size_t>(model)].push_back(index);
        const int provider = m_providerIndex.value(offering.providerId, -1);
        if (provider >= 0)
            m_offeringsByProvider[static_cast<std::size_t>(provider)].push_back(index);
    }

    m_providerCounts.assign(m_models.size(), 0);
    std::vector<int> providersSeen;
    for (std::size_t m = 0; m < m_models.size(); ++m) {
        providersSeen.clear();
        for (int index : m_offeringsByModel[m])
            providersSeen.push_back(m_providerIndex.value(m_offerings[static_cast<std::size_t>(index)].providerId, -1));
        std::sort(providersSeen.begin(), providersSeen.end());
        m_providerCounts[m] =
            static_cast<int>(std::unique(providersSeen.begin(), providersSeen.end()) - providersSeen.begin());
    }
}

const Provider *Catalog::provider(const QString &id) const
{
    const int index = m_providerIndex.value(id, -1);
    return index < 0 ? nullptr : &m_providers[static_cast<std::size_t>(index)];
}

const Model *Catalog::model(const QString &canonicalId) const
{
    const int index = m_modelIndex.value(canonicalId, -1);
    return index < 0 ? nullptr : &m_models[static_cast<std::size_t>(index)];
}

const Offering *Catalog::offering(const QString &providerId, const QString &providerModelId) const
{
    const int index = m_offeringIndex.value(offeringKey(providerId, providerModelId), -1);
    return index < 0 ? nullptr : &m_offerings[static_cast<std::size_t>(index)];
}

std::vector<const Offering *> Catalog::offeringsOf(const QString &canonicalModelId) const
{
    std::vector<const Offering *> out;
    const int model = m_modelIndex.value(canonicalModelId, -1);
    if (model < 0)
        return out;
    for (int index : m_offeringsByModel[static_cast<std::size_t>(model)])
        out.push_back(&m_offerings[static_cast<std::size_t>(index)]);
    return out;
}

std::vector<const Offering *> Catalog::offeringsOfProvider(const QString &providerId) const
{
    std::vector<const Offering *> out;
    const int provider = m_providerIndex.value(providerId, -1);
    if (provider < 0)
        return out;
    for (int index : m_offeringsByProvider[static_cast<std::size_t>(provider)])
        out.push_back(&m_offerings[static_cast<std::size_t>(index)]);
    return out;
}

int Catalog::providerCount(const QString &canonicalModelId) const
{
    const int model = m_modelIndex.value(canonicalModelId, -1);
    return model < 0 ? 0 : m_providerCounts[static_cast<std::size_t>(model)];
}

std::optional<PriceMatch> Catalog::findPrice(const QString &providerId, const QString &responseModelId) const
{
    const Provider *known = provider(providerId);
    const QString bookId = known ? known->priceBookId : providerId;
    if (bookId.isEmpty())
        return std::nullopt;
    return m_priceBook.find(bookId, responseModelId);
}

Result<Catalog> Catalog::loadBundled()
{
    QFile file(QString::fromLatin1(kBundledSnapshotPath));
    if (!file.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("no-catalog"),
                     QStringLiteral("The bundled model catalog %1 is missing from this build").arg(file.fileName())};
    return readSnapshot(file.readAll());
}

QString MergeReport::toText() const
{
    QString text;
    const auto line = [&text](const QString &s) { text += s + QLatin1Char('\n'); };
    line(QStringLiteral("Catalog: %1 providers, %2 models, %3 offerings").arg(providers).arg(models).arg(offerings));
    line(QStringLiteral("Read: %1 models.dev offerings, %2 genai-prices entries").arg(modelsDevOfferings).arg(genaiEntries));
    line(QStringLiteral("Matched (models.dev offering priced by genai-prices): %1 (%2 by canonical model)")
             .arg(matched)
             .arg(matchedByCanonicalId));
    line(QStringLiteral("Only in models.dev: %1 (%2 of them without any price)")
             .arg(onlyInModelsDev)
             .arg(onlyInModelsDevUnpriced));
    line(QStringLiteral("Only in genai-prices (added as offerings): %1 (%2 skipped as duplicates)")
             .arg(onlyInGenai)
             .arg(skippedDuplicates));
    if (openRouterUpdated > 0 || openRouterAdded > 0)
        line(QStringLiteral("OpenRouter API: %1 offerings repriced, %2 added").arg(openRouterUpdated).arg(openRouterAdded));
    line(QStringLiteral("Price disagreements (input or output differ): %1").arg(disagreements.size()));
    line(QStringLiteral("models.dev providers without genai-prices data: ") + unmappedModelsDevProviders.join(QStringLiteral(", ")));
    line(QStringLiteral("Providers only genai-prices knows: ") + genaiOnlyProviders.join(QStringLiteral(", ")));
    const auto examples = [&line](const QString &title, const QStringList &list) {
        if (!list.isEmpty())
            line(title + QStringLiteral(": ") + list.join(QStringLiteral(", ")));
    };
    examples(QStringLiteral("Examples matched"), matchedExamples);
    examples(QStringLiteral("Examples only in models.dev"), onlyInModelsDevExamples);
    examples(QStringLiteral("Examples only in genai-prices"), onlyInGenaiExamples);
    const std::size_t shown = std::min<std::size_t>(disagreements.size(), 15);
    for (std::size_t i = 0; i < shown; ++i) {
        const PriceDisagreement &d = disagreements[i];
        line(QStringLiteral("  %1/%2: models.dev in %3 out %4 /Mtok vs genai-prices (%5) in %6 out %7 /Mtok")
                 .arg(d.providerId, d.providerModelId, d.modelsDevInput.scaled(1000000, 1).toDecimalString(),
                      d.modelsDevOutput.scaled(1000000, 1).toDecimalString(), d.genaiEntry,
                      d.genaiInput.scaled(1000000, 1).toDecimalString(),
                      d.genaiOutput.scaled(1000000, 1).toDecimalString()));
    }
    if (disagreements.size() > shown)
        line(QStringLiteral("  ... and %1 more").arg(disagreements.size() - shown));
    return text;
}

} // namespace signalbox::engine
