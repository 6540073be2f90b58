#pragma once

#include <QWidget>

namespace signalbox::ui {

struct WorkspaceSummary {
    QString folder;
    QString databasePath;
    int schemaVersion = 0;
};

class GatewayPanel;

// Settings: where the workspace lives and its schema version; the console's
// gateway (on or off, its port) and the sandbox provider.
class SettingsPage final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SettingsPage)
public:
    explicit SettingsPage(const WorkspaceSummary &workspace, QWidget *parent = nullptr);

    GatewayPanel *gatewayPanel() const { return m_gatewayPanel; }

private:
    GatewayPanel *m_gatewayPanel = nullptr;
};

} // namespace signalbox::ui
