#!/usr/bin/env bash
# Installs the build and test dependencies from Debian 12's archive. Idempotent:
# does nothing when every package is already installed.
set -euo pipefail
pkgs=(
  build-essential cmake ninja-build pkg-config clang-format
  libssh-dev libboost-dev libboost-program-options-dev libtomlplusplus-dev libbotan-2-dev
  libgtest-dev googletest
  libfreeipmi-dev openipmi libre2-dev
  openssh-client openssl iproute2 procps util-linux
  openssh-server   # tests/collective/ssh_hop_test.cpp starts its own sshd on loopback
  etcd-server etcd-client libgrpc++-dev
  clang libclang-rt-dev llvm   # scripts/fuzz.sh: clang++, libFuzzer, llvm-symbolizer
  pandoc                       # docs/man: the man pages are rendered at build time
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}; run this script as root" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# No package may start its service while it installs (openssh-server would
# start an sshd on port 22): a policy-rc.d that refuses every start (exit 101)
# for the time of the install, unless the machine already has one.
policy=/usr/sbin/policy-rc.d
own_policy=false
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# install-deps.sh: no service starts while packages install\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  own_policy=true
  trap 'rm -f "$policy"' EXIT
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
if $own_policy; then
  rm -f "$policy"
  trap - EXIT
fi
# The tests start their own sshd; keep the package's system service off.
if [[ " ${missing[*]} " == *" openssh-server "* ]] && [ -d /run/systemd/system ]; then
  systemctl disable --now ssh.service ssh.socket >/dev/null 2>&1 || true
fi
# etcd is only for scripts/bench-etcd.sh, which starts its own members: keep
# the package's system service (enabled and started on install) off.
if [[ " ${missing[*]} " == *" etcd-server "* ]] && [ -d /run/systemd/system ]; then
  systemctl disable --now etcd.service >/dev/null 2>&1 || true
fi
