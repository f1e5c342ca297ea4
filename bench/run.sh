#!/usr/bin/env bash
# Builds fsev-bpf and its benchmark runner, then prints the benchmark table.
# Root only. Extra arguments go to fsev-bench (e.g. --quick, --image-dir DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake -S . -B build >/dev/null
cmake --build build -j"$(nproc)" --target fsev-bench fsev-bpf >/dev/null
exec build/fsev-bench "$@"
