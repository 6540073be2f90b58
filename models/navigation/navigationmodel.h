#pragma once

#include <QAbstractListModel>
#include <QIcon>

#include <vector>

namespace signalbox::models {

// The console's pages, in sidebar order. Page ids are stable: they are
// stored in settings (the last page shown) and used by links between pages.
struct PageEntry {
    QString id;
    QString title;
    QString summary;
    QIcon icon;
};

class NavigationModel final : public QAbstractListModel {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NavigationModel)
public:
    explicit NavigationModel(QObject *parent = nullptr);
    NavigationModel(std::vector<PageEntry> pages, QObject *parent = nullptr);

    static std::vector<PageEntry> consolePages();

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    // Row of the page with `id`, or -1.
    int rowOf(const QString &id) const;
    QString idAt(int row) const;

private:
    std::vector<PageEntry> m_pages;
};

} // namespace signalbox::models
