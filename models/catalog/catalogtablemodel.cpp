#include "models/catalog/catalogtablemodel.h"

#include "models/catalog/catalogroles.h"
#include "models/catalog/pricetext.h"

#include <QBrush>
#include <QCoreApplication>
#include <QFont>
#include <QGuiApplication>
#include <QPalette>

namespace signalbox::models {

namespace {
std::optional<engine::Money> cheaper(const std::optional<engine::Money> &a, const std::optional<engine::Money> &b)
{
    if (!a)
        return b;
    if (!b)
        return a;
    return std::min(*a, *b);
}

QString capabilities(const engine::ModelTraits &traits)
{
    if (!traits.known)
        return {};
    QStringList parts;
    if (traits.tools)
        parts << QCoreApplication::translate("signalbox::models", "tools");
    if (traits.reasoning)
        parts << QCoreApplication::translate("signalbox::models", "reasoning");
    if (traits.vision())
        parts << QCoreApplication::translate("signalbox::models", "vision");
    if (traits.openWeights)
        parts << QCoreApplication::translate("signalbox::models", "open weights");
    return parts.join(QStringLiteral(" · "));
}
} // namespace

CatalogTableModel::CatalogTableModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

CatalogTableModel::~CatalogTableModel() = default;

void CatalogTableModel::setCatalog(std::shared_ptr<const engine::Catalog> catalog, const QDateTime &at)
{
    const QDateTime when = at.isValid() ? at : QDateTime::currentDateTimeUtc();
    std::vector<Row> rows;
    if (catalog) {
        rows.reserve(catalog->models().size());
        for (const engine::Model &model : catalog->models()) {
            Row row;
            row.model = &model;
            QStringList search{model.id, model.name, model.author, model.authorName};
            // Free, rate-limited variants (OpenRouter's ":free") would make every
            // model they exist for look free: the cheapest *paid* price is shown,
            // and the free one only when there is nothing else.
            Row freeOnly;
            for (const engine::Offering *offering : catalog->offeringsOf(model.id)) {
                if (!row.providerIds.contains(offering->providerId))
                    row.providerIds << offering->providerId;
                search << offering->providerModelId;
                const bool freeVariant = offering->providerModelId.endsWith(QLatin1String(":free"));
                row.hasFreeVariant = row.hasFreeVariant || freeVariant;
                Row &target = freeVariant ? freeOnly : row;
                target.input = cheaper(target.input, rateAt(offering->price, engine::units::inputTokens(), when));
                target.output = cheaper(target.output, rateAt(offering->price, engine::units::outputTokens(), when));
                if (const auto *set = offering->price.pricesAt(when); set && set->find(engine::units::cacheReadTokens()))
                    target.cacheRead = cheaper(target.cacheRead, rateAt(offering->price, engine::units::cacheReadTokens(), when));
                if (const auto *set = offering->price.pricesAt(when)) {
                    for (const auto &price : set->prices)
                        row.tiered = row.tiered || price.rate.isTiered();
                }
            }
            if (!row.input && !row.output) {
                row.input = freeOnly.input;
                row.output = freeOnly.output;
                row.cacheRead = freeOnly.cacheRead;
            }
            search << row.providerIds;
            row.searchText = search.join(QLatin1Char(' ')).toLower();
            rows.push_back(std::move(row));
        }
    }
    beginResetModel();
    m_catalog = std::move(catalog);
    m_rows = std::move(rows);
    endResetModel();
}

int CatalogTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int CatalogTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

const engine::Model *CatalogTableModel::modelAt(int row) const
{
    return row >= 0 && row < rowCount() ? m_rows[static_cast<std::size_t>(row)].model : nullptr;
}

int CatalogTableModel::rowOf(const QString &canonicalId) const
{
    for (std::size_t i = 0; i < m_rows.size(); ++i) {
        if (m_rows[i].model->id == canonicalId)
            return static_cast<int>(i);
    }
    return -1;
}

QVariant CatalogTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows[static_cast<std::size_t>(index.row())];
    const engine::Model &model = *row.model;
    const int providers = static_cast<int>(row.providerIds.size());

    switch (role) {
    case ModelIdRole:
        return model.id;
    case ProviderIdsRole:
        return row.providerIds;
    case SearchTextRole:
        return row.searchText;
    case AuthorCountryRole:
        return model.authorCountry;
    case ContextRole:
        return qlonglong(model.contextLength);
    case InputPriceRole:
        return row.input ? sortKey(row.input) : qlonglong(-1);
    case OutputPriceRole:
        return row.output ? sortKey(row.output) : qlonglong(-1);
    case InputModalitiesRole:
        return int(model.traits.input.toInt());
    case OutputModalitiesRole:
        return int(model.traits.output.toInt());
    case ToolsRole:
        return model.traits.tools;
    case ReasoningRole:
        return model.traits.reasoning;
    case VisionRole:
        return model.traits.vision();
    case OpenWeightsRole:
        return model.traits.openWeights;
    case ProviderCountRole:
        return providers;
    case UnpricedRole:
        return !row.input && !row.output;
    default:
        break;
    }

