// See offeringchoice.h.

#include "app/gateway/offeringchoice.h"

#include "app/gateway/clicommon.h"
#include "engine/catalog/userstore.h"
#include "engine/gateway/gateway.h"

#include <algorithm>
#include <iterator>

namespace signalbox::gateway {

namespace {

engine::Error notFound(const QString &message)
{
    return engine::Error { QStringLiteral("not-found"), message };
}

} // namespace

engine::Result<std::shared_ptr<const engine::RoutingTable>> pricingTable(const engine::Workspace &workspace,
                                                                         const QDateTime &at)
{
    auto catalog = loadWorkspaceCatalog(workspace);
    if (!catalog)
        return catalog.error();
    auto aliases = engine::CatalogUserStore(workspace.database()).aliases();
    if (!aliases)
        return aliases.error();
    return engine::RoutingTable::build(
        std::make_shared<const engine::Catalog>(std::move(catalog).value()), {},
        [](const engine::KeyReference &) -> engine::Result<QByteArray> { return QByteArray(); }, at, aliases.value());
}

engine::Result<std::shared_ptr<const engine::RoutingTable>> servingTable(const engine::Workspace &workspace)
{
    auto base = engine::Catalog::loadBundled();
    if (!base)
        return base.error();
    return engine::Gateway::loadRoutingTable(workspace.database(), base.value());
}

const engine::ProviderEndpoint *findProvider(const engine::RoutingTable &table, const QString &id)
{
    const auto &providers = table.providers();
    const auto found = std::find_if(providers.begin(), providers.end(),
                                    [&id](const engine::ProviderEndpoint &p) { return p.id == id; });
    return found == providers.end() ? nullptr : &*found;
}

QString providersOf(const std::vector<const engine::RouteOffering *> &offerings)
{
    QStringList ids;
    for (const engine::RouteOffering *offering : offerings) {
        if (!ids.contains(offering->provider->id))
            ids.append(offering->provider->id);
    }
    ids.sort();
    if (ids.size() > 8)
        return ids.mid(0, 8).join(QStringLiteral(", ")) + QStringLiteral(" and %1 more").arg(ids.size() - 8);
    return ids.join(QStringLiteral(", "));
}

bool cheaperOffering(const engine::RouteOffering *a, const engine::RouteOffering *b)
{
    const auto &pa = a->blendedPerMillion;
    const auto &pb = b->blendedPerMillion;
    if (pa.has_value() != pb.has_value())
        return pa.has_value();
    if (pa && pb && *pa != *pb)
        return *pa < *pb;
    return a->key() < b->key();
}

engine::Result<OfferingChoice> chooseOffering(const engine::RoutingTable &table, const QString &name, const QString &providerId)
{
    const engine::RoutingTable::Resolved resolved = table.resolve(name); // aliases included
    if (resolved.offerings.empty())
        return notFound(QStringLiteral("unknown model '%1': no provider in this workspace's catalog serves it "
                                       "(see models list)")
                            .arg(name));

    OfferingChoice choice;
    choice.modelId = resolved.modelId;
    std::vector<const engine::RouteOffering *> candidates = resolved.offerings;
    if (!providerId.isEmpty()) {
        const QString wanted = providerId.trimmed().toLower();
        if (resolved.pinned) {
            if (resolved.pinned->provider->id != wanted)
                return engine::Error { QStringLiteral("invalid"),
                    QStringLiteral("--model %1 names provider %2 but --provider says %3; give one")
                        .arg(name, resolved.pinned->provider->id, providerId) };
        } else {
            candidates.clear();
            for (const engine::RouteOffering *offering : resolved.offerings) {
                if (offering->provider->id == wanted)
                    candidates.push_back(offering);
            }
            if (candidates.empty()) {
                const bool known = findProvider(table, wanted) != nullptr;
                return notFound((known ? QStringLiteral("provider '%1' does not serve %2 (served by: %3)")
                                       : QStringLiteral("unknown provider '%1' (%2 is served by: %3)"))
                                    .arg(providerId, resolved.modelId, providersOf(resolved.offerings)));
            }
        }
    }

    std::vector<const engine::RouteOffering *> priced;
    std::copy_if(candidates.begin(), candidates.end(), std::back_inserter(priced),
        [](const engine::RouteOffering *offering) { return offering->price.isKnown(); });
    if (priced.empty()) {
        const QString where = candidates.size() == 1
            ? candidates.front()->key()
            : QStringLiteral("%1 (on %2)").arg(resolved.modelId, providersOf(candidates));
        return notFound(QStringLiteral("no known price for %1; give it one with a price override or pick another "
                                       "provider (--provider)")
                            .arg(where));
    }
    std::sort(priced.begin(), priced.end(), cheaperOffering);
    choice.offering = priced.front();
    // "What would this have cost on openai/gpt-4o?" means the maker's list
    // price, not a reseller's bundle the catalog lists at $0: the provider
    // the canonical id is named after wins when it sells the model.
    const QString maker = resolved.modelId.section(QLatin1Char('/'), 0, 0);
    const auto makers = std::find_if(priced.begin(), priced.end(),
        [&maker](const engine::RouteOffering *offering) { return offering->provider->id == maker; });
    if (!resolved.pinned && providerId.isEmpty() && makers != priced.end() && priced.size() > 1) {
        choice.offering = *makers;
        choice.note = QStringLiteral("pricing on %1, the maker's own offering (%2 priced offerings of %3; choose "
                                     "another with --provider)")
                          .arg((*makers)->key())
                          .arg(priced.size())
                          .arg(resolved.modelId);
    } else if (!resolved.pinned && providerId.isEmpty()) {
        const engine::RouteOffering *chosen = choice.offering;
        choice.note = priced.size() == 1
            ? QStringLiteral("pricing on %1, the only priced offering of %2").arg(chosen->key(), resolved.modelId)
            : QStringLiteral("pricing on %1, the cheapest of %2 priced offerings of %3%4; choose with --provider")
                  .arg(chosen->key())
                  .arg(priced.size())
                  .arg(resolved.modelId,
                      chosen->blendedPerMillion ? QStringLiteral(" ($%1 per 1M tokens at 3:1 prompt:completion)")
                                                      .arg(chosen->blendedPerMillion->toDecimalString())
                                                : QString());
    }
    return choice;
}


} // namespace signalbox::gateway
