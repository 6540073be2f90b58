#pragma once

#include "engine/catalog/catalog.h"
#include "engine/catalog/userdata.h"

#include <QDialog>

#include <memory>

class QComboBox;
class QDialogButtonBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QRadioButton;

namespace signalbox::ui {

// A negotiated price for one offering: a percentage off (or on) the catalog
// price, or a contract price per million tokens that replaces it.
class OverrideDialog final : public QDialog {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(OverrideDialog)
public:
    explicit OverrideDialog(std::shared_ptr<const engine::Catalog> catalog, QWidget *parent = nullptr);
    void setOverride(const engine::PriceOverride &priceOverride);
    engine::PriceOverride priceOverride() const;
    QString problem() const;

private:
    void fillModels();
    void validate();

    std::shared_ptr<const engine::Catalog> m_catalog;
    QComboBox *m_provider = nullptr;
    QComboBox *m_model = nullptr;
    QRadioButton *m_adjust = nullptr;
    QRadioButton *m_replace = nullptr;
    QDoubleSpinBox *m_percent = nullptr;
    QLineEdit *m_input = nullptr;
    QLineEdit *m_output = nullptr;
    QLineEdit *m_note = nullptr;
    QLabel *m_current = nullptr;
    QLabel *m_problem = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
};

} // namespace signalbox::ui
