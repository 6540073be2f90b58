#pragma once

#include "engine/catalog/userdata.h"

#include <QAbstractTableModel>

#include <vector>

namespace signalbox::models {

// The user's custom providers, as the Keys & Providers page lists them. Shows
// where each key is kept, never a key.
class CustomProvidersModel final : public QAbstractTableModel {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CustomProvidersModel)
public:
    enum Column : int { IdColumn, NameColumn, BaseUrlColumn, DialectColumn, KeyColumn, ColumnCount };

    explicit CustomProvidersModel(QObject *parent = nullptr);
    void setProviders(std::vector<engine::CustomProvider> providers);
    const engine::CustomProvider *providerAt(int row) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    static QString keyText(const engine::KeyReference &key);

private:
    std::vector<engine::CustomProvider> m_providers;
};

// Price overrides: negotiated discounts and contract prices.
class PriceOverridesModel final : public QAbstractTableModel {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PriceOverridesModel)
public:
    enum Column : int { ProviderColumn, ModelColumn, ChangeColumn, NoteColumn, ColumnCount };

    explicit PriceOverridesModel(QObject *parent = nullptr);
    void setOverrides(std::vector<engine::PriceOverride> overrides);
    const engine::PriceOverride *overrideAt(int row) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // "−12.5 %", "+5 %", "$2.00 in / $8.00 out per 1M".
    static QString changeText(const engine::PriceOverride &priceOverride);

private:
    std::vector<engine::PriceOverride> m_overrides;
};

// Model aliases: another id for a canonical model, so offerings the naming
// rules filed apart are grouped (and routed) as one model.
class ModelAliasesModel final : public QAbstractTableModel {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ModelAliasesModel)
public:
    enum Column : int { AliasColumn, ModelColumn, ColumnCount };

    explicit ModelAliasesModel(QObject *parent = nullptr);
    void setAliases(std::vector<engine::ModelAlias> aliases);
    const engine::ModelAlias *aliasAt(int row) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<engine::ModelAlias> m_aliases;
};

} // namespace signalbox::models
