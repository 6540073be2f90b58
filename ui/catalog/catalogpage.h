#pragma once

#include "engine/catalog/catalog.h"

#include <QWidget>

#include <memory>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QStackedWidget;
class QTableView;

namespace signalbox::models {
class CatalogFilterProxy;
class CatalogTableModel;
class OfferingsModel;
} // namespace signalbox::models

namespace signalbox::ui {

// The Catalog page: one row per model with its cheapest known price, instant
// search and filters, and a detail pane with every provider's offering side
// by side. Compare (2-4 models) and the cost estimator open from here.
class CatalogPage final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CatalogPage)
public:
    explicit CatalogPage(QWidget *parent = nullptr);
    ~CatalogPage() override;

    void setCatalog(std::shared_ptr<const engine::Catalog> catalog);
    void setLoadError(const QString &message);

    // Selects the model's row (clearing filters that hide it); false when unknown.
    bool showModel(const QString &canonicalId);
    QStringList selectedModelIds() const;

    models::CatalogTableModel *tableModel() const { return m_table; }
    models::CatalogFilterProxy *proxy() const { return m_proxy; }
    models::OfferingsModel *offeringsModel() const { return m_offerings; }

    // While a refresh runs: the button is disabled and progress shows.
    void setRefreshing(bool running, qint64 received = 0, qint64 total = -1);

public Q_SLOTS:
    void openCompare();
    void openEstimator();

Q_SIGNALS:
    // The user asked for current prices from the refresh URL.
    void refreshRequested();

protected:
    void showEvent(QShowEvent *event) override;

private:
    QWidget *buildFilterBar();
    QWidget *buildDetailPane();
    void applyFilters();
    void updateDetail();
    void fillFilterChoices();

    std::shared_ptr<const engine::Catalog> m_catalog;
    models::CatalogTableModel *m_table = nullptr;
    models::CatalogFilterProxy *m_proxy = nullptr;
    models::OfferingsModel *m_offerings = nullptr;

    QStackedWidget *m_state = nullptr;  // loading / error / catalog
    QLabel *m_message = nullptr;
    QLineEdit *m_search = nullptr;
    QComboBox *m_provider = nullptr;
    QComboBox *m_modality = nullptr;
    QComboBox *m_context = nullptr;
    QComboBox *m_maxPrice = nullptr;
    QComboBox *m_origin = nullptr;
    QCheckBox *m_tools = nullptr;
    QCheckBox *m_reasoning = nullptr;
    QCheckBox *m_vision = nullptr;
    QCheckBox *m_openWeights = nullptr;
    QTableView *m_modelsView = nullptr;
    QTableView *m_offeringsView = nullptr;
    QLabel *m_detailHeader = nullptr;
    QLabel *m_summary = nullptr;
    QPushButton *m_compare = nullptr;
    QPushButton *m_estimate = nullptr;
    QPushButton *m_refresh = nullptr;
    QString m_summaryText;
};

} // namespace signalbox::ui
