#pragma once

#include "ui/pages/settingspage.h"

#include <QMainWindow>
#include <QPointer>
#include <QUrl>

#include <memory>

class QLabel;
class QListView;
class QStackedWidget;

namespace signalbox::engine {
class Catalog;
class CatalogRefresher;
class CatalogUserStore;
struct RefreshResult;
} // namespace signalbox::engine
namespace signalbox::models {
class NavigationModel;
}

namespace signalbox::ui {

class CatalogPage;
class GatewayController;
class ProvidersPage;

enum class GatewayState { Stopped, Starting, Running, Failed, Stopping };

// The console shell: a sidebar of pages, the page stack, and a status bar
// with the gateway's address and state. Geometry and the last page shown are
// remembered in QSettings.
class MainWindow final : public QMainWindow {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)
public:
    explicit MainWindow(const WorkspaceSummary &workspace, QWidget *parent = nullptr);
    ~MainWindow() override;

    QStringList pageIds() const;
    QString currentPageId() const;
    QWidget *page(const QString &id) const;
    // Shows the page with `id`; false (and nothing changes) when unknown.
    bool showPage(const QString &id);

    // The catalog is loaded off the GUI thread; pages show "loading" until then.
    // The pages see it with the user's providers, overrides and aliases applied.
    void setCatalog(std::shared_ptr<const engine::Catalog> baseCatalog);
    void setCatalogError(const QString &message);
    // Where custom providers and price overrides are kept (not owned).
    void setUserStore(engine::CatalogUserStore *store);
    std::shared_ptr<const engine::Catalog> effectiveCatalog() const { return m_effectiveCatalog; }
    std::shared_ptr<const engine::Catalog> baseCatalog() const { return m_baseCatalog; }
    CatalogPage *catalogPage() const { return m_catalogPage; }
    ProvidersPage *providersPage() const { return m_providersPage; }

    void setGatewayStatus(GatewayState state, const QString &address, const QString &detail = {});
    QString gatewayStatusText() const;
    // The console's own gateway (not owned): the status bar shows its address
    // and counters, the Settings page its switches; it follows the base
    // catalog (loaded, refreshed).
    void setGatewayController(GatewayController *controller);
    GatewayController *gatewayController() const; // null once it is destroyed

    // Writes geometry and the current page to QSettings (also done on close).
    void saveSettings() const;

    // Where "Refresh prices" fetches from (default: OpenRouter's model list).
    void setRefreshUrl(const QUrl &url);
    QUrl refreshUrl() const;
    // Shows the diff in a dialog after a refresh (off in tests).
    void setShowRefreshReport(bool show) { m_showRefreshReport = show; }

public Q_SLOTS:
    void showAbout();
    // Fetches current prices; on success the result becomes the base catalog,
    // on failure nothing changes. Either way refreshFinished() follows.
    void refreshCatalog();

Q_SIGNALS:
    void refreshFinished(bool ok, const QString &summary);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildPages(const WorkspaceSummary &workspace);
    void buildMenus();
    void restoreSettings();

    models::NavigationModel *m_navigation = nullptr;
    QListView *m_sidebar = nullptr;
    QStackedWidget *m_stack = nullptr;
    QLabel *m_gatewayLabel = nullptr;
    QLabel *m_workspaceLabel = nullptr;
    QLabel *m_sandboxLabel = nullptr;   // shown while the sandbox provider runs: "simulated"
    QLabel *m_gatewayFixLink = nullptr; // "Change port…" when the gateway could not start
    QPointer<GatewayController> m_gateway; // not owned: cleared when it is destroyed
    void applyUserData();
    void showGatewayControllerState();
    void onRefreshFinished(const engine::RefreshResult &result);

    CatalogPage *m_catalogPage = nullptr;
    ProvidersPage *m_providersPage = nullptr;
    engine::CatalogUserStore *m_userStore = nullptr;
    std::shared_ptr<const engine::Catalog> m_baseCatalog;
    std::shared_ptr<const engine::Catalog> m_effectiveCatalog;
    QString m_catalogError; // why the catalog did not load (the gateway is told too)
    engine::CatalogRefresher *m_refresher = nullptr;
    QUrl m_refreshUrl;
    bool m_showRefreshReport = true;
};

} // namespace signalbox::ui
