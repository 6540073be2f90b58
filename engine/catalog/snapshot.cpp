#include "engine/catalog/snapshot.h"

#include "engine/catalog/pricecodec.h"

#include <QDataStream>
#include <QIODevice>
#include <QJsonDocument>

namespace signalbox::engine {

namespace {

constexpr quint32 kMagic = 0x53424354;  // "SBCT"
constexpr quint32 kFormatVersion = 1;
constexpr QDataStream::Version kStreamVersion = QDataStream::Qt_6_4;
constexpr quint32 kMaxItems = 1u << 20;

Error damaged(const QString &what)
{
    return Error{QStringLiteral("damaged-catalog"), QStringLiteral("The catalog snapshot is damaged (%1)").arg(what)};
}

enum TraitBits : quint8 {
    Known = 1, Tools = 2, Reasoning = 4, Attachments = 8, Temperature = 16, OpenWeights = 32,
};

void writeTraits(QDataStream &out, const ModelTraits &traits)
{
    quint8 bits = 0;
    bits |= traits.known ? Known : 0;
    bits |= traits.tools ? Tools : 0;
    bits |= traits.reasoning ? Reasoning : 0;
    bits |= traits.attachments ? Attachments : 0;
    bits |= traits.temperature ? Temperature : 0;
    bits |= traits.openWeights ? OpenWeights : 0;
    out << bits << static_cast<quint8>(traits.input.toInt()) << static_cast<quint8>(traits.output.toInt());
}

void readTraits(QDataStream &in, ModelTraits &traits)
{
    quint8 bits = 0, input = 0, output = 0;
    in >> bits >> input >> output;
    traits.known = bits & Known;
    traits.tools = bits & Tools;
    traits.reasoning = bits & Reasoning;
    traits.attachments = bits & Attachments;
    traits.temperature = bits & Temperature;
    traits.openWeights = bits & OpenWeights;
    traits.input = Modalities::fromInt(input);
    traits.output = Modalities::fromInt(output);
}

void writeReport(QDataStream &out, const MergeReport &r)
{
    for (const int value : {r.modelsDevOfferings, r.genaiEntries, r.matched, r.matchedByCanonicalId,
                            r.onlyInModelsDev, r.onlyInModelsDevUnpriced, r.onlyInGenai, r.skippedDuplicates,
                            r.openRouterUpdated, r.openRouterAdded, r.providers, r.models, r.offerings})
        out << qint32(value);
    out << r.unmappedModelsDevProviders << r.genaiOnlyProviders << r.matchedExamples << r.onlyInModelsDevExamples
        << r.onlyInGenaiExamples;
    out << static_cast<quint32>(r.disagreements.size());
    for (const PriceDisagreement &d : r.disagreements) {
        out << d.providerId << d.providerModelId << d.genaiEntry;
        for (const Money money : {d.modelsDevInput, d.modelsDevOutput, d.genaiInput, d.genaiOutput})
            writeMoney(out, money);
    }
}

bool readReport(QDataStream &in, MergeReport &r)
{
    for (int *value : {&r.modelsDevOfferings, &r.genaiEntries, &r.matched, &r.matchedByCanonicalId,
                       &r.onlyInModelsDev, &r.onlyInModelsDevUnpriced, &r.onlyInGenai, &r.skippedDuplicates,
                       &r.openRouterUpdated, &r.openRouterAdded, &r.providers, &r.models, &r.offerings}) {
        qint32 read = 0;
        in >> read;
        *value = read;
    }
    in >> r.unmappedModelsDevProviders >> r.genaiOnlyProviders >> r.matchedExamples >> r.onlyInModelsDevExamples
        >> r.onlyInGenaiExamples;
    quint32 count = 0;
    in >> count;
    if (in.status() != QDataStream::Ok || count > kMaxItems)
        return false;
    r.disagreements.resize(count);
    for (PriceDisagreement &d : r.disagreements) {
        in >> d.providerId >> d.providerModelId >> d.genaiEntry;
        if (!readMoney(in, d.modelsDevInput) || !readMoney(in, d.modelsDevOutput) || !readMoney(in, d.genaiInput)
            || !readMoney(in, d.genaiOutput))
            return false;
    }
    return in.status() == QDataStream::Ok;
}

} // namespace

QByteArray writeSnapshot(const Catalog &catalog, const QByteArray &genaiPricesJson)
{
    QByteArray body;
    {
        QDataStream out(&body, QIODevice::WriteOnly);
        out.setVersion(kStreamVersion);
        const CatalogInfo &info = catalog.info();
        out << info.modelsDevSource << info.genaiSource << info.genaiVersion << info.genaiDate << info.modelsDevNewest;
        writeReport(out, info.report);

        out << static_cast<quint32>(catalog.providers().size());
        for (const Provider &p : catalog.providers()) {
            out << p.id << p.name << p.baseUrl << static_cast<quint8>(p.dialect) << p.keyEnv << p.docUrl
                << p.dataPolicy << p.priceBookId;
        }
        out << static_cast<quint32>(catalog.models().size());
        for (const Model &m : catalog.models()) {
            out << m.id << m.name << m.author << m.authorName << m.authorCountry << m.authorCountryName;
            writeTraits(out, m.traits);
            out << m.contextLength << m.releaseDate << m.knowledgeCutoff;
        }
        out << static_cast<quint32>(catalog.offerings().size());
        for (const Offering &o : catalog.offerings()) {
            out << o.providerId << o.providerModelId << o.modelId << o.name << o.contextLength << o.maxOutput;
            writeTraits(out, o.traits);
            out << o.deprecated;
            writePriceSchedule(out, o.price);
            out << static_cast<quint8>(o.provenance.source) << o.provenance.asOf << o.provenance.entryId;
        }
        // Compact JSON parses faster than the pretty-printed file.
        out << QJsonDocument::fromJson(genaiPricesJson).toJson(QJsonDocument::Compact);
    }
    QByteArray bytes;
    QDataStream header(&bytes, QIODevice::WriteOnly);
    header.setVersion(kStreamVersion);
    header << kMagic << kFormatVersion << qCompress(body, 9);
    return bytes;
}

Result<Catalog> readSnapshot(const QByteArray &bytes)
{
    QDataStream header(bytes);
    header.setVersion(kStreamVersion);
    quint32 magic = 0, version = 0;
    QByteArray compressed;
    header >> magic >> version;
    if (header.status() != QDataStream::Ok || magic != kMagic)
        return Error{QStringLiteral("not-a-catalog"), QStringLiteral("This is not a Signalbox catalog snapshot")};
    if (version != kFormatVersion)
        return Error{QStringLiteral("newer-catalog"),
                     QStringLiteral("The catalog snapshot has format %1; this Signalbox reads format %2")
                         .arg(version)
                         .arg(kFormatVersion)};
    header >> compressed;
    const QByteArray body = qUncompress(compressed);
    if (header.status() != QDataStream::Ok || body.isEmpty())
        return damaged(QStringLiteral("cannot decompress"));

    QDataStream in(body);
    in.setVersion(kStreamVersion);
    CatalogInfo info;
    in >> info.modelsDevSource >> info.genaiSource >> info.genaiVersion >> info.genaiDate >> info.modelsDevNewest;
    if (!readReport(in, info.report))
        return damaged(QStringLiteral("merge report"));

    quint32 count = 0;
    in >> count;
    if (in.status() != QDataStream::Ok || count > kMaxItems)
        return damaged(QStringLiteral("providers"));
    std::vector<Provider> providers(count);
    for (Provider &p : providers) {
        quint8 dialect = 0;
        in >> p.id >> p.name >> p.baseUrl >> dialect >> p.keyEnv >> p.docUrl >> p.dataPolicy >> p.priceBookId;
        p.dialect = dialect == static_cast<quint8>(ApiDialect::Anthropic) ? ApiDialect::Anthropic : ApiDialect::OpenAI;
    }
    in >> count;
    if (in.status() != QDataStream::Ok || count > kMaxItems)
        return damaged(QStringLiteral("models"));
    std::vector<Model> models(count);
    for (Model &m : models) {
        in >> m.id >> m.name >> m.author >> m.authorName >> m.authorCountry >> m.authorCountryName;
        readTraits(in, m.traits);
        in >> m.contextLength >> m.releaseDate >> m.knowledgeCutoff;
    }
    in >> count;
    if (in.status() != QDataStream::Ok || count > kMaxItems)
        return damaged(QStringLiteral("offerings"));
    std::vector<Offering> offerings(count);
    for (Offering &o : offerings) {
        in >> o.providerId >> o.providerModelId >> o.modelId >> o.name >> o.contextLength >> o.maxOutput;
        readTraits(in, o.traits);
        in >> o.deprecated;
        if (!readPriceSchedule(in, o.price))
            return damaged(QStringLiteral("prices of %1/%2").arg(o.providerId, o.providerModelId));
        quint8 source = 0;
        in >> source >> o.provenance.asOf >> o.provenance.entryId;
        if (source > static_cast<quint8>(PriceSource::User))
            return damaged(QStringLiteral("price source of %1/%2").arg(o.providerId, o.providerModelId));
        o.provenance.source = static_cast<PriceSource>(source);
    }
    QByteArray genaiJson;
    in >> genaiJson;
    if (in.status() != QDataStream::Ok)
        return damaged(QStringLiteral("truncated"));
    auto priceBook = PriceBook::fromGenaiPricesJson(genaiJson);
    if (!priceBook)
        return priceBook.error();
    return Catalog(std::move(providers), std::move(models), std::move(offerings), std::move(priceBook).value(),
                   std::move(info));
}

} // namespace signalbox::engine
