#include "ui/mainwindow.h"

#include "models/navigation/navigationmodel.h"
#include "models/catalog/pricetext.h"
#include "models/navigation/navigationroles.h"
#include "ui/aboutdialog.h"
#include "engine/catalog/refresh.h"
#include "engine/catalog/userstore.h"
#include "ui/catalog/catalogpage.h"
#include "ui/gateway/gatewaycontroller.h"
#include "ui/gateway/gatewaypanel.h"
#include "ui/keys/providerspage.h"
#include "ui/pages/placeholderpage.h"

#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QMessageBox>
#include <QMenuBar>
#include <QScreen>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>

namespace signalbox::ui {

namespace {
constexpr char kGeometryKey[] = "mainwindow/geometry";
constexpr char kStateKey[] = "mainwindow/state";
constexpr char kLastPageKey[] = "mainwindow/lastPage";

QStringList upcomingFeatures(const QString &id)
{
    if (id == QLatin1String("dashboard"))
        return {QObject::tr("Spend today, this week and this month against budgets"),
                QObject::tr("Requests, tokens, latency and time to first token over time"),
                QObject::tr("Top models, providers and keys by cost")};
    if (id == QLatin1String("routing"))
        return {QObject::tr("Policies by price, latency, throughput, health and budget"),
                QObject::tr("Fallback chains and why each request went where it went")};
    if (id == QLatin1String("budgets"))
        return {QObject::tr("Budgets per key, project or model that alert, downgrade or block"),
                QObject::tr("A forecast of month-end spend")};
    if (id == QLatin1String("requests"))
        return {QObject::tr("A searchable log of every request through the gateway"),
                QObject::tr("Tokens, exact cost, latency, time to first token and the route taken")};
    return {};
}

QString stateText(GatewayState state)
{
    switch (state) {
    case GatewayState::Stopped:
        return QObject::tr("stopped");
    case GatewayState::Starting:
        return QObject::tr("starting");
    case GatewayState::Running:
        return QObject::tr("running");
    case GatewayState::Failed:
        return QObject::tr("failed");
    case GatewayState::Stopping:
        return QObject::tr("stopping");
    }
    return {};
}
} // namespace

MainWindow::MainWindow(const WorkspaceSummary &workspace, QWidget *parent)
    : QMainWindow(parent)
    , m_navigation(new models::NavigationModel(this))
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("Signalbox"));
    setWindowIcon(QIcon(QStringLiteral(":/signalbox/icons/signalbox.svg")));

    m_sidebar = new QListView(this);
    m_sidebar->setObjectName(QStringLiteral("sidebar"));
    m_sidebar->setModel(m_navigation);
    m_sidebar->setIconSize(QSize(20, 20));
    m_sidebar->setSpacing(2);
    m_sidebar->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_sidebar->setSelectionMode(QAbstractItemView::SingleSelection);
    m_sidebar->setFixedWidth(190);
    m_sidebar->setFrameShape(QFrame::NoFrame);
    m_sidebar->setAutoFillBackground(true);
    m_sidebar->setBackgroundRole(QPalette::AlternateBase);

    m_stack = new QStackedWidget(this);
    m_stack->setObjectName(QStringLiteral("pageStack"));
    buildPages(workspace);

    connect(m_sidebar->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) {
                if (current.isValid())
                    m_stack->setCurrentIndex(current.row());
            });

    auto *central = new QWidget(this);
    auto *layout = new QHBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_sidebar);
    layout->addWidget(m_stack, 1);
    setCentralWidget(central);

    m_gatewayLabel = new QLabel(this);
    m_gatewayLabel->setObjectName(QStringLiteral("gatewayStatus"));
    m_workspaceLabel = new QLabel(tr("Workspace: %1").arg(QDir::toNativeSeparators(workspace.folder)), this);
    m_workspaceLabel->setObjectName(QStringLiteral("workspaceStatus"));
    m_workspaceLabel->setContentsMargins(12, 0, 4, 0);
    // Permanent widgets, so a passing status message never hides the gateway.
    m_sandboxLabel = new QLabel(tr("SANDBOX PROVIDER RUNNING — SIMULATED ANSWERS"), this);
    m_sandboxLabel->setObjectName(QStringLiteral("sandboxStatus"));
    m_sandboxLabel->setStyleSheet(QStringLiteral(
        "QLabel { background: #fff3cd; color: #5c4400; border: 1px solid #e0c060; border-radius: 3px; padding: 1px 6px; }"));
    m_sandboxLabel->setToolTip(tr("A simulated provider is in the gateway's routing table (model %1). "
                                  "Turn it off in Settings.")
                                   .arg(QLatin1String(GatewayController::kSandboxModelId)));
    m_sandboxLabel->hide();
    m_gatewayFixLink = new QLabel(QStringLiteral("<a href=\"settings\">") + tr("Change port…") + QStringLiteral("</a>"), this);
    m_gatewayFixLink->setObjectName(QStringLiteral("gatewayFix"));
    m_gatewayFixLink->setTextFormat(Qt::RichText);
    m_gatewayFixLink->setContentsMargins(6, 0, 0, 0);
    m_gatewayFixLink->hide();
    connect(m_gatewayFixLink, &QLabel::linkActivated, this, [this] { showPage(QStringLiteral("settings")); });
    statusBar()->addPermanentWidget(m_sandboxLabel);
    statusBar()->addPermanentWidget(m_gatewayLabel);
    statusBar()->addPermanentWidget(m_gatewayFixLink);
    statusBar()->addPermanentWidget(m_workspaceLabel);
    setGatewayStatus(GatewayState::Stopped, {});

    m_refresher = new engine::CatalogRefresher(nullptr, this);
    m_refreshUrl = engine::CatalogRefresher::defaultUrl();
    connect(m_catalogPage, &CatalogPage::refreshRequested, this, &MainWindow::refreshCatalog);
    connect(m_refresher, &engine::CatalogRefresher::progress, this,
            [this](qint64 received, qint64 total) { m_catalogPage->setRefreshing(true, received, total); });
    connect(m_refresher, &engine::CatalogRefresher::finished, this, &MainWindow::onRefreshFinished);

    buildMenus();
    restoreSettings();
}

