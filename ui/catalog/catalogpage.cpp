#include "ui/catalog/catalogpage.h"

#include "models/catalog/catalogfilterproxy.h"
#include "models/catalog/catalogroles.h"
#include "models/catalog/catalogtablemodel.h"
#include "models/catalog/offeringsmodel.h"
#include "models/catalog/pricetext.h"
#include "ui/catalog/comparedialog.h"
#include "ui/catalog/estimatordialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMap>
#include <QPushButton>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace signalbox::ui {

using models::CatalogTableModel;

namespace {
constexpr int kMaxCompared = 4;

QTableView *makeTable(QWidget *parent, const QString &name)
{
    auto *view = new QTableView(parent);
    view->setObjectName(name);
    view->setSortingEnabled(true);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->setAlternatingRowColors(true);
    view->setWordWrap(false);
    view->verticalHeader()->hide();
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 8);
    view->horizontalHeader()->setHighlightSections(false);
    view->horizontalHeader()->setStretchLastSection(true);
    return view;
}
} // namespace

CatalogPage::CatalogPage(QWidget *parent)
    : QWidget(parent)
    , m_table(new CatalogTableModel(this))
    , m_proxy(new models::CatalogFilterProxy(this))
    , m_offerings(new models::OfferingsModel(this))
{
    m_proxy->setSourceModel(m_table);

    auto *catalogView = new QWidget(this);
    auto *splitter = new QSplitter(Qt::Vertical, catalogView);
    m_modelsView = makeTable(splitter, QStringLiteral("catalogModelsView"));
    m_modelsView->setModel(m_proxy);
    m_modelsView->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_modelsView->sortByColumn(CatalogTableModel::NameColumn, Qt::AscendingOrder);
    splitter->addWidget(m_modelsView);
    splitter->addWidget(buildDetailPane());
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);

    m_summary = new QLabel(catalogView);
    m_summary->setObjectName(QStringLiteral("catalogSummary"));
    m_summary->setEnabled(false);
    m_compare = new QPushButton(tr("Compare"), catalogView);
    m_compare->setObjectName(QStringLiteral("compareButton"));
    m_compare->setToolTip(tr("Select two to four models to compare them side by side."));
    m_estimate = new QPushButton(tr("Estimate cost…"), catalogView);
    m_estimate->setObjectName(QStringLiteral("estimateButton"));
    m_estimate->setToolTip(tr("Monthly cost of a workload on every offering of the selected models."));
    m_refresh = new QPushButton(tr("Refresh prices"), catalogView);
    m_refresh->setObjectName(QStringLiteral("refreshButton"));
    m_refresh->setToolTip(tr("Fetch OpenRouter's current model list and prices; your providers and overrides stay."));
    connect(m_refresh, &QPushButton::clicked, this, &CatalogPage::refreshRequested);
    connect(m_compare, &QPushButton::clicked, this, &CatalogPage::openCompare);
    connect(m_estimate, &QPushButton::clicked, this, &CatalogPage::openEstimator);

    auto *bottom = new QHBoxLayout;
    bottom->addWidget(m_summary, 1);
    bottom->addWidget(m_refresh);
    bottom->addWidget(m_compare);
    bottom->addWidget(m_estimate);

    auto *catalogLayout = new QVBoxLayout(catalogView);
    catalogLayout->setContentsMargins(0, 0, 0, 0);
    catalogLayout->addWidget(buildFilterBar());
    catalogLayout->addWidget(splitter, 1);
    catalogLayout->addLayout(bottom);

    m_message = new QLabel(tr("Loading the model catalog…"), this);
    m_message->setObjectName(QStringLiteral("catalogMessage"));
    m_message->setAlignment(Qt::AlignCenter);
    m_message->setWordWrap(true);

    m_state = new QStackedWidget(this);
    m_state->addWidget(m_message);
    m_state->addWidget(catalogView);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(12, 12, 12, 12);
    layout->addWidget(m_state);

    connect(m_modelsView->selectionModel(), &QItemSelectionModel::selectionChanged, this, &CatalogPage::updateDetail);
    connect(m_modelsView->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &CatalogPage::updateDetail);
    updateDetail();
}

CatalogPage::~CatalogPage() = default;

