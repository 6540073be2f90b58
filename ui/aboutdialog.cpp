#include "ui/aboutdialog.h"

#include "engine/core/version.h"

#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QVBoxLayout>

namespace signalbox::ui {

AboutDialog::AboutDialog(QWidget *parent)
    : QDialog(parent)
{
    setWindowTitle(tr("About Signalbox"));
    setObjectName(QStringLiteral("aboutDialog"));

    auto *icon = new QLabel(this);
    icon->setPixmap(QIcon(QStringLiteral(":/signalbox/icons/signalbox.svg")).pixmap(64, 64));
    icon->setAlignment(Qt::AlignTop);

    auto *text = new QLabel(this);
    text->setObjectName(QStringLiteral("aboutText"));
    text->setTextFormat(Qt::RichText);
    text->setWordWrap(true);
    text->setText(tr("<h2>Signalbox %1</h2>"
                     "<p>The LLM cost-and-routing console: a local OpenAI-compatible gateway that "
                     "routes every request by price, latency and health, and accounts for every cent.</p>"
                     "<p>Built with Qt %2, running on Qt %3.</p>")
                      .arg(QString::fromLatin1(signalbox::kVersion), QString::fromLatin1(QT_VERSION_STR),
                           QString::fromLatin1(qVersion())));

    auto *row = new QHBoxLayout;
    row->addWidget(icon);
    row->addWidget(text, 1);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(row);
    layout->addWidget(buttons);
    setMinimumWidth(420);
}

} // namespace signalbox::ui
