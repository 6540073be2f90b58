#include "ui/keys/providerspage.h"

#include "engine/catalog/userstore.h"
#include "models/catalog/userdatamodels.h"
#include "ui/keys/overridedialog.h"
#include "ui/keys/providerdialog.h"

#include <QCompleter>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLineEdit>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

namespace signalbox::ui {

namespace {
QTableView *makeView(QWidget *parent, QAbstractItemModel *model, const QString &name)
{
    auto *view = new QTableView(parent);
    view->setObjectName(name);
    view->setModel(model);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->verticalHeader()->hide();
    view->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    return view;
}

QPushButton *button(QWidget *parent, const QString &text, const QString &name)
{
    auto *b = new QPushButton(text, parent);
    b->setObjectName(name);
    return b;
}
} // namespace

ProvidersPage::ProvidersPage(QWidget *parent)
    : QWidget(parent)
    , m_providers(new models::CustomProvidersModel(this))
    , m_overrides(new models::PriceOverridesModel(this))
    , m_aliases(new models::ModelAliasesModel(this))
{
    auto *providersBox = new QGroupBox(tr("Custom providers"), this);
    m_providersView = makeView(providersBox, m_providers, QStringLiteral("customProvidersView"));
    m_addProvider = button(providersBox, tr("Add…"), QStringLiteral("addProvider"));
    m_editProvider = button(providersBox, tr("Edit…"), QStringLiteral("editProvider"));
    m_removeProvider = button(providersBox, tr("Remove"), QStringLiteral("removeProvider"));
    auto *providerButtons = new QHBoxLayout;
    providerButtons->addWidget(new QLabel(tr("Any OpenAI-compatible server: vLLM, Ollama, llama.cpp, Azure, a company proxy."),
                                          providersBox),
                               1);
    providerButtons->addWidget(m_addProvider);
    providerButtons->addWidget(m_editProvider);
    providerButtons->addWidget(m_removeProvider);
    auto *providersLayout = new QVBoxLayout(providersBox);
    providersLayout->addWidget(m_providersView);
    providersLayout->addLayout(providerButtons);

    auto *overridesBox = new QGroupBox(tr("Price overrides"), this);
    m_overridesView = makeView(overridesBox, m_overrides, QStringLiteral("priceOverridesView"));
    m_addOverride = button(overridesBox, tr("Add…"), QStringLiteral("addOverride"));
    m_editOverride = button(overridesBox, tr("Edit…"), QStringLiteral("editOverride"));
    m_removeOverride = button(overridesBox, tr("Remove"), QStringLiteral("removeOverride"));
    auto *overrideButtons = new QHBoxLayout;
    overrideButtons->addWidget(new QLabel(tr("Negotiated discounts and contract prices; they survive every catalog refresh."),
                                          overridesBox),
                               1);
    overrideButtons->addWidget(m_addOverride);
    overrideButtons->addWidget(m_editOverride);
    overrideButtons->addWidget(m_removeOverride);
    auto *overridesLayout = new QVBoxLayout(overridesBox);
    overridesLayout->addWidget(m_overridesView);
    overridesLayout->addLayout(overrideButtons);

    auto *aliasesBox = new QGroupBox(tr("Model aliases"), this);
    m_aliasesView = makeView(aliasesBox, m_aliases, QStringLiteral("aliasesView"));
    m_addAlias = button(aliasesBox, tr("Add…"), QStringLiteral("addAlias"));
    m_removeAlias = button(aliasesBox, tr("Remove"), QStringLiteral("removeAlias"));
    auto *aliasButtons = new QHBoxLayout;
    aliasButtons->addWidget(new QLabel(tr("Group a model the catalog lists under another id with the one it is."), aliasesBox), 1);
    aliasButtons->addWidget(m_addAlias);
    aliasButtons->addWidget(m_removeAlias);
    auto *aliasesLayout = new QVBoxLayout(aliasesBox);
    aliasesLayout->addWidget(m_aliasesView);
    aliasesLayout->addLayout(aliasButtons);

    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("providersError"));
    m_error->setStyleSheet(QStringLiteral("color: #b00020"));
    m_error->setWordWrap(true);
    m_error->hide();

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(12, 12, 12, 12);
    layout->addWidget(providersBox, 1);
    layout->addWidget(overridesBox, 1);
    layout->addWidget(aliasesBox, 1);
    layout->addWidget(m_error);

