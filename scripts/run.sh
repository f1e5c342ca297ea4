#!/usr/bin/env bash
# Builds fsev-bpf and runs the daemon in the foreground (Ctrl-C stops it).
# Extra arguments go to the daemon. Without --config-file, the shipped
# default (deploy/fsev.conf: every block-device filesystem) is applied.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/build.sh" >&2
# ext4 is a module on Debian's kernels; its types appear only once it is loaded.
modprobe ext4 2>/dev/null || true
config=(--config-file "$top/deploy/fsev.conf")
for argument in "$@"; do
  [[ $argument == --config-file || $argument == --config-file=* ]] && config=()
done
exec "$top/build/fsev-bpf" "${config[@]}" "$@"
