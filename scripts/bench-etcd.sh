#!/usr/bin/env bash
# Side-by-side benchmark (a benchmark, not a test): a three-member confluent
# collective against a three-member etcd (Debian 12's etcd-server 3.4, its
# defaults: fsync on, 100 ms heartbeat, 1 s election timeout), on the same
# machine in the same run, in interleaved rounds (ours, etcd, ours, etcd, ...).
# Every member has its own loopback address 127.0.0.N (a random base, as in
# scripts/bench-collective.sh), its data under the bench dir, and is killed by
# PID when the script ends. Each round starts fresh clusters and measures
#   1-2. writes through the leader, ~200-byte values, 1, 16 and 64 clients
#        (one connection each), throughput and p50/p99: ours with cc_loadgen
#        (nodeattrib-style: client i sets bench.counter of node ldg<i>), etcd
#        with cc_etcd_loadgen (gRPC KV/Put of /nodes/ldg<i>/bench.counter)
#   3.   CPU per acknowledged write: utime+stime (/proc/PID/stat) of the three
#        members summed, before and after each load run
#   4.   failover, KILLS leader kills per way (kill -9; the killed member is
#        restarted and caught up before the next kill):
#        (a) one sequential client on a follower, retrying a failed write
#            after RETRY_MS (ours: `nodeattrib n1 custom.x=N` in a shell loop,
#            one process per attempt; etcd: one client on one connection);
#            time from the kill to the first acknowledged write started after
#            it, and the writes that ended in an error or unknown outcome
#        (b) probes launched every 25 ms in parallel (a new connection each)
#            against a follower: time from the kill to the first successful
#            probe launched after it
#   5.   catch-up: a follower stopped (SIGTERM), CATCHUP_VALUES writes through
#        the leader (16 clients), the follower restarted; time from its start
#        until ours shows `Applied index` >= the leader's `Commit index` in
#        `collective show -v`, etcd's revision (Maintenance/Status, what
#        `etcdctl endpoint status` shows) reaches the leader's
#   6.   VmRSS of each member after the catch-up
# and prints a Markdown section for BENCHMARKS.md on stdout (medians over
# rounds; failover figures over every kill of every round); progress on stderr.
#   scripts/bench-etcd.sh    (ROUNDS=2 KILLS=5 CATCHUP_VALUES=100000 BENCH_SECONDS=10
#                             RETRY_MS=25 BENCH_DIR=/var/tmp BUILD_DIR=build-bench;
#                             NO_BUILD=1 skips the build; SCALE=0 leaves out the scale
#                             rows; ROUNDS=0 RESULTS_IN=DIR/results reports a kept
#                             run's rounds (BENCH_KEEP=1) with new scale rows)
# Needs etcd, etcdctl and libgrpc++-dev (scripts/install-deps.sh).
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
command_line=""
[ $# -eq 0 ] || command_line="$(printf '%q ' "$@")"
env_line=""
for v in ROUNDS KILLS CATCHUP_VALUES BENCH_SECONDS RETRY_MS BENCH_DIR BUILD_DIR NO_BUILD SCALE RESULTS_IN; do
  [ -n "${!v:-}" ] && env_line+="$v=${!v} "
done
command_line="${env_line}scripts/bench-etcd.sh${command_line:+ ${command_line% }}"

for tool in etcd etcdctl; do
  command -v "$tool" >/dev/null || { echo "bench-etcd: $tool not found; run scripts/install-deps.sh as root" >&2; exit 1; }
done
# The source the binaries come from, taken now: the tree may change while
# the benchmark runs.
if commit=$(git rev-parse --short HEAD 2>/dev/null); then
  git diff --quiet HEAD 2>/dev/null || commit+=" plus uncommitted changes"
else
  commit=unknown
fi
build=${BUILD_DIR:-build-bench}
if [ -z "${NO_BUILD:-}" ]; then
  cmake -S . -B "$build" -G Ninja >/dev/null
  cmake --build "$build" -j "${JOBS:-$(nproc)}" \
    --target confluentd cc_cli_tools cc_loadgen cc_etcd_loadgen >/dev/null
fi
build=$(cd "$build" && pwd)
loadgen=$build/tests/integration/cc_loadgen
etcd_loadgen=$build/tests/integration/cc_etcd_loadgen
[ -x "$etcd_loadgen" ] || { echo "bench-etcd: $etcd_loadgen missing (libgrpc++-dev installed?)" >&2; exit 1; }

rounds=${ROUNDS:-2}
kills=${KILLS:-5}
catchup_values=${CATCHUP_VALUES:-100000}
seconds=${BENCH_SECONDS:-10}
retry_ms=${RETRY_MS:-25}
value_size=200
retry_s=$(awk -v m="$retry_ms" 'BEGIN {printf "%.3f", m / 1000}')

dir=$(mktemp -d "${BENCH_DIR:-/var/tmp}/confluent-bench-etcd.XXXXXX")
base=$((10 + RANDOM % 200))   # ours: 127.0.0.(base+1..3), etcd: 127.0.0.(base+11..13)
declare -A opid=() epid=()     # member index -> PID of the running confluentd / etcd
helpers=()                     # background clients and loops
cleanup() {
  local p
  for p in "${helpers[@]}" "${opid[@]}" "${epid[@]}"; do
    if kill -0 "$p" 2>/dev/null; then
      pkill -KILL -P "$p" 2>/dev/null || true   # a shell loop's running CLI
      kill -KILL "$p" 2>/dev/null || true
      wait "$p" 2>/dev/null || true
    fi
  done
  if [ -n "${BENCH_KEEP:-}" ]; then echo "kept $dir" >&2; else rm -rf "$dir"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
die() { log "FAILED: $*"; exit 1; }
now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.3f", b - a}'; }
field() { tr ' ' '\n' | sed -n "s/^$1=//p"; }
record() { echo "$1 $2 $3" >>"$dir/results"; }   # system metric value
# Sum of utime+stime (clock ticks) of the given PIDs.
cpu_ticks() { local p s=0; for p in "$@"; do s=$((s + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$s"; }
rss_mib() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
# Stops one process: SIGTERM, then SIGKILL after 10 s.
stop_pid() {
  local p=$1
  kill -TERM "$p" 2>/dev/null || return 0
  for _ in $(seq 1000); do kill -0 "$p" 2>/dev/null || break; sleep 0.01; done
  kill -KILL "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
}
# Removes a PID from helpers once it has ended.
forget() { local p keep=(); for p in "${helpers[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done; helpers=("${keep[@]}"); }

# ---------------------------------------------------------------- ours ----
oaddr() { echo "127.0.0.$((base + $1))"; }
oenv() { echo "CONFLUENT_ETC_DIR=$odir/m$1/etc CONFLUENT_STATE_DIR=$odir/m$1/state CONFLUENT_RUN_DIR=$odir/m$1/run"; }
ocli() { local i=$1; shift; env $(oenv "$i") "$build/cli/$@"; }
osock() { echo "$odir/m$1/run/api.sock"; }
# Starts member i (its dirs kept across restarts); returns at once.
ours_launch() {
  local i=$1
  mkdir -p "$odir/m$i/etc/cfg" "$odir/m$i/state" "$odir/m$i/run"
  [ -e "$odir/m$i/etc/cfg/myname" ] || printf 'mgt%s' "$i" >"$odir/m$i/etc/cfg/myname"
  env $(oenv "$i") "$build/daemon/app/confluentd" --listen "$(oaddr "$i")" \
    --advertise "$(oaddr "$i")" 2>>"$odir/m$i.log" &
  opid[$i]=$!
}
ours_wait_api() {
  local i=$1
  for _ in $(seq 3000); do
    [ -S "$(osock "$i")" ] && ocli "$i" nodelist >/dev/null 2>&1 && return 0
    kill -0 "${opid[$i]}" 2>/dev/null || break
    sleep 0.01
  done
  cat "$odir/m$i.log" >&2; die "confluentd member $i did not start"
}
# Prints the leader's index (mgtN -> N), asking member i; waits for one (60 s).
ours_leader() {
  local i=$1 l
  for _ in $(seq 600); do
    l=$(ocli "$i" collective show 2>/dev/null | sed -n 's/^Leader: mgt//p') || true
    [ -n "$l" ] && { echo "$l"; return 0; }
    sleep 0.1
  done
  die "confluent: no leader seen by member $i"
}
ours_show_value() { ocli "$1" collective show -v 2>/dev/null | sed -n "s/^$2: //p"; }
# Waits (300 s at most) until member i has applied the leader's commit index;
# prints the time (epoch seconds) of member i's first answer.
ours_wait_caught_up() {
  local i=$1 lead=$2 target applied first=""
  target=$(ours_show_value "$lead" "Commit index")
  [ -n "$target" ] || die "confluent: no commit index from mgt$lead"
  for _ in $(seq 30000); do
    applied=$(ours_show_value "$i" "Applied index") || true
    [ -n "$applied" ] && [ -z "$first" ] && first=$(now)
    [ -n "$applied" ] && [ "$applied" -ge "$target" ] && { echo "$first"; return 0; }
    kill -0 "${opid[$i]}" 2>/dev/null || die "confluent: member $i exited (see its log)"
    sleep 0.01
  done
  die "confluent: member $i did not catch up to index $target"
}
ours_up() {
  odir=$dir/ours$1
  mkdir -p "$odir"
  local i token t0
  t0=$(now)
  for i in 1 2 3; do ours_launch "$i"; ours_wait_api "$i"; done
  log "ours: 3 members started in $(since "$t0")s"
  for i in 2 3; do
    token=$(ocli 1 collective invite "mgt$i" 2>/dev/null)
    ocli "$i" collective join "$(oaddr 1)" -i "$token" >/dev/null
    log "ours: mgt$i joined ($(since "$t0")s)"
  done
  local show=""
  for _ in $(seq 600); do
    show=$(ocli 1 collective show -v 2>/dev/null) || true
    [ "$(echo "$show" | grep -cE '^    mgt[0-9]+: voter, (leader|active),')" = 3 ] && break
    sleep 0.1
  done
  [ "$(echo "$show" | grep -cE '^    mgt[0-9]+: voter, (leader|active),')" = 3 ] ||
    die "confluent: the collective did not form: $show"
  log "ours: collective formed in $(since "$t0")s"
  ocli 1 nodedefine n1 >/dev/null
}
ours_down() { local i; for i in 1 2 3; do [ -n "${opid[$i]:-}" ] && stop_pid "${opid[$i]}"; unset "opid[$i]"; done; [ -n "${BENCH_KEEP:-}" ] || rm -rf "$odir"; }
ours_writes() { # member clients seconds|count:N
  local extra=(--seconds "$3")
  [[ $3 == count:* ]] && extra=(--count "${3#count:}" --seconds 3600)
  "$loadgen" --socket "$(osock "$1")" writes --clients "$2" --value-size "$value_size" "${extra[@]}"
}
# One sequential client, exactly as an admin script runs the CLI: retried
# (same value) after RETRY_MS on a non-zero exit. Prints "<start> <end> <exit>".
ours_seq_loop() {
  local i=$1 stop=$2 n=1 s e rc envs
  envs=$(oenv "$i")
  while [ ! -e "$stop" ]; do
    s=$EPOCHREALTIME
    rc=0
    env $envs "$build/cli/nodeattrib" n1 "custom.x=$n" >/dev/null 2>>"$stop.err" || rc=$?
    e=$EPOCHREALTIME
    echo "$s $e $rc"
    if [ "$rc" = 0 ]; then n=$((n + 1)); else sleep "$retry_s"; fi
  done
}

# ---------------------------------------------------------------- etcd ----
eaddr() { echo "127.0.0.$((base + 10 + $1))"; }
eend() { echo "$(eaddr "$1"):2379"; }
etcd_launch() {
  local i=$1 cluster=""
  for j in 1 2 3; do cluster+="${cluster:+,}e$j=http://$(eaddr "$j"):2380"; done
  etcd --name "e$i" --data-dir "$edir/e$i" \
    --listen-client-urls "http://$(eend "$i")" --advertise-client-urls "http://$(eend "$i")" \
    --listen-peer-urls "http://$(eaddr "$i"):2380" --initial-advertise-peer-urls "http://$(eaddr "$i"):2380" \
    --initial-cluster "$cluster" --initial-cluster-token "bench-$base-$$" --initial-cluster-state new \
    >>"$edir/e$i.log" 2>&1 &
  epid[$i]=$!
}
estatus() { "$etcd_loadgen" --endpoint "$(eend "$1")" status 2>/dev/null; }
etcd_wait_api() {
  local i=$1
  for _ in $(seq 3000); do
    estatus "$i" >/dev/null && return 0
    kill -0 "${epid[$i]}" 2>/dev/null || break
    sleep 0.01
  done
  tail -20 "$edir/e$i.log" >&2; die "etcd member $i did not start"
}
# The leader's index, from `etcdctl endpoint status` over the live members (60 s).
etcd_leader() {
  local eps="" i l
  for i in 1 2 3; do [ -n "${epid[$i]:-}" ] && eps+="${eps:+,}$(eend "$i")"; done
  for _ in $(seq 600); do
    # endpoint, ID, version, db size, is leader, is learner, raft term, raft index, ...
    l=$(etcdctl --endpoints="$eps" endpoint status 2>/dev/null | awk -F', ' '$5 == "true" {print $1}') || true
    for i in 1 2 3; do [ "$l" = "$(eend "$i")" ] && { echo "$i"; return 0; }; done
    sleep 0.1
  done
  die "etcd: no leader"
}
# The same for etcd: until member i's revision reaches the leader's.
etcd_wait_caught_up() {
  local i=$1 lead=$2 target out
  target=$(estatus "$lead" | field revision)
  [ -n "$target" ] || die "etcd: no revision from e$lead"
  out=$("$etcd_loadgen" --endpoint "$(eend "$i")" wait-revision --revision "$target") ||
    die "etcd: member $i did not reach revision $target"
  echo "$out" | field first_answer
}
etcd_up() {
  edir=$dir/etcd$1
  mkdir -p "$edir"
  local i
  for i in 1 2 3; do etcd_launch "$i"; done
  for i in 1 2 3; do etcd_wait_api "$i"; done
  etcd_leader >/dev/null
}
etcd_down() { local i; for i in 1 2 3; do [ -n "${epid[$i]:-}" ] && stop_pid "${epid[$i]}"; unset "epid[$i]"; done; rm -rf "$edir"; }
etcd_writes() { # member clients seconds|count:N
  local extra=(--seconds "$3")
  [[ $3 == count:* ]] && extra=(--count "${3#count:}" --seconds 3600)
  "$etcd_loadgen" --endpoint "$(eend "$1")" writes --clients "$2" --value-size "$value_size" "${extra[@]}"
}

# ------------------------------------------------------- per system ----
# Each function below works on system $sys (ours or etcd) through these.
pids_of() { if [ "$sys" = ours ]; then echo "${opid[@]}"; else echo "${epid[@]}"; fi; }
leader() { if [ "$sys" = ours ]; then ours_leader "$1"; else etcd_leader; fi; }
launch() { if [ "$sys" = ours ]; then ours_launch "$1"; else etcd_launch "$1"; fi; }
wait_api() { if [ "$sys" = ours ]; then ours_wait_api "$1"; else etcd_wait_api "$1"; fi; }
caught_up() { if [ "$sys" = ours ]; then ours_wait_caught_up "$@"; else etcd_wait_caught_up "$@"; fi; }
sys_writes() { if [ "$sys" = ours ]; then ours_writes "$@"; else etcd_writes "$@"; fi; }
pid_of() { if [ "$sys" = ours ]; then echo "${opid[$1]}"; else echo "${epid[$1]}"; fi; }
unset_pid() { if [ "$sys" = ours ]; then unset "opid[$1]"; else unset "epid[$1]"; fi; }
other_than() { local i; for i in 1 2 3; do [ "$i" = "$1" ] || [ "$i" = "${2:-}" ] || { echo "$i"; return; }; done; }

# Rows 1-3: load runs through the leader, CPU of the three members around each.
load_rows() {
  local lead c attempt out t0 t1 writes cpu_us client_us
  lead=$(leader 1)
  sys_writes "$lead" 16 1 >/dev/null   # warm-up
  for c in 1 16 64; do
    # A failed run is run once more, for either system, and said in the log:
    # one etcd run failed so (a client could not connect) after 8 minutes.
    for attempt in 1 2; do
      t0=$(cpu_ticks $(pids_of))
      # bash's time: the client's own CPU (user and system seconds).
      { TIMEFORMAT='%3U %3S'; time sys_writes "$lead" "$c" "$seconds" >"$dir/load.out" 2>"$dir/load.err"; } 2>"$dir/load.time" &&
        break
      cat "$dir/load.err" >&2
      [ "$attempt" = 1 ] || die "$sys: load run with $c clients failed twice"
      log "$sys: load run with $c clients failed; running it once more"
    done
    t1=$(cpu_ticks $(pids_of))
    out=$(cat "$dir/load.out")
    writes=$(echo "$out" | field writes)
    cpu_us=$(awk -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v w="$writes" 'BEGIN {printf "%.1f", w ? t / hz * 1e6 / w : 0}')
    client_us=$(awk -v w="$writes" '{printf "%.1f", w ? ($1 + $2) * 1e6 / w : 0}' "$dir/load.time")
    log "$sys c=$c: $out cpu_us_per_write=$cpu_us client_cpu_us_per_write=$client_us"
    record "$sys" "clientcpu_$c" "$client_us"
    record "$sys" "wps_$c" "$(echo "$out" | field writes_per_s)"
    record "$sys" "p50_$c" "$(echo "$out" | field p50_ms)"
    record "$sys" "p99_$c" "$(echo "$out" | field p99_ms)"
    record "$sys" "cpu_$c" "$cpu_us"
  done
}

# Row 4: one leader kill; way seq or probe. Records the time to recovery and
# (seq) the failed attempts.
failover_once() {
  local way=$1 k=$2 lead f out stop client victim tk rec errs kinds
  lead=$(leader "$(other_than 0)")
  f=$(other_than "$lead")
  out=$dir/failover.$sys.$way.$k
  stop=$dir/stop.$sys.$way.$k
  rm -f "$stop" "$stop.err"  # left by the same kill of an earlier round
  if [ "$way" = seq ]; then
    if [ "$sys" = ours ]; then
      ours_seq_loop "$f" "$stop" >"$out" &
    else
      "$etcd_loadgen" --endpoint "$(eend "$f")" seq --stop-file "$stop" --retry-ms "$retry_ms" >"$out" &
    fi
  else
    if [ "$sys" = ours ]; then
      "$loadgen" --socket "$(osock "$f")" probe --stop-file "$stop" --interval-ms 25 >"$out" &
    else
      "$etcd_loadgen" --endpoint "$(eend "$f")" probe --stop-file "$stop" --interval-ms 25 >"$out" &
    fi
  fi
  client=$!
  helpers+=("$client")
  # Kill once the client has been acknowledged (a follower may still be
  # applying the backlog of the load runs: up to 20 s), then 1 s more.
  local acked=""
  for _ in $(seq 400); do
    if awk '$3 == 0 {f = 1} END {exit !f}' "$out" 2>/dev/null; then acked=1; break; fi
    sleep 0.05
  done
  [ -n "$acked" ] || die "$sys $way: no acknowledged write before the kill: $(tail -n 3 "$stop.err" 2>/dev/null | tr '\n' ' ')"
  sleep 1
  victim=$(pid_of "$lead")
  tk=$EPOCHREALTIME   # no fork between the time taken and the kill
  kill -KILL "$victim"
  wait "$victim" 2>/dev/null || true
  unset_pid "$lead"
  rec=""
  for _ in $(seq 2400); do   # 120 s at most; the times come from the client's lines, not from this poll
    rec=$(awk -v tk="$tk" '$3 == 0 && $1 >= tk && (m == "" || $2 < m) {m = $2} END {if (m != "") printf "%.3f", m - tk}' "$out")
    [ -n "$rec" ] && break
    sleep 0.05
  done
  sleep 0.3
  touch "$stop"
  wait "$client" 2>/dev/null || true
  forget "$client"
  [ -n "$rec" ] || rec=120
  errs=$(awk '$3 != 0' "$out" | wc -l)
  kinds=$(awk '$3 != 0 {n[$3]++} END {for (c in n) printf "%s%s:%d", (s++ ? "," : ""), c, n[c]}' "$out")
  log "$sys $way kill $k: member $lead (the leader) killed, client on member $f: first ack after ${rec}s, errors $errs${kinds:+ ($kinds)}"
  if [ "$errs" -gt 0 ]; then   # what the failed writes said
    { if [ -e "$stop.err" ]; then cat "$stop.err"; else awk '$3 != 0 {$1 = $2 = ""; print}' "$out"; fi; } |
      sed 's/^ *//' | sort | uniq -c | sort -rn | head -5 | sed 's/^/    /' >&2
  fi
  record "$sys" "fo_${way}_s" "$rec"
  [ "$way" = seq ] && { record "$sys" fo_seq_errors "$errs"; echo "$kinds" | tr ',' '\n' | grep . | sed "s/^/$sys /" >>"$dir/error_kinds" || true; }
  # Restart the killed member and let it catch up before the next kill.
  launch "$lead"
  wait_api "$lead"
  caught_up "$lead" "$(leader "$f")" >/dev/null
  sleep 1
}

# Rows 5-6: a follower stopped, CATCHUP_VALUES writes, the follower restarted.
catchup_rows() {
  local lead f o fill t0 secs first answer i rss=""
  lead=$(leader 1)
  f=$(other_than "$lead")
  o=$(other_than "$lead" "$f")
  stop_pid "$(pid_of "$f")"
  unset_pid "$f"
  # Once more on a failure, as a load run (an etcd client that could not
  # connect stopped a full run so); the follower then has more to catch up.
  fill=$(sys_writes "$lead" 16 "count:$catchup_values") || {
    log "$sys: writing $catchup_values values failed; writing them once more"
    fill=$(sys_writes "$lead" 16 "count:$catchup_values") || die "$sys: writing $catchup_values values failed twice"
  }
  log "$sys: $catchup_values values with member $f stopped: $fill"
  record "$sys" fill_wps "$(echo "$fill" | field writes_per_s)"
  t0=$(now)
  launch "$f"
  first=$(caught_up "$f" "$lead")
  secs=$(since "$t0")
  answer=$(awk -v a="$t0" -v b="$first" 'BEGIN {printf "%.3f", b - a}')
  if [ "$sys" = etcd ]; then
    log "etcd: etcdctl endpoint status after the catch-up:"
    etcdctl --endpoints="$(eend 1),$(eend 2),$(eend 3)" endpoint status -w table >&2 || true
  else
    log "ours: applied index of mgt$f $(ours_show_value "$f" "Applied index"), leader's commit index $(ours_show_value "$lead" "Commit index")"
  fi
  log "$sys: member $f caught up in ${secs}s (first answered after ${answer}s)"
  record "$sys" catchup_s "$secs"
  record "$sys" catchup_answer_s "$answer"
  for i in "$lead" "$o" "$f"; do rss+="${rss:+ }$(rss_mib "$(pid_of "$i")")"; done
  log "$sys: RSS (leader, follower, restarted) $rss MiB"
  record "$sys" rss_leader "$(echo "$rss" | cut -d' ' -f1)"
  record "$sys" rss_follower "$(echo "$rss" | cut -d' ' -f2)"
  record "$sys" rss_restarted "$(echo "$rss" | cut -d' ' -f3)"
  record "$sys" rss_sum "$(echo "$rss" | awk '{print $1 + $2 + $3}')"
}

run_round() {
  local r=$1 k
  sys=$2
  log "== round $r: $sys"
  if [ "$sys" = ours ]; then ours_up "$r"; else etcd_up "$r"; fi
  load_rows
  for k in $(seq "$kills"); do failover_once seq "$k"; done
  for k in $(seq "$kills"); do failover_once probe "$k"; done
  catchup_rows
  if [ "$sys" = ours ]; then ours_down; else etcd_down; fi
}

# ------------------------------------------------------------- scale ----
# Ours only (SCALE=0 skips it), after the rounds:
#   7. RSS of each member of a three-member collective holding 100,000 nodes
#      x 10 attributes (cc_loadgen populate, 1,000 nodes per request)
#   8. 5 voters + 10 non-voting members (joined one by one through member 1,
#      `collective invite NAME [-n]`): 64 clients through the leader for
#      BENCH_SECONDS, against the three-member figure of the rounds
#   9. 35 more non-voters (5 + 45): their joins, 64 clients committing, what
#      `collective show` lists and how long it takes, RSS and idle CPU
# Members are on 127.1.B.N (B this run's base), so up to 254 of them.
scale_addr() { echo "127.1.$base.$1"; }
# Joins members from..to (non-voting when $3 = -n) one by one through mgt1;
# records each join's time (invite + join, until `collective join` returns).
scale_join() {
  local from=$1 to=$2 role=${3:-} i t0 token
  for i in $(seq "$from" "$to"); do
    ours_launch "$i"
  done
  for i in $(seq "$from" "$to"); do ours_wait_api "$i"; done
  for i in $(seq "$from" "$to"); do
    t0=$(now)
    token=$(ocli 1 collective invite "mgt$i" $role 2>>"$dir/scale.err") || die "scale: invite mgt$i failed: $(tail -1 "$dir/scale.err")"
    ocli "$i" collective join "$(oaddr 1)" -i "$token" >/dev/null 2>>"$dir/scale.err" ||
      die "scale: mgt$i did not join: $(tail -1 "$dir/scale.err")"
    record ours "join_s_$4" "$(since "$t0")"
  done
}
# Waits (120 s) until mgt1's `collective show` lists n members, all active.
scale_wait_active() {
  local n=$1 show=""
  for _ in $(seq 1200); do
    show=$(ocli 1 collective show -v 2>/dev/null) || true
    [ "$(echo "$show" | grep -cE '^    mgt[0-9]+: (voter|nonvoting), (leader|active),')" = "$n" ] && return 0
    sleep 0.1
  done
  echo "$show" >&2
  die "scale: not all $n members active"
}
scale_load() { # label
  local lead out t0 t1 writes
  lead=$(ours_leader 1)
  ours_writes "$lead" 16 1 >/dev/null
  t0=$(cpu_ticks "${opid[@]}")
  out=$(ours_writes "$lead" 64 "$seconds") || die "scale: load run failed"
  t1=$(cpu_ticks "${opid[@]}")
  writes=$(echo "$out" | field writes)
  log "scale $1: $out"
  record ours "scale_wps_$1" "$(echo "$out" | field writes_per_s)"
  record ours "scale_p50_$1" "$(echo "$out" | field p50_ms)"
  record ours "scale_p99_$1" "$(echo "$out" | field p99_ms)"
  record ours "scale_cpu_$1" "$(awk -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v w="$writes" 'BEGIN {printf "%.1f", w ? t / hz * 1e6 / w : 0}')"
}
scale_rows() {
  local i out t0 t1 rss lead n
  sys=ours
  log "== scale: 100,000 nodes x 10 attributes on three members"
  ours_up scale100k
  out=$("$loadgen" --socket "$(osock 1)" populate --nodes 100000 --attributes 10) || die "scale: populate failed"
  log "scale: $out"
  lead=$(ours_leader 1)
  for i in 1 2 3; do ours_wait_caught_up "$i" "$lead" >/dev/null; done
  sleep 5
  for i in 1 2 3; do
    rss=$(rss_mib "${opid[$i]}")
    if [ "$i" = "$lead" ]; then record ours rss100k_leader "$rss"; else record ours rss100k_follower "$rss"; fi
  done
  log "scale: RSS with 100,000 nodes: $(for i in 1 2 3; do printf '%s ' "$(rss_mib "${opid[$i]}")"; done)MiB (leader mgt$lead)"
  ours_down

  log "== scale: 5 voters + 10 non-voters"
  odir=$dir/scale
  mkdir -p "$odir"
  oaddr() { scale_addr "$1"; }
  ours_launch 1
  ours_wait_api 1
  scale_join 2 5 "" 15
  scale_join 6 15 -n 15
  scale_wait_active 15
  scale_load 15

  log "== scale: 5 voters + 45 non-voters"
  scale_join 16 50 -n 50
  scale_wait_active 50
  t0=$(now)
  n=$(ocli 1 collective show | grep -c '^    mgt')
  record ours show_s "$(since "$t0")"
  record ours show_members "$n"
  ocli 1 collective show >"$dir/show50.txt"
  log "scale: collective show lists $n other members"
  scale_load 50
  t0=$(cpu_ticks "${opid[@]}")
  sleep 5
  t1=$(cpu_ticks "${opid[@]}")
  record ours idle50_cpu "$(awk -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", t / hz / 5}')"
  for i in "${!opid[@]}"; do record ours rss50 "$(rss_mib "${opid[$i]}")"; done
  lead=$(ours_leader 1)
  record ours rss50_leader "$(rss_mib "${opid[$lead]}")"
  for i in "${!opid[@]}"; do stop_pid "${opid[$i]}"; unset "opid[$i]"; done
  [ -n "${BENCH_KEEP:-}" ] || rm -rf "$odir"
}

# ---------------------------------------------------------------- run ----
started=$(now)
dd_out=$(dd if=/dev/zero of="$dir/ddtest" bs=512 count=1000 oflag=dsync 2>&1 | tail -1)
rm -f "$dir/ddtest"
fsync_ms=$(echo "$dd_out" | awk -F, '{split($3, a, " "); printf "%.2f", a[1] * 1000 / 1000}')
log "fsync: $dd_out -> $fsync_ms ms per 512-byte dsync write"
: >"$dir/results"
: >"$dir/error_kinds"
# RESULTS_IN=FILE (with ROUNDS=0): report the rounds of an earlier run kept
# with BENCH_KEEP=1 ($dir/results) together with this run's scale rows.
[ -z "${RESULTS_IN:-}" ] || cat "$RESULTS_IN" >>"$dir/results"
[ -z "${RESULTS_IN:-}" ] || [ ! -e "$(dirname "$RESULTS_IN")/error_kinds" ] ||
  cat "$(dirname "$RESULTS_IN")/error_kinds" >>"$dir/error_kinds"
for r in $(seq "$rounds"); do
  run_round "$r" ours
  run_round "$r" etcd
done
[ "${SCALE:-1}" = 0 ] || scale_rows
elapsed=$(since "$started")
log "done in ${elapsed}s"

# ------------------------------------------------------------- report ----
# Median of a metric's values for a system (all rounds, all kills).
med() { awk -v s="$1" -v m="$2" '$1 == s && $2 == m {print $3}' "$dir/results" | sort -g |
  awk '{v[NR] = $1} END {if (!NR) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
maxof() { awk -v s="$1" -v m="$2" '$1 == s && $2 == m {print $3}' "$dir/results" | sort -g | awk 'END {print NR ? $1 : "-"}'; }
sumof() { awk -v s="$1" -v m="$2" '$1 == s && $2 == m {t += $3} END {print t + 0}' "$dir/results"; }
countof() { awk -v s="$1" -v m="$2" '$1 == s && $2 == m' "$dir/results" | wc -l; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b + 0 == 0 || a == "-" || b == "-") print "-"; else printf "%.2f", a / b}'; }
fmt() { awk -v v="$1" -v d="${2:-2}" -v u="${3:-}" 'BEGIN {if (v == "-" || v == "") print "-"; else printf "%.*f%s", d, v, u}'; }
row() { # label metric unit decimals
  local a b
  a=$(med ours "$2"); b=$(med etcd "$2")
  echo "| $1 | $(fmt "$a" "$4" "$3") | $(fmt "$b" "$4" "$3") | $(ratio "$a" "$b") |"
}
kinds_of() { awk -v s="$1" '$1 == s {split($2, a, ":"); n[a[1]] += a[2]} END {for (c in n) printf "%s%s x%d", (k++ ? ", " : " ("), c, n[c]; if (k) printf ")"}' "$dir/error_kinds"; }
cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
fs=$(df -T "${BENCH_DIR:-/var/tmp}" | awk 'NR == 2 {print $2 " on " $1}')
nkills=$(countof ours fo_seq_s)
ekills=$(countof etcd fo_seq_s)
cat <<MD
## Against etcd

Produced by \`$command_line\` (ROUNDS=$rounds, KILLS=$kills,
CATCHUP_VALUES=$catchup_values, BENCH_SECONDS=$seconds, RETRY_MS=$retry_ms): a
three-member confluent collective and a three-member etcd ($(etcd --version | sed -n 's/^etcd Version: //p'), Debian's
etcd-server, defaults: fsync on, heartbeat 100 ms, election timeout 1 s, peer
and client traffic in the clear) on the same machine, in interleaved rounds
(ours, etcd, ours, etcd, ...), each member on its own 127.0.0.N, fresh
clusters each round. Our members talk over SSH (encrypted), etcd's over plain
HTTP/gRPC; our election timeout is 300-600 ms. Writes carry ~$value_size-byte
values: ours set an attribute of a node (client i sets \`bench.counter\` of
node \`ldg<i>\`, cc_loadgen, local API socket), etcd's are gRPC \`KV/Put\`s
of \`/nodes/ldg<i>/bench.counter\` (cc_etcd_loadgen, one TCP connection per
client); both through the leader, each write acknowledged once durable on a
majority and applied. Figures are medians over rounds; failover figures over
every kill of every round.

Machine: $(nproc) CPUs ($cpu), data dirs on $fs, $(uname -sr);
fsync: $fsync_ms ms per write (\`dd bs=512 count=1000 oflag=dsync\`: $dd_out).
Run: $(date -u +%Y-%m-%dT%H:%MZ), commit $commit, $(awk -v s="$elapsed" 'BEGIN {printf "%.1f", s / 60}') min.
Clients and servers share the machine's CPUs and disk.

| measurement | confluent | etcd | ours/etcd |
|---|---|---|---|
$(row "1 client: p50 write latency" p50_1 " ms" 2)
$(row "1 client: p99 write latency" p99_1 " ms" 2)
$(row "1 client: acknowledged writes/s" wps_1 "" 0)
$(row "16 clients: acknowledged writes/s" wps_16 "" 0)
$(row "16 clients: p50 latency" p50_16 " ms" 2)
$(row "16 clients: p99 latency" p99_16 " ms" 2)
$(row "64 clients: acknowledged writes/s" wps_64 "" 0)
$(row "64 clients: p50 latency" p50_64 " ms" 2)
$(row "64 clients: p99 latency" p99_64 " ms" 2)
$(row "CPU per acknowledged write, 3 members, 1 client" cpu_1 " µs" 0)
$(row "CPU per acknowledged write, 3 members, 16 clients" cpu_16 " µs" 0)
$(row "CPU per acknowledged write, 3 members, 64 clients" cpu_64 " µs" 0)
| the load generator's own CPU per write, 1 / 16 / 64 clients (not counted above) | $(fmt "$(med ours clientcpu_1)" 0) / $(fmt "$(med ours clientcpu_16)" 0) / $(fmt "$(med ours clientcpu_64)" 0) µs | $(fmt "$(med etcd clientcpu_1)" 0) / $(fmt "$(med etcd clientcpu_16)" 0) / $(fmt "$(med etcd clientcpu_64)" 0) µs | |
$(row "failover (a), 1 sequential client on a follower: kill to first acknowledged write, median" fo_seq_s " s" 3)
| failover (a): slowest of $nkills / $ekills kills | $(fmt "$(maxof ours fo_seq_s)" 3 " s") | $(fmt "$(maxof etcd fo_seq_s)" 3 " s") | $(ratio "$(maxof ours fo_seq_s)" "$(maxof etcd fo_seq_s)") |
$(row "failover (a): writes ended in error or unknown outcome, median per kill" fo_seq_errors "" 1)
| failover (a): such writes in all kills, by exit status (ours) / gRPC code (etcd) | $(sumof ours fo_seq_errors)$(kinds_of ours) | $(sumof etcd fo_seq_errors)$(kinds_of etcd) | |
$(row "failover (b), probes every 25 ms on a follower: kill to first successful probe, median" fo_probe_s " s" 3)
| failover (b): slowest of $nkills / $ekills kills | $(fmt "$(maxof ours fo_probe_s)" 3 " s") | $(fmt "$(maxof etcd fo_probe_s)" 3 " s") | $(ratio "$(maxof ours fo_probe_s)" "$(maxof etcd fo_probe_s)") |
$(row "writes/s, 16 clients, one follower stopped ($catchup_values values)" fill_wps "" 0)
$(row "catch-up of the restarted follower after $catchup_values values" catchup_s " s" 2)
$(row "catch-up: of which until the restarted follower first answers" catchup_answer_s " s" 2)
$(row "RSS after the catch-up: leader" rss_leader " MiB" 0)
$(row "RSS after the catch-up: other follower" rss_follower " MiB" 0)
$(row "RSS after the catch-up: restarted follower" rss_restarted " MiB" 0)
$(row "RSS after the catch-up: three members" rss_sum " MiB" 0)

Notes:
- ours/etcd below 1 is better for ours in the latency, CPU, failover, catch-up
  and RSS rows, above 1 in the writes/s rows.
- CPU: utime+stime of the three member processes (/proc/PID/stat) across each
  load run, divided by the writes acknowledged in it. The load generators
  (cc_loadgen over the local socket, cc_etcd_loadgen over gRPC) run on the
  same CPUs; their own CPU has its own row.
- A load run that fails is run once more, for either system, and the run's
  log says so ("running it once more"); a second failure stops the run.
  The catch-up's writes too ("writing them once more"; the follower then
  has more to catch up).
- Failover (a), ours: \`nodeattrib n1 custom.x=N\` run by a shell loop, a new
  process per attempt, retried after $retry_ms ms on a non-zero exit (exit 2
  refused, 3 no quorum, 4 outcome unknown); etcd: one gRPC client on one
  connection to a follower, retried after $retry_ms ms on any error (14
  UNAVAILABLE, 4 DEADLINE_EXCEEDED, 2 UNKNOWN, ...), 30 s deadline per put.
  The time runs from the kill -9 of the leader to the acknowledgement of the
  first write started after it. The killed member is restarted and caught up,
  then 1 s passes, before the next kill.
- Failover (b): a new connection per probe, every 25 ms, none waiting for the
  others; the first probe launched after the kill that succeeds.
- Catch-up: from the restarted member's start until ours reports
  \`Applied index\` >= the leader's \`Commit index\` in \`collective show -v\`
  (polled every 10 ms), etcd's revision (Maintenance/Status, as \`etcdctl
  endpoint status\` shows it; polled every 10 ms) reaches the leader's. The
  row below it: until the restarted member first answers that query at all
  (its start, the replay of its own log; confluentd opens its local API once
  it has heard from the leader, its log's \`ready: serving the local API\`).
MD
[ "${SCALE:-1}" = 0 ] && exit 0
w3=$(med ours wps_64)
cat <<MD

### Scale (ours only)

The same run, after the rounds (SCALE=0 leaves this out). Every member on
this one machine: with 15 or 50 members, all of them share its $(nproc) CPUs and
its disk, so the throughput rows show what the extra members cost the
voters here, not what separate servers would do.

| measurement | result |
|---|---|
| RSS with 100,000 nodes x 10 attributes, three members: leader / each follower | $(fmt "$(med ours rss100k_leader)" 0) MiB / $(fmt "$(med ours rss100k_follower)" 0) MiB (target <= 100 MiB) |
| 64 clients, 3 members (the rounds' median, above) | $(fmt "$w3" 0) writes/s |
| 64 clients, 5 voters + 10 non-voters | $(fmt "$(med ours scale_wps_15)" 0) writes/s (p50 $(fmt "$(med ours scale_p50_15)" 2) ms, p99 $(fmt "$(med ours scale_p99_15)" 2) ms): $(ratio "$(med ours scale_wps_15)" "$w3")x the 3-member figure (target >= 0.7x) |
| CPU per acknowledged write, all 15 members | $(fmt "$(med ours scale_cpu_15)" 0) µs |
| joins to 5 + 10 (\`collective invite\` + \`collective join\`): median / slowest | $(fmt "$(med ours join_s_15)" 2) s / $(fmt "$(maxof ours join_s_15)" 2) s |
| 35 more non-voters joined (5 + 45): median / slowest join | $(fmt "$(med ours join_s_50)" 2) s / $(fmt "$(maxof ours join_s_50)" 2) s |
| \`collective show\` on 50 members: members listed besides the leader, time | $(med ours show_members), $(fmt "$(med ours show_s)" 3) s |
| 64 clients, 5 voters + 45 non-voters | $(fmt "$(med ours scale_wps_50)" 0) writes/s (p50 $(fmt "$(med ours scale_p50_50)" 2) ms, p99 $(fmt "$(med ours scale_p99_50)" 2) ms); CPU per write, all 50: $(fmt "$(med ours scale_cpu_50)" 0) µs |
| 50 members idle: CPU of all of them together | $(med ours idle50_cpu) CPUs |
| RSS per member, 50 members: median / leader | $(fmt "$(med ours rss50)" 0) MiB / $(fmt "$(med ours rss50_leader)" 0) MiB |

\`collective show\` on member 1 with 50 members:

\`\`\`
$(cat "$dir/show50.txt")
\`\`\`
MD
