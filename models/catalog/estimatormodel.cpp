#include "models/catalog/estimatormodel.h"

#include "engine/cost/costengine.h"
#include "models/catalog/catalogroles.h"
#include "models/catalog/pricetext.h"

#include <algorithm>
#include <limits>

namespace signalbox::models {

EstimatorModel::EstimatorModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

EstimatorModel::~EstimatorModel() = default;

void EstimatorModel::setModels(std::shared_ptr<const engine::Catalog> catalog, const QStringList &canonicalModelIds)
{
    // Rows point into the catalog: the old one must live until the reset is done.
    const std::shared_ptr<const engine::Catalog> previous = m_catalog;
    m_catalog = std::move(catalog);
    m_modelIds = canonicalModelIds;
    recompute();
}

void EstimatorModel::setWorkload(const Workload &workload)
{
    if (workload == m_workload)
        return;
    m_workload = workload;
    recompute();
}

void EstimatorModel::setPricingTime(const QDateTime &at)
{
    m_at = at;
    recompute();
}

void EstimatorModel::recompute()
{
    std::vector<Row> rows;
    const QDateTime at = m_at.isValid() ? m_at : QDateTime::currentDateTimeUtc();
    const engine::Usage usage = engine::Usage::tokens(m_workload.inputTokens, m_workload.outputTokens,
                                                      m_workload.cachedInputTokens);
    const qint64 perMonth = m_workload.requestsPerDay * m_workload.daysPerMonth;
    if (m_catalog) {
        for (const QString &id : std::as_const(m_modelIds)) {
            for (const engine::Offering *offering : m_catalog->offeringsOf(id)) {
                Row row{offering, std::nullopt, std::nullopt};
                const auto cost = engine::computeCost(offering->price, usage, at);
                if (cost.ok() && cost->isPriced()) {
                    row.perRequest = cost->total();
                    row.perMonth = cost->total().times(perMonth);
                }
                rows.push_back(row);
            }
        }
    }
    std::stable_sort(rows.begin(), rows.end(), [](const Row &a, const Row &b) {
        if (a.perRequest.has_value() != b.perRequest.has_value())
            return a.perRequest.has_value();
        return a.perRequest && *a.perRequest < *b.perRequest;
    });
    beginResetModel();
    m_rows = std::move(rows);
    endResetModel();
}

int EstimatorModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int EstimatorModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant EstimatorModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows[static_cast<std::size_t>(index.row())];
    const engine::Offering &offering = *row.offering;
    if (role == ModelIdRole)
        return offering.modelId;
    if (role == ProviderIdRole)
        return offering.providerId;
    if (role == UnpricedRole)
        return !row.perRequest.has_value();
    const auto money = [](const std::optional<engine::Money> &value) {
        return value ? value->toDisplayString(2, 3) : unknownPriceText();
    };
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case ModelColumn:
            return modelDisplayName(*m_catalog, offering.modelId);
        case ProviderColumn:
            return providerDisplayName(*m_catalog, offering.providerId);
        case PerRequestColumn:
            return money(row.perRequest);
        case PerMonthColumn:
            return money(row.perMonth);
        default:
            return {};
        }
    }
    if (role == SortRole) {
        // Unknown after every known amount, in either direction of money.
        auto key = [](const std::optional<engine::Money> &value) {
            return value ? QVariant::fromValue(value->toDouble()) : QVariant::fromValue(std::numeric_limits<double>::infinity());
        };
        switch (index.column()) {
        case PerRequestColumn:
            return key(row.perRequest);
        case PerMonthColumn:
            return key(row.perMonth);
        default:
            return data(index, Qt::DisplayRole).toString().toLower();
        }
    }
    if (role == Qt::TextAlignmentRole && index.column() >= PerRequestColumn)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant EstimatorModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case ModelColumn:
        return tr("Model");
    case ProviderColumn:
        return tr("Provider");
    case PerRequestColumn:
        return tr("Per request");
    case PerMonthColumn:
        return tr("Per month");
    default:
        return {};
    }
}

} // namespace signalbox::models
