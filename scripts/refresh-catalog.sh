#!/usr/bin/env bash
# Rebuilds the bundled model catalog (resources/catalog/catalog.sbcat) from
# the public models.dev and genai-prices files and prints the merge report.
#
#   scripts/refresh-catalog.sh                 # the files in ../shared/catalog
#   scripts/refresh-catalog.sh --models-dev F --genai-prices F --genai-version V --genai-date YYYY-MM-DD
#   scripts/refresh-catalog.sh --openrouter models.json --openrouter-date YYYY-MM-DD   # add live OpenRouter prices
#
# Options are passed to signalbox-catalog-convert (see its --help) and override
# the defaults below. Commit the regenerated snapshot together with any change
# to resources/catalog/*.json: tst_catalogsnapshot checks they agree.
set -euo pipefail
cd "$(dirname "$0")/.."

shared=../shared/catalog
build=${SIGNALBOX_CATALOG_BUILD_DIR:-build/catalog-tool}
generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi

# Only the converter and the engine it links are built, optimised; the build
# output is shown only when it fails.
quietly() {
    local log
    if ! log=$("$@" 2>&1); then
        printf '%s\n' "$log" >&2
        exit 1
    fi
}
if [ ! -f "$build/CMakeCache.txt" ]; then
    quietly cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
        -DSIGNALBOX_BUILD_TESTS=OFF -DSIGNALBOX_BUILD_BENCH=OFF
fi
quietly cmake --build "$build" --target signalbox-catalog-convert -j2

"$build/engine/signalbox-catalog-convert" \
    --models-dev "$shared/models-dev-2025-09.json" \
    --genai-prices "$shared/genai-prices-0.1.8.json" \
    --genai-version 0.1.8 \
    --genai-date 2026-09-23 \
    --output resources/catalog/catalog.sbcat \
    "$@"
