#include "ui/catalog/estimatordialog.h"

#include "models/catalog/estimatormodel.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSpinBox>
#include <QTableView>
#include <QVBoxLayout>

namespace signalbox::ui {

namespace {
QSpinBox *tokenBox(QWidget *parent, const QString &name, int value, int maximum)
{
    auto *box = new QSpinBox(parent);
    box->setObjectName(name);
    box->setRange(0, maximum);
    box->setValue(value);
    box->setGroupSeparatorShown(true);
    return box;
}
} // namespace

EstimatorDialog::EstimatorDialog(std::shared_ptr<const engine::Catalog> catalog, const QStringList &modelIds,
                                 QWidget *parent)
    : QDialog(parent)
    , m_model(new models::EstimatorModel(this))
{
    setObjectName(QStringLiteral("estimatorDialog"));
    setWindowTitle(tr("Estimate monthly cost"));

    m_input = tokenBox(this, QStringLiteral("inputTokens"), 2000, 10'000'000);
    m_cached = tokenBox(this, QStringLiteral("cachedTokens"), 0, 10'000'000);
    m_output = tokenBox(this, QStringLiteral("outputTokens"), 500, 10'000'000);
    m_requests = tokenBox(this, QStringLiteral("requestsPerDay"), 10'000, 100'000'000);
    auto *form = new QFormLayout;
    form->addRow(tr("Input tokens per request:"), m_input);
    form->addRow(tr("…of which cached:"), m_cached);
    form->addRow(tr("Output tokens per request:"), m_output);
    form->addRow(tr("Requests per day:"), m_requests);

    auto *view = new QTableView(this);
    view->setObjectName(QStringLiteral("estimatorView"));
    view->setModel(m_model);
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->verticalHeader()->hide();
    view->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);

    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("estimatorSummary"));
    m_summary->setWordWrap(true);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_summary);
    layout->addWidget(view, 1);
    layout->addWidget(new QLabel(tr("Prices as of now; a month is 30 days. Cached tokens are priced at each "
                                     "provider's cache-read price where it has one."),
                                 this));
    layout->addWidget(buttons);

    for (QSpinBox *box : {m_input, m_cached, m_output, m_requests})
        connect(box, &QSpinBox::valueChanged, this, &EstimatorDialog::update);
    m_model->setModels(std::move(catalog), modelIds);
    update();
    resize(720, 520);
}

void EstimatorDialog::update()
{
    // Cached tokens are part of the prompt: never more than it.
    m_cached->setMaximum(m_input->value());
    models::EstimatorModel::Workload workload;
    workload.inputTokens = m_input->value();
    workload.cachedInputTokens = std::min(m_cached->value(), m_input->value());
    workload.outputTokens = m_output->value();
    workload.requestsPerDay = m_requests->value();
    m_model->setWorkload(workload);
    m_summary->setText(summary());
}

QString EstimatorDialog::summary() const
{
    if (m_model->rowCount() == 0)
        return tr("No offerings to price.");
    const auto &cheapest = m_model->rowAt(0);
    if (!cheapest.perMonth)
        return tr("No price is known for these offerings.");
    const QModelIndex first = m_model->index(0, models::EstimatorModel::ModelColumn);
    return tr("Cheapest: <b>%1</b> on <b>%2</b> at <b>%3</b> a month (%4 a request).")
        .arg(first.data().toString().toHtmlEscaped(),
             m_model->index(0, models::EstimatorModel::ProviderColumn).data().toString().toHtmlEscaped(),
             cheapest.perMonth->toDisplayString(), cheapest.perRequest->toDisplayString(2, 3));
}

} // namespace signalbox::ui
