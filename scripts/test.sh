#!/usr/bin/env bash
# Installs dependencies, configures, builds (warnings as errors) and runs
# every test. This is what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-deps.sh
cmake --preset ci
cmake --build --preset ci
ctest --preset ci --output-on-failure
