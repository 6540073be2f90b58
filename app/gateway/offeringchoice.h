#pragma once

// Which offering stands for a model when a command needs one price for it:
// `price` re-prices usage on it, `providers add` prices a discovered model
// the catalog knows with it. The same rule everywhere: the maker's own
// offering when it is priced (OpenAI's for openai/gpt-4o — not a reseller's
// bundle the catalog lists at $0), else the cheapest priced one.

#include "engine/core/result.h"
#include "engine/gateway/dataplane/routing.h"
#include "engine/storage/workspace.h"

#include <QDateTime>
#include <memory>

#include <QString>

#include <vector>

namespace signalbox::gateway {

// The workspace's catalog (user data and price overrides applied, aliases
// resolvable) as a routing table ranked by prices at `at`. No provider key is
// looked up: pricing does not need one, so every offering is "unusable".
engine::Result<std::shared_ptr<const engine::RoutingTable>> pricingTable(const engine::Workspace &workspace,
                                                                         const QDateTime &at);

// The table `serve` would build now: the bundled catalog, the workspace's
// data, and every provider's key looked up where its reference says (so
// unusable offerings say why).
engine::Result<std::shared_ptr<const engine::RoutingTable>> servingTable(const engine::Workspace &workspace);

struct OfferingChoice {
    const engine::RouteOffering *offering = nullptr;
    QString modelId;
    QString note; // which provider was picked and why, when the user did not say
};

// `name` as the gateway resolves a client's model name (aliases included);
// `providerId` empty: let the rule above choose. Errors: "not-found" (unknown
// model or provider, or no priced offering), "invalid" (`name` pins another
// provider than `providerId`).
engine::Result<OfferingChoice> chooseOffering(const engine::RoutingTable &table, const QString &name,
                                              const QString &providerId = {});

// The provider of the table with this id, or null.
const engine::ProviderEndpoint *findProvider(const engine::RoutingTable &table, const QString &id);

// "a, b, c and 4 more": the providers of some offerings, for messages.
QString providersOf(const std::vector<const engine::RouteOffering *> &offerings);

// Cheapest first as the gateway's default router orders them (3:1 blended
// price per million tokens, then the offering key); unknown prices last.
bool cheaperOffering(const engine::RouteOffering *a, const engine::RouteOffering *b);

} // namespace signalbox::gateway