    connect(m_addProvider, &QPushButton::clicked, this, &ProvidersPage::onAddProvider);
    connect(m_editProvider, &QPushButton::clicked, this, &ProvidersPage::onEditProvider);
    connect(m_removeProvider, &QPushButton::clicked, this, &ProvidersPage::onRemoveProvider);
    connect(m_addOverride, &QPushButton::clicked, this, &ProvidersPage::onAddOverride);
    connect(m_editOverride, &QPushButton::clicked, this, &ProvidersPage::onEditOverride);
    connect(m_removeOverride, &QPushButton::clicked, this, &ProvidersPage::onRemoveOverride);
    connect(m_addAlias, &QPushButton::clicked, this, &ProvidersPage::onAddAlias);
    connect(m_removeAlias, &QPushButton::clicked, this, &ProvidersPage::onRemoveAlias);
    connect(m_providersView, &QAbstractItemView::doubleClicked, this, &ProvidersPage::onEditProvider);
    connect(m_overridesView, &QAbstractItemView::doubleClicked, this, &ProvidersPage::onEditOverride);
    for (QTableView *view : {m_providersView, m_overridesView, m_aliasesView})
        connect(view->selectionModel(), &QItemSelectionModel::selectionChanged, this, &ProvidersPage::updateButtons);
    updateButtons();
}

ProvidersPage::~ProvidersPage() = default;

void ProvidersPage::setStore(engine::CatalogUserStore *store)
{
    m_store = store;
    reload();
}

void ProvidersPage::setCatalog(std::shared_ptr<const engine::Catalog> catalog)
{
    m_catalog = std::move(catalog);
}

void ProvidersPage::reload()
{
    if (!m_store) {
        m_providers->setProviders({});
        m_overrides->setOverrides({});
        m_aliases->setAliases({});
        updateButtons();
        return;
    }
    auto providers = m_store->providers();
    auto overrides = m_store->overrides();
    auto aliases = m_store->aliases();
    if (!providers)
        report(providers.error());
    else if (!overrides)
        report(overrides.error());
    else if (!aliases)
        report(aliases.error());
    m_aliases->setAliases(aliases ? std::move(aliases).value() : std::vector<engine::ModelAlias>{});
    m_providers->setProviders(providers ? std::move(providers).value() : std::vector<engine::CustomProvider>{});
    m_overrides->setOverrides(overrides ? std::move(overrides).value() : std::vector<engine::PriceOverride>{});
    updateButtons();
}

bool ProvidersPage::report(const engine::Error &error)
{
    m_error->setText(error.message);
    m_error->show();
    return false;
}

QString ProvidersPage::lastError() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

void ProvidersPage::done()
{
    m_error->hide();
    m_error->clear();
    reload();
    Q_EMIT userDataChanged();
}

// Every edit: write through the store, then either show its refusal or
// reload the tables and tell the window to rebuild the catalog.
template <typename Write>
bool ProvidersPage::write(Write &&writeToStore)
{
    if (!m_store)
        return false;
    if (auto written = writeToStore(*m_store); !written)
        return report(written.error());
    done();
    return true;
}

bool ProvidersPage::addProvider(const engine::CustomProvider &provider)
{
    return write([&](engine::CatalogUserStore &store) { return store.addProvider(provider); });
}

bool ProvidersPage::updateProvider(const engine::CustomProvider &provider)
{
    return write([&](engine::CatalogUserStore &store) { return store.updateProvider(provider); });
}

bool ProvidersPage::removeProvider(const QString &id)
{
    return write([&](engine::CatalogUserStore &store) { return store.removeProvider(id); });
}

bool ProvidersPage::addOverride(const engine::PriceOverride &priceOverride)
{
    return write([&](engine::CatalogUserStore &store) { return store.addOverride(priceOverride); });
}

bool ProvidersPage::updateOverride(const engine::PriceOverride &priceOverride)
{
    return write([&](engine::CatalogUserStore &store) { return store.updateOverride(priceOverride); });
}

bool ProvidersPage::removeOverride(const QString &providerId, const QString &providerModelId)
{
    return write([&](engine::CatalogUserStore &store) { return store.removeOverride(providerId, providerModelId); });
}

bool ProvidersPage::addAlias(const engine::ModelAlias &alias)
{
    return write([&](engine::CatalogUserStore &store) { return store.addAlias(alias); });
}

