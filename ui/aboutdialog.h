#pragma once

#include <QDialog>

namespace signalbox::ui {

class AboutDialog final : public QDialog {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AboutDialog)
public:
    explicit AboutDialog(QWidget *parent = nullptr);
};

} // namespace signalbox::ui
