#include "ui/pages/placeholderpage.h"

#include <QLabel>
#include <QVBoxLayout>

namespace signalbox::ui {

PlaceholderPage::PlaceholderPage(const QString &title, const QString &summary, const QStringList &comingNext,
                                 QWidget *parent)
    : QWidget(parent)
{
    auto *heading = new QLabel(title, this);
    heading->setObjectName(QStringLiteral("pageTitle"));
    QFont font = heading->font();
    font.setPointSizeF(font.pointSizeF() * 1.6);
    font.setBold(true);
    heading->setFont(font);

    auto *lead = new QLabel(summary, this);
    lead->setWordWrap(true);

    QString list;
    for (const QString &item : comingNext)
        list += QStringLiteral("<li>%1</li>").arg(item.toHtmlEscaped());
    auto *next = new QLabel(tr("<p>This page is not built yet. It will show:</p><ul>%1</ul>").arg(list), this);
    next->setTextFormat(Qt::RichText);
    next->setWordWrap(true);
    next->setEnabled(false);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(24, 24, 24, 24);
    layout->addWidget(heading);
    layout->addWidget(lead);
    layout->addSpacing(12);
    layout->addWidget(next);
    layout->addStretch(1);
}

} // namespace signalbox::ui
