#!/usr/bin/env bash
# Builds fsev-bpf (RelWithDebInfo, and the daemon and fsev-listen in Release)
# and runs every test through ctest. Tests that need root
# and the kernel's BPF fail under CI=true when they cannot run; elsewhere
# they skip and say why.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/build.sh"
# A second build type: what a packager's Release build compiles must build too.
"$top/scripts/build-release.sh"
cd "$top/build"
ctest --output-on-failure --timeout 600 "$@"
