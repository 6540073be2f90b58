#pragma once

#include "ui/pages/settingspage.h"

#include <QMainWindow>

class QLabel;
class QListView;
class QStackedWidget;

namespace signalbox::models {
class NavigationModel;
}

namespace signalbox::ui {

enum class GatewayState { Stopped, Starting, Running, Failed };

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

    void setGatewayStatus(GatewayState state, const QString &address, const QString &detail = {});
    QString gatewayStatusText() const;

    // Writes geometry and the current page to QSettings (also done on close).
    void saveSettings() const;

public Q_SLOTS:
    void showAbout();

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
};

} // namespace signalbox::ui
