#include "models/navigation/navigationmodel.h"

#include "models/navigation/navigationroles.h"

#include <QPainter>
#include <QPalette>
#include <QPixmap>

namespace signalbox::models {

NavigationModel::NavigationModel(QObject *parent)
    : NavigationModel(consolePages(), parent)
{
}

NavigationModel::NavigationModel(std::vector<PageEntry> pages, QObject *parent)
    : QAbstractListModel(parent)
    , m_pages(std::move(pages))
{
}

namespace {
// The page icons are drawn in one colour; on a selected (highlighted) row they
// are drawn in the highlighted text colour instead, or they vanish into it.
QIcon pageIcon(const char *name)
{
    const QIcon svg(QStringLiteral(":/signalbox/icons/%1.svg").arg(QLatin1String(name)));
    QIcon icon;  // pixmaps per size and mode: the SVG engine keeps one added pixmap per mode only
    for (int size : {16, 20, 24, 32, 48}) {
        const QPixmap normal = svg.pixmap(size, size);
        icon.addPixmap(normal, QIcon::Normal);
        if (normal.isNull())
            continue;
        QPixmap selected(normal.size());
        selected.setDevicePixelRatio(normal.devicePixelRatio());
        selected.fill(Qt::transparent);
        QPainter painter(&selected);
        painter.drawPixmap(0, 0, normal);
        painter.setCompositionMode(QPainter::CompositionMode_SourceIn);
        painter.fillRect(selected.rect(), QPalette().color(QPalette::HighlightedText));
        painter.end();
        icon.addPixmap(selected, QIcon::Selected);
    }
    return icon;
}
} // namespace

std::vector<PageEntry> NavigationModel::consolePages()
{
    auto icon = [](const char *name) { return pageIcon(name); };
    return {
        {QStringLiteral("dashboard"), tr("Dashboard"), tr("Spend, traffic and latency at a glance."), icon("dashboard")},
        {QStringLiteral("catalog"), tr("Catalog"), tr("Models, the providers that serve them, and their prices."), icon("catalog")},
        {QStringLiteral("routing"), tr("Routing"), tr("Policies that decide where each request goes, and why."), icon("routing")},
        {QStringLiteral("budgets"), tr("Budgets"), tr("Limits that alert, downgrade or block, with a forecast."), icon("budgets")},
        {QStringLiteral("keys"), tr("Keys & Providers"), tr("Provider credentials, custom endpoints and virtual keys."), icon("keys")},
        {QStringLiteral("requests"), tr("Request log"), tr("Every request: tokens, exact cost, latency and route."), icon("requests")},
        {QStringLiteral("settings"), tr("Settings"), tr("Workspace, gateway address and preferences."), icon("settings")},
    };
}

int NavigationModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_pages.size());
}

QVariant NavigationModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const PageEntry &page = m_pages[static_cast<std::size_t>(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        return page.title;
    case Qt::ToolTipRole:
    case PageSummaryRole:
        return page.summary;
    case Qt::DecorationRole:
        return page.icon;
    case PageIdRole:
        return page.id;
    default:
        return {};
    }
}

QHash<int, QByteArray> NavigationModel::roleNames() const
{
    auto names = QAbstractListModel::roleNames();
    names.insert(PageIdRole, "pageId");
    names.insert(PageSummaryRole, "summary");
    return names;
}

int NavigationModel::rowOf(const QString &id) const
{
    for (std::size_t row = 0; row < m_pages.size(); ++row) {
        if (m_pages[row].id == id)
            return static_cast<int>(row);
    }
    return -1;
}

QString NavigationModel::idAt(int row) const
{
    if (row < 0 || row >= rowCount())
        return {};
    return m_pages[static_cast<std::size_t>(row)].id;
}

} // namespace signalbox::models
