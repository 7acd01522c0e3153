#!/usr/bin/env bash
# The whole test suite, as CI runs it: dependencies, clang-format check,
# a normal build with every test, then an ASan/UBSan build of the tests.
#   scripts/test.sh            everything
#   SKIP_SANITIZE=1 scripts/test.sh   skip the ASan/UBSan pass (quicker local runs)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

echo "== clang-format check"
scripts/format.sh --check

echo "== build and test (RelWithDebInfo)"
BUILD_DIR=build scripts/build.sh
(cd build && ctest --output-on-failure -j "$(nproc)" --timeout 600)

if [ "${SKIP_SANITIZE:-0}" != 1 ]; then
  echo "== build and test (ASan + UBSan)"
  BUILD_DIR=build-asan scripts/build.sh -DCMAKE_BUILD_TYPE=Debug -DCC_SANITIZE=ON
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
     ctest --output-on-failure -j "$(nproc)" --timeout 900 -LE slow)
fi
