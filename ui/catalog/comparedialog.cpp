#include "ui/catalog/comparedialog.h"

#include "models/catalog/catalogroles.h"
#include "models/catalog/catalogtablemodel.h"
#include "models/catalog/offeringsmodel.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTableWidget>
#include <QVBoxLayout>

namespace signalbox::ui {

CompareDialog::CompareDialog(std::shared_ptr<const engine::Catalog> catalog, const QStringList &modelIds, QWidget *parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("compareDialog"));
    setWindowTitle(tr("Compare models"));

    // The catalog table, transposed: one column per model, one row per attribute.
    models::CatalogTableModel table;
    table.setCatalog(catalog);
    m_attributes = new QTableWidget(models::CatalogTableModel::ColumnCount - 1, static_cast<int>(modelIds.size()), this);
    m_attributes->setObjectName(QStringLiteral("compareAttributes"));
    m_attributes->setEditTriggers(QAbstractItemView::NoEditTriggers);
    for (int attribute = 1; attribute < models::CatalogTableModel::ColumnCount; ++attribute)
        m_attributes->setVerticalHeaderItem(attribute - 1,
                                            new QTableWidgetItem(table.headerData(attribute, Qt::Horizontal).toString()));
    for (int column = 0; column < modelIds.size(); ++column) {
        const int row = table.rowOf(modelIds[column]);
        m_attributes->setHorizontalHeaderItem(column, new QTableWidgetItem(table.index(row, 0).data().toString()));
        for (int attribute = 1; attribute < models::CatalogTableModel::ColumnCount; ++attribute) {
            const QModelIndex index = table.index(row, attribute);
            auto *item = new QTableWidgetItem(index.data().toString());
            item->setToolTip(index.data(Qt::ToolTipRole).toString());
            m_attributes->setItem(attribute - 1, column, item);
        }
    }
    m_attributes->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_attributes->setMinimumHeight(m_attributes->verticalHeader()->length() + m_attributes->horizontalHeader()->height() + 4);

    auto *offerings = new models::OfferingsModel(this);
    offerings->setOfferings(catalog, modelIds);
    auto *sorted = new QSortFilterProxyModel(this);
    sorted->setSourceModel(offerings);
    sorted->setSortRole(models::SortRole);
    auto *view = new QTableView(this);
    view->setObjectName(QStringLiteral("compareOfferings"));
    view->setModel(sorted);
    view->setSortingEnabled(true);
    view->sortByColumn(models::OfferingsModel::InputColumn, Qt::AscendingOrder);
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->verticalHeader()->hide();
    view->resizeColumnsToContents();

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_attributes);
    layout->addWidget(new QLabel(tr("Every offering, cheapest input first:"), this));
    layout->addWidget(view, 1);
    layout->addWidget(buttons);
    resize(1000, 640);
}

} // namespace signalbox::ui
