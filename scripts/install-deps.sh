#!/usr/bin/env bash
# Installs the Debian 12 packages fsev-bpf needs to build, run and test.
# Cheap when everything is already there: apt-get runs only for what is missing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config clang llvm
  libbpf-dev bpftool libelf-dev zlib1g-dev
  libgtest-dev googletest
  libfuse3-dev fuse3 libclang-rt-14-dev
  e2fsprogs xfsprogs btrfs-progs util-linux mount kmod dmsetup
  libmnl-dev nlohmann-json3-dev
  libcpp-httplib-dev libsystemd-dev libcap-ng-dev prometheus prometheus-alertmanager curl systemd
  dpkg-dev lintian debootstrap python3 gnuplot-nox
  qemu-system-x86 busybox-static xz-utils zstd cpio debian-archive-keyring
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: missing packages (${missing[*]}); run as root to install them" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
