#!/usr/bin/env bash
# Configures (once) and builds everything into build/ at the repository top.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh"
if [[ ! -f "$top/build/CMakeCache.txt" ]]; then
  cmake -S "$top" -B "$top/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
cmake --build "$top/build" -j"$(nproc)"
