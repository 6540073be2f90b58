#pragma once

// The user's own additions to the catalog: custom providers (a local vLLM or
// Ollama, a company proxy) and their offerings, price overrides (a negotiated
// discount, a contract price) and model aliases. They are kept in the
// workspace database (CatalogUserStore, userstore.h), never in the catalog,
// and applied on top of whatever catalog is current — bundled or freshly
// refreshed — by applyUserData(), so no refresh can lose them.
// See docs/catalog-user-data.md.

#include "engine/catalog/catalog.h"
#include "engine/core/result.h"
#include "engine/cost/priceschedule.h"

#include <QDateTime>
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace signalbox::engine {

// Where a provider's API key is kept. Never the key itself: the workspace
// database is not a secret store, and is copied, backed up and attached to
// bug reports.
struct KeyReference {
    enum class Kind : quint8 {
        None, // local servers that take no key
        Environment, // ref: the variable's name, upper case ("OPENAI_API_KEY")
        File, // ref: an absolute path to a file holding only the key
        Keychain, // ref: the entry's name; empty means "signalbox/<provider id>"
    };
    Kind kind = Kind::None;
    QString ref;

    static QString kindName(Kind kind); // "none" | "env" | "file" | "keychain"
    static std::optional<Kind> kindFromName(QStringView name);
    bool operator==(const KeyReference &) const = default;
};

struct CustomProvider {
    QString id; // lower case: a-z 0-9 . _ -; must not be a catalog provider's id
    QString name;
    QString baseUrl; // checked by validateProviderBaseUrl()
    ApiDialect dialect = ApiDialect::OpenAI;
    KeyReference key;
    QDateTime updatedAt; // UTC, set by the store
};

// A model served by a custom provider.
struct CustomOffering {
    QString providerId; // a custom provider's id
    QString providerModelId; // as its API names the model: "qwen2.5-coder:32b"
    QString modelId; // canonical, lower case: "qwen/qwen2.5-coder-32b"
    QString name; // optional display name
    qint64 contextLength = 0; // 0 when unknown
    qint64 maxOutput = 0;
    PriceSchedule price; // no variants: unknown price (a free local model has a set with no prices)
    QDateTime updatedAt;
};

// A change to the price of one offering of the catalog (or of a custom
// provider): either every rate scaled by a percentage, or a whole schedule
// instead of the catalog's.
struct PriceOverride {
    enum class Kind : quint8 { Adjust, Replace };
    QString providerId;
    QString providerModelId;
    Kind kind = Kind::Adjust;
    // Adjust: basis points added to 100 %: -1250 is a 12.5 % discount, +500 a
    // 5 % markup. -10000 (free) ..= +100000 (11 times the price).
    int basisPoints = 0;
    PriceSchedule price; // Replace: the schedule that applies instead
    QString note; // "2026 contract", shown beside the price
    QDateTime updatedAt;

    static constexpr int kMinBasisPoints = -10000;
    static constexpr int kMaxBasisPoints = 100000;
};

// Another name for a canonical model id: offerings the catalog files under
// `alias` are filed under `modelId`, so the router sees one model where the
// naming rules saw two. Both lower case; an alias never points at another.
struct ModelAlias {
    QString alias;
    QString modelId;
    QDateTime updatedAt;
};

struct UserData {
    std::vector<CustomProvider> providers;
    std::vector<CustomOffering> offerings;
    std::vector<PriceOverride> overrides;
    std::vector<ModelAlias> aliases;
    bool isEmpty() const { return providers.empty() && offerings.empty() && overrides.empty() && aliases.empty(); }
};

// Validation shared by the store and the console's editors. Each fails with
// code "invalid" and a message for the user; ids are expected normalised
// (normalised() below) already.
Result<void> validateKeyReference(const KeyReference &key);
Result<void> validateCustomProvider(const CustomProvider &provider);
Result<void> validateCustomOffering(const CustomOffering &offering);
Result<void> validatePriceOverride(const PriceOverride &priceOverride);
Result<void> validateModelAlias(const ModelAlias &alias);

// Trimmed, with the ids that are case-insensitive lower-cased.
CustomProvider normalised(CustomProvider provider);
CustomOffering normalised(CustomOffering offering);
PriceOverride normalised(PriceOverride priceOverride);
ModelAlias normalised(ModelAlias alias);

// Every rate (base and tiers, every unit, every variant) times
// (10000 + basisPoints) / 10000, exactly to the attodollar (Money::scaled).
PriceSchedule adjustedSchedule(const PriceSchedule &schedule, int basisPoints);

// What applyUserData() did with each piece, for the console to show.
struct UserDataReport {
    int providersAdded = 0;
    int offeringsAdded = 0;
    int overridesApplied = 0;
    int aliasesApplied = 0;
    // One line per piece left out: a custom provider whose id the catalog
    // already uses, an override for an offering the catalog no longer lists.
    // They stay in the database and apply again once the conflict is gone.
    QStringList skipped;
};

// A new catalog: `base` with the user's data on top. Never fails: what cannot
// apply is skipped and listed in `report`.
//  - aliases first: offerings filed under an alias move to its model id (a
//    model left without offerings disappears; one whose target is missing is
//    renamed);
//  - custom providers and their offerings are added, with provenance "user"
//    as of their last change; an offering takes the traits of its model when
//    the catalog knows the model, and the model is created (traits unknown)
//    when it does not;
//  - overrides last, so they also reach custom offerings: Adjust scales the
//    current schedule (an unknown price stays unknown), Replace swaps it;
//    either way the provenance becomes "user".
// The base's PriceBook and CatalogInfo are kept.
Catalog applyUserData(const Catalog &base, const UserData &data, UserDataReport *report = nullptr);

} // namespace signalbox::engine
