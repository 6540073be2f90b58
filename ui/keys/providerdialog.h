#pragma once

#include "engine/catalog/userdata.h"

#include <QDialog>

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;

namespace signalbox::ui {

// Adds or edits a custom provider: any OpenAI-compatible base URL (vLLM,
// Ollama, llama.cpp, Azure, a company proxy). Checks as the user types: the
// base URL must not point at link-local or cloud metadata addresses, and a key
// is referenced (environment variable, file, keychain), never typed in.
class ProviderDialog final : public QDialog {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ProviderDialog)
public:
    explicit ProviderDialog(QWidget *parent = nullptr);
    // Editing: the id is fixed.
    void setProvider(const engine::CustomProvider &provider);
    engine::CustomProvider provider() const;
    QString problem() const;  // empty when the form is valid

private:
    void validate();

    QLineEdit *m_id = nullptr;
    QLineEdit *m_name = nullptr;
    QLineEdit *m_baseUrl = nullptr;
    QComboBox *m_dialect = nullptr;
    QComboBox *m_keyKind = nullptr;
    QLineEdit *m_keyRef = nullptr;
    QLabel *m_problem = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
};

} // namespace signalbox::ui
