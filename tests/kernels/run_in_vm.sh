#!/usr/bin/env bash
# Boots a Debian kernel under qemu (software emulation) with the host's root
# shared read-only under a tmpfs overlay, and runs one command in it as root
# with CI=true. Exits with the command's exit status.
#
#   run_in_vm.sh [--timeout SECONDS] [--modules "ext4 loop fuse"] KERNEL -- COMMAND...
#   run_in_vm.sh --shell KERNEL          # an interactive shell in the guest
#
# KERNEL is a name fetch_kernel.sh knows (debian12-6.1, debian13-6.12,
# debian11-5.10). The command runs in the caller's working directory.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

timeout_seconds=2000
modules="ext4 loop fuse"
shell=
while (($#)); do
  case "$1" in
    --timeout) timeout_seconds=$2; shift 2 ;;
    --modules) modules=$2; shift 2 ;;
    --shell) shell=1; shift ;;
    --) shift; break ;;
    -*) echo "run_in_vm: unknown option $1" >&2; exit 2 ;;
    *) [[ -z ${kernel:-} ]] || break; kernel=$1; shift ;;
  esac
done
[[ -n ${kernel:-} ]] || { sed -n '2,11s/^# \{0,1\}//p' "$0" >&2; exit 2; }
[[ -n $shell || $# -gt 0 ]] || { echo "run_in_vm: no command given" >&2; exit 2; }

kernel_root=$("$here/fetch_kernel.sh" "$kernel")
vmlinuz=$(ls "$kernel_root"/boot/vmlinuz-* | head -n1)
release=${vmlinuz##*/vmlinuz-}
module_tree=$kernel_root/lib/modules/$release
[[ -d $module_tree ]] || module_tree=$kernel_root/usr/lib/modules/$release

results=$(mktemp -d /tmp/fsev-vm.XXXXXX)
trap 'rm -rf "$results"' EXIT
"$here/make_initramfs.sh" "$module_tree" "$results/initramfs.cpio.gz"
echo "$modules" >"$results/modprobe"
# The guest mounts tmpfs on /tmp and /run; it keeps these paths visible.
printf '%s\n' "$(pwd -P)" "$(cd "$here/../.." && pwd -P)" >"$results/keep"
{
  echo "cd $(printf %q "$PWD") || exit 125"
  if [[ -n $shell ]]; then
    # A job-control shell needs the serial line as its controlling terminal.
    echo 'exec setsid -c bash -l <>/dev/ttyS0 >&0 2>&1'
  else
    printf '%q ' "$@"
    echo
  fi
} >"$results/command.sh"

# One host thread per virtual CPU (FSEV_TCG_THREAD=single: one for both,
# which avoids the emulator's int3 race but stalls each CPU for longer;
# docs/kernels.md, "A rare failure").
qemu=(
  qemu-system-x86_64 -machine q35 -cpu max -smp 2 -m 4096 -accel "tcg,thread=${FSEV_TCG_THREAD:-multi}"
  -nographic -no-reboot -nic none
  -kernel "$vmlinuz" -initrd "$results/initramfs.cpio.gz"
  -append "console=ttyS0 edd=off panic=-1 loglevel=4 mitigations=off fsev.modules=$module_tree"
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
  -virtfs "local,path=$results,mount_tag=results,security_model=none"
)
echo "run_in_vm: booting $release (timeout ${timeout_seconds}s)" >&2
started=$SECONDS
if [[ -n $shell ]]; then
  "${qemu[@]}" || true
else
  # No terminal for qemu, so it leaves the caller's terminal settings alone.
  timeout --kill-after=10 "$timeout_seconds" "${qemu[@]}" </dev/null || true
fi
echo "run_in_vm: $release ran for $((SECONDS - started))s" >&2

if [[ ! -s $results/status ]]; then
  echo "run_in_vm: the guest reported no exit status (timed out after ${timeout_seconds}s, or crashed)" >&2
  exit 125
fi
exit "$(cat "$results/status")"
