#!/bin/sh
# Configures the source tree afresh (in a temp dir) for CMake's own target
# graph, and holds the includes of user/ against it (check_layers.py).
set -eu
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/fsev-layers.XXXXXX")
trap 'rm -rf "$work"' EXIT
if ! cmake -S "$source_dir" -B "$work/build" --graphviz="$work/targets.dot" >"$work/configure.log" 2>&1; then
    cat "$work/configure.log"
    exit 1
fi
python3 "$source_dir/tests/architecture/check_layers.py" "$source_dir" "$work/targets.dot"
