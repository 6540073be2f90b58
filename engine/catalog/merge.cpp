// mergeCatalog(): models.dev + genai-prices (+ OpenRouter) into one Catalog.
// The rules are documented in docs/catalog.md, "Merging".

#include "engine/catalog/merge.h"

#include "engine/cost/units.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTimeZone>

#include <algorithm>
#include <map>

namespace signalbox::engine {

namespace {

constexpr int kExamples = 10;

QString joinKey(const QString &a, const QString &b)
{
    return a + QChar(0x1f) + b;
}

void addExample(QStringList &list, const QString &providerId, const QString &modelId)
{
    if (list.size() < kExamples)
        list.append(providerId + QLatin1Char('/') + modelId);
}

// The per-token base rate of a unit at `at`. A price set without prices is
// free; a unit it does not price cannot be compared.
std::optional<Money> baseRate(const PriceSchedule &schedule, UnitId unit, const QDateTime &at)
{
    const PriceSet *prices = schedule.pricesAt(at);
    if (!prices)
        return std::nullopt;
    if (prices->isEmpty())
        return Money();
    if (const UnitPrice *price = prices->find(unit))
        return price->rate.base;
    return std::nullopt;
}

bool samePrices(const PriceSet &a, const PriceSet &b)
{
    return std::equal(a.prices.begin(), a.prices.end(), b.prices.begin(), b.prices.end(),
                      [](const UnitPrice &x, const UnitPrice &y) {
                          return x.unit == y.unit && x.rate.base == y.rate.base
                              && std::equal(x.rate.tiers.begin(), x.rate.tiers.end(), y.rate.tiers.begin(),
                                            y.rate.tiers.end(), [](const auto &s, const auto &t) {
                                                return s.start == t.start && s.rate == t.rate;
                                            });
                      });
}

bool sameSchedule(const PriceSchedule &a, const PriceSchedule &b)
{
    return std::equal(a.variants.begin(), a.variants.end(), b.variants.begin(), b.variants.end(),
                      [](const PriceSchedule::Variant &x, const PriceSchedule::Variant &y) {
                          return x.condition.kind == y.condition.kind && x.condition.startDate == y.condition.startDate
                              && x.condition.startSecond == y.condition.startSecond
                              && x.condition.endSecond == y.condition.endSecond && samePrices(x.prices, y.prices);
                      });
}

// The `equals` text of every genai-prices entry whose rule is a plain
// equality, in its original case (PriceBook lower-cases it): it is the id
// the provider's API takes.
QHash<QString, QString> equalsTexts(const QByteArray &genaiJson)
{
    QHash<QString, QString> out;
    const QJsonArray providers = QJsonDocument::fromJson(genaiJson).array();
    for (const QJsonValue &provider : providers) {
        const QString providerId = provider[QLatin1StringView("id")].toString();
        const QJsonArray models = provider[QLatin1StringView("models")].toArray();
        for (const QJsonValue &model : models) {
            const QJsonValue equals = model[QLatin1StringView("match")][QLatin1StringView("equals")];
            if (equals.isString())
                out.insert(joinKey(providerId, model[QLatin1StringView("id")].toString()), equals.toString());
        }
    }
    return out;
}

// Facts about one canonical model, gathered from its offerings.
struct ModelFacts {
    std::map<QString, int> nameVotes;  // models.dev names; ordered, so ties resolve the same way every run
    QString firstPartyName;
    QString fallbackName;  // from a price-only entry or OpenRouter
    ModelTraits traits;
    bool firstPartyTraits = false;
    QDate releaseDate;
    QString knowledge;
    bool firstPartyKnowledge = false;
    qint64 contextLength = 0;

