#pragma once

#include "engine/catalog/catalog.h"

#include <QDialog>

#include <memory>

class QLabel;
class QSpinBox;

namespace signalbox::models {
class EstimatorModel;
}

namespace signalbox::ui {

// What a workload (tokens per request, requests per day) would cost a month
// on every offering of the selected models, cheapest first.
class EstimatorDialog final : public QDialog {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EstimatorDialog)
public:
    EstimatorDialog(std::shared_ptr<const engine::Catalog> catalog, const QStringList &modelIds, QWidget *parent = nullptr);

    models::EstimatorModel *model() const { return m_model; }
    QString summary() const;

private:
    void update();

    models::EstimatorModel *m_model = nullptr;
    QSpinBox *m_input = nullptr;
    QSpinBox *m_cached = nullptr;
    QSpinBox *m_output = nullptr;
    QSpinBox *m_requests = nullptr;
    QLabel *m_summary = nullptr;
};

} // namespace signalbox::ui