bool ProvidersPage::removeAlias(const QString &alias)
{
    return write([&](engine::CatalogUserStore &store) { return store.removeAlias(alias); });
}

void ProvidersPage::onAddAlias()
{
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Model alias"));
    auto *alias = new QLineEdit(&dialog);
    alias->setPlaceholderText(QStringLiteral("acme/gpt-oss-120b-turbo"));
    auto *target = new QLineEdit(&dialog);
    target->setPlaceholderText(QStringLiteral("openai/gpt-oss-120b"));
    if (m_catalog) {
        QStringList ids;
        for (const engine::Model &model : m_catalog->models())
            ids << model.id;
        auto *completer = new QCompleter(ids, target);
        completer->setCaseSensitivity(Qt::CaseInsensitive);
        completer->setFilterMode(Qt::MatchContains);
        target->setCompleter(completer);
    }
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    auto *form = new QFormLayout(&dialog);
    form->addRow(tr("Alias (the id to regroup):"), alias);
    form->addRow(tr("Is the model:"), target);
    form->addRow(buttons);
    while (dialog.exec() == QDialog::Accepted) {
        engine::ModelAlias value;
        value.alias = alias->text();
        value.modelId = target->text();
        if (addAlias(engine::normalised(value)))
            return;
        QMessageBox::warning(this, tr("Model alias"), lastError());
    }
}

void ProvidersPage::onRemoveAlias()
{
    if (const engine::ModelAlias *current = m_aliases->aliasAt(m_aliasesView->currentIndex().row()))
        removeAlias(current->alias);
}

void ProvidersPage::updateButtons()
{
    const bool writable = m_store != nullptr;
    const bool provider = m_providersView->selectionModel()->hasSelection();
    const bool priceOverride = m_overridesView->selectionModel()->hasSelection();
    m_addProvider->setEnabled(writable);
    m_editProvider->setEnabled(writable && provider);
    m_removeProvider->setEnabled(writable && provider);
    m_addOverride->setEnabled(writable);
    m_editOverride->setEnabled(writable && priceOverride);
    m_removeOverride->setEnabled(writable && priceOverride);
    m_addAlias->setEnabled(writable);
    m_removeAlias->setEnabled(writable && m_aliasesView->selectionModel()->hasSelection());
}

void ProvidersPage::onAddProvider()
{
    ProviderDialog dialog(this);
    while (dialog.exec() == QDialog::Accepted) {
        if (addProvider(dialog.provider()))
            return;
        QMessageBox::warning(this, tr("Custom provider"), lastError());
    }
}

void ProvidersPage::onEditProvider()
{
    const engine::CustomProvider *current = m_providers->providerAt(m_providersView->currentIndex().row());
    if (!current)
        return;
    ProviderDialog dialog(this);
    dialog.setProvider(*current);
    while (dialog.exec() == QDialog::Accepted) {
        if (updateProvider(dialog.provider()))
            return;
        QMessageBox::warning(this, tr("Custom provider"), lastError());
    }
}

void ProvidersPage::onRemoveProvider()
{
    const engine::CustomProvider *current = m_providers->providerAt(m_providersView->currentIndex().row());
    if (!current)
        return;
    const QString id = current->id;
    if (QMessageBox::question(this, tr("Remove provider"),
                              tr("Remove %1, its models and the price overrides that name it?").arg(id))
        == QMessageBox::Yes)
        removeProvider(id);
}

void ProvidersPage::onAddOverride()
{
    OverrideDialog dialog(m_catalog, this);
    while (dialog.exec() == QDialog::Accepted) {
        if (addOverride(dialog.priceOverride()))
            return;
        QMessageBox::warning(this, tr("Price override"), lastError());
    }
}

void ProvidersPage::onEditOverride()
{
    const engine::PriceOverride *current = m_overrides->overrideAt(m_overridesView->currentIndex().row());
    if (!current)
        return;
    OverrideDialog dialog(m_catalog, this);
    dialog.setOverride(*current);
    while (dialog.exec() == QDialog::Accepted) {
        if (updateOverride(dialog.priceOverride()))
            return;
        QMessageBox::warning(this, tr("Price override"), lastError());
    }
}

void ProvidersPage::onRemoveOverride()
{
    const engine::PriceOverride *current = m_overrides->overrideAt(m_overridesView->currentIndex().row());
    if (!current)
        return;
    removeOverride(current->providerId, current->providerModelId);
}

} // namespace signalbox::ui
