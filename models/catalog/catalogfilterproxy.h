#pragma once

#include "engine/cost/money.h"

#include <QSortFilterProxyModel>

#include <optional>

namespace signalbox::models {

// Search and filters over CatalogTableModel; sorts by SortRole (raw values).
// Every setter re-filters at once: the catalog is small enough for instant
// search on every keystroke.
class CatalogFilterProxy final : public QSortFilterProxyModel {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CatalogFilterProxy)
public:
    struct Filters {
        QString text;              // words, all of which must appear in id/name/author/providers
        QString providerId;        // served by this provider
        int inputModality = 0;     // engine::Modality flag the model must accept (0: any)
        qint64 minContext = 0;     // tokens
        std::optional<engine::Money> maxInputPerMillion;  // models with an unknown price are excluded
        bool tools = false;
        bool reasoning = false;
        bool vision = false;
        bool openWeights = false;
        QString originCountry;     // ISO code
        bool operator==(const Filters &) const = default;
    };

    explicit CatalogFilterProxy(QObject *parent = nullptr);

    void setFilters(const Filters &filters);
    const Filters &filters() const { return m_filters; }
    void setSearchText(const QString &text);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    Filters m_filters;
    QStringList m_words;
};

} // namespace signalbox::models
