#!/usr/bin/env bash
# Installs the build and test dependencies from Debian 12's archive. Idempotent:
# does nothing when every package is already installed.
set -euo pipefail
pkgs=(
  build-essential cmake ninja-build pkg-config clang-format
  libssh-dev libboost-dev libboost-program-options-dev libtomlplusplus-dev libbotan-2-dev
  libgtest-dev googletest
  libfreeipmi-dev openipmi
  openssh-client openssl iproute2 procps util-linux
  etcd-server etcd-client libgrpc++-dev
  clang libclang-rt-dev llvm   # scripts/fuzz.sh: clang++, libFuzzer, llvm-symbolizer
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
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# etcd is only for scripts/bench-etcd.sh, which starts its own members: keep
# the package's system service (enabled and started on install) off.
if [[ " ${missing[*]} " == *" etcd-server "* ]] && [ -d /run/systemd/system ]; then
  systemctl disable --now etcd.service >/dev/null 2>&1 || true
fi