    void add(const SourceOffering &source, bool firstParty, bool fromModelsDev);
    QString name(const QString &canonicalId) const;
};

void ModelFacts::add(const SourceOffering &source, bool firstParty, bool fromModelsDev)
{
    const Offering &offering = source.offering;
    contextLength = std::max(contextLength, offering.contextLength);
    if (fromModelsDev) {
        ++nameVotes[offering.name];
        if (firstParty && firstPartyName.isEmpty())
            firstPartyName = offering.name;
    } else if (fallbackName.isEmpty()) {
        fallbackName = offering.name;
    }
    // A first party's description wins; otherwise what any provider offers.
    if (offering.traits.known && !firstPartyTraits) {
        if (firstParty || !traits.known) {
            traits = offering.traits;
            firstPartyTraits = firstParty;
        } else {
            traits.input |= offering.traits.input;
            traits.output |= offering.traits.output;
            traits.tools = traits.tools || offering.traits.tools;
            traits.reasoning = traits.reasoning || offering.traits.reasoning;
            traits.attachments = traits.attachments || offering.traits.attachments;
            traits.temperature = traits.temperature || offering.traits.temperature;
            traits.openWeights = traits.openWeights || offering.traits.openWeights;
        }
    }
    if (source.releaseDate.isValid() && (!releaseDate.isValid() || source.releaseDate < releaseDate))
        releaseDate = source.releaseDate;
    if (!source.knowledgeCutoff.isEmpty() && !firstPartyKnowledge && (firstParty || knowledge.isEmpty())) {
        knowledge = source.knowledgeCutoff;
        firstPartyKnowledge = firstParty;
    }
}

QString ModelFacts::name(const QString &canonicalId) const
{
    if (!firstPartyName.isEmpty())
        return firstPartyName;
    const QString *best = nullptr;
    int votes = 0;
    for (const auto &[candidate, count] : nameVotes) {
        if (count > votes) {
            best = &candidate;
            votes = count;
        }
    }
    if (best)
        return *best;
    if (!fallbackName.isEmpty())
        return fallbackName;
    return canonicalId.mid(canonicalId.indexOf(QLatin1Char('/')) + 1);
}

// A genai-prices entry as an offering could name it.
struct Candidate {
    const PriceBookProvider *provider = nullptr;
    const PriceEntry *entry = nullptr;
    QString providerModelId;  // the `equals` text, else the entry id
    QString canonicalId;
};

class Merger {
public:
    explicit Merger(MergeInputs &inputs)
        : in(inputs)
        , book(inputs.priceBook)
        , compareAt(inputs.genaiDate, QTime(12, 0), QTimeZone::utc())
    {
    }

    std::optional<Error> buildProviders();
    void mergeModelsDev();
    void addGenaiOnly();
    void applyOpenRouter();
    Catalog finish();

private:
    QString authorHint(const QString &providerId) const
    {
        const ProviderProfile *profile = in.directory.find(providerId);
        return profile ? profile->author : QString();
    }
    void indexCandidates();
    const Candidate *secondChance(const Offering &offering, const Provider &provider) const;
    void priceFromGenai(Offering &offering, const PriceBookProvider &entryProvider, const PriceEntry &entry);
    void place(SourceOffering &source, bool fromModelsDev);

