#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (clang, ASan+UBSan, -DCC_FUZZ=ON)
# into build-fuzz and runs each for a fixed time, starting from its checked-in
# seeds (tests/fuzz/corpus/<target>); what a run discovers stays in
# build-fuzz/fuzz-corpus/<target> for the next local run.
#   scripts/fuzz.sh                       every target, FUZZ_SECONDS each (default 15:
#                                         the 17 targets run in under 5 minutes, build aside)
#   FUZZ_SECONDS=600 scripts/fuzz.sh peer_message command   the named targets, 10 minutes each
#   scripts/fuzz.sh --seeds               rewrites tests/fuzz/corpus from this build's encoders
# A crash, leak, timeout or sanitizer report fails the script and names the
# reproducer; replay it with build-fuzz/tests/fuzz/fuzz_<target> <reproducer>.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${FUZZ_BUILD_DIR:-build-fuzz}
seconds=${FUZZ_SECONDS:-15}

scripts/install-deps.sh
cmake -S . -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCC_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

if [ "${1:-}" = --seeds ]; then
  cmake --build "$build" -j "${JOBS:-$(nproc)}" --target fuzz_make_corpus
  find tests/fuzz/corpus -type f -name 'seed-*' -delete 2>/dev/null || true
  "$build/tests/fuzz/fuzz_make_corpus" tests/fuzz/corpus .
  echo "fuzz: seeds written to tests/fuzz/corpus"
  exit 0
fi

# Every tests/fuzz/<target>.cpp but the seed generator, or the named ones.
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in tests/fuzz/*.cpp; do
    t=$(basename "$f" .cpp)
    [ "$t" = make_corpus ] || targets+=("$t")
  done
fi
cmake --build "$build" -j "${JOBS:-$(nproc)}" --target "${targets[@]/#/fuzz_}"

# The file loaders write their input to a scratch directory on every run:
# keep it in memory, and in a directory of this run, removed at the end
# (a crashing target cannot remove its own).
shm=/tmp
if [ -d /dev/shm ] && [ -w /dev/shm ]; then shm=/dev/shm; fi
TMPDIR=$(mktemp -d "$shm/cc-fuzz-run.XXXXXX")
export TMPDIR
trap 'rm -rf "$TMPDIR"' EXIT
export UBSAN_OPTIONS=print_stacktrace=1

failed=()
for t in "${targets[@]}"; do
  work="$build/fuzz-corpus/$t"
  artifacts="$build/fuzz-artifacts/$t"
  log="$build/fuzz-logs/$t.log"
  mkdir -p "$work" "$artifacts" "$(dirname "$log")"
  seeds="tests/fuzz/corpus/$t"
  [ -d "$seeds" ] || seeds=""
  status=0
  # -timeout: one input may take this long (a noderange of a million names
  # does, under ASan); -rss_limit_mb: the decoders' memory bound holds.
  "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "$work" $seeds >"$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  if [ "$status" -ne 0 ]; then
    reproducer=$(ls -t "$artifacts"/* 2>/dev/null | head -1 || true)
    echo "fuzz: $t FAILED after ${runs:-?} runs (exit $status); reproducer: ${reproducer:-none}; log: $log" >&2
    grep -E 'ERROR|SUMMARY|runtime error|deadly signal|==[0-9]+==' "$log" | head -20 >&2 || true
    failed+=("$t")
  else
    echo "fuzz: $t ok, ${seconds} s, ${runs:-?} runs"
  fi
done

if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: failed: ${failed[*]}" >&2
  exit 1
fi
