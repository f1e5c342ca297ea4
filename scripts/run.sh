#!/usr/bin/env bash
# Builds fsev-bpf and runs the daemon in the foreground (Ctrl-C stops it).
# Extra arguments go to the daemon.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/build.sh" >&2
exec "$top/build/fsev-bpf" "$@"
