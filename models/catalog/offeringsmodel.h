#pragma once

#include "engine/catalog/catalog.h"

#include <QAbstractTableModel>
#include <QDateTime>

#include <memory>
#include <vector>

namespace signalbox::models {

// Every provider offering of one or more models, side by side: prices per
// million tokens (input, output, cache read and write), long-prompt tiers and
// time-dependent prices, limits, and where each price came from.
class OfferingsModel final : public QAbstractTableModel {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(OfferingsModel)
public:
    enum Column : int {
        ModelColumn,
        ProviderColumn,
        ProviderModelColumn,
        InputColumn,
        OutputColumn,
        CacheReadColumn,
        CacheWriteColumn,
        ConditionsColumn,
        ContextColumn,
        MaxOutputColumn,
        SourceColumn,
        ColumnCount
    };

    explicit OfferingsModel(QObject *parent = nullptr);
    ~OfferingsModel() override;

    void setOfferings(std::shared_ptr<const engine::Catalog> catalog, const QStringList &canonicalModelIds,
                      const QDateTime &at = {});
    QStringList modelIds() const { return m_modelIds; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    const engine::Offering *offeringAt(int row) const;

private:
    std::shared_ptr<const engine::Catalog> m_catalog;
    QStringList m_modelIds;
    QDateTime m_at;
    std::vector<const engine::Offering *> m_rows;
};

} // namespace signalbox::models
