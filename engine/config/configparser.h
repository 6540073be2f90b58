#pragma once

// Reading a configuration file: YAML (yaml-cpp) into a ConfigDocument. Every
// value is read from its text (never through a double), ${VAR} is
// interpolated from the environment, and every rule of the catalog user data
// and of virtual keys is checked, with the file, line, column and field of
// each problem. A secret in clear is refused; see docs/config.md.

#include "engine/config/configdocument.h"

#include <QByteArray>
#include <QString>

#include <functional>
#include <optional>
#include <vector>

namespace signalbox::engine::config {

// The value of an environment variable, nullopt when unset. Tests pass their own.
using EnvironmentLookup = std::function<std::optional<QString>(const QString &name)>;
EnvironmentLookup processEnvironment();

struct ParseResult {
    ConfigDocument document;
    std::vector<ConfigProblem> problems; // empty: the document is valid on its own
};

// `fileName` is how problems name the file; a relative `secret_file` is
// resolved against `baseFolder` (the file's folder).
ParseResult parseConfig(const QByteArray &yaml, const QString &fileName, const QString &baseFolder,
    const EnvironmentLookup &environment = processEnvironment());

// Reads `path` and parses it; a file that cannot be read is one problem.
ParseResult parseConfigFile(const QString &path, const EnvironmentLookup &environment = processEnvironment());

} // namespace signalbox::engine::config
