#!/usr/bin/env bash
# Installs what building and testing Signalbox needs. Idempotent: on Debian or
# Ubuntu it installs only the packages that are missing (as root, or through
# sudo); elsewhere it prints what to install.
set -euo pipefail

# Build: compiler, CMake, Ninja, Qt 6 (>= 6.4) with Charts, SQLite driver and SVG icons.
# yaml-cpp: the configuration file of `signalbox-gateway config` (docs/config.md).
# rapidjson-dev: validating streamed JSON without building a document (docs/http-stack.md).
# libsqlite3-dev: the usage log's inserts through SQLite's C API, on the library
# Qt's QSQLITE driver uses (docs/usage-log.md, "Cost of a row").
# Tests and screenshots: Xvfb for running the console without a desktop.
DEBIAN_PACKAGES=(
    build-essential cmake ninja-build git pkg-config ca-certificates
    qt6-base-dev qt6-base-dev-tools qt6-charts-dev qt6-tools-dev qt6-tools-dev-tools
    libqt6sql6-sqlite libqt6svg6 libgl-dev libqt6opengl6-dev libhttp-parser-dev
    libcurl4-openssl-dev qtkeychain-qt6-dev libyaml-cpp-dev libsqlite3-dev rapidjson-dev
    xvfb xauth
)
# Tests only: Node.js runs the reference implementations the cost engine is
# checked against (tests/oracle). A machine that already has node and npm
# (from NodeSource, nvm, ...) keeps them.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    DEBIAN_PACKAGES+=(nodejs npm)
fi

say() { printf 'setup-deps: %s\n' "$*" >&2; }

install_debian() {
    local missing=()
    local pkg
    for pkg in "${DEBIAN_PACKAGES[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$pkg")
        fi
    done
    if [ ${#missing[@]} -eq 0 ]; then
        say "all ${#DEBIAN_PACKAGES[@]} packages already installed"
        return 0
    fi

    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo=(sudo)
        else
            say "missing packages: ${missing[*]}"
            say "run this script as root (or install sudo) to install them"
            exit 1
        fi
    fi
    say "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

case "$(uname -s)" in
    Linux)
        if command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1; then
            install_debian
        else
            say "not a Debian/Ubuntu system: install a C++20 compiler, CMake >= 3.25, Ninja and"
            say "Qt >= 6.4 (Core, Gui, Widgets, Network, Sql with the SQLite driver, Charts, Svg,"
            say "Concurrent, Test) and yaml-cpp from your distribution, then run scripts/run.sh again."
        fi
        ;;
    Darwin)
        say "macOS: install Xcode command line tools and Homebrew, then:"
        say "  brew install cmake ninja qt@6 yaml-cpp"
        say "  export CMAKE_PREFIX_PATH=\"\$(brew --prefix qt@6);\$(brew --prefix)\""
        ;;
    MINGW* | MSYS* | CYGWIN*)
        say "Windows: install Visual Studio 2022 (Desktop C++), CMake and Ninja, and Qt 6 (>= 6.4)"
        say "with the Charts module from the Qt online installer (or: vcpkg install qtbase qtcharts qtsvg),"
        say "and yaml-cpp (vcpkg install yaml-cpp; add vcpkg's toolchain file or its prefix to CMAKE_PREFIX_PATH);"
        say "then configure with -DCMAKE_PREFIX_PATH=C:/Qt/6.x.y/msvc2019_64 and the 'dev' preset."
        ;;
    *)
        say "unknown system $(uname -s): install CMake >= 3.25, Ninja and Qt >= 6.4 by hand"
        ;;
esac
