#pragma once

// Writing a workspace's configuration as a file that `config apply` takes
// back unchanged ("nothing to change"). Every section is written, empty ones
// as [] or {}, so applying the export makes a workspace match this one.
// Secrets never appear: provider keys are references (env, file, keychain),
// virtual keys their id and the SHA-256 of their secret; revoked keys are
// left out (they stay revoked wherever the file is applied).

#include "engine/config/configplan.h"

#include <QByteArray>
#include <QDateTime>

namespace signalbox::engine::config {

QByteArray exportConfig(const ConfigState &state, const QDateTime &now = QDateTime::currentDateTimeUtc());

} // namespace signalbox::engine::config
