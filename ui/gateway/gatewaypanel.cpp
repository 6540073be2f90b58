#include "ui/gateway/gatewaypanel.h"

#include <QCheckBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QVBoxLayout>

namespace signalbox::ui {

namespace {
constexpr char kEnabledKey[] = "gateway/enabled";
constexpr char kPortKey[] = "gateway/port";

// The one look every "simulated" notice shares, so it is recognised at a glance.
constexpr char kSimulatedStyle[] =
    "QLabel { background: #fff3cd; color: #5c4400; border: 1px solid #e0c060; border-radius: 3px; padding: 6px; }";
} // namespace

GatewaySettings GatewaySettings::load()
{
    QSettings settings;
    GatewaySettings loaded;
    loaded.enabled = settings.value(QLatin1String(kEnabledKey), true).toBool();
    bool ok = false;
    const uint port = settings.value(QLatin1String(kPortKey), GatewayController::kDefaultPort).toUInt(&ok);
    if (ok && port >= 1 && port <= 65535)
        loaded.port = static_cast<quint16>(port);
    return loaded;
}

void GatewaySettings::save() const
{
    QSettings settings;
    settings.setValue(QLatin1String(kEnabledKey), enabled);
    settings.setValue(QLatin1String(kPortKey), port);
}

GatewayPanel::GatewayPanel(QWidget *parent)
    : QWidget(parent)
{
    const GatewaySettings settings = GatewaySettings::load();

    auto *gatewayGroup = new QGroupBox(tr("Gateway"), this);
    auto *gatewayLayout = new QVBoxLayout(gatewayGroup);
    auto *form = new QFormLayout;
    form->setLabelAlignment(Qt::AlignLeft | Qt::AlignTop);
    gatewayLayout->addLayout(form);

    m_enabled = new QCheckBox(tr("Run the gateway while the console is open"), gatewayGroup);
    m_enabled->setObjectName(QStringLiteral("gatewayEnabled"));
    m_enabled->setChecked(settings.enabled);
    form->addRow(QString(), m_enabled);

    m_port = new QSpinBox(gatewayGroup);
    m_port->setObjectName(QStringLiteral("gatewayPort"));
    m_port->setRange(1, 65535);
    m_port->setValue(settings.port);
    m_port->setGroupSeparatorShown(false);
    m_apply = new QPushButton(tr("Start"), gatewayGroup);
    m_apply->setObjectName(QStringLiteral("gatewayApply"));
    auto *portRow = new QHBoxLayout;
    portRow->addWidget(m_port);
    portRow->addWidget(m_apply);
    portRow->addStretch(1);
    form->addRow(tr("Port on 127.0.0.1:"), portRow);

    m_state = new QLabel(gatewayGroup);
    m_state->setObjectName(QStringLiteral("gatewayState"));
    m_state->setWordWrap(true);
    m_state->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(tr("State:"), m_state);

    m_error = new QLabel(gatewayGroup);
    m_error->setObjectName(QStringLiteral("gatewayError"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("QLabel { color: #b00020; font-weight: bold; }"));
    m_error->hide();
    gatewayLayout->addWidget(m_error);

    auto *gatewayHint = new QLabel(tr("The console's gateway listens on this computer only. OpenAI-compatible clients "
                                      "use the address above as their base URL, with a Signalbox virtual key from<br>"
                                      "<code>signalbox-gateway keys create --name NAME</code>"),
                                   gatewayGroup);
    gatewayHint->setTextFormat(Qt::RichText);
    gatewayHint->setWordWrap(true);
    gatewayHint->setEnabled(false);
    gatewayLayout->addWidget(gatewayHint);

    auto *sandboxGroup = new QGroupBox(tr("Sandbox provider (simulated)"), this);
    auto *sandboxLayout = new QVBoxLayout(sandboxGroup);
    m_sandbox = new QCheckBox(tr("Start sandbox provider (simulated)"), sandboxGroup);
    m_sandbox->setObjectName(QStringLiteral("sandboxToggle"));
    sandboxLayout->addWidget(m_sandbox);
    m_sandboxLabel = new QLabel(sandboxGroup);
    m_sandboxLabel->setObjectName(QStringLiteral("sandboxLabel"));
    m_sandboxLabel->setWordWrap(true);
    m_sandboxLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    sandboxLayout->addWidget(m_sandboxLabel);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(gatewayGroup);
    layout->addWidget(sandboxGroup);

    connect(m_enabled, &QCheckBox::toggled, this, &GatewayPanel::onEnabledToggled);
    connect(m_apply, &QPushButton::clicked, this, &GatewayPanel::onApply);
    connect(m_sandbox, &QCheckBox::toggled, this, &GatewayPanel::onSandboxToggled);
    connect(m_port, &QSpinBox::valueChanged, this, &GatewayPanel::refresh);
    refresh();
}

void GatewayPanel::setController(GatewayController *controller)
{
    if (m_controller)
        disconnect(m_controller, nullptr, this, nullptr);
    m_controller = controller;
    if (controller) {
        connect(controller, &GatewayController::stateChanged, this, &GatewayPanel::refresh);
        connect(controller, &GatewayController::countersChanged, this, &GatewayPanel::refresh);
        connect(controller, &GatewayController::sandboxStateChanged, this, &GatewayPanel::refresh);
    }
    refresh();
}

void GatewayPanel::onEnabledToggled(bool on)
{
    GatewaySettings settings = GatewaySettings::load();
    settings.enabled = on;
    settings.save();
    if (!m_controller)
        return;
    if (on)
        m_controller->start(static_cast<quint16>(m_port->value()));
    else
        m_controller->stop();
    refresh();
}

void GatewayPanel::onApply()
{
    GatewaySettings settings;
    settings.enabled = true;
    settings.port = static_cast<quint16>(m_port->value());
    settings.save();
    {
        const QSignalBlocker blocker(m_enabled);
        m_enabled->setChecked(true);
    }
    if (m_controller)
        m_controller->start(settings.port);
    refresh();
}

void GatewayPanel::onSandboxToggled(bool on)
{
    if (!m_controller)
        return;
    if (on)
        m_controller->startSandbox();
    else
        m_controller->stopSandbox();
    refresh();
}

void GatewayPanel::refresh()
{
    GatewayController *controller = m_controller;
    const bool haveController = controller != nullptr;
    m_enabled->setEnabled(haveController);
    m_port->setEnabled(haveController);
    m_sandbox->setEnabled(haveController);

    using State = GatewayController::State;
    const State state = haveController ? controller->state() : State::Stopped;
    const quint16 wanted = static_cast<quint16>(m_port->value());
    switch (state) {
    case State::Running: {
        const GatewayCounters counters = controller->counters();
        m_state->setText(tr("Listening on %1 — %2; %3 routable offerings.")
                             .arg(controller->baseUrl(), counters.text(QStringLiteral(", ")))
                             .arg(counters.routableOfferings));
        m_apply->setText(tr("Restart on this port"));
        m_apply->setEnabled(wanted != controller->port());
        break;
    }
    case State::Starting:
        m_state->setText(controller->hasBaseCatalog() ? tr("Starting on 127.0.0.1:%1…").arg(controller->requestedPort())
                                                      : tr("Starts on 127.0.0.1:%1 once the catalog has loaded…")
                                                            .arg(controller->requestedPort()));
        m_apply->setText(tr("Start"));
        m_apply->setEnabled(false);
        break;
    case State::Stopping:
        m_state->setText(tr("Stopping: requests in flight finish, every usage row is written…"));
        m_apply->setText(tr("Start"));
        m_apply->setEnabled(false);
        break;
    case State::Failed:
        m_state->setText(tr("Not running."));
        m_apply->setText(tr("Retry on this port"));
        m_apply->setEnabled(true);
        break;
    case State::Stopped:
        m_state->setText(haveController ? tr("Stopped. Nothing listens until you start it.")
                                        : tr("Not available in this window."));
        m_apply->setText(tr("Start"));
        m_apply->setEnabled(haveController);
        break;
    }

    if (state == State::Running && !controller->errorMessage().isEmpty()) {
        // A restart on another port that could not have it: still on the old one.
        m_error->setText(controller->portInUse()
                             ? tr("Port %1 is already in use by another program, so the gateway stayed on %2. "
                                  "Choose another port and press “Restart on this port”.")
                                   .arg(controller->requestedPort())
                                   .arg(controller->hostPort())
                             : tr("The gateway could not move to port %1 and stayed on %2: %3")
                                   .arg(controller->requestedPort())
                                   .arg(controller->hostPort(), controller->errorMessage()));
        m_error->show();
    } else if (state == State::Failed) {
        m_error->setText(controller->portInUse()
                             ? tr("Port %1 is already in use by another program (another Signalbox gateway, "
                                  "perhaps). Choose another port and press “Retry on this port”.")
                                   .arg(controller->requestedPort())
                             : tr("The gateway could not start: %1").arg(controller->errorMessage()));
        m_error->show();
    } else {
        m_error->hide();
    }

    using SandboxState = GatewayController::SandboxState;
    const SandboxState sandbox = haveController ? controller->sandboxState() : SandboxState::Stopped;
    {
        const QSignalBlocker blocker(m_sandbox);
        m_sandbox->setChecked(sandbox == SandboxState::Starting || sandbox == SandboxState::Running);
    }
    switch (sandbox) {
    case SandboxState::Running:
        m_sandboxLabel->setStyleSheet(QLatin1String(kSimulatedStyle));
        m_sandboxLabel->setText(
            tr("SIMULATED — %1 is answering at %2. Ask the gateway for the model %3: the answers are placeholder "
               "words (“token0 token1 …”), not a real model. Its usage rows name the provider “%4” and cost $0. "
               "Nothing is saved in the workspace; it stops when you untick this or quit.")
                .arg(GatewayController::sandboxProviderName(), controller->sandboxUrl().toString(),
                     QLatin1String(GatewayController::kSandboxModelId),
                     QLatin1String(GatewayController::kSandboxProviderId)));
        break;
    case SandboxState::Starting:
        m_sandboxLabel->setStyleSheet(QLatin1String(kSimulatedStyle));
        m_sandboxLabel->setText(tr("SIMULATED — starting the sandbox provider…"));
        break;
    case SandboxState::Failed:
        m_sandboxLabel->setStyleSheet(QStringLiteral("QLabel { color: #b00020; }"));
        m_sandboxLabel->setText(tr("The sandbox provider could not start: %1").arg(controller->sandboxError()));
        break;
    case SandboxState::Stopped:
        m_sandboxLabel->setStyleSheet(QString());
        m_sandboxLabel->setText(tr("For demos without provider keys: a provider on this computer that gives "
                                   "simulated answers, which the console's gateway routes to and records like any "
                                   "other. Never used for a real model's requests."));
        break;
    }
}

} // namespace signalbox::ui
