#!/usr/bin/env bash
# Long form of the fault tests: randomized faults on real confluentd
# collectives, one fresh collective per iteration, random seeds, for hours.
# Each iteration forms SOAK_MEMBERS members in private network namespaces,
# runs clients on every member, injects SOAK_ROUNDS random faults (kill -9,
# SIGSTOP, isolation, asymmetric partitions, damaged log tails, restore from
# the four files), heals, and checks the history, that every acknowledged
# write is on every member, and that cfg/ files are identical.
# Needs root (namespaces, mounts). Stops at the first failing iteration
# (SOAK_KEEP_GOING=1: counts failures by kind and goes on).
#   scripts/soak.sh                  (SOAK_MINUTES=120 SOAK_MEMBERS=3 SOAK_ROUNDS=10)
#   SOAK_SEED=1234 scripts/soak.sh   (start from a given seed)
# Output goes to the terminal and to SOAK_LOG (default soak-<date>.log).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build-soak}
cmake -S . -B "$build" -G Ninja >/dev/null
cmake --build "$build" -j "${JOBS:-2}" --target cc_fault_soak confluentd cc_cli_tools >/dev/null
log=${SOAK_LOG:-soak-$(date -u +%Y%m%dT%H%M%SZ).log}
args=(--minutes "${SOAK_MINUTES:-120}" --members "${SOAK_MEMBERS:-3}" --rounds "${SOAK_ROUNDS:-10}")
if [ -n "${SOAK_SEED:-}" ]; then args+=(--seed "$SOAK_SEED"); fi
if [ -n "${SOAK_KEEP_GOING:-}" ]; then args+=(--keep-going); fi
echo "soak: $build/tests/faults/cc_fault_soak ${args[*]} (log: $log)"
"$build/tests/faults/cc_fault_soak" "${args[@]}" 2>&1 | tee "$log"
exit "${PIPESTATUS[0]}"