QWidget *CatalogPage::buildFilterBar()
{
    auto *bar = new QWidget(this);
    m_search = new QLineEdit(bar);
    m_search->setObjectName(QStringLiteral("catalogSearch"));
    m_search->setPlaceholderText(tr("Search models, ids, authors, providers…"));
    m_search->setClearButtonEnabled(true);

    m_provider = new QComboBox(bar);
    m_provider->setObjectName(QStringLiteral("providerFilter"));
    m_modality = new QComboBox(bar);
    m_modality->setObjectName(QStringLiteral("modalityFilter"));
    m_modality->addItem(tr("Any input"), 0);
    m_modality->addItem(tr("Image input"), int(engine::Modality::Image));
    m_modality->addItem(tr("Audio input"), int(engine::Modality::Audio));
    m_modality->addItem(tr("Video input"), int(engine::Modality::Video));
    m_modality->addItem(tr("PDF input"), int(engine::Modality::Pdf));
    m_context = new QComboBox(bar);
    m_context->setObjectName(QStringLiteral("contextFilter"));
    m_context->addItem(tr("Any context"), qlonglong(0));
    for (qlonglong tokens : {32'000LL, 128'000LL, 200'000LL, 1'000'000LL})
        m_context->addItem(tr("≥ %1 context").arg(models::tokenCountText(tokens)), tokens);
    m_maxPrice = new QComboBox(bar);
    m_maxPrice->setObjectName(QStringLiteral("maxPriceFilter"));
    m_maxPrice->addItem(tr("Any input price"), QString());
    for (const char *limit : {"0.1", "0.5", "1", "3", "10"})
        m_maxPrice->addItem(tr("≤ $%1 / 1M input").arg(QLatin1String(limit)), QString::fromLatin1(limit));
    m_origin = new QComboBox(bar);
    m_origin->setObjectName(QStringLiteral("originFilter"));

    m_tools = new QCheckBox(tr("Tools"), bar);
    m_reasoning = new QCheckBox(tr("Reasoning"), bar);
    m_vision = new QCheckBox(tr("Vision"), bar);
    m_openWeights = new QCheckBox(tr("Open weights"), bar);
    m_tools->setObjectName(QStringLiteral("toolsFilter"));
    m_reasoning->setObjectName(QStringLiteral("reasoningFilter"));
    m_vision->setObjectName(QStringLiteral("visionFilter"));
    m_openWeights->setObjectName(QStringLiteral("openWeightsFilter"));

    connect(m_search, &QLineEdit::textChanged, this, &CatalogPage::applyFilters);
    // Enter in the search box opens the first match.
    connect(m_search, &QLineEdit::returnPressed, this, [this] {
        if (m_proxy->rowCount() == 0)
            return;
        const QModelIndex first = m_proxy->index(0, 0);
        m_modelsView->selectionModel()->setCurrentIndex(first, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        m_modelsView->setFocus();
    });
    for (QComboBox *combo : {m_provider, m_modality, m_context, m_maxPrice, m_origin})
        connect(combo, &QComboBox::currentIndexChanged, this, &CatalogPage::applyFilters);
    for (QCheckBox *box : {m_tools, m_reasoning, m_vision, m_openWeights})
        connect(box, &QCheckBox::toggled, this, &CatalogPage::applyFilters);

    auto *first = new QHBoxLayout;
    first->addWidget(m_search, 1);
    first->addWidget(m_provider);
    first->addWidget(m_origin);
    auto *second = new QHBoxLayout;
    second->addWidget(m_modality);
    second->addWidget(m_context);
    second->addWidget(m_maxPrice);
    second->addSpacing(12);
    second->addWidget(m_tools);
    second->addWidget(m_reasoning);
    second->addWidget(m_vision);
    second->addWidget(m_openWeights);
    second->addStretch(1);
    auto *layout = new QVBoxLayout(bar);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(first);
    layout->addLayout(second);
    return bar;
}

QWidget *CatalogPage::buildDetailPane()
{
    auto *pane = new QWidget(this);
    m_detailHeader = new QLabel(pane);
    m_detailHeader->setObjectName(QStringLiteral("modelDetailHeader"));
    m_detailHeader->setTextFormat(Qt::RichText);
    m_detailHeader->setWordWrap(true);
    m_detailHeader->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *sorted = new QSortFilterProxyModel(pane);
    sorted->setSourceModel(m_offerings);
    sorted->setSortRole(models::SortRole);
    m_offeringsView = makeTable(pane, QStringLiteral("offeringsView"));
    m_offeringsView->setModel(sorted);
    m_offeringsView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_offeringsView->sortByColumn(models::OfferingsModel::InputColumn, Qt::AscendingOrder);
    m_offeringsView->hideColumn(models::OfferingsModel::ModelColumn);

    auto *layout = new QVBoxLayout(pane);
    layout->setContentsMargins(0, 6, 0, 0);
    layout->addWidget(m_detailHeader);
    layout->addWidget(m_offeringsView, 1);
    return pane;
}

void CatalogPage::setCatalog(std::shared_ptr<const engine::Catalog> catalog)
{
    m_catalog = std::move(catalog);
    m_table->setCatalog(m_catalog);
    fillFilterChoices();
    const auto &info = m_catalog->info();
    m_summaryText = tr("%1 models · %2 offerings · %3 providers — prices: genai-prices %4 (%5), models.dev (to %6)")
                           .arg(QLocale().toString(qlonglong(m_catalog->models().size())),
                                QLocale().toString(qlonglong(m_catalog->offerings().size())),
                                QLocale().toString(qlonglong(m_catalog->providers().size())), info.genaiVersion,
                                info.genaiDate.toString(Qt::ISODate), info.modelsDevNewest.toString(Qt::ISODate));
    m_summary->setText(m_summaryText);
    m_modelsView->resizeColumnsToContents();
    // Long names must not push the prices out of sight.
    for (int column = 0; column < CatalogTableModel::ColumnCount; ++column)
        m_modelsView->setColumnWidth(column, std::min(m_modelsView->columnWidth(column), column == 0 ? 260 : 170));
    m_state->setCurrentIndex(1);
    updateDetail();
}

void CatalogPage::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    // Arriving on the page, typing searches.
    if (!focusWidget() || !isAncestorOf(focusWidget()))
        m_search->setFocus();
}

void CatalogPage::setRefreshing(bool running, qint64 received, qint64 total)
{
    m_refresh->setEnabled(!running);
    if (!running) {
        m_summary->setText(m_summaryText);
        return;
    }
    const QString size = total > 0 ? tr("%1 of %2 kB").arg(received / 1024).arg(total / 1024) : tr("%1 kB").arg(received / 1024);
    m_summary->setText(tr("Refreshing prices… %1").arg(size));
}

void CatalogPage::setLoadError(const QString &message)
{
    m_message->setText(tr("The model catalog could not be loaded.\n\n%1").arg(message));
    m_state->setCurrentIndex(0);
}

void CatalogPage::fillFilterChoices()
{
    const QSignalBlocker providerBlock(m_provider);
    const QSignalBlocker originBlock(m_origin);
    m_provider->clear();
    m_provider->addItem(tr("All providers"), QString());
    QMap<QString, QString> providers;  // name -> id, sorted by name
    for (const engine::Provider &p : m_catalog->providers())
        providers.insert((p.name.isEmpty() ? p.id : p.name).toLower(), p.id);
    for (auto it = providers.cbegin(); it != providers.cend(); ++it) {
        const engine::Provider *p = m_catalog->provider(it.value());
        m_provider->addItem(p->name.isEmpty() ? p->id : p->name, p->id);
    }
    m_origin->clear();
    m_origin->addItem(tr("Any origin"), QString());
    QMap<QString, QString> countries;
    for (const engine::Model &model : m_catalog->models()) {
        if (!model.authorCountry.isEmpty())
            countries.insert(model.authorCountryName.isEmpty() ? model.authorCountry : model.authorCountryName,
                             model.authorCountry);
    }
    for (auto it = countries.cbegin(); it != countries.cend(); ++it)
        m_origin->addItem(it.key(), it.value());
}

void CatalogPage::applyFilters()
{
    models::CatalogFilterProxy::Filters filters;
    filters.text = m_search->text();
    filters.providerId = m_provider->currentData().toString();
    filters.inputModality = m_modality->currentData().toInt();
    filters.minContext = m_context->currentData().toLongLong();
    const QString maxPrice = m_maxPrice->currentData().toString();
    if (!maxPrice.isEmpty())
        filters.maxInputPerMillion = engine::Money::parse(maxPrice.toLatin1());
    filters.tools = m_tools->isChecked();
    filters.reasoning = m_reasoning->isChecked();
    filters.vision = m_vision->isChecked();
    filters.openWeights = m_openWeights->isChecked();
    filters.originCountry = m_origin->currentData().toString();
    m_proxy->setFilters(filters);
}

QStringList CatalogPage::selectedModelIds() const
{
    QStringList ids;
    const auto rows = m_modelsView->selectionModel()->selectedRows();
    for (const QModelIndex &index : rows)
        ids << index.data(models::ModelIdRole).toString();
    if (ids.isEmpty() && m_modelsView->currentIndex().isValid())
        ids << m_modelsView->currentIndex().data(models::ModelIdRole).toString();
    return ids;
}

bool CatalogPage::showModel(const QString &canonicalId)
{
    const int sourceRow = m_table->rowOf(canonicalId);
    if (sourceRow < 0)
        return false;
    QModelIndex index = m_proxy->mapFromSource(m_table->index(sourceRow, 0));
    if (!index.isValid()) {
        m_search->clear();
        for (QComboBox *combo : {m_provider, m_modality, m_context, m_maxPrice, m_origin})
            combo->setCurrentIndex(0);
        for (QCheckBox *box : {m_tools, m_reasoning, m_vision, m_openWeights})
            box->setChecked(false);
        index = m_proxy->mapFromSource(m_table->index(sourceRow, 0));
    }
    m_modelsView->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_modelsView->scrollTo(index);
    return true;
}

void CatalogPage::updateDetail()
{
    const QStringList ids = selectedModelIds();
    m_compare->setEnabled(ids.size() >= 2 && ids.size() <= kMaxCompared);
    m_estimate->setEnabled(!ids.isEmpty() && ids.size() <= kMaxCompared);
    if (!m_catalog || ids.isEmpty()) {
        m_detailHeader->setText(tr("<i>Select a model to see every provider that serves it.</i>"));
        m_offerings->setOfferings(m_catalog, {});
        return;
    }
    const QString id = m_modelsView->currentIndex().isValid()
                           ? m_modelsView->currentIndex().data(models::ModelIdRole).toString()
                           : ids.first();
    const engine::Model *model = m_catalog->model(id);
    if (!model)
        return;
    QStringList facts;
    if (!model->authorName.isEmpty() || !model->author.isEmpty())
        facts << tr("by %1").arg((model->authorName.isEmpty() ? model->author : model->authorName).toHtmlEscaped());
    if (!model->authorCountryName.isEmpty())
        facts << model->authorCountryName.toHtmlEscaped();
    if (model->contextLength > 0)
        facts << tr("%1 context").arg(models::tokenCountText(model->contextLength));
    if (model->releaseDate.isValid())
        facts << tr("released %1").arg(model->releaseDate.toString(Qt::ISODate));
    if (!model->knowledgeCutoff.isEmpty())
        facts << tr("knowledge to %1").arg(model->knowledgeCutoff.toHtmlEscaped());
    const int providers = m_catalog->providerCount(model->id);
    QString risk;
    if (providers == 1)
        risk = tr("<br><span style='color:#b35c00'>Served by a single provider: no fallback if it fails.</span>");
    m_detailHeader->setText(QStringLiteral("<b style='font-size:large'>%1</b> &nbsp;<code>%2</code><br>%3%4")
                                .arg((model->name.isEmpty() ? model->id : model->name).toHtmlEscaped(),
                                     model->id.toHtmlEscaped(), facts.join(QStringLiteral(" · ")), risk));
    m_offerings->setOfferings(m_catalog, {model->id});
    m_offeringsView->resizeColumnsToContents();
}

void CatalogPage::openCompare()
{
    const QStringList ids = selectedModelIds();
    if (ids.size() < 2 || ids.size() > kMaxCompared || !m_catalog)
        return;
    CompareDialog dialog(m_catalog, ids, this);
    dialog.exec();
}

void CatalogPage::openEstimator()
{
    const QStringList ids = selectedModelIds();
    if (ids.isEmpty() || ids.size() > kMaxCompared || !m_catalog)
        return;
    EstimatorDialog dialog(m_catalog, ids, this);
    dialog.exec();
}

} // namespace signalbox::ui
