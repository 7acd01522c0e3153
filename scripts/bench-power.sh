#!/usr/bin/env bash
# nodepower benchmark (a benchmark, not a test): three confluentd members on
# loopback and 100 simulated BMCs (OpenIPMI's ipmi_sim, one process each).
# tests/collective/power_bench.cpp times the real CLI, as a script sees it:
#   - `nodepower n1-n100` (status) on mgt1, which manages none of the nodes
#     (n1-n50 are mgt2's, n51-n100 mgt3's): RUNS runs, median/min/max
#   - `nodepower n1-n100 on` the same way, one run
#   - `nodepower l1-l100` for 100 nodes mgt1 manages itself, one run
# and prints one line per measurement on stdout; exits non-zero when any run
# failed. Needs ipmi_sim (scripts/install-deps.sh installs openipmi).
#   scripts/bench-power.sh [RUNS]     (RUNS=11, BUILD_DIR=build-bench, NO_BUILD=1 to skip the build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build-bench}
if [ -z "${NO_BUILD:-}" ]; then
  cmake -S . -B "$build" -G Ninja >/dev/null
  cmake --build "$build" -j "${JOBS:-$(nproc)}" --target power_bench confluentd cc_cli_tools >/dev/null
fi
build=$(cd "$build" && pwd)
runs=${1:-${RUNS:-11}}
exec "$build/tests/collective/power_bench" "$runs"
