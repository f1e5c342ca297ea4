#!/usr/bin/env bash
# The .deb on a fresh Debian 12: builds it (scripts/package.sh), installs it
# with apt into a debootstrap root (cached, see debian_root.sh), checks what
# the package promises (files, conffile, service enabled), starts the daemon
# from the installed unit's ExecStart inside that root, checks the shipped
# default traced a real ext4 and an error event arrived at the installed
# fsev-listen, then purges the package and checks nothing of it is left.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
if [[ $(id -u) -ne 0 ]]; then
  echo "SKIPPED: needs root (chroot, loop mounts, BPF)" >&2
  [[ ${CI:-} == true ]] && exit 1
  exit 77
fi

deb=$("$top/scripts/package.sh" 2>/dev/null | tail -1)
tarball=$("$top/tests/package/debian_root.sh")
work=$(mktemp -d /tmp/fsev-package-XXXXXX)
root=$work/root
loop=
daemon_pid=
listen_pid=
cleanup() {
  [[ -n $listen_pid ]] && kill "$listen_pid" 2>/dev/null || true
  [[ -n $daemon_pid ]] && { kill "$daemon_pid" 2>/dev/null; wait "$daemon_pid" 2>/dev/null; } || true
  # Deepest first: the FUSE run dir and the ext4 inside the root, then the
  # root's own /proc, /sys, /dev, /run.
  if [[ -d $root ]]; then
    findmnt -rn -o TARGET | grep "^$root/" | sort -r | while read -r target; do
      umount "$target" 2>/dev/null || umount -l "$target" || true
    done
  fi
  [[ -n $loop ]] && losetup -d "$loop" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
environment=(/usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C)
in_root() { chroot "$root" "${environment[@]}" "$@"; }

mkdir -p "$root"
tar -C "$root" -xzf "$tarball"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --make-rslave "$root/sys"
mount --bind /dev "$root/dev"
mount -t tmpfs -o mode=0755 tmpfs "$root/run"
# The dependencies apt downloads are kept beside the cached root for the next run.
archives=${FSEV_DEBIAN_ROOT_CACHE:-/var/cache/fsev-bpf}/apt-archives
mkdir -p "$archives/partial"
mount --bind "$archives" "$root/var/cache/apt/archives"
# The files this root holds before the package, to compare after purging.
snapshot() {
  (cd "$root" && find . -xdev \( -path ./var/lib/dpkg -o -path ./var/lib/apt -o -path ./var/cache \
     -o -path ./var/log -o -path ./tmp -o -path ./run -o -path ./mnt/data \) -prune -o -print) | sort
}
before=$(snapshot)

cp "$deb" "$root/tmp/"
in_root apt-get install -y -q --no-install-recommends "/tmp/$(basename "$deb")" >"$work/apt.log" 2>&1 \
  || { tail -30 "$work/apt.log" >&2; fail "apt-get install"; }
echo "installed $(basename "$deb")"

for file in /usr/sbin/fsev-bpf /usr/bin/fsev-listen /etc/fsev/fsev.conf \
  /lib/systemd/system/fsev-bpf.service /usr/share/fsev-bpf/fsev-alerts.yml \
  /usr/share/man/man8/fsev-bpf.8.gz /usr/share/man/man1/fsev-listen.1.gz \
  /usr/share/man/man5/fsev.conf.5.gz /usr/share/doc/fsev-bpf/copyright; do
  [[ -f $root$file ]] || fail "$file not installed"
done
in_root dpkg-query -W -f='${Conffiles}\n' fsev-bpf | grep -q '^ /etc/fsev/fsev.conf ' \
  || fail "/etc/fsev/fsev.conf is not a conffile"
[[ -L $root/etc/systemd/system/multi-user.target.wants/fsev-bpf.service ]] \
  || fail "the service is not enabled"
echo "files, conffile, enabled service: ok"

# A real ext4 inside the root for the shipped default to find.
truncate -s 64M "$work/ext4.img"
mkfs.ext4 -q -F -b 1024 "$work/ext4.img"
loop=$(losetup --find --show "$work/ext4.img")
mkdir -p "$root/mnt/data"
mount -t ext4 -o errors=continue "$loop" "$root/mnt/data"
blocks=$(stat -f -c %b "$root/mnt/data")

# The installed unit's command line, on a free metrics port (another daemon
# may hold 9435 on this machine).
exec_start=$(sed -n 's/^ExecStart=//p' "$root/lib/systemd/system/fsev-bpf.service")
[[ $exec_start == /usr/sbin/fsev-bpf*--config-file\ /etc/fsev/fsev.conf* ]] \
  || fail "unexpected ExecStart: $exec_start"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
exec_start=${exec_start/127.0.0.1:9435/127.0.0.1:$port}
# shellcheck disable=SC2086 # the unit's command line is split into words as systemd does
# Not through in_root: chroot and env exec, so $! is the daemon itself.
chroot "$root" "${environment[@]}" $exec_start >"$work/daemon.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 100); do
  grep -q "^fsev-bpf: ready" "$work/daemon.log" && break
  kill -0 "$daemon_pid" 2>/dev/null || { cat "$work/daemon.log" >&2; fail "the daemon exited"; }
  sleep 0.2
done
grep -q "^fsev-bpf: ready" "$work/daemon.log" || { cat "$work/daemon.log" >&2; fail "not ready"; }

listing=$(cat "$root/run/fsev/config")
echo "$listing"
expected=" /mnt/data ext4 $loop (info,warn,err,thr $((blocks / 10)) $((blocks / 20)))"
grep -qF -- "$expected" <<<"$listing" || fail "no default entry '$expected'"
grep -qx '@blockdev info,warn,err,thr 10% 5%' <<<"$listing" || fail "no default rule listed"

chroot "$root" "${environment[@]}" fsev-listen --count 1 --timeout 20 >"$work/listen.log" 2>&1 &
listen_pid=$!
sleep 1
echo "package test" >"/sys/fs/ext4/$(basename "$loop")/trigger_fs_error"
wait "$listen_pid" || { cat "$work/listen.log" "$work/daemon.log" >&2; fail "fsev-listen saw no event"; }
listen_pid=
cat "$work/listen.log"
grep -q "^ERR " "$work/listen.log" || fail "the event is not an ERR"
kill -TERM "$daemon_pid"
wait "$daemon_pid" || fail "the daemon did not stop cleanly"
daemon_pid=
echo "daemon from the installed files: default entry and an ERR event: ok"

umount "$root/mnt/data"
losetup -d "$loop"
loop=
# Every file (not directory: /lib is a symlink on a merged-/usr root) it shipped.
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $6 }' >"$work/files"
[[ -s $work/files ]] || fail "no file list"
in_root dpkg --purge fsev-bpf >"$work/purge.log" 2>&1 || { cat "$work/purge.log" >&2; fail "purge"; }
in_root apt-get autoremove --purge -y -q >>"$work/purge.log" 2>&1 || fail "autoremove"
in_root dpkg-query -W fsev-bpf >/dev/null 2>&1 && fail "still known to dpkg after purge"
while read -r file; do
  if [[ -e $root$file || -L $root$file ]]; then fail "$file is left after purge"; fi
done <"$work/files"
if [[ -e $root/etc/fsev ]]; then fail "/etc/fsev is left after purge"; fi
left=$(diff <(echo "$before") <(snapshot) || true)
[[ -z $left ]] || { echo "$left" >&2; fail "the root differs from before the installation"; }
echo "purged: nothing left"
