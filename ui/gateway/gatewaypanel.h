#pragma once

// The Settings page's gateway section: run the console's gateway or not, on
// which port (a taken port is said plainly, with a way to pick another and
// retry), and the sandbox provider's switch, labelled as simulated.

#include "ui/gateway/gatewaycontroller.h"

#include <QPointer>
#include <QWidget>

class QCheckBox;
class QLabel;
class QPushButton;
class QSpinBox;

namespace signalbox::ui {

// Kept in QSettings ("gateway/enabled", "gateway/port").
struct GatewaySettings {
    bool enabled = true;
    quint16 port = GatewayController::kDefaultPort;

    static GatewaySettings load();
    void save() const;
};

class GatewayPanel final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(GatewayPanel)
public:
    explicit GatewayPanel(QWidget *parent = nullptr);

    // Not owned. Without one the controls are disabled.
    void setController(GatewayController *controller);

private:
    void onEnabledToggled(bool on);
    void onApply();
    void onSandboxToggled(bool on);
    void refresh();

    QPointer<GatewayController> m_controller;
    QCheckBox *m_enabled = nullptr;
    QSpinBox *m_port = nullptr;
    QPushButton *m_apply = nullptr;
    QLabel *m_state = nullptr;
    QLabel *m_error = nullptr;
    QCheckBox *m_sandbox = nullptr;
    QLabel *m_sandboxLabel = nullptr;
};

} // namespace signalbox::ui
