#!/usr/bin/env bash
# Runs inside the guest of a kernel the daemon does not support: fsev-bpf
# must stop at start with a non-zero status and say why on stderr.
#
#   expect_refusal.sh FSEV_BPF STDERR_REGEX
set -uo pipefail
daemon=${1:?usage: expect_refusal.sh FSEV_BPF STDERR_REGEX}
pattern=${2:?usage: expect_refusal.sh FSEV_BPF STDERR_REGEX}

run_dir=$(mktemp -d)
stderr=$(mktemp)
# A daemon that wrongly starts would run until stopped; 120 s is ample for
# the refusal, which comes before any mount or BPF load.
timeout 120 "$daemon" --run-dir "$run_dir" --metrics-address 127.0.0.1:19435 2>"$stderr"
status=$?
cat "$stderr" >&2
umount "$run_dir/config" 2>/dev/null
rm -rf "$run_dir"

echo "expect_refusal: $(uname -r): fsev-bpf exited with status $status" >&2
if ((status == 124)); then
  echo "expect_refusal: FAIL: fsev-bpf kept running on $(uname -r)" >&2
  exit 1
fi
if ((status == 0)); then
  echo "expect_refusal: FAIL: fsev-bpf exited with status 0" >&2
  exit 1
fi
if ! grep -Eq "$pattern" "$stderr"; then
  echo "expect_refusal: FAIL: stderr does not match /$pattern/" >&2
  exit 1
fi
echo "expect_refusal: PASS: refused with a message matching /$pattern/" >&2
