#!/usr/bin/env bash
# The whole test suite, as CI runs it: dependencies, clang-format check,
# a normal build with every test, then an ASan/UBSan build of the tests.
#   scripts/test.sh            everything
#   SKIP_SANITIZE=1 scripts/test.sh   skip the sanitizer passes (quicker local runs)
#   RUN_SLOW=1 scripts/test.sh        also run the tests labelled slow
#   SKIP_FUZZ=1 scripts/test.sh       skip the fuzz step (scripts/fuzz.sh, ~5 minutes)
# The TSan pass covers the threaded parts: storage thread, SSH transport, API server,
# the cfg writer (it renders copy-on-write copies of the node database).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

echo "== clang-format check"
scripts/format.sh --check

echo "== build and test (RelWithDebInfo)"
BUILD_DIR=build scripts/build.sh
# Tests labelled `slow` (failover figures, 60 s steady load) are timing
# measurements: opt in with RUN_SLOW=1 rather than risk a noisy CI machine.
slow_filter=(-LE slow)
[ "${RUN_SLOW:-0}" = 1 ] && slow_filter=()
(cd build && ctest --output-on-failure -j "$(nproc)" --timeout 600 "${slow_filter[@]}")

# Every decoder and loader of outside bytes under libFuzzer, a fixed short
# time each (scripts/fuzz.sh; SKIP_FUZZ=1 skips it).
if [ "${SKIP_FUZZ:-0}" != 1 ]; then
  echo "== fuzz"
  scripts/fuzz.sh
fi

if [ "${SKIP_SANITIZE:-0}" != 1 ]; then
  echo "== build and test (ASan + UBSan)"
  BUILD_DIR=build-asan scripts/build.sh -DCMAKE_BUILD_TYPE=Debug -DCC_SANITIZE=ON
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
     ctest --output-on-failure -j "$(nproc)" --timeout 900 -LE slow)
fi

if [ "${SKIP_SANITIZE:-0}" != 1 ]; then
  echo "== build and test the threaded parts (TSan)"
  tsan_targets=(storage_test ssh_test api_test app_test state_test)
  scripts/install-deps.sh
  cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCC_TSAN=ON >/dev/null
  cmake --build build-tsan -j "$(nproc)" --target "${tsan_targets[@]}"
  export TSAN_OPTIONS=halt_on_error=1
  build-tsan/tests/unit/storage/storage_test
  build-tsan/tests/unit/ssh/ssh_test
  build-tsan/tests/unit/api/api_test
  build-tsan/tests/unit/app/app_test
  build-tsan/tests/unit/state/state_test
fi

