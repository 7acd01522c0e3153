#!/usr/bin/env bash
# Collective benchmark (a benchmark, not a test): real confluentd members on
# loopback (each on its own 127.0.0.N, fsync on). Measures
#   - time from `collective join` to `Success` for an empty configuration and
#     for 100,000 nodes x 10 attributes (the joiner receives everything)
#   - acknowledged writes/s through the leader and through a follower with 1
#     and 64 clients (cc_loadgen; a follower forwards each write to the leader
#     and answers once it has applied it itself)
#   - a read as a script makes it: `nodelist` by the CLI, READS runs one after
#     the other (default 200), on the leader, on a follower and on a lone
#     server (a member's reads first make a read index round through the
#     leader; a lone server's do not)
# and prints a Markdown section for BENCHMARKS.md on stdout.
#   scripts/bench-collective.sh     (BENCH_SECONDS=10, BENCH_DIR=/var/tmp, BUILD_DIR=build-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build-bench}
if [ -z "${NO_BUILD:-}" ]; then
  cmake -S . -B "$build" -G Ninja >/dev/null
  cmake --build "$build" -j "${JOBS:-$(nproc)}" --target confluentd cc_cli_tools cc_loadgen >/dev/null
fi
build=$(cd "$build" && pwd)
seconds=${BENCH_SECONDS:-10}
dir=$(mktemp -d "${BENCH_DIR:-/var/tmp}/confluent-bench-collective.XXXXXX")
base=$((10 + RANDOM % 200))
pids=()
cleanup() {
  for p in "${pids[@]}"; do
    if kill -0 "$p" 2>/dev/null; then kill -KILL "$p"; wait "$p" 2>/dev/null || true; fi
  done
  rm -rf "$dir"
}
trap cleanup EXIT

addr() { echo "127.0.0.$((base + $1))"; }
env_of() { echo "CONFLUENT_ETC_DIR=$dir/m$1/etc CONFLUENT_STATE_DIR=$dir/m$1/state CONFLUENT_RUN_DIR=$dir/m$1/run"; }
# Member i: its own dirs, name mgt<i>, address 127.0.0.(base+i).
start() {
  local i=$1
  mkdir -p "$dir/m$i/etc/cfg" "$dir/m$i/state" "$dir/m$i/run"
  [ -e "$dir/m$i/etc/cfg/myname" ] || printf 'mgt%s' "$i" >"$dir/m$i/etc/cfg/myname"
  env $(env_of "$i") "$build/daemon/app/confluentd" --listen "$(addr "$i")" \
    --advertise "$(addr "$i")" 2>>"$dir/m$i.log" &
  pids+=($!)
  for _ in $(seq 3000); do
    [ -S "$dir/m$i/run/api.sock" ] && env $(env_of "$i") "$build/cli/nodelist" >/dev/null 2>&1 && return
    sleep 0.01
  done
  echo "member $i did not start" >&2; cat "$dir/m$i.log" >&2; exit 1
}
cli() { local i=$1; shift; env $(env_of "$i") "$build/cli/$@"; }
# Seconds (3 decimals) that member j takes to join through member i.
timed_join() {
  local i=$1 j=$2 token t0 t1
  token=$(cli "$i" collective invite "mgt$j" 2>/dev/null)
  t0=$(date +%s.%N)
  cli "$j" collective join "$(addr "$i")" -i "$token" >/dev/null
  t1=$(date +%s.%N)
  echo "$t0 $t1" | awk '{printf "%.3f", $2 - $1}'
}
writes() { "$build/tests/integration/cc_loadgen" --socket "$dir/m$1/run/api.sock" writes --clients "$2" --seconds "$seconds"; }
field() { tr ' ' '\n' | sed -n "s/^$1=//p"; }
# Median and 90th percentile (ms) of READS `nodelist` runs of the CLI on member i.
cli_reads() {
  local i=$1 t0 t1
  for _ in $(seq "${READS:-200}"); do
    t0=$EPOCHREALTIME
    cli "$i" nodelist >/dev/null
    t1=$EPOCHREALTIME
    echo "$t0 $t1" | awk '{printf "%.3f\n", ($2 - $1) * 1000}'
  done | sort -n | awk '{a[NR] = $1} END {printf "median %.2f ms, p90 %.2f ms", a[int(NR / 2) + 1], a[int(NR * 0.9)]}'
}
row() { echo "| $1 | $(echo "$2" | field writes_per_s) (p50 $(echo "$2" | field p50_ms) ms, p99 $(echo "$2" | field p99_ms) ms) |"; }

for i in 1 2 3; do start "$i"; done
join_empty=$(timed_join 1 2)
echo "join, empty configuration: ${join_empty}s" >&2
timed_join 2 3 >/dev/null   # mgt3 through a follower, as in the reference page
leader=$(cli 1 collective show | sed -n 's/^Leader: //p')
follower=2; [ "$leader" = mgt2 ] && follower=1
lead=${leader#mgt}

wl1=$(writes "$lead" 1); echo "leader, 1 client: $wl1" >&2
wl64=$(writes "$lead" 64); echo "leader, 64 clients: $wl64" >&2
wf1=$(writes "$follower" 1); echo "follower, 1 client: $wf1" >&2
wf64=$(writes "$follower" 64); echo "follower, 64 clients: $wf64" >&2

rl=$(cli_reads "$lead"); echo "reads on the leader: $rl" >&2
rf=$(cli_reads "$follower"); echo "reads on a follower: $rf" >&2

pop=$("$build/tests/integration/cc_loadgen" --socket "$dir/m$lead/run/api.sock" populate --nodes 100000 --attributes 10)
echo "populate: $pop" >&2
start 4
r1=$(cli_reads 4); echo "reads on a lone server: $r1" >&2
join_big=$(timed_join 1 4)
echo "join, 100,000 nodes: ${join_big}s" >&2
nodes4=$(cli 4 nodelist | wc -l)

cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
fs=$(df -T "$dir" | awk 'NR == 2 {print $2 " on " $1}')
cat <<MD
## Collective: three members on loopback

Produced by \`scripts/bench-collective.sh\` (BENCH_SECONDS=$seconds): three
(then four) confluentd members on one machine, each on its own 127.0.0.N,
talking over SSH (libssh, ecdsa-sha2-nistp384), fsync on. Writes are
acknowledged only once a majority has them durably and the member that took
the write has applied them.

Machine: $(nproc) CPUs ($cpu), state dirs on $fs, $(uname -sr).
Run: $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown).
All members share the machine's CPUs and disk (and other builds were running),
so the figures are a lower bound for members on separate servers.

| measurement | result |
|---|---|
| \`collective join\` to \`Success\`, empty configuration | ${join_empty} s |
| \`collective join\` to \`Success\`, 100,000 nodes x 10 attributes | ${join_big} s (joiner then lists $nodes4 nodes) |
$(row "acknowledged writes/s through the leader, 1 client" "$wl1")
$(row "acknowledged writes/s through the leader, 64 clients" "$wl64")
$(row "acknowledged writes/s through a follower, 1 client" "$wf1")
$(row "acknowledged writes/s through a follower, 64 clients" "$wf64")
| \`nodelist\` by the CLI, ${READS:-200} runs in a row: on the leader | $rl |
| the same on a follower | $rf |
| the same on a lone server (no read index round) | $r1 |
MD
