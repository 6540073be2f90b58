#pragma once

#include "engine/storage/migrations.h"

#include <span>

namespace signalbox::engine {

// The workspace database's migrations, oldest first. Append only.
std::span<const Migration> workspaceMigrations();

} // namespace signalbox::engine
