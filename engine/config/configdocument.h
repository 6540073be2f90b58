#pragma once

// engine/config: the declarative configuration file of a workspace — custom
// providers and their offerings, price overrides, aliases and virtual keys —
// as admins keep it in git. This folder owns reading it (configparser.h:
// YAML, ${VAR} interpolation where a field takes it, validation with
// file:line:field errors),
// comparing it with the workspace (configplan.h), applying it all or nothing
// (configapply.h) and writing a workspace back out (configexport.h). It has
// no SQL of its own beyond one transaction: every write goes through
// CatalogUserStore and VirtualKeyStore. See docs/config.md.

#include "engine/catalog/userdata.h"

#include <QByteArray>
#include <QDateTime>
#include <QString>

#include <optional>
#include <vector>

namespace signalbox::engine::config {

// Where a value came from: 1-based line and column of the file.
struct SourceSpot {
    int line = 0;
    int column = 0;
    QString field; // "providers[0].base_url"
};

// One thing wrong with a file. `code` is "invalid" (the file is wrong on its
// own) or "conflict" (it contradicts the workspace: a revoked key listed again,
// a key whose secret changed under the same name).
struct ConfigProblem {
    QString code;
    SourceSpot spot;
    QString message; // never repeats a secret
};

struct DesiredProvider {
    CustomProvider provider; // normalised
    SourceSpot spot;
    SourceSpot idSpot;
    // Absent `offerings:` leaves the provider's offerings as they are;
    // `offerings: []` removes them all.
    std::optional<std::vector<CustomOffering>> offerings;
    std::vector<SourceSpot> offeringSpots;
};

struct DesiredKey {
    QString id; // from the secret, or given beside a sha256
    QString name;
    QString project;
    QDateTime expiresAt; // invalid: never
    QByteArray secretSha256; // 32 bytes; the secret itself is never kept
    SourceSpot spot;
    SourceSpot expiresSpot; // the entry's spot when there is no expires
};

// A parsed and validated file. A section absent from the file (nullopt) is
// left alone; a present one is authoritative: what it does not list goes.
struct ConfigDocument {
    QString fileName;
    std::optional<std::vector<DesiredProvider>> providers;
    std::optional<std::vector<PriceOverride>> overrides;
    std::vector<SourceSpot> overrideSpots;
    std::optional<std::vector<ModelAlias>> aliases;
    std::vector<SourceSpot> aliasSpots;
    std::optional<std::vector<DesiredKey>> keys;
};

// "FILE:LINE:COLUMN: FIELD: message" — one line per problem, as the CLI prints.
inline QString describe(const QString &fileName, const ConfigProblem &problem)
{
    QString text = fileName;
    if (problem.spot.line > 0)
        text += QStringLiteral(":%1:%2").arg(problem.spot.line).arg(problem.spot.column);
    text += QStringLiteral(": ");
    if (!problem.spot.field.isEmpty())
        text += problem.spot.field + QStringLiteral(": ");
    return text + problem.message;
}

// A time as the file writes it and the diff shows it: UTC, ISO 8601,
// milliseconds only when there are some; "never" for an invalid one.
inline QString timeText(const QDateTime &time)
{
    if (!time.isValid())
        return QStringLiteral("never");
    const QDateTime utc = time.toUTC();
    return utc.toString(utc.time().msec() != 0 ? Qt::ISODateWithMs : Qt::ISODate);
}

} // namespace signalbox::engine::config
