#pragma once

#include <QWidget>

namespace signalbox::ui {

struct WorkspaceSummary {
    QString folder;
    QString databasePath;
    int schemaVersion = 0;
};

// Settings: for now, where the workspace lives and its schema version.
class SettingsPage final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SettingsPage)
public:
    explicit SettingsPage(const WorkspaceSummary &workspace, QWidget *parent = nullptr);
};

} // namespace signalbox::ui
