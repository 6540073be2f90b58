#pragma once

#include "engine/catalog/catalog.h"

#include <QAbstractTableModel>
#include <QDateTime>

#include <memory>
#include <optional>
#include <vector>

namespace signalbox::models {

// One row per canonical model, with the cheapest known price among its
// offerings. An adapter over an immutable engine::Catalog snapshot: rows are
// computed once per snapshot (setCatalog), so views scroll and sort without
// touching the engine.
class CatalogTableModel final : public QAbstractTableModel {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CatalogTableModel)
public:
    enum Column : int {
        NameColumn,
        AuthorColumn,
        OriginColumn,
        ProvidersColumn,
        ContextColumn,
        InputPriceColumn,
        OutputPriceColumn,
        CacheReadPriceColumn,
        CapabilitiesColumn,
        ReleasedColumn,
        ColumnCount
    };

    explicit CatalogTableModel(QObject *parent = nullptr);
    ~CatalogTableModel() override;

    // Swaps in a new snapshot; `at` is when prices are read (default: now).
    void setCatalog(std::shared_ptr<const engine::Catalog> catalog, const QDateTime &at = {});
    const std::shared_ptr<const engine::Catalog> &catalog() const { return m_catalog; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    const engine::Model *modelAt(int row) const;
    int rowOf(const QString &canonicalId) const;

    struct Row {
        const engine::Model *model = nullptr;
        QStringList providerIds;
        QString searchText;
        std::optional<engine::Money> input, output, cacheRead;  // cheapest known, per token
        bool tiered = false;
        bool hasFreeVariant = false;  // a ":free" offering exists (not counted in the prices above)
    };

private:
    std::shared_ptr<const engine::Catalog> m_catalog;
    std::vector<Row> m_rows;
};

} // namespace signalbox::models
