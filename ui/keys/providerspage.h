#pragma once

#include "engine/catalog/catalog.h"
#include "engine/catalog/userdata.h"

#include <QWidget>

#include <memory>

class QLabel;
class QPushButton;
class QTableView;

namespace signalbox::engine {
class CatalogUserStore;
}
namespace signalbox::models {
class CustomProvidersModel;
class ModelAliasesModel;
class PriceOverridesModel;
} // namespace signalbox::models

namespace signalbox::ui {

// Keys & Providers: custom OpenAI-compatible providers and price overrides,
// kept in the workspace and applied over every catalog refresh.
class ProvidersPage final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ProvidersPage)
public:
    explicit ProvidersPage(QWidget *parent = nullptr);
    ~ProvidersPage() override;

    // Not owned; must outlive the page. Without a store the page is read-only.
    void setStore(engine::CatalogUserStore *store);
    // The catalog offered in pickers (provider and model ids).
    void setCatalog(std::shared_ptr<const engine::Catalog> catalog);

    models::CustomProvidersModel *providersModel() const { return m_providers; }
    models::PriceOverridesModel *overridesModel() const { return m_overrides; }
    models::ModelAliasesModel *aliasesModel() const { return m_aliases; }

    // The same steps as the buttons, without dialogs (the buttons call these
    // after their dialog); false and a message on the page when the store refuses.
    bool addProvider(const engine::CustomProvider &provider);
    bool updateProvider(const engine::CustomProvider &provider);
    bool removeProvider(const QString &id);
    bool addOverride(const engine::PriceOverride &priceOverride);
    bool updateOverride(const engine::PriceOverride &priceOverride);
    bool removeOverride(const QString &providerId, const QString &providerModelId);
    bool addAlias(const engine::ModelAlias &alias);
    bool removeAlias(const QString &alias);
    QString lastError() const;

Q_SIGNALS:
    // Something was written: the effective catalog must be rebuilt.
    void userDataChanged();

private:
    void reload();
    template <typename Write>
    bool write(Write &&writeToStore);
    bool report(const engine::Error &error);
    void done();
    void onAddProvider();
    void onEditProvider();
    void onRemoveProvider();
    void onAddOverride();
    void onEditOverride();
    void onRemoveOverride();
    void onAddAlias();
    void onRemoveAlias();
    void updateButtons();

    engine::CatalogUserStore *m_store = nullptr;
    std::shared_ptr<const engine::Catalog> m_catalog;
    models::CustomProvidersModel *m_providers = nullptr;
    models::PriceOverridesModel *m_overrides = nullptr;
    models::ModelAliasesModel *m_aliases = nullptr;
    QTableView *m_aliasesView = nullptr;
    QPushButton *m_addAlias = nullptr;
    QPushButton *m_removeAlias = nullptr;
    QTableView *m_providersView = nullptr;
    QTableView *m_overridesView = nullptr;
    QLabel *m_error = nullptr;
    QPushButton *m_addProvider = nullptr;
    QPushButton *m_editProvider = nullptr;
    QPushButton *m_removeProvider = nullptr;
    QPushButton *m_addOverride = nullptr;
    QPushButton *m_editOverride = nullptr;
    QPushButton *m_removeOverride = nullptr;
};

} // namespace signalbox::ui
