#include "models/catalog/offeringsmodel.h"

#include "models/catalog/catalogroles.h"
#include "models/catalog/pricetext.h"

#include <QFont>
#include <QGuiApplication>
#include <QPalette>

namespace signalbox::models {

namespace {
enum class Rate { Input, Output, CacheRead, CacheWrite };

engine::UnitId unitOf(Rate rate)
{
    switch (rate) {
    case Rate::Input:
        return engine::units::inputTokens();
    case Rate::Output:
        return engine::units::outputTokens();
    case Rate::CacheRead:
        return engine::units::cacheReadTokens();
    case Rate::CacheWrite:
        return engine::units::cacheWriteTokens();
    }
    return -1;
}

// Cache prices that an offering does not list are "—" (not offered), not $0.
std::optional<engine::Money> rateOf(const engine::Offering &offering, Rate rate, const QDateTime &at, bool *listed)
{
    *listed = true;
    const engine::PriceSet *set = offering.price.pricesAt(at);
    if (!set)
        return std::nullopt;
    if ((rate == Rate::CacheRead || rate == Rate::CacheWrite) && !set->find(unitOf(rate))) {
        *listed = false;
        return std::nullopt;
    }
    return rateAt(offering.price, unitOf(rate), at);
}
} // namespace

OfferingsModel::OfferingsModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

OfferingsModel::~OfferingsModel() = default;

void OfferingsModel::setOfferings(std::shared_ptr<const engine::Catalog> catalog, const QStringList &canonicalModelIds,
                                  const QDateTime &at)
{
    std::vector<const engine::Offering *> rows;
    if (catalog) {
        for (const QString &id : canonicalModelIds) {
            const auto offerings = catalog->offeringsOf(id);
            rows.insert(rows.end(), offerings.begin(), offerings.end());
        }
    }
    beginResetModel();
    m_catalog = std::move(catalog);
    m_modelIds = canonicalModelIds;
    m_at = at.isValid() ? at : QDateTime::currentDateTimeUtc();
    m_rows = std::move(rows);
    endResetModel();
}

const engine::Offering *OfferingsModel::offeringAt(int row) const
{
    return row >= 0 && row < rowCount() ? m_rows[static_cast<std::size_t>(row)] : nullptr;
}

int OfferingsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int OfferingsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant OfferingsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const engine::Offering &offering = *m_rows[static_cast<std::size_t>(index.row())];
    const int column = index.column();
    const engine::Provider *provider = m_catalog->provider(offering.providerId);

    if (role == ModelIdRole)
        return offering.modelId;
    if (role == ProviderIdRole)
        return offering.providerId;
    if (role == UnpricedRole)
        return !offering.price.isKnown();

    auto priceColumn = [&](Rate rate, bool *listed) { return rateOf(offering, rate, m_at, listed); };
    const Rate rates[] = {Rate::Input, Rate::Output, Rate::CacheRead, Rate::CacheWrite};
    const bool isPrice = column >= InputColumn && column <= CacheWriteColumn;

    if (role == Qt::DisplayRole) {
        if (isPrice) {
            bool listed = true;
            const auto rate = priceColumn(rates[column - InputColumn], &listed);
            return listed ? perMillionText(rate) : QStringLiteral("—");
        }
        switch (column) {
        case ModelColumn:
            return modelDisplayName(*m_catalog, offering.modelId);
        case ProviderColumn:
            return providerDisplayName(*m_catalog, offering.providerId);
        case ProviderModelColumn:
            return offering.providerModelId;
        case ConditionsColumn: {
            QStringList parts;
            const QString tiers = tierText(offering.price, m_at);
            const QString conditions = conditionText(offering.price);
            if (!tiers.isEmpty())
                parts << tiers;
            if (!conditions.isEmpty())
                parts << conditions;
            return parts.join(QStringLiteral("; "));
        }
        case ContextColumn:
            return tokenCountText(offering.contextLength);
        case MaxOutputColumn:
            return tokenCountText(offering.maxOutput);
        case SourceColumn:
            return offering.price.isKnown()
                       ? QStringLiteral("%1 · %2").arg(engine::priceSourceName(offering.provenance.source),
                                                       offering.provenance.asOf.toString(Qt::ISODate))
                       : tr("no price known");
        default:
            return {};
        }
    }
    if (role == SortRole) {
        if (isPrice) {
            bool listed = true;
            return sortKey(priceColumn(rates[column - InputColumn], &listed));
        }
        if (column == ContextColumn)
            return qlonglong(offering.contextLength);
        if (column == MaxOutputColumn)
            return qlonglong(offering.maxOutput);
        return data(index, Qt::DisplayRole).toString().toLower();
    }
    if (role == Qt::ToolTipRole) {
        if (column == SourceColumn && offering.price.isKnown())
            return tr("Price entry %1").arg(offering.provenance.entryId);
        if (column == ProviderColumn && provider && !provider->baseUrl.isEmpty())
            return provider->baseUrl;
        return {};
    }
    if (role == Qt::TextAlignmentRole) {
        if (isPrice || column == ContextColumn || column == MaxOutputColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return int(Qt::AlignLeft | Qt::AlignVCenter);
    }
    if ((role == Qt::ForegroundRole || role == Qt::FontRole) && isPrice && !offering.price.isKnown()) {
        if (role == Qt::ForegroundRole)
            return QGuiApplication::palette().brush(QPalette::Disabled, QPalette::Text);
        QFont font;
        font.setItalic(true);
        return font;
    }
    return {};
}

QVariant OfferingsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case ModelColumn:
        return tr("Model");
    case ProviderColumn:
        return tr("Provider");
    case ProviderModelColumn:
        return tr("Provider's model id");
    case InputColumn:
        return tr("Input $/1M");
    case OutputColumn:
        return tr("Output $/1M");
    case CacheReadColumn:
        return tr("Cache read $/1M");
    case CacheWriteColumn:
        return tr("Cache write $/1M");
    case ConditionsColumn:
        return tr("Long prompts and time of day");
    case ContextColumn:
        return tr("Context");
    case MaxOutputColumn:
        return tr("Max output");
    case SourceColumn:
        return tr("Price source");
    default:
        return {};
    }
}

} // namespace signalbox::models