MainWindow::~MainWindow() = default;

void MainWindow::buildPages(const WorkspaceSummary &workspace)
{
    for (int row = 0; row < m_navigation->rowCount(); ++row) {
        const QModelIndex index = m_navigation->index(row);
        const QString id = index.data(models::PageIdRole).toString();
        QWidget *page = nullptr;
        if (id == QLatin1String("settings"))
            page = new SettingsPage(workspace, m_stack);
        else if (id == QLatin1String("catalog"))
            page = m_catalogPage = new CatalogPage(m_stack);
        else if (id == QLatin1String("keys"))
            page = m_providersPage = new ProvidersPage(m_stack);
        else
            page = new PlaceholderPage(index.data(Qt::DisplayRole).toString(),
                                       index.data(models::PageSummaryRole).toString(), upcomingFeatures(id), m_stack);
        page->setObjectName(id + QStringLiteral("Page"));
        m_stack->addWidget(page);
    }
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
    quit->setMenuRole(QAction::QuitRole);

    QMenu *go = menuBar()->addMenu(tr("&Go"));
    for (int row = 0; row < m_navigation->rowCount(); ++row) {
        const QString id = m_navigation->idAt(row);
        QAction *action = go->addAction(m_navigation->index(row).data().toString(), this, [this, id] { showPage(id); });
        if (row < 9)
            action->setShortcut(QKeySequence(Qt::CTRL | static_cast<Qt::Key>(Qt::Key_1 + row)));
    }

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    QAction *about = help->addAction(tr("&About Signalbox"), this, &MainWindow::showAbout);
    about->setMenuRole(QAction::AboutRole);
}

QStringList MainWindow::pageIds() const
{
    QStringList ids;
    for (int row = 0; row < m_navigation->rowCount(); ++row)
        ids << m_navigation->idAt(row);
    return ids;
}

QString MainWindow::currentPageId() const
{
    return m_navigation->idAt(m_stack->currentIndex());
}

QWidget *MainWindow::page(const QString &id) const
{
    const int row = m_navigation->rowOf(id);
    return row < 0 ? nullptr : m_stack->widget(row);
}

bool MainWindow::showPage(const QString &id)
{
    const int row = m_navigation->rowOf(id);
    if (row < 0)
        return false;
    m_sidebar->setCurrentIndex(m_navigation->index(row));
    m_stack->setCurrentIndex(row);
    return true;
}

void MainWindow::setCatalog(std::shared_ptr<const engine::Catalog> baseCatalog)
{
    m_baseCatalog = std::move(baseCatalog);
    if (m_baseCatalog)
        m_catalogError.clear();
    if (m_gateway && m_baseCatalog)
        m_gateway->setBaseCatalog(m_baseCatalog);
    applyUserData();
}

