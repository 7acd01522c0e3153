#!/usr/bin/env bash
# A single confluentd on this machine, in a temporary directory: defines a few
# nodes and groups with the real CLI tools and shows them. Installs the
# dependencies if missing (needs root for that) and builds first.
#   scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
BUILD_DIR=${BUILD_DIR:-build} scripts/build.sh >/dev/null
build=$(cd "${BUILD_DIR:-build}" && pwd)

demo=$(mktemp -d /tmp/confluent-demo.XXXXXX)
export CONFLUENT_ETC_DIR=$demo/etc CONFLUENT_STATE_DIR=$demo/state CONFLUENT_RUN_DIR=$demo/run
export PATH=$build/cli:$PATH
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    wait "$pid" || true
  fi
  rm -rf "$demo"
}
trap cleanup EXIT

"$build/daemon/app/confluentd" 2>"$demo/confluentd.log" &
pid=$!
# Wait (at most 10 s) until the daemon answers on its socket.
for _ in $(seq 100); do
  nodelist >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$demo/confluentd.log" >&2; exit 1; }
  sleep 0.1
done
nodelist >/dev/null

run() {
  echo "# $*"
  "$@"
  echo
}
run nodegroupdefine rack1 location.room=r101 collective.manager=mgt1
run nodegroupdefine rack2 location.room=r102
run nodedefine 'r1n[1-4]' groups=rack1
run nodedefine 'r2n[01-02]' groups=rack2
run nodeattrib r1n2 location.room=r199
run nodelist
run nodelist rack1
run nodeattrib r1n1-r1n2 location.room -b
run nodeattrib r2n01
run nodegrouplist
run nodegroupattrib rack1
echo "# nodeattrib nosuch location.room   (an unknown node: one line on stderr, exit 1)"
nodeattrib nosuch location.room || echo "(exit status $?)"
echo
run collective gencert
echo "# collective show   (a lone server is in no collective)"
collective show || echo "(exit status $?)"
echo
echo "# cfg/nodes after a clean stop"
kill -TERM "$pid"
wait "$pid" || true
pid=
cat "$CONFLUENT_ETC_DIR/cfg/nodes"
echo
echo "# confluentd's log"
cat "$demo/confluentd.log"
