#pragma once

#include "engine/catalog/catalog.h"

#include <QAbstractTableModel>
#include <QDateTime>

#include <memory>
#include <optional>
#include <vector>

namespace signalbox::models {

// "What would this workload cost?": for every offering of the chosen models,
// the exact cost of one request of the given shape and of a month of them,
// cheapest first; offerings without a known price last, shown as unknown.
class EstimatorModel final : public QAbstractTableModel {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EstimatorModel)
public:
    enum Column : int { ModelColumn, ProviderColumn, PerRequestColumn, PerMonthColumn, ColumnCount };

    struct Workload {
        qint64 inputTokens = 1000;
        qint64 outputTokens = 500;
        qint64 cachedInputTokens = 0;  // part of inputTokens read from the prompt cache
        qint64 requestsPerDay = 1000;
        int daysPerMonth = 30;
        bool operator==(const Workload &) const = default;
    };

    explicit EstimatorModel(QObject *parent = nullptr);
    ~EstimatorModel() override;

    void setModels(std::shared_ptr<const engine::Catalog> catalog, const QStringList &canonicalModelIds);
    void setWorkload(const Workload &workload);
    const Workload &workload() const { return m_workload; }
    void setPricingTime(const QDateTime &at);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    struct Row {
        const engine::Offering *offering = nullptr;
        std::optional<engine::Money> perRequest;  // empty: unknown price (or usage the price cannot take)
        std::optional<engine::Money> perMonth;
    };
    const Row &rowAt(int row) const { return m_rows[static_cast<std::size_t>(row)]; }

private:
    void recompute();

    std::shared_ptr<const engine::Catalog> m_catalog;
    QStringList m_modelIds;
    Workload m_workload;
    QDateTime m_at;
    std::vector<Row> m_rows;
};

} // namespace signalbox::models
