#pragma once

// Internal to engine/config: the bytes of a configuration file into one YAML
// document, within bounds. Refused, each with its line and column: more than
// kMaxFileBytes, bytes that are not UTF-8 (yaml-cpp would read them as
// U+FFFD), a second document (---), anchors and aliases (&x, *x: they let a
// small file expand to millions of nodes), tags other than !!str, more than
// kMaxNodes values, and malformed YAML.

#include "engine/config/yamlreader.h"

#include <QByteArray>

#include <optional>
#include <yaml-cpp/yaml.h>

namespace signalbox::engine::config {

// A configuration is a few hundred entries, a few kilobytes.
inline constexpr qint64 kMaxFileBytes = 4 * 1024 * 1024;
inline constexpr int kMaxNodes = 100'000;

// The document's root (a null node for an empty file), or nullopt with the
// problems reported to `reader`.
std::optional<YAML::Node> loadSingleDocument(const QByteArray &yaml, YamlReader &reader);

} // namespace signalbox::engine::config
