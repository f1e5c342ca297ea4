#!/usr/bin/env bash
# One kernel of the matrix, as a ctest entry.
#
#   kernel_test.sh KERNEL BUILD_DIR root-suite
#       the root-labelled tests of BUILD_DIR, inside the KERNEL guest, minus
#       the package test and what deny/KERNEL.txt names
#   kernel_test.sh KERNEL BUILD_DIR refuses REGEX
#       fsev-bpf must refuse to start there, with stderr matching REGEX
#
# Without root or qemu the entry skips (exit 77) outside CI and fails under
# CI=true.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
kernel=${1:?usage: kernel_test.sh KERNEL BUILD_DIR MODE [REGEX]}
build_dir=${2:?usage: kernel_test.sh KERNEL BUILD_DIR MODE [REGEX]}
mode=${3:?usage: kernel_test.sh KERNEL BUILD_DIR MODE [REGEX]}
vm_timeout=${FSEV_VM_TIMEOUT:-2000}

cannot_run() {
  if [[ ${CI:-} == true ]]; then
    echo "kernel_test: CI=true but $*" >&2
    exit 1
  fi
  echo "SKIPPED: $*" >&2
  exit 77
}
[[ $(id -u) -eq 0 ]] || cannot_run "needs root (qemu shares the host's root with the guest, apt-get download into /var/cache)"
command -v qemu-system-x86_64 >/dev/null || cannot_run "qemu-system-x86_64 is missing (scripts/install-deps.sh installs it)"
[[ -x /bin/busybox ]] || cannot_run "busybox-static is missing (scripts/install-deps.sh installs it)"

case "$mode" in
  root-suite)
    # The deny-list holds one ctest test name per line, then '#' and why.
    denied=$(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$here/deny/$kernel.txt" \
      | sed 's/[][().*+?^$|\\]/\\&/g; s/.*/^&$/' | paste -sd'|')
    exclude=()
    if [[ -n $denied ]]; then
      echo "kernel_test: not run on $kernel (see deny/$kernel.txt): $denied" >&2
      exclude=(-E "$denied")
    fi
    # Label "package" (the .deb installed into a debootstrap root) tests
    # packaging, not the kernel, and needs the network the guest lacks;
    # label "bench" checks the benchmark runner: both run on the host. The
    # durable-config fault suites run 30 cycles each here (the host runs
    # 100): emulation makes every daemon restart about ten times slower.
    exec "$here/run_in_vm.sh" --timeout "$vm_timeout" "$kernel" -- \
      env FSEV_FAULT_CYCLES=30 \
      ctest --test-dir "$build_dir" -L root -LE 'package|bench' --output-on-failure --timeout 600 \
      "${exclude[@]}" ;;
  refuses)
    regex=${4:?refuses needs the stderr regex}
    exec "$here/run_in_vm.sh" --timeout "$vm_timeout" "$kernel" -- \
      "$here/expect_refusal.sh" "$build_dir/fsev-bpf" "$regex" ;;
  *)
    echo "kernel_test: unknown mode $mode" >&2
    exit 2 ;;
esac
