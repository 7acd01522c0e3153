#!/usr/bin/env bash
# Three confluentd members on this machine, each on its own loopback address
# (127.0.0.N) and in its own temporary directories, walked through the
# reference page (collective-mode.md): invite, join, show, invite from a
# follower, the nodes' collective.manager, the same answers as JSON. Then the
# daemons are stopped by PID.
#
# Works from a fresh clone, as root: checks (and installs) the dependencies,
# builds only what it runs (confluentd and the CLI tools, not the tests) into
# build/ or $BUILD_DIR, with $JOBS parallel jobs (default: every CPU), and
# ends with the same steps to type by hand.
#   scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
jobs=${JOBS:-$(nproc)}
step() { printf '\n==> %s\n' "$*"; }

step "1/4 dependencies: scripts/install-deps.sh (apt-get installs what is missing, a few minutes the first time; needs root)"
scripts/install-deps.sh
echo "every package is installed"

step "2/4 configuring $build_dir/ (cmake, Ninja)"
cmake -S . -B "$build_dir" -G Ninja >/dev/null
echo "configured"

step "3/4 building confluentd and the CLI tools ($jobs jobs; [done/total] per step)"
start_build=$SECONDS
cmake --build "$build_dir" -j "$jobs" --target confluentd cc_cli_tools
echo "built in $((SECONDS - start_build)) s"
build=$(cd "$build_dir" && pwd)

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
  echo "starting confluentd mgt$i at $(addr "$i") (directories $demo/mgt$i, log $demo/mgt$i.log)"
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
  echo "confluentd mgt$i did not answer within 10 s; its log:" >&2
  cat "$demo/mgt$i.log" >&2; exit 1
}
say() { echo "[root@mgt$1 ~]# ${*:2}"; }
run() { say "$@"; on "$@"; echo; }
note() { printf '\n# %s\n' "$*"; }

step "4/4 the walkthrough"
for i in 1 2 3; do start "$i"; done
echo "# three fresh servers: mgt1 at $(addr 1), mgt2 at $(addr 2), mgt3 at $(addr 3) (port 13001)"
echo "# (the reference page names the servers; here SERVER is the member's address)"

note "mgt1 invites mgt2, which joins"
say 1 collective invite mgt2
token=$(on 1 collective invite mgt2)
echo "$token"; echo
run 2 collective join "$(addr 1)" -i "$token"
run 2 collective show

note "any member can invite: mgt2 invites mgt3"
say 2 collective invite mgt3
token=$(on 2 collective invite mgt3)
echo "$token"; echo
run 3 collective join "$(addr 2)" -i "$token"
run 3 collective show

note "nodes and groups, changed on one member and read on another"
run 1 nodedefine n1
run 1 nodeattrib n1 collective.manager=mgt1
run 2 nodegroupdefine rack1
run 2 nodegroupattrib rack1 collective.manager=mgt1
run 3 nodeattrib n1 collective.manager
run 3 nodegroupattrib rack1

note "a node of rack1 inherits its manager; the same answers for scripts (docs/json.md)"
run 1 nodedefine n2 groups=rack1
run 3 nodeattrib n1,n2 collective.manager -b
run 3 nodelist --json
run 3 nodeattrib n1,n2 collective.manager -b --json
run 3 nodegroupattrib rack1 --json

note "the details of the collective"
run 1 collective show -v
echo "# cfg/collective on mgt3"
cat "$demo/mgt3/etc/cfg/collective"

note "stopping mgt3; the others see it offline"
kill -TERM "${pids[2]}"; wait "${pids[2]}" || true
for _ in $(seq 100); do
  on 1 collective show | grep -q Offline && break
  sleep 0.1
done
run 1 collective show

cat <<EOF

==> done; the daemons are stopped and $demo is removed.

The same by hand (as root, in one shell at the top of the repository;
members on 127.0.0.11-13):

  scripts/install-deps.sh
  cmake -S . -B $build_dir -G Ninja
  cmake --build $build_dir --target confluentd cc_cli_tools
  export PATH=\$PWD/$build_dir/cli:\$PATH
  for i in 1 2 3; do        # each member: its own directories and address
    d=/tmp/mgt\$i; mkdir -p \$d/etc/cfg; printf mgt\$i >\$d/etc/cfg/myname
    CONFLUENT_ETC_DIR=\$d/etc CONFLUENT_STATE_DIR=\$d/state CONFLUENT_RUN_DIR=\$d/run \\
      $build_dir/daemon/app/confluentd --listen 127.0.0.1\$i --advertise 127.0.0.1\$i >\$d/log 2>&1 &
  done; sleep 1
  # a tool talks to the member whose directories it is given:
  on() { local d=/tmp/mgt\$1; shift; CONFLUENT_ETC_DIR=\$d/etc CONFLUENT_STATE_DIR=\$d/state CONFLUENT_RUN_DIR=\$d/run "\$@"; }
  on 2 collective join 127.0.0.11 -i \$(on 1 collective invite mgt2)
  on 3 collective join 127.0.0.11 -i \$(on 1 collective invite mgt3)
  on 3 collective show
  on 1 nodedefine n1; on 2 nodeattrib n1 collective.manager=mgt1; on 3 nodeattrib n1 --json
  kill %1 %2 %3; rm -rf /tmp/mgt1 /tmp/mgt2 /tmp/mgt3     # stop the members, forget them

On real servers the defaults apply (/etc/confluent, /var/run/confluent, port
13001): skip the variables and --listen/--advertise (README.md, "Using it").
EOF
