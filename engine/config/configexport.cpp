#include "engine/config/configexport.h"

#include "engine/config/configprice.h"

#include <QStringList>

#include <yaml-cpp/yaml.h>

namespace signalbox::engine::config {

namespace {

std::string utf8(const QString &text)
{
    return text.toStdString();
}

// The parser reads every scalar as text, so only what YAML reads as null
// (or would trim) needs quotes: a provider named "null" must come back as such.
YAML::Emitter &scalar(YAML::Emitter &out, const QString &value)
{
    static const QStringList nulls { QStringLiteral("null"), QStringLiteral("~") };
    if (value.isEmpty() || value != value.trimmed() || nulls.contains(value, Qt::CaseInsensitive))
        out << YAML::DoubleQuoted;
    return out << utf8(value);
}

YAML::Emitter &field(YAML::Emitter &out, const char *name, const QString &value)
{
    out << YAML::Key << name << YAML::Value;
    return scalar(out, value);
}

// For the fields the parser interpolates (base_url, key.file): a stored $ is
// written $$, so "${HOME}" comes back as that text, not as the variable.
QString escapedDollars(QString value)
{
    return value.replace(QLatin1Char('$'), QLatin1String("$$"));
}

void writeKeyReference(YAML::Emitter &out, const KeyReference &key)
{
    out << YAML::Key << "key" << YAML::Value;
    if (key.kind == KeyReference::Kind::None) {
        out << "none";
        return;
    }
    out << YAML::Flow << YAML::BeginMap;
    field(out, KeyReference::kindName(key.kind).toLatin1().constData(),
        key.kind == KeyReference::Kind::File ? escapedDollars(key.ref) : key.ref);
    out << YAML::EndMap;
}

void writeProviders(YAML::Emitter &out, const ConfigState &state)
{
    out << YAML::Key << "providers" << YAML::Value;
    if (state.data.providers.empty()) {
        out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
        return;
    }
    out << YAML::BeginSeq;
    for (const CustomProvider &provider : state.data.providers) {
        out << YAML::BeginMap;
        field(out, "id", provider.id);
        field(out, "name", provider.name);
        field(out, "base_url", escapedDollars(provider.baseUrl));
        field(out, "dialect", apiDialectName(provider.dialect));
        writeKeyReference(out, provider.key);
        out << YAML::Key << "offerings" << YAML::Value;
        std::vector<const CustomOffering *> offerings;
        for (const CustomOffering &offering : state.data.offerings) {
            if (offering.providerId == provider.id)
                offerings.push_back(&offering);
        }
        if (offerings.empty())
            out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
        else
            out << YAML::BeginSeq;
        for (const CustomOffering *offering : offerings) {
            out << YAML::BeginMap;
            field(out, "model", offering->providerModelId);
            field(out, "model_id", offering->modelId);
            if (!offering->name.isEmpty())
                field(out, "name", offering->name);
            if (offering->contextLength != 0)
                out << YAML::Key << "context_length" << YAML::Value << offering->contextLength;
            if (offering->maxOutput != 0)
                out << YAML::Key << "max_output" << YAML::Value << offering->maxOutput;
            if (offering->price.isKnown()) {
                out << YAML::Key << "price" << YAML::Value;
                writePriceSchedule(out, offering->price);
            }
            out << YAML::EndMap;
        }
        if (!offerings.empty())
            out << YAML::EndSeq;
        out << YAML::EndMap;
    }
    out << YAML::EndSeq;
}

void writeOverrides(YAML::Emitter &out, const ConfigState &state)
{
    out << YAML::Key << "price_overrides" << YAML::Value;
    if (state.data.overrides.empty()) {
        out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
        return;
    }
    out << YAML::BeginSeq;
    for (const PriceOverride &priceOverride : state.data.overrides) {
        out << YAML::BeginMap;
        field(out, "provider", priceOverride.providerId);
        field(out, "model", priceOverride.providerModelId);
        if (priceOverride.kind == PriceOverride::Kind::Adjust) {
            field(out, "adjust", adjustmentText(priceOverride.basisPoints));
        } else {
            out << YAML::Key << "price" << YAML::Value;
            writePriceSchedule(out, priceOverride.price);
        }
        if (!priceOverride.note.isEmpty())
            field(out, "note", priceOverride.note);
        out << YAML::EndMap;
    }
    out << YAML::EndSeq;
}

void writeAliases(YAML::Emitter &out, const ConfigState &state)
{
    out << YAML::Key << "aliases" << YAML::Value;
    if (state.data.aliases.empty()) {
        out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
        return;
    }
    out << YAML::BeginMap;
    for (const ModelAlias &alias : state.data.aliases) {
        out << YAML::Key;
        scalar(out, alias.alias) << YAML::Value;
        scalar(out, alias.modelId);
    }
    out << YAML::EndMap;
}

void writeKeys(YAML::Emitter &out, const ConfigState &state)
{
    std::vector<const VirtualKeyRecord *> active;
    for (const VirtualKeyRecord &record : state.keys) {
        if (!record.key.revokedAt.isValid())
            active.push_back(&record);
    }
    out << YAML::Key << "keys" << YAML::Value;
    if (active.empty()) {
        out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
        return;
    }
    out << YAML::BeginSeq;
    for (const VirtualKeyRecord *record : active) {
        out << YAML::BeginMap;
        field(out, "name", record->key.name);
        if (!record->key.project.isEmpty())
            field(out, "project", record->key.project);
        if (record->key.expiresAt.isValid())
            field(out, "expires", timeText(record->key.expiresAt));
        field(out, "id", record->key.id);
        field(out, "sha256", QString::fromLatin1(record->secretSha256.toHex()));
        out << YAML::EndMap;
    }
    out << YAML::EndSeq;
}

} // namespace

QByteArray exportConfig(const ConfigState &state, const QDateTime &now)
{
    YAML::Emitter out;
    out << YAML::Comment(utf8(QStringLiteral("Signalbox workspace configuration, exported %1.").arg(timeText(now))))
        << YAML::Newline
        << YAML::Comment("Apply with: signalbox-gateway config apply FILE (see docs/config.md). No secret is in "
                         "this file:")
        << YAML::Newline
        << YAML::Comment("provider keys are references, virtual keys their id and the SHA-256 of their secret.")
        << YAML::Newline;
    out << YAML::BeginMap;
    out << YAML::Key << "version" << YAML::Value << 1;
    writeProviders(out, state);
    writeOverrides(out, state);
    writeAliases(out, state);
    writeKeys(out, state);
    out << YAML::EndMap;
    QByteArray text(out.c_str());
    if (!text.endsWith('\n'))
        text += '\n';
    return text;
}

} // namespace signalbox::engine::config
