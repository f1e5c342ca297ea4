#!/usr/bin/env bash
# ctest's bench.smoke: runs the benchmark runner with tiny counts and checks
# the table has a row for each of the six measurements. It asserts nothing
# about speed: benchmarks are not tests.
set -euo pipefail
bench=$1
if [[ $(id -u) -ne 0 ]]; then
  if [[ ${CI:-} == true ]]; then echo "bench.smoke: needs root" >&2; exit 1; fi
  echo "bench.smoke: SKIPPED, needs root (BPF, loop mounts)" >&2
  exit 0
fi
# The bench's daemons keep state files of their own: the machine's (the
# administrator's accepted configuration) is the same after the run.
state=/var/lib/fsev/config.state
state_before=$(sha256sum "$state" 2>/dev/null || echo absent)
output=$("$bench" --quick)
echo "$output"
state_after=$(sha256sum "$state" 2>/dev/null || echo absent)
[[ $state_before == "$state_after" ]] \
  || { echo "bench.smoke: the run changed $state" >&2; exit 1; }
for n in 1 2 3 4 5 6; do
  grep -Eq "^\| ${n}[a-z] +\| .+\| .+\| .+\| .+\|$" <<<"$output" \
    || { echo "bench.smoke: no row for measurement $n in the table" >&2; exit 1; }
done
# 1h: sys_exit's price on every syscall, measured on any kernel.
grep -Eq "^\| 1h +\| .+\| .+\| .+\| .+\|$" <<<"$output" \
  || { echo "bench.smoke: no row 1h (sys_exit per syscall) in the table" >&2; exit 1; }
# 1b'/1c': the floor of a traced hook; "not measured" where the plain-load
# build is not taken.
for row in "1b'" "1c'"; do
  grep -Eq "^\| ${row} +\| .+\| .+\| .+\| .+\|$" <<<"$output" \
    || { echo "bench.smoke: no row ${row} (floor of a traced hook) in the table" >&2; exit 1; }
done
grep -q '^Methods:' <<<"$output" || { echo "bench.smoke: no methods" >&2; exit 1; }
echo "bench.smoke: the table has all six measurements"

# The picture in docs/latency.md: the data the bench writes plots.
work=$(mktemp -d /tmp/fsev-bench-plot-XXXXXX)
trap 'rm -rf "$work"' EXIT
"$bench" --quick --latency-only --latency-data "$work/latency.dat" >/dev/null
[[ $(grep -c '^# ' "$work/latency.dat") -eq 3 ]] || { echo "bench.smoke: bad latency data" >&2; exit 1; }
gnuplot -e "data=\"$work/latency.dat\"; output=\"$work/latency.svg\"" \
  "$(dirname "$0")/latency.gp"
grep -q '<svg' "$work/latency.svg" || { echo "bench.smoke: gnuplot made no SVG" >&2; exit 1; }
echo "bench.smoke: the latency plot renders"
