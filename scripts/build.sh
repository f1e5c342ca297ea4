#!/usr/bin/env bash
# Configures (once) and builds everything into build/ at the repository top.
# Development and CI build with warnings as errors (FSEV_WERROR); a user's or
# a distribution's plain `cmake` build does not.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh"
if [[ ! -f "$top/build/CMakeCache.txt" ]]; then
  cmake -S "$top" -B "$top/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFSEV_WERROR=ON
elif ! grep -q '^FSEV_WERROR:BOOL=ON$' "$top/build/CMakeCache.txt"; then
  cmake -S "$top" -B "$top/build" -DFSEV_WERROR=ON
fi
cmake --build "$top/build" -j"$(nproc)"
