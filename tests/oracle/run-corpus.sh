#!/usr/bin/env bash
# CTest fixture: installs the pinned reference package (npm ci, from the
# lockfile) into the build tree and writes the oracle corpus there.
# usage: run-corpus.sh WORKDIR GENAI_PRICES.json
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$1"
data="$2"
mkdir -p "$work"
cp "$here/package.json" "$here/package-lock.json" "$here/make-corpus.mjs" "$work/"
cd "$work"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "run-corpus: node and npm are needed for the cost oracle (scripts/setup-deps.sh installs them)" >&2
    exit 1
fi
if [ ! -d node_modules/@pydantic/genai-prices ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
fi
node make-corpus.mjs "$work/corpus.jsonl" "$data"
