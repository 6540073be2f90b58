#include "ui/keys/overridedialog.h"

#include "models/catalog/pricetext.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QVBoxLayout>

namespace signalbox::ui {

using engine::Money;
using engine::PriceOverride;

namespace {
// "$/1M" text to a per-token rate, exactly; std::nullopt when not a price.
std::optional<Money> perTokenFromMillion(const QString &text)
{
    QString cleaned = text.trimmed();
    if (cleaned.startsWith(QLatin1Char('$')))
        cleaned.remove(0, 1);
    const auto value = Money::parse(cleaned.toLatin1());
    if (!value || value->isNegative())
        return std::nullopt;
    return value->dividedBy(1'000'000);
}
} // namespace

OverrideDialog::OverrideDialog(std::shared_ptr<const engine::Catalog> catalog, QWidget *parent)
    : QDialog(parent)
    , m_catalog(std::move(catalog))
{
    setObjectName(QStringLiteral("overrideDialog"));
    setWindowTitle(tr("Price override"));
    m_provider = new QComboBox(this);
    m_provider->setObjectName(QStringLiteral("overrideProvider"));
    m_provider->setEditable(true);
    m_model = new QComboBox(this);
    m_model->setObjectName(QStringLiteral("overrideModel"));
    m_model->setEditable(true);
    if (m_catalog) {
        for (const engine::Provider &p : m_catalog->providers())
            m_provider->addItem(p.id);
    }
    m_provider->setCurrentIndex(-1);

    m_adjust = new QRadioButton(tr("Percentage of the catalog price"), this);
    m_adjust->setObjectName(QStringLiteral("overrideAdjust"));
    m_replace = new QRadioButton(tr("Contract price per 1M tokens"), this);
    m_replace->setObjectName(QStringLiteral("overrideReplace"));
    m_adjust->setChecked(true);
    m_percent = new QDoubleSpinBox(this);
    m_percent->setObjectName(QStringLiteral("overridePercent"));
    m_percent->setRange(PriceOverride::kMinBasisPoints / 100.0, PriceOverride::kMaxBasisPoints / 100.0);
    m_percent->setDecimals(2);
    m_percent->setSuffix(QStringLiteral(" %"));
    m_percent->setValue(-10);
    m_percent->setToolTip(tr("-12.5 % is a 12.5 % discount; +5 % a markup."));
    m_input = new QLineEdit(this);
    m_input->setObjectName(QStringLiteral("overrideInput"));
    m_input->setPlaceholderText(tr("input, e.g. 2.50"));
    m_output = new QLineEdit(this);
    m_output->setObjectName(QStringLiteral("overrideOutput"));
    m_output->setPlaceholderText(tr("output, e.g. 10"));
    m_note = new QLineEdit(this);
    m_note->setObjectName(QStringLiteral("overrideNote"));
    m_note->setPlaceholderText(tr("2026 enterprise contract"));
    m_current = new QLabel(this);
    m_current->setObjectName(QStringLiteral("overrideCurrent"));
    m_current->setEnabled(false);
    m_problem = new QLabel(this);
    m_problem->setObjectName(QStringLiteral("overrideProblem"));
    m_problem->setStyleSheet(QStringLiteral("color: #b00020"));
    m_problem->setWordWrap(true);

    auto *prices = new QHBoxLayout;
    prices->addWidget(m_input);
    prices->addWidget(m_output);
    auto *form = new QFormLayout;
    form->addRow(tr("Provider:"), m_provider);
    form->addRow(tr("Provider's model id:"), m_model);
    form->addRow(QString(), m_current);
    form->addRow(m_adjust, m_percent);
    form->addRow(m_replace, prices);
    form->addRow(tr("Note:"), m_note);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_problem);
    layout->addWidget(m_buttons);

    connect(m_provider, &QComboBox::currentTextChanged, this, &OverrideDialog::fillModels);
    connect(m_model, &QComboBox::currentTextChanged, this, &OverrideDialog::validate);
    for (QLineEdit *edit : {m_input, m_output, m_note})
        connect(edit, &QLineEdit::textChanged, this, &OverrideDialog::validate);
    connect(m_percent, &QDoubleSpinBox::valueChanged, this, &OverrideDialog::validate);
    connect(m_adjust, &QRadioButton::toggled, this, &OverrideDialog::validate);
    validate();
    setMinimumWidth(520);
}

