#pragma once

#include "engine/catalog/catalog.h"

#include <QDialog>

#include <memory>

class QTableWidget;

namespace signalbox::ui {

// Two to four models side by side: the catalog's columns as rows, and every
// offering of all of them in one table sorted by price.
class CompareDialog final : public QDialog {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CompareDialog)
public:
    CompareDialog(std::shared_ptr<const engine::Catalog> catalog, const QStringList &modelIds, QWidget *parent = nullptr);

    QTableWidget *attributes() const { return m_attributes; }

private:
    QTableWidget *m_attributes = nullptr;
};

} // namespace signalbox::ui
