#!/usr/bin/env bash
# Installs dependencies, configures, builds and starts the Signalbox console.
# Arguments go to the console, e.g. scripts/run.sh --workspace ~/signalbox-demo
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-deps.sh
cmake --preset dev
cmake --build --preset dev --target signalbox

if [ "$(uname -s)" = Linux ] && [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] \
    && [ -z "${QT_QPA_PLATFORM:-}" ]; then
    echo "run.sh: no display (DISPLAY/WAYLAND_DISPLAY unset); start it as: xvfb-run scripts/run.sh" >&2
    exit 1
fi

if [ "$(uname -s)" = Darwin ]; then
    exec build/dev/app/signalbox.app/Contents/MacOS/signalbox "$@"
fi
exec build/dev/app/signalbox "$@"
