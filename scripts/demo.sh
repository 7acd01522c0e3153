#!/usr/bin/env bash
# Three confluentd members on this machine, each on its own loopback address
# (127.0.0.N) and in its own temporary directories, walked through the
# reference page (collective-mode.md): invite, join, show, invite from a
# follower, the nodes' collective.manager. Then the daemons are stopped by
# PID. Installs the dependencies if missing (needs root) and builds first.
#   scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
BUILD_DIR=${BUILD_DIR:-build} scripts/build.sh >/dev/null
build=$(cd "${BUILD_DIR:-build}" && pwd)

demo=$(mktemp -d /tmp/confluent-demo.XXXXXX)
base=$((10 + RANDOM % 200))
pids=()
cleanup() {
  for p in "${pids[@]}"; do
    if kill -0 "$p" 2>/dev/null; then kill -TERM "$p"; wait "$p" || true; fi
  done
  rm -rf "$demo"
}
trap cleanup EXIT

addr() { echo "127.0.0.$((base + $1))"; }
# Runs a command "on" member i: the CLI finds that member's daemon through
# the same variables the daemon was started with.
on() {
  local i=$1; shift
  CONFLUENT_ETC_DIR=$demo/mgt$i/etc CONFLUENT_STATE_DIR=$demo/mgt$i/state \
    CONFLUENT_RUN_DIR=$demo/mgt$i/run PATH=$build/cli:$PATH "$@"
}
start() {
  local i=$1
  mkdir -p "$demo/mgt$i/etc/cfg"
  printf 'mgt%s' "$i" >"$demo/mgt$i/etc/cfg/myname"
  # Started directly (not through a function) so that $! is confluentd's PID.
  CONFLUENT_ETC_DIR=$demo/mgt$i/etc CONFLUENT_STATE_DIR=$demo/mgt$i/state \
    CONFLUENT_RUN_DIR=$demo/mgt$i/run "$build/daemon/app/confluentd" --listen "$(addr "$i")" \
    --advertise "$(addr "$i")" >>"$demo/mgt$i.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    on "$i" nodelist >/dev/null 2>&1 && return
    sleep 0.1
  done
  cat "$demo/mgt$i.log" >&2; exit 1
}
say() { echo "[root@mgt$1 ~]# ${*:2}"; }
run() { say "$@"; on "$@"; echo; }

for i in 1 2 3; do start "$i"; done
echo "# three fresh servers: mgt1 at $(addr 1), mgt2 at $(addr 2), mgt3 at $(addr 3) (port 13001)"
echo "# (the reference page names the servers; here SERVER is the member's address)"
echo

say 1 collective invite mgt2
token=$(on 1 collective invite mgt2)
echo "$token"; echo
run 2 collective join "$(addr 1)" -i "$token"
run 2 collective show

say 2 collective invite mgt3
token=$(on 2 collective invite mgt3)
echo "$token"; echo
run 3 collective join "$(addr 2)" -i "$token"
run 3 collective show

run 1 nodedefine n1
run 1 nodeattrib n1 collective.manager=mgt1
run 2 nodegroupdefine rack1
run 2 nodegroupattrib rack1 collective.manager=mgt1
run 3 nodeattrib n1 collective.manager
run 3 nodegroupattrib rack1
run 1 collective show -v
echo "# cfg/collective on mgt3"
cat "$demo/mgt3/etc/cfg/collective"
echo
echo "# stopping mgt3; the others see it offline"
kill -TERM "${pids[2]}"; wait "${pids[2]}" || true
for _ in $(seq 100); do
  on 1 collective show | grep -q Offline && break
  sleep 0.1
done
run 1 collective show
