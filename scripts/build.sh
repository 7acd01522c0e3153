#!/usr/bin/env bash
# Builds the project into build/ (or $BUILD_DIR), installing dependencies first.
#   scripts/build.sh [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja "$@" >/dev/null
cmake --build "$build" -j "${JOBS:-$(nproc)}"
