#!/usr/bin/env bash
# Opt-in package test (root, network access to the Debian archive):
#   1. builds the .deb (cpack, prefix /usr) in $BUILD_DIR (default build-package);
#   2. makes a Debian 12 tree with debootstrap (cached in $CACHE_DIR, so a
#      re-run only copies it) and installs the .deb there with apt, with a
#      policy-rc.d that forbids starting services; checks nothing got enabled;
#   3. systemd-analyze verify of the installed unit;
#   4. starts confluentd inside the tree as the unit's ExecStart says, with
#      the unit's directories and a NOTIFY_SOCKET listener, in a private
#      network namespace (only loopback), and waits for READY=1;
#   5. collective show (a lone server: "Collective mode not enabled on this
#      system", exit 2), collective invite mgt2 (the server becomes the first
#      member), collective show again (a collective of one, quorum);
#   6. stops it by PID (exit 0, STOPPING=1), apt purge, and checks that only
#      the documented files are left (confluentd(8), FILES).
# Every mount is undone and the working tree removed on exit, also on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
BUILD_DIR=${BUILD_DIR:-build-package}
CACHE_DIR=${CACHE_DIR:-/var/cache/confluent-package-test}
WORK_DIR=${WORK_DIR:-/var/tmp/confluent-package-test}
say() { echo "package-test: $*"; }
fail() {
  echo "package-test: FAIL: $*" >&2
  exit 1
}
[ "$(id -u)" -eq 0 ] || fail "run as root (debootstrap, chroot, mount)"

say "installing what the test needs"
scripts/install-deps.sh
need=()
for p in debootstrap dpkg-dev pandoc systemd python3; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

say "building the .deb in $BUILD_DIR"
# CMAKE_SKIP_INSTALL_ALL_DEPENDENCY: cpack installs what is built below
# without building every test first.
nice -n 10 cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON >/dev/null
nice -n 10 cmake --build "$BUILD_DIR" -j"${JOBS:-2}" --target confluentd cc_cli_tools man_pages
rm -f "$BUILD_DIR"/confluent-collective_*.deb
(cd "$BUILD_DIR" && cpack -G DEB >/dev/null)
deb=$(ls "$BUILD_DIR"/confluent-collective_*.deb)
say "built $(basename "$deb")"
dpkg-deb --field "$deb" Package Version Architecture Depends | sed 's/^/  /'

# The Debian mirror apt is configured with (deb822 or one-line sources).
mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
  grep -oE 'https?://[^ ]*/debian/?( |$)' | head -1 | tr -d ' ' || true)
mirror=${mirror:-http://deb.debian.org/debian}
if [ ! -d "$CACHE_DIR/bookworm" ]; then
  say "debootstrap bookworm from $mirror into $CACHE_DIR (once)"
  mkdir -p "$CACHE_DIR"
  rm -rf "$CACHE_DIR/bookworm.tmp"
  debootstrap --variant=minbase --include=systemd bookworm "$CACHE_DIR/bookworm.tmp" "$mirror" >/dev/null
  mv "$CACHE_DIR/bookworm.tmp" "$CACHE_DIR/bookworm"
fi

root=$WORK_DIR/root
daemon_pid=
listener_pid=
cleanup() {
  set +e
  [ -n "$daemon_pid" ] && kill -KILL "$daemon_pid" 2>/dev/null
  [ -n "$listener_pid" ] && kill "$listener_pid" 2>/dev/null
  mountpoint -q "$root/proc" && umount "$root/proc"
  rm -rf "$WORK_DIR"
}
trap cleanup EXIT
rm -rf "$WORK_DIR"
mkdir -p "$WORK_DIR"
cp -a "$CACHE_DIR/bookworm" "$root"
mount -t proc proc "$root/proc"
cp /etc/resolv.conf "$root/etc/resolv.conf"
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }

say "apt install ./$(basename "$deb") in a fresh Debian 12 tree"
cp "$deb" "$root/tmp/"
in_root apt-get update -qq
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  "/tmp/$(basename "$deb")" >"$WORK_DIR/apt.log" 2>&1 || {
  cat "$WORK_DIR/apt.log"
  fail "apt install failed"
}
grep -E '^(Setting up|Unpacking) ' "$WORK_DIR/apt.log" | sed 's/^/  /' || true
in_root dpkg -L confluent-collective >"$WORK_DIR/files"
sed 's/^/  /' "$WORK_DIR/files" | grep -E 'bin/|systemd|man8|etc/'
unit=$(grep -E '/systemd/system/confluentd\.service$' "$WORK_DIR/files")
[ -n "$unit" ] || fail "the package holds no confluentd.service"
[ -z "$(find "$root/etc/systemd" -name 'confluentd*' 2>/dev/null)" ] ||
  fail "installing enabled the unit: $(find "$root/etc/systemd" -name 'confluentd*')"
grep -qx /etc/confluent/confluent.toml "$root/var/lib/dpkg/info/confluent-collective.conffiles" ||
  fail "/etc/confluent/confluent.toml is not a conffile"
for tool in confluentd collective nodeattrib; do
  in_root "$tool" --help | tail -1 | grep -q "See man $tool(" || fail "$tool --help does not point to its man page"
done
for page in confluentd.8 collective.1 nodeattrib.1 nodepower.1; do
  grep -q "/man/man${page##*.}/$page" "$WORK_DIR/files" || fail "man page $page is not installed"
done
say "no missing libraries: $(in_root ldd /usr/sbin/confluentd | grep -c 'not found') not found"

