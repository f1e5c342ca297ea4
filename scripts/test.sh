#!/usr/bin/env bash
# Builds fsev-bpf and runs every test through ctest. Tests that need root
# and the kernel's BPF fail under CI=true when they cannot run; elsewhere
# they skip and say why.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/build.sh"
cd "$top/build"
ctest --output-on-failure --timeout 600 "$@"
