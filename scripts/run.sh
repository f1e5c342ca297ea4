#!/usr/bin/env bash
# Builds fsev-bpf and runs the daemon in the foreground (Ctrl-C stops it).
# Extra arguments go to the daemon.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/build.sh" >&2
# ext4 is a module on Debian's kernels; its types appear only once it is loaded.
modprobe ext4 2>/dev/null || true
exec "$top/build/fsev-bpf" "$@"