void MainWindow::setGatewayController(GatewayController *controller)
{
    if (m_gateway)
        disconnect(m_gateway, nullptr, this, nullptr);
    m_gateway = controller;
    if (auto *settings = qobject_cast<SettingsPage *>(page(QStringLiteral("settings"))))
        settings->gatewayPanel()->setController(controller);
    if (!controller) {
        setGatewayStatus(GatewayState::Stopped, {});
        return;
    }
    connect(controller, &GatewayController::stateChanged, this, &MainWindow::showGatewayControllerState);
    connect(controller, &GatewayController::countersChanged, this, &MainWindow::showGatewayControllerState);
    connect(controller, &GatewayController::sandboxStateChanged, this, &MainWindow::showGatewayControllerState);
    connect(controller, &GatewayController::configReloadFailed, this, [this](const QString &message) {
        statusBar()->showMessage(tr("Gateway configuration not reloaded (still serving the previous one): %1").arg(message),
                                 15000);
    });
    if (m_baseCatalog)
        controller->setBaseCatalog(m_baseCatalog);
    else if (!m_catalogError.isEmpty())
        controller->setBaseCatalogError(m_catalogError);
    showGatewayControllerState();
}

GatewayController *MainWindow::gatewayController() const
{
    return m_gateway;
}

void MainWindow::showGatewayControllerState()
{
    if (!m_gateway)
        return;
    const GatewayController &gateway = *m_gateway;
    const QString requested = QStringLiteral("127.0.0.1:%1").arg(gateway.requestedPort());
    // "Change port…" only where a port is the problem (not a missing catalog).
    m_gatewayFixLink->setVisible(gateway.portInUse());
    switch (gateway.state()) {
    case GatewayController::State::Stopped:
        setGatewayStatus(GatewayState::Stopped, {});
        break;
    case GatewayController::State::Starting:
        setGatewayStatus(GatewayState::Starting, requested,
                         gateway.hasBaseCatalog() ? QString() : tr("waiting for the catalog"));
        break;
    case GatewayController::State::Stopping:
        setGatewayStatus(GatewayState::Stopping, {});
        break;
    case GatewayController::State::Running: {
        const GatewayCounters counters = gateway.counters();
        QString detail = counters.text(QStringLiteral(" · "));
        if (!gateway.errorMessage().isEmpty()) // asked to move to another port, and could not
            detail += QStringLiteral(" · ") +
                      (gateway.portInUse()
                           ? tr("not moved: port %1 is in use by another program").arg(gateway.requestedPort())
                           : tr("not moved to port %1: %2").arg(gateway.requestedPort()).arg(gateway.errorMessage()));
        setGatewayStatus(GatewayState::Running, gateway.baseUrl(), detail);
        break;
    }
    case GatewayController::State::Failed:
        setGatewayStatus(GatewayState::Failed, requested,
                         gateway.portInUse() ? tr("port %1 is in use by another program").arg(gateway.requestedPort())
                                             : gateway.errorMessage());
        break;
    }
    m_sandboxLabel->setVisible(gateway.isSandboxRunning());
}

void MainWindow::setUserStore(engine::CatalogUserStore *store)
{
    m_userStore = store;
    m_providersPage->setStore(store);
    connect(m_providersPage, &ProvidersPage::userDataChanged, this, &MainWindow::applyUserData, Qt::UniqueConnection);
    applyUserData();
}

void MainWindow::applyUserData()
{
    if (!m_baseCatalog)
        return;
    m_effectiveCatalog = m_baseCatalog;
    if (m_userStore) {
        auto userData = m_userStore->load();
        if (userData && !userData->isEmpty())
            m_effectiveCatalog =
                std::make_shared<const engine::Catalog>(engine::applyUserData(*m_baseCatalog, userData.value()));
        else if (!userData)
            statusBar()->showMessage(tr("Custom providers could not be read: %1").arg(userData.error().message), 10000);
    }
    const QStringList selected = m_catalogPage->selectedModelIds();
    m_catalogPage->setCatalog(m_effectiveCatalog);
    if (!selected.isEmpty())
        m_catalogPage->showModel(selected.first());
    m_providersPage->setCatalog(m_effectiveCatalog);
}