# verify needs systemd's own units (sysinit.target, ...) in the tree:
# minbase has none, a real Debian 12 does. --man=no: the tree has no man(1);
# the pages were checked above.
if [ ! -e "$root/lib/systemd/system/sysinit.target" ]; then
  say "apt install systemd in the tree (for systemd-analyze verify)"
  in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd \
    >"$WORK_DIR/apt.log" 2>&1 || {
    cat "$WORK_DIR/apt.log"
    fail "apt install systemd failed"
  }
  [ -z "$(find "$root/etc/systemd" -name 'confluentd*')" ] || fail "installing systemd enabled confluentd"
fi
say "systemd-analyze verify $unit"
systemd-analyze verify --man=no --root="$root" "$unit" || fail "systemd-analyze verify failed"
exec_start=$(sed -n 's/^ExecStart=//p' "$root$unit")
grep -q '^Type=notify$' "$root$unit" || fail "the unit is not Type=notify"
[ -x "$root${exec_start%% *}" ] || fail "ExecStart=$exec_start is not installed"

say "starting $exec_start as the unit does (RuntimeDirectory, StateDirectory, NOTIFY_SOCKET)"
install -d -m 0755 "$root/run/confluent"
install -d -m 0700 "$root/var/lib/confluent"
notify=$root/run/notify.sock
python3 - "$notify" >"$WORK_DIR/notify.log" <<'PY' &
# The service manager's end of NOTIFY_SOCKET: prints each datagram until
# STOPPING=1 (or 120 s).
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(120)
while True:
    msg = s.recv(4096).decode()
    print(msg, flush=True)
    if "STOPPING=1" in msg:
        break
PY
listener_pid=$!
for _ in $(seq 50); do [ -S "$notify" ] && break; sleep 0.1; done
[ -S "$notify" ] || fail "the NOTIFY_SOCKET listener did not start"
# A private network namespace with only loopback: port 13001 of the host
# stays free. umask as the unit's UMask=0022.
unshare --net sh -c 'ip link set lo up 2>/dev/null || true; umask 0022; exec "$@"' sh \
  chroot "$root" env -i PATH=/usr/sbin:/usr/bin NOTIFY_SOCKET=/run/notify.sock $exec_start \
  2>"$WORK_DIR/confluentd.log" &
daemon_pid=$!
for _ in $(seq 300); do
  grep -q READY=1 "$WORK_DIR/notify.log" && break
  kill -0 "$daemon_pid" 2>/dev/null || { cat "$WORK_DIR/confluentd.log"; fail "confluentd exited before READY=1"; }
  sleep 0.1
done
grep -q READY=1 "$WORK_DIR/notify.log" || { cat "$WORK_DIR/confluentd.log"; fail "no READY=1 within 30 s"; }
say "READY=1 received from confluentd (pid $daemon_pid)"
# The tools in the same namespace as the daemon (they only use api.sock).
# A lone server is in no collective until its first invite (collective(1)).
set +e
show=$(in_root collective show 2>&1)
status=$?
set -e
say "collective show before any invite: \"$show\" (exit $status)"
[ "$status" -eq 2 ] && [ "$show" = "Collective mode not enabled on this system" ] ||
  fail "collective show on a lone server: expected exit 2 and 'Collective mode not enabled on this system'"
token=$(in_root collective invite mgt2) || fail "collective invite mgt2 failed"
say "collective invite mgt2: a ${#token}-character token"
in_root collective invite --list | sed 's/^/  /'
# The inviter is now the first member of a collective of one.
show=$(in_root collective show) || fail "collective show after the invite failed"
say "collective show after the invite:"
sed 's/^/  /' <<<"$show"
grep -q '^Quorum: True' <<<"$show" || fail "collective show after the invite: no quorum"
in_root nodedefine n1 groups=rack1 | sed 's/^/  /'
in_root nodeattrib n1 groups | sed 's/^/  /'

say "stopping confluentd (pid $daemon_pid) with SIGTERM"
kill -TERM "$daemon_pid"
set +e
wait "$daemon_pid"
status=$?
set -e
daemon_pid=
[ "$status" -eq 0 ] || { cat "$WORK_DIR/confluentd.log"; fail "confluentd exited $status on SIGTERM"; }
wait "$listener_pid" || true
listener_pid=
grep -q STOPPING=1 "$WORK_DIR/notify.log" || fail "no STOPPING=1"
say "notifications: $(tr '\n' ' ' <"$WORK_DIR/notify.log")"
sed 's/^/  confluentd: /' "$WORK_DIR/confluentd.log" | tail -4
rm -f "$notify"

say "apt purge confluent-collective"
in_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq confluent-collective >"$WORK_DIR/apt.log" 2>&1 || {
  cat "$WORK_DIR/apt.log"
  fail "apt purge failed"
}
! in_root dpkg-query -W confluent-collective >/dev/null 2>&1 || fail "still installed after purge"
left=()
while read -r f; do
  [ -d "$root$f" ] && continue # shared directories (/usr/bin, ...) stay
  [ -e "$root$f" ] && left+=("$f")
done <"$WORK_DIR/files"
[ ${#left[@]} -eq 0 ] || fail "files of the package left after purge: ${left[*]}"
# What confluentd itself created, kept on purge on purpose (confluentd(8),
# FILES): the key and certificate, cfg/, the state directory.
kept=$(cd "$root" && find etc/confluent var/lib/confluent run/confluent -mindepth 1 2>/dev/null | sort)
unexpected=$(grep -vE '^(etc/confluent/(privkey\.pem|srvcert\.pem|cfg(/.*)?)|var/lib/confluent/.*)$' <<<"$kept" || true)
[ -z "$unexpected" ] || fail "undocumented files left after purge: $unexpected"
say "left after purge (documented: the cluster's key, configuration and state):"
sed 's/^/  \//' <<<"$kept" | grep -vE '^  /var/lib/confluent/.+/' || true
say "PASS"
