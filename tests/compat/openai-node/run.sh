#!/usr/bin/env bash
# Runs chat-compat.mjs with the openai client pinned in package-lock.json,
# installing it (npm ci) first when node_modules is missing or was installed
# from another lockfile.
#
# usage: run.sh [WORKDIR]
#   env: OPENAI_BASE_URL (http://127.0.0.1:PORT/v1), OPENAI_API_KEY, SIGNALBOX_COMPAT_MODEL
#   WORKDIR: where the package files are copied and node_modules is kept, so
#   repeated runs reuse the install (a CTest fixture passes one in the build
#   tree, as tests/oracle/run-corpus.sh does). Default: this folder.
# exit: 0 every check passed; 1 a check failed, or the install failed;
#       2 the environment variables are missing;
#       77 skipped (CTest SKIP_RETURN_CODE): no node/npm, node older than 18,
#          or the npm registry is unreachable and the pinned client is not installed.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="${1:-$here}"

skip() {
    echo "openai-compat: SKIPPED: $*" >&2
    exit 77
}

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    skip "node and npm are needed (scripts/setup-deps.sh installs them)"
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "${node_major:-0}" -lt 18 ]; then
    skip "node $(node --version) is older than 18"
fi
for name in OPENAI_BASE_URL OPENAI_API_KEY SIGNALBOX_COMPAT_MODEL; do
    if [ -z "${!name:-}" ]; then
        echo "openai-compat: set $name (see $here/README.md)" >&2
        exit 2
    fi
done

mkdir -p "$work" || exit 1
if [ "$work" != "$here" ]; then
    cp "$here/package.json" "$here/package-lock.json" "$here/chat-compat.mjs" "$work/" || exit 1
fi
cd "$work" || exit 1

# The stamp holds the hash of the lockfile node_modules was installed from:
# timestamps change on every copy, the hash only when the pin does.
stamp=node_modules/.signalbox-lock.sha256
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -f node_modules/openai/package.json ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    log="$(mktemp)"
    # --prefer-offline: a package already in npm's cache is not fetched again.
    if ! npm ci --no-audit --no-fund --loglevel=error --prefer-offline \
            --fetch-retries=1 --fetch-timeout=60000 >"$log" 2>&1; then
        cat "$log" >&2
        if grep -qE 'ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|ERR_SOCKET_TIMEOUT|network' "$log"; then
            rm -f "$log"
            skip "the npm registry is unreachable, so the pinned openai client cannot be installed"
        fi
        rm -f "$log"
        echo "openai-compat: npm ci failed" >&2
        exit 1
    fi
    rm -f "$log"
    echo "$want" >"$stamp"
fi

node chat-compat.mjs
code=$?
case "$code" in
    0 | 2) exit "$code" ;;
    *) exit 1 ;;
esac