void OverrideDialog::fillModels()
{
    const QString keep = m_model->currentText();
    const QSignalBlocker blocker(m_model);
    m_model->clear();
    if (m_catalog) {
        for (const engine::Offering *o : m_catalog->offeringsOfProvider(m_provider->currentText().trimmed()))
            m_model->addItem(o->providerModelId);
    }
    m_model->setEditText(keep);
    validate();
}

void OverrideDialog::setOverride(const PriceOverride &o)
{
    m_provider->setEditText(o.providerId);
    m_provider->setEnabled(false);
    m_model->setEditText(o.providerModelId);
    m_model->setEnabled(false);
    m_note->setText(o.note);
    if (o.kind == PriceOverride::Kind::Adjust) {
        m_adjust->setChecked(true);
        m_percent->setValue(o.basisPoints / 100.0);
    } else {
        m_replace->setChecked(true);
        const QDateTime now = QDateTime::currentDateTimeUtc();
        auto text = [](const std::optional<Money> &perToken) {
            return perToken ? perToken->times(1'000'000).value_or(Money()).toDecimalString() : QString();
        };
        m_input->setText(text(models::rateAt(o.price, engine::units::inputTokens(), now)));
        m_output->setText(text(models::rateAt(o.price, engine::units::outputTokens(), now)));
    }
    validate();
}

PriceOverride OverrideDialog::priceOverride() const
{
    PriceOverride o;
    o.providerId = m_provider->currentText();
    o.providerModelId = m_model->currentText();
    o.note = m_note->text();
    if (m_adjust->isChecked()) {
        o.kind = PriceOverride::Kind::Adjust;
        o.basisPoints = static_cast<int>(std::lround(m_percent->value() * 100));
    } else {
        o.kind = PriceOverride::Kind::Replace;
        engine::PriceSet set;
        if (const auto in = perTokenFromMillion(m_input->text()))
            set.prices.push_back({engine::units::inputTokens(), engine::TieredRate{*in, {}}});
        if (const auto out = perTokenFromMillion(m_output->text()))
            set.prices.push_back({engine::units::outputTokens(), engine::TieredRate{*out, {}}});
        o.price.variants.push_back({engine::PriceCondition{}, set});
    }
    return engine::normalised(o);
}

QString OverrideDialog::problem() const
{
    return m_problem->text();
}

void OverrideDialog::validate()
{
    m_percent->setEnabled(m_adjust->isChecked());
    m_input->setEnabled(!m_adjust->isChecked());
    m_output->setEnabled(!m_adjust->isChecked());

    const engine::Offering *offering =
        m_catalog ? m_catalog->offering(m_provider->currentText().trimmed(), m_model->currentText().trimmed()) : nullptr;
    if (offering) {
        const QDateTime now = QDateTime::currentDateTimeUtc();
        m_current->setText(tr("Catalog price: %1 in / %2 out per 1M")
                               .arg(models::perMillionText(models::rateAt(offering->price, engine::units::inputTokens(), now)),
                                    models::perMillionText(models::rateAt(offering->price, engine::units::outputTokens(), now))));
    } else {
        m_current->setText(tr("Not in the catalog (yet): the override applies once it is."));
    }

    QString problem;
    if (m_provider->currentText().trimmed().isEmpty() || m_model->currentText().trimmed().isEmpty())
        problem = tr("Choose a provider and the model id its API uses.");
    else if (!m_adjust->isChecked()
             && (!perTokenFromMillion(m_input->text()) || !perTokenFromMillion(m_output->text())))
        problem = tr("Enter the contract's input and output price per million tokens (e.g. 2.50).");
    else if (auto valid = engine::validatePriceOverride(priceOverride()); !valid)
        problem = valid.error().message;
    m_problem->setText(problem);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(problem.isEmpty());
}

} // namespace signalbox::ui