void MainWindow::setCatalogError(const QString &message)
{
    m_catalogPage->setLoadError(message);
    m_catalogError = message;
    // Without a catalog the gateway cannot start: say so rather than wait for it.
    if (m_gateway)
        m_gateway->setBaseCatalogError(message);
}

void MainWindow::setRefreshUrl(const QUrl &url)
{
    m_refreshUrl = url;
}

QUrl MainWindow::refreshUrl() const
{
    return m_refreshUrl;
}

void MainWindow::refreshCatalog()
{
    if (!m_baseCatalog || m_refresher->isRunning())
        return;
    // Refresh the catalog as shipped or last refreshed; user data goes on top after.
    m_refresher->setBaseCatalog(m_baseCatalog);
    if (m_refresher->start(m_refreshUrl))
        m_catalogPage->setRefreshing(true);
}

void MainWindow::onRefreshFinished(const engine::RefreshResult &result)
{
    m_catalogPage->setRefreshing(false);
    if (!result.ok) {
        const QString message = tr("Prices were not refreshed; the catalog is unchanged.\n\n%1").arg(result.error.message);
        statusBar()->showMessage(tr("Refresh failed: %1").arg(result.error.message), 15000);
        if (m_showRefreshReport)
            QMessageBox::warning(this, tr("Refresh prices"), message);
        Q_EMIT refreshFinished(false, result.error.message);
        return;
    }
    setCatalog(result.catalog);
    const QString summary = result.diff.isEmpty() ? tr("No changes.") : result.diff.summary();
    statusBar()->showMessage(tr("Prices refreshed from %1: %2").arg(result.url.host(), summary), 15000);
    if (m_showRefreshReport) {
        QMessageBox box(QMessageBox::Information, tr("Refresh prices"),
                        tr("Prices refreshed from %1.\n%2").arg(result.url.toDisplayString(), summary), QMessageBox::Ok, this);
        QStringList lines;
        for (const QString &id : result.diff.added)
            lines << tr("new: %1").arg(id);
        for (const QString &id : result.diff.removed)
            lines << tr("removed: %1").arg(id);
        for (const engine::PriceChange &change : result.diff.priceChanges) {
            const char *kind = change.kind == engine::PriceChange::Kind::Up     ? "up"
                               : change.kind == engine::PriceChange::Kind::Down ? "down"
                                                                                 : "changed";
            lines << tr("price %1: %2  input %3 -> %4, output %5 -> %6")
                         .arg(QLatin1String(kind), change.providerModelId,
                              models::perMillionText(change.oldInput), models::perMillionText(change.newInput),
                              models::perMillionText(change.oldOutput), models::perMillionText(change.newOutput));
        }
        box.setDetailedText(lines.join(QLatin1Char('\n')));
        box.exec();
    }
    Q_EMIT refreshFinished(true, summary);
}

void MainWindow::setGatewayStatus(GatewayState state, const QString &address, const QString &detail)
{
    QString text = tr("Gateway: %1").arg(stateText(state));
    if (!address.isEmpty())
        text += QStringLiteral(" — ") + address;
    if (!detail.isEmpty())
        text += QStringLiteral(" (") + detail + QLatin1Char(')');
    m_gatewayLabel->setText(text);
}

QString MainWindow::gatewayStatusText() const
{
    return m_gatewayLabel->text();
}

void MainWindow::showAbout()
{
    AboutDialog dialog(this);
    dialog.exec();
}

void MainWindow::saveSettings() const
{
    QSettings settings;
    settings.setValue(QLatin1String(kGeometryKey), saveGeometry());
    settings.setValue(QLatin1String(kStateKey), saveState());
    settings.setValue(QLatin1String(kLastPageKey), currentPageId());
}

void MainWindow::restoreSettings()
{
    QSettings settings;
    const QByteArray geometry = settings.value(QLatin1String(kGeometryKey)).toByteArray();
    if (geometry.isEmpty() || !restoreGeometry(geometry)) {
        resize(1100, 720);
        if (const QScreen *screen = QGuiApplication::primaryScreen())
            move(screen->availableGeometry().center() - rect().center());
    }
    restoreState(settings.value(QLatin1String(kStateKey)).toByteArray());
    const QString last = settings.value(QLatin1String(kLastPageKey)).toString();
    if (!showPage(last))
        showPage(QStringLiteral("dashboard"));
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveSettings();
    QMainWindow::closeEvent(event);
}

} // namespace signalbox::ui
