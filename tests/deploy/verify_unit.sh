#!/usr/bin/env bash
# systemd-analyze verify on the shipped unit, with ExecStart pointed at the
# freshly built binary (the installed path does not exist on a build host).
set -euo pipefail
unit=$1 binary=$2
work=$(mktemp -d /tmp/fsev-unit-XXXXXX)
trap 'rm -rf "$work"' EXIT
sed "s#/usr/local/sbin/fsev-bpf#$binary#" "$unit" > "$work/fsev-bpf.service"
output=$(systemd-analyze verify "$work/fsev-bpf.service" 2>&1)
if [[ -n $output ]]; then
  echo "$output" >&2
  exit 1
fi
echo "verified: $unit"
