#include "engine/catalog/userdata.h"

#include "engine/catalog/priceschedulejson.h"
#include "engine/catalog/urlpolicy.h"
#include "engine/core/logging.h"

#include <QDir>
#include <QHash>
#include <QRegularExpression>
#include <QSet>

#include <algorithm>

namespace signalbox::engine {

namespace {

constexpr int kMaxIdLength = 64;
constexpr int kMaxModelIdLength = 300;
constexpr int kMaxNameLength = 200;
constexpr int kMaxNoteLength = 500;

Error invalid(const QString &message)
{
    return Error { QStringLiteral("invalid"), message };
}

QString offeringKey(const QString &providerId, const QString &providerModelId)
{
    return providerId + QChar(0x1f) + providerModelId;
}

QString offeringName(const QString &providerId, const QString &providerModelId)
{
    return providerId + QLatin1Char('/') + providerModelId;
}

bool hasControlCharacters(const QString &text)
{
    return std::any_of(text.cbegin(), text.cend(), [](QChar c) { return c.category() == QChar::Other_Control; });
}

Result<void> checkProviderId(const QString &id, const QString &what)
{
    static const QRegularExpression pattern(QStringLiteral("^[a-z0-9][a-z0-9._-]{0,63}$"));
    if (id.isEmpty())
        return invalid(what + QStringLiteral(": no provider id given"));
    if (!pattern.match(id).hasMatch())
        return invalid(QStringLiteral("%1: the provider id \"%2\" may only use a-z, 0-9, '.', '_' and '-' "
                                      "(starting with a letter or digit), at most %3 characters")
                           .arg(what, id)
                           .arg(kMaxIdLength));
    return {};
}

Result<void> checkModelText(const QString &text, const QString &field, const QString &what, bool lowerCase)
{
    if (text.isEmpty())
        return invalid(QStringLiteral("%1: no %2 given").arg(what, field));
    if (text.size() > kMaxModelIdLength || hasControlCharacters(text))
        return invalid(QStringLiteral("%1: the %2 must be at most %3 printable characters")
                           .arg(what, field)
                           .arg(kMaxModelIdLength));
    if (lowerCase && text != text.toLower())
        return invalid(QStringLiteral("%1: the %2 \"%3\" must be lower case").arg(what, field, text));
    return {};
}

// Known API key prefixes, and long unbroken tokens of letters and digits: a
// key pasted where its *location* belongs. Keychain entry names are short
// words or paths; keys are not.
bool looksLikeSecret(const QString &text)
{
    static const QRegularExpression prefixes(
        QStringLiteral("^(sk-|sk_|gsk_|xai-|pplx-|r8_|hf_|AIza|glpat-|ghp_|github_pat_)"));
    static const QRegularExpression token(QStringLiteral("^(?=.*[0-9])(?=.*[A-Za-z])[A-Za-z0-9_\\-+=]{32,}$"));
    return prefixes.match(text).hasMatch() || token.match(text).hasMatch();
}

Money scaledRate(Money rate, int basisPoints)
{
    // Money::scaled asserts on overflow; a rate above ~$80,000 per unit would
    // need it, which no catalog price comes near. Such a rate is kept as is.
    if (!rate.times(10000 + basisPoints))
        return rate;
    return rate.scaled(10000 + basisPoints, 10000);
}

QString percentText(int basisPoints)
{
    const QString magnitude = Money::fromNanos(std::abs(basisPoints) * qint64(10'000'000)).toDecimalString();
    return (basisPoints < 0 ? QStringLiteral("-") : QStringLiteral("+")) + magnitude + QLatin1Char('%');
}

} // namespace

QString KeyReference::kindName(Kind kind)
{
    switch (kind) {
    case Kind::None:
        return QStringLiteral("none");
    case Kind::Environment:
        return QStringLiteral("env");
    case Kind::File:
        return QStringLiteral("file");
    case Kind::Keychain:
        return QStringLiteral("keychain");
    }
    return QStringLiteral("none");
}

std::optional<KeyReference::Kind> KeyReference::kindFromName(QStringView name)
{
    for (Kind kind : { Kind::None, Kind::Environment, Kind::File, Kind::Keychain }) {
        if (name == kindName(kind))
            return kind;
    }
    return std::nullopt;
}

Result<void> validateKeyReference(const KeyReference &key)
{
    static const QRegularExpression envName(QStringLiteral("^[A-Z_][A-Z0-9_]{0,127}$"));
    switch (key.kind) {
    case KeyReference::Kind::None:
        if (!key.ref.isEmpty())
            return invalid(QStringLiteral("A provider without a key cannot name where its key is"));
        return {};
    case KeyReference::Kind::Environment:
        if (!envName.match(key.ref).hasMatch())
            return invalid(QStringLiteral("The API key reference must be the name of an environment variable, such as "
                                          "OPENAI_API_KEY (upper-case letters, digits and _) — never the key itself"));
        return {};
    case KeyReference::Kind::File:
        if (key.ref.isEmpty() || !QDir::isAbsolutePath(key.ref) || key.ref.size() > 1024
            || hasControlCharacters(key.ref))
            return invalid(
                QStringLiteral("The API key file must be given as an absolute path to a file holding the key "
                               "— never the key itself"));
        return {};
    case KeyReference::Kind::Keychain:
        if (key.ref.size() > kMaxNameLength || hasControlCharacters(key.ref) || looksLikeSecret(key.ref))
            return invalid(QStringLiteral("The keychain entry must be a short name such as \"signalbox/ollama\" "
                                          "— never the key itself"));
        return {};
    }
    return invalid(QStringLiteral("Unknown kind of API key reference"));
}

Result<void> validateCustomProvider(const CustomProvider &provider)
{
    const QString what = QStringLiteral("Custom provider \"%1\"").arg(provider.id);
    if (auto id = checkProviderId(provider.id, what); !id)
        return id;
    if (provider.name.isEmpty() || provider.name.size() > kMaxNameLength || hasControlCharacters(provider.name))
        return invalid(
            QStringLiteral("%1: the name must be 1 to %2 printable characters").arg(what).arg(kMaxNameLength));
    if (auto url = validateProviderBaseUrl(provider.baseUrl); !url)
        return invalid(what + QStringLiteral(": ") + url.error().message);
    if (auto key = validateKeyReference(provider.key); !key)
        return invalid(what + QStringLiteral(": ") + key.error().message);
    return {};
}

Result<void> validateCustomOffering(const CustomOffering &offering)
{
    const QString what
        = QStringLiteral("Custom offering \"%1\"").arg(offeringName(offering.providerId, offering.providerModelId));
    if (auto id = checkProviderId(offering.providerId, what); !id)
        return id;
    if (auto model = checkModelText(offering.providerModelId, QStringLiteral("provider model id"), what, false); !model)
        return model;
    if (auto model = checkModelText(offering.modelId, QStringLiteral("canonical model id"), what, true); !model)
        return model;
    if (offering.name.size() > kMaxNameLength || hasControlCharacters(offering.name))
        return invalid(
            QStringLiteral("%1: the name must be at most %2 printable characters").arg(what).arg(kMaxNameLength));
    if (offering.contextLength < 0 || offering.maxOutput < 0)
        return invalid(what + QStringLiteral(": context and output limits cannot be negative"));
    if (auto price = validatePriceSchedule(offering.price); !price)
        return invalid(what + QStringLiteral(": ") + price.error().message);
    return {};
}

Result<void> validatePriceOverride(const PriceOverride &priceOverride)
{
    const QString what = QStringLiteral("Price override for \"%1\"")
                             .arg(offeringName(priceOverride.providerId, priceOverride.providerModelId));
    if (priceOverride.providerId.isEmpty() || priceOverride.providerId.size() > kMaxIdLength
        || priceOverride.providerId != priceOverride.providerId.toLower()
        || hasControlCharacters(priceOverride.providerId))
        return invalid(what + QStringLiteral(": the provider id must be 1 to 64 lower-case characters"));
    if (auto model = checkModelText(priceOverride.providerModelId, QStringLiteral("provider model id"), what, false);
        !model)
        return model;
    if (priceOverride.note.size() > kMaxNoteLength || hasControlCharacters(priceOverride.note))
        return invalid(
            QStringLiteral("%1: the note must be at most %2 printable characters").arg(what).arg(kMaxNoteLength));
    switch (priceOverride.kind) {
    case PriceOverride::Kind::Adjust:
        if (priceOverride.basisPoints < PriceOverride::kMinBasisPoints
            || priceOverride.basisPoints > PriceOverride::kMaxBasisPoints)
            return invalid(QStringLiteral("%1: the adjustment must be between -100% and +1000%, got %2")
                               .arg(what, percentText(priceOverride.basisPoints)));
        if (priceOverride.price.isKnown())
            return invalid(what + QStringLiteral(": a percentage adjustment carries no schedule of its own"));
        return {};
    case PriceOverride::Kind::Replace:
        if (!priceOverride.price.isKnown())
            return invalid(what + QStringLiteral(": a replacement price needs at least one variant"));
        if (priceOverride.basisPoints != 0)
            return invalid(what + QStringLiteral(": a replacement price carries no percentage"));
        if (auto price = validatePriceSchedule(priceOverride.price); !price)
            return invalid(what + QStringLiteral(": ") + price.error().message);
        return {};
    }
    return invalid(what + QStringLiteral(": unknown kind of override"));
}

Result<void> validateModelAlias(const ModelAlias &alias)
{
    const QString what = QStringLiteral("Alias \"%1\"").arg(alias.alias);
    if (auto from = checkModelText(alias.alias, QStringLiteral("alias"), what, true); !from)
        return from;
    if (auto to = checkModelText(alias.modelId, QStringLiteral("model id"), what, true); !to)
        return to;
    if (alias.alias == alias.modelId)
        return invalid(what + QStringLiteral(": an alias cannot point at itself"));
    return {};
}

CustomProvider normalised(CustomProvider provider)
{
    provider.id = provider.id.trimmed().toLower();
    provider.name = provider.name.trimmed();
    provider.baseUrl = provider.baseUrl.trimmed();
    provider.key.ref = provider.key.ref.trimmed();
    return provider;
}

CustomOffering normalised(CustomOffering offering)
{
    offering.providerId = offering.providerId.trimmed().toLower();
    offering.providerModelId = offering.providerModelId.trimmed();
    offering.modelId = offering.modelId.trimmed().toLower();
    offering.name = offering.name.trimmed();
    return offering;
}

PriceOverride normalised(PriceOverride priceOverride)
{
    priceOverride.providerId = priceOverride.providerId.trimmed().toLower();
    priceOverride.providerModelId = priceOverride.providerModelId.trimmed();
    priceOverride.note = priceOverride.note.trimmed();
    return priceOverride;
}

ModelAlias normalised(ModelAlias alias)
{
    alias.alias = alias.alias.trimmed().toLower();
    alias.modelId = alias.modelId.trimmed().toLower();
    return alias;
}

PriceSchedule adjustedSchedule(const PriceSchedule &schedule, int basisPoints)
{
    PriceSchedule out = schedule;
    for (PriceSchedule::Variant &variant : out.variants) {
        for (UnitPrice &price : variant.prices.prices) {
            price.rate.base = scaledRate(price.rate.base, basisPoints);
            for (TieredRate::Tier &tier : price.rate.tiers)
                tier.rate = scaledRate(tier.rate, basisPoints);
        }
    }
    return out;
}

Catalog applyUserData(const Catalog &base, const UserData &data, UserDataReport *report)
{
    UserDataReport local;
    UserDataReport &r = report ? *report : local;
    r = UserDataReport {};

    std::vector<Provider> providers = base.providers();
    std::vector<Model> models = base.models();
    std::vector<Offering> offerings = base.offerings();

    // Aliases. Chains are refused by the store; a hand-built one resolves a
    // single step.
    QHash<QString, QString> aliasTarget;
    for (const ModelAlias &alias : data.aliases)
        aliasTarget.insert(alias.alias, alias.modelId);
    const auto resolve = [&aliasTarget](const QString &id) { return aliasTarget.value(id, id); };
    if (!aliasTarget.isEmpty()) {
        QHash<QString, std::size_t> modelIndex;
        for (std::size_t i = 0; i < models.size(); ++i)
            modelIndex.insert(models[i].id, i);
        std::vector<bool> dropped(models.size(), false);
        for (const ModelAlias &alias : data.aliases) {
            bool used = false;
            for (Offering &offering : offerings) {
                if (offering.modelId == alias.alias) {
                    offering.modelId = alias.modelId;
                    used = true;
                }
            }
            const auto from = modelIndex.constFind(alias.alias);
            if (from != modelIndex.cend() && !dropped[*from]) {
                used = true;
                const auto to = modelIndex.constFind(alias.modelId);
                if (to != modelIndex.cend() && !dropped[*to]) {
                    Model &target = models[*to];
                    target.contextLength = std::max(target.contextLength, models[*from].contextLength);
                    dropped[*from] = true;
                } else {
                    const std::size_t index = *from;
                    models[index].id = alias.modelId;
                    modelIndex.remove(alias.alias);
                    modelIndex.insert(alias.modelId, index);
                }
            }
            if (used)
                ++r.aliasesApplied;
        }
        std::vector<Model> kept;
        kept.reserve(models.size());
        for (std::size_t i = 0; i < models.size(); ++i) {
            if (!dropped[i])
                kept.push_back(std::move(models[i]));
        }
        models = std::move(kept);
    }

    // Custom providers and their offerings.
    QSet<QString> providerIds;
    for (const Provider &provider : providers)
        providerIds.insert(provider.id);
    QSet<QString> added;
    for (const CustomProvider &custom : data.providers) {
        if (providerIds.contains(custom.id)) {
            r.skipped.append(QStringLiteral("Custom provider \"%1\" is left out: the catalog already has a provider "
                                            "with this id; rename the custom provider")
                                 .arg(custom.id));
            continue;
        }
        Provider provider;
        provider.id = custom.id;
        provider.name = custom.name;
        provider.baseUrl = custom.baseUrl;
        provider.dialect = custom.dialect;
        if (custom.key.kind == KeyReference::Kind::Environment)
            provider.keyEnv = QStringList { custom.key.ref };
        providers.push_back(std::move(provider));
        providerIds.insert(custom.id);
        added.insert(custom.id);
        ++r.providersAdded;
    }

    QHash<QString, std::size_t> modelIndex;
    for (std::size_t i = 0; i < models.size(); ++i)
        modelIndex.insert(models[i].id, i);
    QSet<QString> offeringKeys;
    for (const Offering &offering : offerings)
        offeringKeys.insert(offeringKey(offering.providerId, offering.providerModelId));
    for (const CustomOffering &custom : data.offerings) {
        const QString name = offeringName(custom.providerId, custom.providerModelId);
        if (!added.contains(custom.providerId)) {
            r.skipped.append(
                QStringLiteral("Custom offering \"%1\" is left out: its provider was not added").arg(name));
            continue;
        }
        const QString key = offeringKey(custom.providerId, custom.providerModelId);
        if (offeringKeys.contains(key)) {
            r.skipped.append(QStringLiteral("Custom offering \"%1\" is left out: listed twice").arg(name));
            continue;
        }
        Offering offering;
        offering.providerId = custom.providerId;
        offering.providerModelId = custom.providerModelId;
        offering.modelId = resolve(custom.modelId);
        offering.name = custom.name.isEmpty() ? custom.providerModelId : custom.name;
        offering.contextLength = custom.contextLength;
        offering.maxOutput = custom.maxOutput;
        offering.price = custom.price;
        offering.provenance = PriceProvenance { PriceSource::User, custom.updatedAt.toUTC().date(), name };
        auto model = modelIndex.constFind(offering.modelId);
        if (model == modelIndex.cend()) {
            Model created;
            created.id = offering.modelId;
            created.name = offering.name;
            const qsizetype slash = created.id.indexOf(QLatin1Char('/'));
            created.author = slash > 0 ? created.id.left(slash) : QString();
            created.contextLength = offering.contextLength;
            models.push_back(std::move(created));
            model = modelIndex.insert(offering.modelId, models.size() - 1);
        } else {
            Model &known = models[*model];
            offering.traits = known.traits;
            known.contextLength = std::max(known.contextLength, offering.contextLength);
        }
        offerings.push_back(std::move(offering));
        offeringKeys.insert(key);
        ++r.offeringsAdded;
    }

    // Price overrides, on base and custom offerings alike.
    QHash<QString, std::size_t> offeringIndex;
    for (std::size_t i = 0; i < offerings.size(); ++i)
        offeringIndex.insert(offeringKey(offerings[i].providerId, offerings[i].providerModelId), i);
    for (const PriceOverride &priceOverride : data.overrides) {
        const QString name = offeringName(priceOverride.providerId, priceOverride.providerModelId);
        const auto found
            = offeringIndex.constFind(offeringKey(priceOverride.providerId, priceOverride.providerModelId));
        if (found == offeringIndex.cend()) {
            r.skipped.append(
                QStringLiteral("Price override for \"%1\" is not applied: the catalog has no such offering now")
                    .arg(name));
            continue;
        }
        Offering &offering = offerings[*found];
        const QDate asOf = priceOverride.updatedAt.toUTC().date();
        if (priceOverride.kind == PriceOverride::Kind::Replace) {
            offering.price = priceOverride.price;
            offering.provenance = PriceProvenance { PriceSource::User, asOf, name };
        } else {
            if (!offering.price.isKnown()) {
                r.skipped.append(QStringLiteral("Price override for \"%1\" is not applied: the catalog does not know "
                                                "its price, so %2 of it is unknown too")
                                     .arg(name, percentText(priceOverride.basisPoints)));
                continue;
            }
            offering.price = adjustedSchedule(offering.price, priceOverride.basisPoints);
            const PriceProvenance &was = offering.provenance;
            const QString from = was.source == PriceSource::User
                ? was.entryId
                : priceSourceName(was.source) + QLatin1Char(':') + was.entryId;
            offering.provenance = PriceProvenance { PriceSource::User, asOf,
                from + QLatin1Char(' ') + percentText(priceOverride.basisPoints) };
        }
        ++r.overridesApplied;
    }

    if (!r.skipped.isEmpty())
        qCInfo(lcCatalog) << "user data:" << r.skipped.size() << "pieces left out";
    return Catalog(std::move(providers), std::move(models), std::move(offerings), base.priceBook(), base.info());
}

} // namespace signalbox::engine
