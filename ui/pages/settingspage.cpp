#include "ui/pages/settingspage.h"

#include "ui/gateway/gatewaypanel.h"

#include <QDesktopServices>
#include <QDir>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QPushButton>
#include <QUrl>
#include <QVBoxLayout>

namespace signalbox::ui {

SettingsPage::SettingsPage(const WorkspaceSummary &workspace, QWidget *parent)
    : QWidget(parent)
{
    auto *group = new QGroupBox(tr("Workspace"), this);
    auto *form = new QFormLayout(group);

    auto *folder = new QLabel(QDir::toNativeSeparators(workspace.folder), group);
    folder->setObjectName(QStringLiteral("workspaceFolder"));
    folder->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(tr("Folder:"), folder);

    auto *database = new QLabel(QDir::toNativeSeparators(workspace.databasePath), group);
    database->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(tr("Database:"), database);

    auto *schema = new QLabel(QString::number(workspace.schemaVersion), group);
    schema->setObjectName(QStringLiteral("schemaVersion"));
    form->addRow(tr("Schema version:"), schema);

    auto *openFolder = new QPushButton(tr("Open folder"), group);
    const QString path = workspace.folder;
    connect(openFolder, &QPushButton::clicked, this, [path] { QDesktopServices::openUrl(QUrl::fromLocalFile(path)); });
    form->addRow(QString(), openFolder);

    auto *hint = new QLabel(tr("Start Signalbox with <code>--workspace DIR</code> to use another folder."), this);
    hint->setTextFormat(Qt::RichText);
    hint->setEnabled(false);

    m_gatewayPanel = new GatewayPanel(this);
    m_gatewayPanel->setObjectName(QStringLiteral("gatewayPanel"));

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(24, 24, 24, 24);
    layout->addWidget(group);
    layout->addWidget(hint);
    layout->addSpacing(12);
    layout->addWidget(m_gatewayPanel);
    layout->addStretch(1);
}

} // namespace signalbox::ui