    MergeInputs &in;
    const PriceBook &book;
    // Prices are compared as genai-prices has them on its publication day
    // (noon UTC: inside the daytime window of time-of-day prices).
    const QDateTime compareAt;
    MergeReport report;
    std::map<QString, Provider> providers;
    QHash<QString, QString> owner;  // genai-prices id -> the catalog provider that gets its price-only entries
    std::vector<Offering> offerings;
    QHash<QString, std::size_t> offeringIndex;          // provider + provider model id
    QHash<QString, std::vector<std::size_t>> byModel;   // provider + canonical id
    QSet<QString> covered;                              // catalog provider + genai provider + entry id
    std::vector<Candidate> candidates;                  // every genai-prices entry: see indexCandidates()
    QHash<QString, std::vector<std::size_t>> candidatesByModel;  // genai provider + canonical id
    std::map<QString, ModelFacts> facts;
};

std::optional<Error> Merger::buildProviders()
{
    const auto inconsistent = [](const QString &message) {
        return Error{QStringLiteral("invalid-catalog"), QStringLiteral("providers.json: ") + message};
    };
    std::map<QString, QStringList> mappedFrom;  // genai-prices id -> catalog providers
    for (Provider provider : in.modelsDev.providers) {
        if (const ProviderProfile *profile = in.directory.find(provider.id)) {
            if (!profile->baseUrl.isEmpty())
                provider.baseUrl = profile->baseUrl;
            if (profile->dialect)
                provider.dialect = *profile->dialect;
            if (provider.keyEnv.isEmpty())
                provider.keyEnv = profile->keyEnv;
            if (provider.docUrl.isEmpty())
                provider.docUrl = profile->docUrl;
            provider.dataPolicy = profile->dataPolicy;
            provider.priceBookId = profile->genaiPrices;
        }
        if (provider.priceBookId.isEmpty())
            report.unmappedModelsDevProviders.append(provider.id);
        else if (!book.provider(provider.priceBookId))
            return inconsistent(QStringLiteral("provider \"%1\" maps to \"%2\", which genai-prices does not list")
                                    .arg(provider.id, provider.priceBookId));
        else
            mappedFrom[provider.priceBookId].append(provider.id);
        providers.emplace(provider.id, std::move(provider));
    }
    for (const auto &[genaiId, catalogIds] : mappedFrom) {
        QStringList primaries;
        for (const QString &id : catalogIds) {
            if (catalogIds.size() == 1 || in.directory.find(id)->primary)
                primaries.append(id);
        }
        if (primaries.size() != 1)
            return inconsistent(QStringLiteral("%1 map to genai-prices \"%2\"; mark exactly one \"primary\"")
                                    .arg(catalogIds.join(QStringLiteral(", ")), genaiId));
        owner.insert(genaiId, primaries.front());
    }
    for (const PriceBookProvider &genai : book.providers()) {
        if (owner.contains(genai.id))
            continue;
        if (providers.count(genai.id) > 0)
            return inconsistent(QStringLiteral("models.dev provider \"%1\" is not mapped to genai-prices \"%1\"; "
                                               "map it, or the two would share an id")
                                    .arg(genai.id));
        Provider provider;
        provider.id = genai.id;
        provider.name = genai.name;
        provider.priceBookId = genai.id;
        provider.baseUrl = baseUrlFromApiPattern(genai.apiPattern);
        if (const ProviderProfile *profile = in.directory.find(genai.id)) {
            if (!profile->name.isEmpty())
                provider.name = profile->name;
            if (!profile->baseUrl.isEmpty())
                provider.baseUrl = profile->baseUrl;
            provider.dialect = profile->dialect.value_or(ApiDialect::OpenAI);
            provider.keyEnv = profile->keyEnv;
            provider.docUrl = profile->docUrl;
            provider.dataPolicy = profile->dataPolicy;
        }
        owner.insert(genai.id, genai.id);
        report.genaiOnlyProviders.append(genai.id);
        providers.emplace(genai.id, std::move(provider));
    }
    indexCandidates();
    return std::nullopt;
}

// Every genai-prices entry with the id an offering would get and its
// canonical model, longest id first within a provider: of two spellings of
// one model at one price ("anthropic/claude-2", "claude-2") the qualified
// one is placed and the other dropped.
void Merger::indexCandidates()
{
    const QHash<QString, QString> equals = equalsTexts(in.genaiJson);
    for (const PriceBookProvider &genai : book.providers()) {
        const std::size_t first = candidates.size();
        const QString hint = authorHint(owner.value(genai.id));
        for (const PriceEntry &entry : genai.entries) {
            Candidate candidate{&genai, &entry, equals.value(joinKey(genai.id, entry.id), entry.id), {}};
            candidate.canonicalId = in.naming.identify(candidate.providerModelId, hint).canonicalId;
            candidates.push_back(std::move(candidate));
        }
        std::stable_sort(candidates.begin() + static_cast<std::ptrdiff_t>(first), candidates.end(),
                         [](const Candidate &a, const Candidate &b) {
                             return a.providerModelId.size() > b.providerModelId.size();
                         });
        for (std::size_t i = first; i < candidates.size(); ++i)
            candidatesByModel[joinKey(genai.id, candidates[i].canonicalId)].push_back(i);
    }
}

void Merger::priceFromGenai(Offering &offering, const PriceBookProvider &entryProvider, const PriceEntry &entry)
{
    const QString entryId = entryProvider.id + QLatin1Char('/') + entry.id;
    covered.insert(joinKey(offering.providerId, joinKey(entryProvider.id, entry.id)));
    const UnitId input = units::inputTokens();
    const UnitId output = units::outputTokens();
    const auto mdIn = baseRate(offering.price, input, compareAt);
    const auto mdOut = baseRate(offering.price, output, compareAt);
    const auto gIn = baseRate(entry.schedule, input, compareAt);
    const auto gOut = baseRate(entry.schedule, output, compareAt);
    if ((mdIn && gIn && *mdIn != *gIn) || (mdOut && gOut && *mdOut != *gOut)) {
        report.disagreements.push_back(PriceDisagreement{offering.providerId, offering.providerModelId, entryId,
                                                         mdIn.value_or(Money()), mdOut.value_or(Money()),
                                                         gIn.value_or(Money()), gOut.value_or(Money())});
    }
    offering.price = entry.schedule;
    offering.provenance = PriceProvenance{PriceSource::GenaiPrices, in.genaiDate, entryId};
    offering.deprecated = entry.deprecated;
}

void Merger::place(SourceOffering &source, bool fromModelsDev)
{
    Offering &offering = source.offering;
    const QString hint = authorHint(offering.providerId);
    const ModelNaming::Identity identity = in.naming.identify(offering.providerModelId, hint);
    offering.modelId = identity.canonicalId;
    const Author *hinted = hint.isEmpty() ? nullptr : in.naming.author(hint);
    facts[identity.canonicalId].add(source, hinted && hinted->id == identity.author, fromModelsDev);
    offeringIndex.insert(joinKey(offering.providerId, offering.providerModelId), offerings.size());
    byModel[joinKey(offering.providerId, offering.modelId)].push_back(offerings.size());
    offerings.push_back(std::move(offering));
}

// When PriceBook::find() does not know a models.dev id: the one entry of
// the same provider with the same canonical model whose id is the same up to
// a path prefix ("gpt-oss-120b" and "@cf/openai/gpt-oss-120b"), if no
// offering claimed it yet. A ":free" entry never stands in for a paid one:
// their ids differ.
const Candidate *Merger::secondChance(const Offering &offering, const Provider &provider) const
{
    if (provider.priceBookId.isEmpty())
        return nullptr;
    const QString canonical = in.naming.identify(offering.providerModelId, authorHint(offering.providerId)).canonicalId;
    const auto found = candidatesByModel.constFind(joinKey(provider.priceBookId, canonical));
    if (found == candidatesByModel.cend())
        return nullptr;
    const QString id = offering.providerModelId.toLower();
    const Candidate *only = nullptr;
    int matches = 0;
    for (std::size_t index : *found) {
        const Candidate &candidate = candidates[index];
        const QString other = candidate.providerModelId.toLower();
        if (other == id || other.endsWith(QLatin1Char('/') + id) || id.endsWith(QLatin1Char('/') + other)) {
            only = &candidate;
            ++matches;
        }
    }
    if (matches != 1 || covered.contains(joinKey(offering.providerId, joinKey(only->provider->id, only->entry->id))))
        return nullptr;
    return only;
}

void Merger::mergeModelsDev()
{
    report.modelsDevOfferings = static_cast<int>(in.modelsDev.offerings.size());
    report.genaiEntries = static_cast<int>(book.entryCount());
    for (SourceOffering &source : in.modelsDev.offerings) {
        Offering &offering = source.offering;
        const Provider &provider = providers.at(offering.providerId);
        const ProviderProfile *profile = in.directory.find(offering.providerId);
        if (profile && profile->modelIdFromName && offering.name.contains(QLatin1Char('/'))
            && !offeringIndex.contains(joinKey(offering.providerId, offering.name))) {
            offering.providerModelId = offering.name;
            offering.name = offering.name.mid(offering.name.lastIndexOf(QLatin1Char('/')) + 1);
        }
        std::optional<PriceMatch> match;
        if (!provider.priceBookId.isEmpty())
            match = book.find(provider.priceBookId, offering.providerModelId);
        if (match && match->entry) {
            priceFromGenai(offering, match->entryProvider ? *match->entryProvider : *match->provider, *match->entry);
            ++report.matched;
            addExample(report.matchedExamples, offering.providerId, offering.providerModelId);
        } else if (const Candidate *byName = secondChance(offering, provider)) {
            // A longer id from the price book is what the provider's API answers with.
            if (byName->providerModelId.size() > offering.providerModelId.size()
                && !offeringIndex.contains(joinKey(offering.providerId, byName->providerModelId)))
                offering.providerModelId = byName->providerModelId;
            priceFromGenai(offering, *byName->provider, *byName->entry);
            ++report.matched;
            ++report.matchedByCanonicalId;
            addExample(report.matchedExamples, offering.providerId, offering.providerModelId);
        } else {
            ++report.onlyInModelsDev;
            if (!offering.price.isKnown())
                ++report.onlyInModelsDevUnpriced;
            addExample(report.onlyInModelsDevExamples, offering.providerId, offering.providerModelId);
        }
        place(source, true);
    }
}

void Merger::addGenaiOnly()
{
    for (const Candidate &candidate : candidates) {
        const QString catalogId = owner.value(candidate.provider->id);
        const PriceEntry &entry = *candidate.entry;
        if (covered.contains(joinKey(catalogId, joinKey(candidate.provider->id, entry.id))))
            continue;
        // Taken, or the same model at the same price under another spelling.
        bool duplicate = offeringIndex.contains(joinKey(catalogId, candidate.providerModelId));
        for (std::size_t index : byModel.value(joinKey(catalogId, candidate.canonicalId))) {
            if (!duplicate)
                duplicate = sameSchedule(offerings[index].price, entry.schedule);
        }
        if (duplicate) {
            ++report.skippedDuplicates;
            continue;
        }
        SourceOffering source;
        Offering &offering = source.offering;
        offering.providerId = catalogId;
        offering.providerModelId = candidate.providerModelId;
        offering.name = entry.name.isEmpty() ? entry.id : entry.name;
        offering.contextLength = entry.contextWindow.value_or(0);
        offering.deprecated = entry.deprecated;
        offering.price = entry.schedule;
        offering.provenance = PriceProvenance{PriceSource::GenaiPrices, in.genaiDate,
                                              candidate.provider->id + QLatin1Char('/') + entry.id};
        ++report.onlyInGenai;
        addExample(report.onlyInGenaiExamples, catalogId, offering.providerModelId);
        place(source, false);
    }
}

// OpenRouter's own API, when fetched: its prices are the newest.
void Merger::applyOpenRouter()
{
    if (!in.openRouter)
        return;
    for (SourceOffering &source : in.openRouter->offerings) {
        const Offering &fresh = source.offering;
        const auto it = offeringIndex.constFind(joinKey(fresh.providerId, fresh.providerModelId));
        if (it == offeringIndex.cend()) {
            ++report.openRouterAdded;
            place(source, false);
            continue;
        }
        Offering &existing = offerings[*it];
        if (fresh.price.isKnown()) {
            existing.price = fresh.price;
            existing.provenance = fresh.provenance;
        }
        if (fresh.contextLength > 0)
            existing.contextLength = fresh.contextLength;
        if (fresh.maxOutput > 0)
            existing.maxOutput = fresh.maxOutput;
        if (!existing.traits.known)
            existing.traits = fresh.traits;
        ++report.openRouterUpdated;
    }
}

Catalog Merger::finish()
{
    std::vector<Model> models;
    models.reserve(facts.size());
    for (const auto &[canonicalId, modelFacts] : facts) {
        Model model;
        model.id = canonicalId;
        const qsizetype slash = canonicalId.indexOf(QLatin1Char('/'));
        model.author = slash < 0 ? QString() : canonicalId.left(slash);
        if (const Author *author = in.naming.author(model.author)) {
            model.authorName = author->name;
            model.authorCountry = author->country;
            model.authorCountryName = author->countryName;
        }
        model.name = modelFacts.name(canonicalId);
        model.traits = modelFacts.traits;
        model.contextLength = modelFacts.contextLength;
        model.releaseDate = modelFacts.releaseDate;
        model.knowledgeCutoff = modelFacts.knowledge;
        models.push_back(std::move(model));
    }
    std::sort(offerings.begin(), offerings.end(), [](const Offering &a, const Offering &b) {
        return a.providerId != b.providerId ? a.providerId < b.providerId : a.providerModelId < b.providerModelId;
    });
    std::vector<Provider> providerList;
    providerList.reserve(providers.size());
    for (auto &[id, provider] : providers)
        providerList.push_back(std::move(provider));

    report.providers = static_cast<int>(providerList.size());
    report.models = static_cast<int>(models.size());
    report.offerings = static_cast<int>(offerings.size());
    report.unmappedModelsDevProviders.sort();
    report.genaiOnlyProviders.sort();

    CatalogInfo info;
    info.modelsDevSource = in.modelsDevSource;
    info.genaiSource = in.genaiSource;
    info.genaiVersion = in.genaiVersion;
    info.genaiDate = in.genaiDate;
    info.modelsDevNewest = in.modelsDev.newest;
    info.report = std::move(report);
    return Catalog(std::move(providerList), std::move(models), std::move(offerings), std::move(in.priceBook),
                   std::move(info));
}

} // namespace

Result<Catalog> mergeCatalog(MergeInputs inputs)
{
    Merger merger(inputs);
    if (auto error = merger.buildProviders())
        return *error;
    merger.mergeModelsDev();
    merger.addGenaiOnly();
    merger.applyOpenRouter();
    return merger.finish();
}

} // namespace signalbox::engine
