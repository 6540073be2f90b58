#pragma once

#include <QWidget>

namespace signalbox::ui {

// A page that says what it will hold, until its issue fills it in.
class PlaceholderPage final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PlaceholderPage)
public:
    PlaceholderPage(const QString &title, const QString &summary, const QStringList &comingNext,
                    QWidget *parent = nullptr);
};

} // namespace signalbox::ui
