#!/usr/bin/env bash
# Builds the daemon and fsev-listen the way packagers do (Release: -O3, whose
# extra inlining brings warnings RelWithDebInfo's -O2 does not) into
# build-release/, with warnings as errors so CI sees them first.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cmake -S "$top" -B "$top/build-release" -DCMAKE_BUILD_TYPE=Release -DFSEV_WERROR=ON >/dev/null
cmake --build "$top/build-release" -j"$(nproc)" --target fsev-bpf fsev-listen
