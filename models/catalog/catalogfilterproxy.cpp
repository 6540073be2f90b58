#include "models/catalog/catalogfilterproxy.h"

#include "models/catalog/catalogroles.h"
#include "models/catalog/pricetext.h"

namespace signalbox::models {

CatalogFilterProxy::CatalogFilterProxy(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(SortRole);
    setDynamicSortFilter(true);
}

void CatalogFilterProxy::setFilters(const Filters &filters)
{
    if (filters == m_filters)
        return;
    m_filters = filters;
    m_words = m_filters.text.toLower().split(QLatin1Char(' '), Qt::SkipEmptyParts);
    invalidateFilter();
}

void CatalogFilterProxy::setSearchText(const QString &text)
{
    Filters next = m_filters;
    next.text = text;
    setFilters(next);
}

bool CatalogFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    if (!m_words.isEmpty()) {
        const QString haystack = index.data(SearchTextRole).toString();
        for (const QString &word : m_words) {
            if (!haystack.contains(word))
                return false;
        }
    }
    const Filters &f = m_filters;
    if (!f.providerId.isEmpty() && !index.data(ProviderIdsRole).toStringList().contains(f.providerId))
        return false;
    if (f.inputModality && !(index.data(InputModalitiesRole).toInt() & f.inputModality))
        return false;
    if (f.minContext > 0 && index.data(ContextRole).toLongLong() < f.minContext)
        return false;
    if (f.maxInputPerMillion) {
        const qlonglong price = index.data(InputPriceRole).toLongLong();
        // Attodollars per token x 1e6 = per million; compare without overflow.
        const qlonglong limit = sortKey(f.maxInputPerMillion->dividedBy(1'000'000));
        if (price < 0 || price > limit)
            return false;
    }
    if (f.tools && !index.data(ToolsRole).toBool())
        return false;
    if (f.reasoning && !index.data(ReasoningRole).toBool())
        return false;
    if (f.vision && !index.data(VisionRole).toBool())
        return false;
    if (f.openWeights && !index.data(OpenWeightsRole).toBool())
        return false;
    if (!f.originCountry.isEmpty() && index.data(AuthorCountryRole).toString() != f.originCountry)
        return false;
    return true;
}

} // namespace signalbox::models
