#include "engine/config/yamlreader.h"

#include <QRegularExpression>
#include <QStringList>

namespace signalbox::engine::config {

namespace {

QString fromStd(const std::string &text)
{
    return QString::fromStdString(text);
}

bool looksLikeSecretName(const QString &name)
{
    const QString lower = name.toLower();
    for (const char *word : { "key", "secret", "token", "password", "bearer", "credential" }) {
        if (lower.contains(QLatin1String(word)))
            return true;
    }
    return false;
}

} // namespace

Item fieldItem(const YAML::Node &key, const YAML::Node &value, const QString &path)
{
    return Item { value, key.Mark(), path };
}

std::optional<Item> Fields::get(QLatin1StringView name) const
{
    for (const auto &[fieldName, item] : m_fields) {
        if (fieldName == name)
            return item;
    }
    return std::nullopt;
}

EnvironmentLookup processEnvironment()
{
    return [](const QString &name) -> std::optional<QString> {
        const QByteArray variable = name.toLocal8Bit();
        if (!qEnvironmentVariableIsSet(variable.constData()))
            return std::nullopt;
        return qEnvironmentVariable(variable.constData());
    };
}

YamlReader::YamlReader(QString fileName, EnvironmentLookup environment)
    : m_fileName(std::move(fileName))
    , m_environment(std::move(environment))
{
}

SourceSpot YamlReader::spot(const Item &item) const
{
    // yaml-cpp counts from 0; a node built in code has a null mark.
    const bool known = !item.mark.is_null() && item.mark.line >= 0;
    return SourceSpot { known ? item.mark.line + 1 : 0, known ? item.mark.column + 1 : 0, item.path };
}

void YamlReader::problem(const Item &at, const QString &message, const QString &code)
{
    problem(spot(at), message, code);
}

void YamlReader::problem(const SourceSpot &at, const QString &message, const QString &code)
{
    m_problems.push_back(ConfigProblem { code, at, message });
}

std::optional<Fields> YamlReader::fields(const Item &item, std::initializer_list<const char *> allowed)
{
    if (!item.node.IsMap()) {
        problem(item, QStringLiteral("expected a map of fields (name: value)"));
        return std::nullopt;
    }
    Fields fields;
    fields.m_self = item;
    QStringList allowedNames;
    for (const char *name : allowed)
        allowedNames << QLatin1String(name);
    for (const auto &entry : item.node) {
        const Item keyItem { entry.first, entry.first.Mark(), item.path };
        if (!entry.first.IsScalar()) {
            problem(keyItem, QStringLiteral("a field name must be plain text"));
            continue;
        }
        const QString name = fromStd(entry.first.Scalar());
        const Item child = fieldItem(entry.first, entry.second, item.child(name));
        if (!allowedNames.contains(name)) {
            if (looksLikeSecretName(name))
                problem(child,
                    QStringLiteral("unknown field; secrets are never written in the config file (see docs/config.md: "
                                   "a provider's key: {env: VAR}, a virtual key's secret: ${VAR})"));
            else
                problem(child,
                    QStringLiteral("unknown field (expected one of: %1)").arg(allowedNames.join(QStringLiteral(", "))));
            continue;
        }
        if (fields.get(QLatin1StringView(entry.first.Scalar().c_str()))) {
            problem(child, QStringLiteral("the field is given twice"));
            continue;
        }
        fields.m_fields.emplace_back(name, child);
    }
    return fields;
}

std::optional<std::vector<Item>> YamlReader::elements(const Item &item)
{
    if (!item.node.IsSequence()) {
        problem(item, QStringLiteral("expected a list (- entries)"));
        return std::nullopt;
    }
    std::vector<Item> out;
    std::size_t index = 0;
    for (const auto &element : item.node) {
        out.push_back(Item { element, element.Mark(), item.element(index) });
        ++index;
    }
    return out;
}

std::optional<QString> YamlReader::text(const Item &item)
{
    if (item.node.IsNull())
        return QString();
    if (!item.node.IsScalar()) {
        problem(item, QStringLiteral("expected a single value, not a list or a map"));
        return std::nullopt;
    }
    return fromStd(item.node.Scalar());
}

std::optional<QString> YamlReader::interpolated(const Item &item, Interpolation where)
{
    auto raw = text(item);
    if (!raw)
        return std::nullopt;
    static const QRegularExpression variableName(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]*$"));
    QString out;
    const QString &in = *raw;
    bool pastQuery = false; // a literal ? or # seen: what follows is the query or the fragment
    for (qsizetype i = 0; i < in.size(); ++i) {
        const QChar c = in.at(i);
        if (c == u'?' || c == u'#')
            pastQuery = true;
        if (c != u'$' || i + 1 >= in.size()) {
            out += c;
            continue;
        }
        if (in.at(i + 1) == u'$') { // $$: a literal $
            out += c;
            ++i;
            continue;
        }
        if (in.at(i + 1) != u'{') {
            out += c;
            continue;
        }
        const qsizetype close = in.indexOf(u'}', i + 2);
        const QString name = close < 0 ? QString() : in.mid(i + 2, close - i - 2);
        if (close < 0 || !variableName.match(name).hasMatch()) {
            problem(item, QStringLiteral("${ must be followed by a variable name and } (write $$ for a literal $)"));
            return std::nullopt;
        }
        const std::optional<QString> value = m_environment(name);
        if (!value) {
            problem(item, QStringLiteral("the environment variable %1 is not set").arg(name));
            return std::nullopt;
        }
        if (where == Interpolation::UrlBeforeQuery
            && (pastQuery || value->contains(u'?') || value->contains(u'#') || value->contains(u'@'))) {
            // The value is not repeated: it may well be the key itself.
            problem(item,
                QStringLiteral("${%1} may give the host, port or path of the URL, never its query, fragment or user "
                               "name (a key there would be stored and printed); give the key with key: {env: NAME}")
                    .arg(name));
            return std::nullopt;
        }
        out += *value;
        i = close;
    }
    return out;
}

std::optional<qint64> YamlReader::integer(const Item &item, qint64 minimum, qint64 maximum)
{
    auto value = text(item);
    if (!value)
        return std::nullopt;
    bool ok = false;
    const qint64 number = value->trimmed().toLongLong(&ok);
    if (!ok || number < minimum || number > maximum) {
        problem(item, QStringLiteral("expected a whole number from %1 to %2").arg(minimum).arg(maximum));
        return std::nullopt;
    }
    return number;
}

} // namespace signalbox::engine::config
