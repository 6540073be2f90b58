#pragma once

// Comparing a configuration file with the workspace: the list of changes that
// would make the workspace match it (+ add, ~ change field: old -> new,
// - remove), and the conflicts that forbid applying it at all (a revoked key
// listed again, a key whose secret changed under the same name, a custom
// provider taking a catalog provider's id). Pure: reads nothing, writes
// nothing; configapply.h does both.

#include "engine/catalog/catalog.h"
#include "engine/catalog/userdata.h"
#include "engine/config/configdocument.h"
#include "engine/keys/virtualkeys.h"

#include <QDateTime>
#include <QJsonObject>
#include <QSqlDatabase>
#include <QString>
#include <QStringList>

#include <vector>

namespace signalbox::engine::config {

// What the workspace holds, as far as a configuration file can say.
struct ConfigState {
    UserData data;
    std::vector<VirtualKeyRecord> keys; // revoked ones too
};

// Through CatalogUserStore and VirtualKeyStore on `db` (inside the caller's
// transaction when there is one).
Result<ConfigState> loadConfigState(QSqlDatabase db);

struct FieldChange {
    QString field;
    QString before; // empty for an addition
    QString after; // empty for a removal
};

struct ConfigChange {
    enum class Op : quint8 { Add, Change, Remove };
    enum class Kind : quint8 { Provider, Offering, Override, Alias, Key };
    Op op = Op::Add;
    Kind kind = Kind::Provider;
    QString name; // "local-vllm", "local-vllm/qwen3:8b", "gpt4", "ci-pipeline"
    std::vector<FieldChange> fields; // Change: what differs; Add, Remove: the values
    bool implied = false; // removed by its provider's removal: no write of its own

    // What to write (the member matching `kind`); Remove needs only the name
    // parts, a key's removal (a revocation) its id.
    CustomProvider provider;
    CustomOffering offering;
    PriceOverride priceOverride;
    ModelAlias alias;
    DesiredKey key;

    static QString opSymbol(Op op); // "+", "~", "-"
    static QString opName(Op op); // "add", "change", "remove"
    static QString kindName(Kind kind); // "provider", "offering", "price override", "alias", "key"
};

struct ConfigPlan {
    std::vector<ConfigChange> changes;
    std::vector<ConfigProblem> conflicts; // non-empty: apply nothing
    // Applied anyway: a price override naming an offering that neither the
    // catalog nor the workspace (after the file) has.
    std::vector<ConfigProblem> warnings;
    bool isEmpty() const { return changes.empty(); }
};

// `now` decides whether a new key's expiry is already past. With `catalog`,
// a custom provider may not take a catalog provider's id (a conflict), and
// an override naming an offering nobody has is a warning.
ConfigPlan planConfig(
    const ConfigDocument &document, const ConfigState &state, const QDateTime &now, const Catalog *catalog = nullptr);

// The diff as lines ("~ provider local: base_url: http://a -> http://b").
QStringList describeChanges(const std::vector<ConfigChange> &changes);
// {op, kind, name, implied?, fields: [{field, old, new}]}
QJsonObject changeToJson(const ConfigChange &change);

} // namespace signalbox::engine::config
