#include "ui/keys/providerdialog.h"

#include "engine/catalog/urlpolicy.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace signalbox::ui {

using engine::KeyReference;

ProviderDialog::ProviderDialog(QWidget *parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("providerDialog"));
    setWindowTitle(tr("Custom provider"));
    m_id = new QLineEdit(this);
    m_id->setObjectName(QStringLiteral("providerId"));
    m_id->setPlaceholderText(QStringLiteral("local-vllm"));
    m_name = new QLineEdit(this);
    m_name->setObjectName(QStringLiteral("providerName"));
    m_name->setPlaceholderText(tr("Local vLLM"));
    m_baseUrl = new QLineEdit(this);
    m_baseUrl->setObjectName(QStringLiteral("providerBaseUrl"));
    m_baseUrl->setPlaceholderText(QStringLiteral("http://127.0.0.1:8000/v1"));
    m_dialect = new QComboBox(this);
    m_dialect->setObjectName(QStringLiteral("providerDialect"));
    m_dialect->addItem(tr("OpenAI-compatible"), engine::apiDialectName(engine::ApiDialect::OpenAI));
    m_dialect->addItem(tr("Anthropic"), engine::apiDialectName(engine::ApiDialect::Anthropic));
    m_keyKind = new QComboBox(this);
    m_keyKind->setObjectName(QStringLiteral("providerKeyKind"));
    m_keyKind->addItem(tr("No key (local server)"), KeyReference::kindName(KeyReference::Kind::None));
    m_keyKind->addItem(tr("Environment variable"), KeyReference::kindName(KeyReference::Kind::Environment));
    m_keyKind->addItem(tr("File readable only by you"), KeyReference::kindName(KeyReference::Kind::File));
    m_keyKind->addItem(tr("System keychain"), KeyReference::kindName(KeyReference::Kind::Keychain));
    m_keyRef = new QLineEdit(this);
    m_keyRef->setObjectName(QStringLiteral("providerKeyRef"));

    m_problem = new QLabel(this);
    m_problem->setObjectName(QStringLiteral("providerProblem"));
    m_problem->setWordWrap(true);
    m_problem->setStyleSheet(QStringLiteral("color: #b00020"));

    auto *form = new QFormLayout;
    form->addRow(tr("Id:"), m_id);
    form->addRow(tr("Name:"), m_name);
    form->addRow(tr("Base URL:"), m_baseUrl);
    form->addRow(tr("API:"), m_dialect);
    form->addRow(tr("Key:"), m_keyKind);
    form->addRow(QString(), m_keyRef);
    auto *note = new QLabel(tr("Signalbox stores where the key is, never the key itself."), this);
    note->setEnabled(false);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(note);
    layout->addWidget(m_problem);
    layout->addWidget(m_buttons);

    for (QLineEdit *edit : {m_id, m_name, m_baseUrl, m_keyRef})
        connect(edit, &QLineEdit::textChanged, this, &ProviderDialog::validate);
    for (QComboBox *combo : {m_dialect, m_keyKind})
        connect(combo, &QComboBox::currentIndexChanged, this, &ProviderDialog::validate);
    validate();
    setMinimumWidth(460);
}

void ProviderDialog::setProvider(const engine::CustomProvider &provider)
{
    m_id->setText(provider.id);
    m_id->setReadOnly(true);
    m_name->setText(provider.name);
    m_baseUrl->setText(provider.baseUrl);
    m_dialect->setCurrentIndex(m_dialect->findData(engine::apiDialectName(provider.dialect)));
    m_keyKind->setCurrentIndex(m_keyKind->findData(KeyReference::kindName(provider.key.kind)));
    m_keyRef->setText(provider.key.ref);
    validate();
}

engine::CustomProvider ProviderDialog::provider() const
{
    engine::CustomProvider p;
    p.id = m_id->text();
    p.name = m_name->text();
    p.baseUrl = m_baseUrl->text();
    p.dialect = engine::apiDialectFromName(m_dialect->currentData().toString()).value_or(engine::ApiDialect::OpenAI);
    p.key.kind = KeyReference::kindFromName(m_keyKind->currentData().toString()).value_or(KeyReference::Kind::None);
    p.key.ref = p.key.kind == KeyReference::Kind::None ? QString() : m_keyRef->text();
    return engine::normalised(p);
}

QString ProviderDialog::problem() const
{
    return m_problem->text();
}

void ProviderDialog::validate()
{
    const auto kind = KeyReference::kindFromName(m_keyKind->currentData().toString()).value_or(KeyReference::Kind::None);
    m_keyRef->setEnabled(kind != KeyReference::Kind::None);
    switch (kind) {
    case KeyReference::Kind::None:
        m_keyRef->setPlaceholderText(QString());
        break;
    case KeyReference::Kind::Environment:
        m_keyRef->setPlaceholderText(QStringLiteral("MY_PROVIDER_API_KEY"));
        break;
    case KeyReference::Kind::File:
        m_keyRef->setPlaceholderText(QStringLiteral("/etc/signalbox/my-provider.key"));
        break;
    case KeyReference::Kind::Keychain:
        m_keyRef->setPlaceholderText(tr("entry name (default: signalbox/<id>)"));
        break;
    }
    QString problem;
    const engine::CustomProvider candidate = provider();
    if (candidate.id.isEmpty() || candidate.name.isEmpty() || candidate.baseUrl.isEmpty())
        problem = tr("Id, name and base URL are needed.");
    else if (auto url = engine::validateProviderBaseUrl(candidate.baseUrl); !url)
        problem = url.error().message;
    else if (auto valid = engine::validateCustomProvider(candidate); !valid)
        problem = valid.error().message;
    m_problem->setText(problem);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(problem.isEmpty());
}

} // namespace signalbox::ui
