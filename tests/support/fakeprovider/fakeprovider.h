#pragma once

// The fake provider moved into the product (engine/sandbox, library
// signalbox_sandbox) when the console gained its sandbox provider. Tests keep
// their names: everything of signalbox::sandbox is visible as
// signalbox::testing::… through this header.

#include "engine/sandbox/fakeprovider.h"

namespace signalbox::testing {
using namespace signalbox::sandbox;
} // namespace signalbox::testing
