#include "models/catalog/userdatamodels.h"

#include "models/catalog/catalogroles.h"
#include "models/catalog/pricetext.h"

#include <QDateTime>
#include <QLocale>

namespace signalbox::models {

CustomProvidersModel::CustomProvidersModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void CustomProvidersModel::setProviders(std::vector<engine::CustomProvider> providers)
{
    beginResetModel();
    m_providers = std::move(providers);
    endResetModel();
}

const engine::CustomProvider *CustomProvidersModel::providerAt(int row) const
{
    return row >= 0 && row < rowCount() ? &m_providers[static_cast<std::size_t>(row)] : nullptr;
}

int CustomProvidersModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_providers.size());
}

int CustomProvidersModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString CustomProvidersModel::keyText(const engine::KeyReference &key)
{
    switch (key.kind) {
    case engine::KeyReference::Kind::None:
        return tr("no key");
    case engine::KeyReference::Kind::Environment:
        return tr("environment: %1").arg(key.ref);
    case engine::KeyReference::Kind::File:
        return tr("file: %1").arg(key.ref);
    case engine::KeyReference::Kind::Keychain:
        return tr("system keychain");
    }
    return {};
}

QVariant CustomProvidersModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const engine::CustomProvider &p = m_providers[static_cast<std::size_t>(index.row())];
    if (role == ProviderIdRole)
        return p.id;
    if (role != Qt::DisplayRole && role != SortRole && role != Qt::ToolTipRole)
        return {};
    switch (index.column()) {
    case IdColumn:
        return p.id;
    case NameColumn:
        return p.name;
    case BaseUrlColumn:
        return p.baseUrl;
    case DialectColumn:
        return engine::apiDialectName(p.dialect);
    case KeyColumn:
        return keyText(p.key);
    default:
        return {};
    }
}

QVariant CustomProvidersModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case IdColumn:
        return tr("Id");
    case NameColumn:
        return tr("Name");
    case BaseUrlColumn:
        return tr("Base URL");
    case DialectColumn:
        return tr("API");
    case KeyColumn:
        return tr("Key kept in");
    default:
        return {};
    }
}

PriceOverridesModel::PriceOverridesModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void PriceOverridesModel::setOverrides(std::vector<engine::PriceOverride> overrides)
{
    beginResetModel();
    m_overrides = std::move(overrides);
    endResetModel();
}

const engine::PriceOverride *PriceOverridesModel::overrideAt(int row) const
{
    return row >= 0 && row < rowCount() ? &m_overrides[static_cast<std::size_t>(row)] : nullptr;
}

int PriceOverridesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_overrides.size());
}

int PriceOverridesModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString PriceOverridesModel::changeText(const engine::PriceOverride &o)
{
    if (o.kind == engine::PriceOverride::Kind::Adjust) {
        const QString percent = QLocale::c().toString(std::abs(o.basisPoints) / 100.0, 'f', o.basisPoints % 100 ? 2 : 0);
        if (o.basisPoints == 0)
            return tr("no change");
        return o.basisPoints < 0 ? tr("−%1 % (discount)").arg(percent) : tr("+%1 % (markup)").arg(percent);
    }
    const QDateTime now = QDateTime::currentDateTimeUtc();
    return tr("%1 in / %2 out per 1M")
        .arg(perMillionText(rateAt(o.price, engine::units::inputTokens(), now)),
             perMillionText(rateAt(o.price, engine::units::outputTokens(), now)));
}

QVariant PriceOverridesModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const engine::PriceOverride &o = m_overrides[static_cast<std::size_t>(index.row())];
    if (role == ProviderIdRole)
        return o.providerId;
    if (role == SortRole && index.column() == ChangeColumn)
        return o.kind == engine::PriceOverride::Kind::Adjust ? o.basisPoints : 0;
    if (role != Qt::DisplayRole && role != SortRole)
        return {};
    switch (index.column()) {
    case ProviderColumn:
        return o.providerId;
    case ModelColumn:
        return o.providerModelId;
    case ChangeColumn:
        return changeText(o);
    case NoteColumn:
        return o.note;
    default:
        return {};
    }
}

QVariant PriceOverridesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case ProviderColumn:
        return tr("Provider");
    case ModelColumn:
        return tr("Provider's model id");
    case ChangeColumn:
        return tr("Price");
    case NoteColumn:
        return tr("Note");
    default:
        return {};
    }
}

ModelAliasesModel::ModelAliasesModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void ModelAliasesModel::setAliases(std::vector<engine::ModelAlias> aliases)
{
    beginResetModel();
    m_aliases = std::move(aliases);
    endResetModel();
}

const engine::ModelAlias *ModelAliasesModel::aliasAt(int row) const
{
    return row >= 0 && row < rowCount() ? &m_aliases[static_cast<std::size_t>(row)] : nullptr;
}

int ModelAliasesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_aliases.size());
}

int ModelAliasesModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ModelAliasesModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    if (role != Qt::DisplayRole && role != SortRole)
        return {};
    const engine::ModelAlias &alias = m_aliases[static_cast<std::size_t>(index.row())];
    return index.column() == AliasColumn ? alias.alias : alias.modelId;
}

QVariant ModelAliasesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    return section == AliasColumn ? tr("Alias") : tr("Is the model");
}

} // namespace signalbox::models
