#!/usr/bin/env bash
# Regenerates docs/latency.svg: runs the latency measurement of fsev-bench
# (root: BPF, a loop mount) and plots it with gnuplot. Extra arguments go to
# fsev-bench (e.g. --quick for a fast, rough picture).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake -S . -B build >/dev/null
cmake --build build -j"$(nproc)" --target fsev-bench fsev-bpf >/dev/null
build/fsev-bench --latency-only --latency-data build/latency.dat "$@"
gnuplot -e 'data="build/latency.dat"; output="docs/latency.svg"' bench/latency.gp
echo "wrote docs/latency.svg"
