#pragma once

// Internal to engine/config: reading yaml-cpp nodes into Qt values while
// collecting problems with their file position and field path, and ${VAR}
// interpolation (in the few fields that take it). Include from engine/config
// .cpp files only (it exposes
// yaml-cpp, which the engine links privately).

#include "engine/config/configdocument.h"
#include "engine/config/configparser.h"

#include <QLatin1StringView>
#include <QString>

#include <initializer_list>
#include <optional>
#include <vector>
#include <yaml-cpp/yaml.h>

namespace signalbox::engine::config {

// A node and where to report problems about it: the key's position for a
// map field (the line that names the field), the node's own in a sequence.
struct Item {
    YAML::Node node;
    YAML::Mark mark;
    QString path; // "providers[0].base_url"
    QString child(const QString &name) const { return path.isEmpty() ? name : path + QLatin1Char('.') + name; }
    QString element(std::size_t index) const { return path + QStringLiteral("[%1]").arg(index); }
};

// The fields of one map, checked: unknown and repeated names are problems.
class Fields {
public:
    std::optional<Item> get(QLatin1StringView name) const;
    bool has(QLatin1StringView name) const { return get(name).has_value(); }
    const Item &self() const { return m_self; }

private:
    friend class YamlReader;
    Item m_self;
    std::vector<std::pair<QString, Item>> m_fields;
};

class YamlReader {
public:
    YamlReader(QString fileName, EnvironmentLookup environment);

    const QString &fileName() const { return m_fileName; }
    void problem(const Item &at, const QString &message, const QString &code = QStringLiteral("invalid"));
    void problem(const SourceSpot &at, const QString &message, const QString &code = QStringLiteral("invalid"));
    SourceSpot spot(const Item &item) const;
    std::vector<ConfigProblem> takeProblems() { return std::move(m_problems); }
    bool hasProblems() const { return !m_problems.empty(); }

    // A map's fields; nullopt (and a problem) when `item` is not a map. An
    // unknown field is a problem; one named like a secret ("api_key",
    // "token") gets a message saying secrets never go in the file.
    std::optional<Fields> fields(const Item &item, std::initializer_list<const char *> allowed);
    // A sequence's elements; nullopt (and a problem) otherwise.
    std::optional<std::vector<Item>> elements(const Item &item);

    // A scalar's text as written: no ${VAR} interpolation ($ is just $).
    std::optional<QString> text(const Item &item);
    // Where a variable may supply the value (docs/config.md, "Secrets").
    enum class Interpolation : quint8 {
        Anywhere, // a path, a secret
        // A URL: a variable may give the scheme, host, port and path, never
        // the user info, the query or the fragment, where keys get pasted.
        UrlBeforeQuery,
    };
    // A scalar's text with ${VAR} interpolated ($$ is a literal $). An unset
    // variable is a problem naming it; the value itself is never reported.
    std::optional<QString> interpolated(const Item &item, Interpolation where = Interpolation::Anywhere);
    std::optional<qint64> integer(const Item &item, qint64 minimum, qint64 maximum);

private:
    QString m_fileName;
    EnvironmentLookup m_environment;
    std::vector<ConfigProblem> m_problems;
};

// Item for the child `node` of a map entry whose key is `key`.
Item fieldItem(const YAML::Node &key, const YAML::Node &value, const QString &path);

} // namespace signalbox::engine::config
