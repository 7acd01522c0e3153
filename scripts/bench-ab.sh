#!/usr/bin/env bash
# Interleaved A/B benchmark of two builds (a benchmark, not a test): for
# each round and each member count, a collective of build A, then one of
# build B, on the same loopback addresses (127.1.9.N), joined one member at
# a time through mgt1, then 64 clients (CLIENTS) writing ~200-byte values
# through the leader for SECONDS (cc_loadgen). Prints, per run, writes/s and
# each member's CPU per acknowledged write (utime+stime, µs; * the leader):
#   r1 5:10 A:build-old writes/s=6926 | m1* 85.7 m2 16.9 ...
# Builds are directories holding daemon/app/confluentd, cli/ and
# tests/integration/cc_loadgen (`cmake --build DIR --target confluentd
# cc_cli_tools cc_loadgen`). Members are killed by PID when it ends.
#   scripts/bench-ab.sh BUILD_A BUILD_B   (ROUNDS=2 CONFS="3:0 5:10"
#                                          CLIENTS=64 SECONDS_EACH=8 BENCH_DIR=/var/tmp)
# CONFS: VOTERS:NONVOTERS pairs.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 BUILD_A BUILD_B" >&2; exit 2; }
builds=()
for b in "$1" "$2"; do
  [ -x "$b/daemon/app/confluentd" ] && [ -x "$b/tests/integration/cc_loadgen" ] ||
    { echo "$b: no confluentd or cc_loadgen there; build them first" >&2; exit 2; }
  builds+=("$(cd "$b" && pwd)")
done
rounds=${ROUNDS:-2}
confs=${CONFS:-"3:0 5:10"}
clients=${CLIENTS:-64}
seconds=${SECONDS_EACH:-8}
dir=$(mktemp -d "${BENCH_DIR:-/var/tmp}/confluent-bench-ab.XXXXXX")
pids=()
down() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
}
trap 'down; rm -rf "$dir"' EXIT

addr() { echo "127.1.9.$1"; }
menv() { echo "CONFLUENT_ETC_DIR=$dir/m$1/etc CONFLUENT_STATE_DIR=$dir/m$1/state CONFLUENT_RUN_DIR=$dir/m$1/run"; }
cli() { local i=$1; shift; env $(menv "$i") "$build/cli/$@"; }
sock() { echo "$dir/m$1/run/api.sock"; }

up() { # voters nonvoters
  local total=$(($1 + $2)) i role token
  rm -rf "$dir"/m*
  for i in $(seq "$total"); do
    mkdir -p "$dir/m$i/etc/cfg" "$dir/m$i/state" "$dir/m$i/run"
    printf 'mgt%s' "$i" >"$dir/m$i/etc/cfg/myname"
    env $(menv "$i") "$build/daemon/app/confluentd" --listen "$(addr "$i")" \
      --advertise "$(addr "$i")" >>"$dir/m$i.log" 2>&1 &
    pids[$i]=$!
  done
  for i in $(seq "$total"); do
    for _ in $(seq 3000); do
      [ -S "$(sock "$i")" ] && cli "$i" nodelist >/dev/null 2>&1 && break
      sleep 0.01
    done
  done
  for i in $(seq 2 "$total"); do
    role=""
    [ "$i" -gt "$1" ] && role=-n
    token=$(cli 1 collective invite "mgt$i" $role) || return 1
    cli "$i" collective join "$(addr 1)" -i "$token" >/dev/null || return 1
  done
  for _ in $(seq 600); do
    [ "$(cli 1 collective show -v 2>/dev/null | grep -cE '^    mgt[0-9]+: (voter|nonvoting), (leader|active),')" = "$total" ] &&
      return 0
    sleep 0.1
  done
  return 1
}

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

measure() { # label
  local lead out writes i
  lead=$(cli 1 collective show | sed -n 's/^Leader: mgt//p')
  declare -A t0
  for i in "${!pids[@]}"; do t0[$i]=$(ticks "${pids[$i]}"); done
  out=$("$build/tests/integration/cc_loadgen" --socket "$(sock "$lead")" writes \
    --clients "$clients" --value-size 200 --seconds "$seconds")
  writes=$(echo "$out" | tr ' ' '\n' | sed -n 's/^writes=//p')
  printf '%s writes/s=%s |' "$1" "$(echo "$out" | tr ' ' '\n' | sed -n 's/^writes_per_s=//p')"
  for i in $(printf '%s\n' "${!pids[@]}" | sort -n); do
    awk -v t=$(($(ticks "${pids[$i]}") - t0[$i])) -v hz="$(getconf CLK_TCK)" -v w="$writes" \
      -v m="m$i$([ "$i" = "$lead" ] && echo '*')" 'BEGIN {printf " %s %.1f", m, w ? t / hz * 1e6 / w : 0}'
  done
  echo
}

for r in $(seq "$rounds"); do
  for conf in $confs; do
    for ab in 0 1; do
      build=${builds[$ab]}
      label="r$r $conf $([ $ab = 0 ] && echo A || echo B):$(basename "$build")"
      if up "${conf%:*}" "${conf#*:}"; then
        measure "$label"
      else
        echo "$label: the collective did not form" >&2
      fi
      down
    done
  done
done