    const int column = index.column();
    if (role == Qt::DisplayRole) {
        switch (column) {
        case NameColumn:
            return model.name.isEmpty() ? model.id : model.name;
        case AuthorColumn:
            return model.authorName.isEmpty() ? model.author : model.authorName;
        case OriginColumn:
            return model.authorCountryName.isEmpty() ? model.authorCountry : model.authorCountryName;
        case ProvidersColumn:
            return providers == 1 ? tr("1 (single)") : QString::number(providers);
        case ContextColumn:
            return tokenCountText(model.contextLength);
        case InputPriceColumn:
            return QString(perMillionText(row.input) + (row.tiered ? QStringLiteral(" +") : QString()));
        case OutputPriceColumn:
            return perMillionText(row.output);
        case CacheReadPriceColumn:
            return row.cacheRead ? perMillionText(row.cacheRead) : QStringLiteral("—");
        case CapabilitiesColumn:
            return capabilities(model.traits);
        case ReleasedColumn:
            return model.releaseDate.isValid() ? model.releaseDate.toString(Qt::ISODate) : QString();
        default:
            return {};
        }
    }
    if (role == SortRole) {
        switch (column) {
        case NameColumn:
            return (model.name.isEmpty() ? model.id : model.name).toLower();
        case AuthorColumn:
            return (model.authorName.isEmpty() ? model.author : model.authorName).toLower();
        case OriginColumn:
            return model.authorCountryName;
        case ProvidersColumn:
            return providers;
        case ContextColumn:
            return qlonglong(model.contextLength);
        case InputPriceColumn:
            return sortKey(row.input);
        case OutputPriceColumn:
            return sortKey(row.output);
        case CacheReadPriceColumn:
            return sortKey(row.cacheRead);
        case CapabilitiesColumn:
            return capabilities(model.traits);
        case ReleasedColumn:
            return model.releaseDate;
        default:
            return {};
        }
    }
    if (role == Qt::ToolTipRole) {
        if (column == NameColumn)
            return model.id;
        if (column == ProvidersColumn)
            return providers == 1 ? tr("Served by a single provider (%1): an availability risk, with no fallback.")
                                        .arg(row.providerIds.value(0))
                                  : row.providerIds.join(QStringLiteral(", "));
        if ((column == InputPriceColumn || column == OutputPriceColumn) && row.hasFreeVariant && (row.input || row.output))
            return tr("Cheapest paid price per million tokens; a free, rate-limited variant also exists.");
        if (column == InputPriceColumn && row.tiered)
            return tr("Cheapest base price per million tokens; long prompts cost more (see the offerings).");
        if ((column == InputPriceColumn || column == OutputPriceColumn) && !row.input && !row.output)
            return tr("No price is known for any provider of this model; its requests are logged as unpriced.");
        return {};
    }
    if (role == Qt::TextAlignmentRole) {
        if (column == ProvidersColumn || column == ContextColumn || column == InputPriceColumn
            || column == OutputPriceColumn || column == CacheReadPriceColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return int(Qt::AlignLeft | Qt::AlignVCenter);
    }
    if (role == Qt::ForegroundRole) {
        const bool unknown = (column == InputPriceColumn && !row.input) || (column == OutputPriceColumn && !row.output);
        if (unknown)
            return QGuiApplication::palette().brush(QPalette::Disabled, QPalette::Text);
        if (column == ProvidersColumn && providers == 1)
            return QBrush(QColor(0xb3, 0x5c, 0x00));
        return {};
    }
    if (role == Qt::FontRole) {
        const bool unknown = (column == InputPriceColumn && !row.input) || (column == OutputPriceColumn && !row.output);
        if (unknown) {
            QFont font;
            font.setItalic(true);
            return font;
        }
    }
    return {};
}

QVariant CatalogTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case NameColumn:
        return tr("Model");
    case AuthorColumn:
        return tr("Author");
    case OriginColumn:
        return tr("Origin");
    case ProvidersColumn:
        return tr("Providers");
    case ContextColumn:
        return tr("Context");
    case InputPriceColumn:
        return tr("Input $/1M");
    case OutputPriceColumn:
        return tr("Output $/1M");
    case CacheReadPriceColumn:
        return tr("Cached $/1M");
    case CapabilitiesColumn:
        return tr("Capabilities");
    case ReleasedColumn:
        return tr("Released");
    default:
        return {};
    }
}

} // namespace signalbox::models
