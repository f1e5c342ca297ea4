#!/usr/bin/env bash
# Prints the path of a tarball of a fresh, minimal Debian 12 root made by
# debootstrap, making it on first use. Cached (FSEV_DEBIAN_ROOT_CACHE, default
# /var/cache/fsev-bpf) because debootstrap takes minutes and the network.
set -euo pipefail
cache=${FSEV_DEBIAN_ROOT_CACHE:-/var/cache/fsev-bpf}
tarball=$cache/debian12-minbase.tar.gz
mirror=${FSEV_DEBIAN_MIRROR:-http://deb.debian.org/debian}
if [[ ! -s $tarball ]]; then
  mkdir -p "$cache"
  work=$(mktemp -d "$cache/debootstrap-XXXXXX")
  trap 'umount -R "$work/root" 2>/dev/null || true; rm -rf "$work"' EXIT
  debootstrap --variant=minbase bookworm "$work/root" "$mirror" >"$work/log" 2>&1 \
    || { tail -20 "$work/log" >&2; exit 1; }
  tar -C "$work/root" -czf "$work/root.tar.gz" .
  mv "$work/root.tar.gz" "$tarball"  # atomic: a half-made cache is never used
fi
echo "$tarball"
