#!/bin/busybox sh
# /init of the test guest (busybox). Reaches the host's root over virtio-9p,
# puts a tmpfs overlay on it so the guest can write without touching the
# host, makes this kernel's module tree visible under /lib/modules, then runs
# the host-written command.sh in a chroot and powers off. The command's exit
# status goes back through the writable "results" share (and the console).
/bin/busybox --install -s /bin
export PATH=/bin

fail() {
  echo "fsev-guest: $*"
  echo "FSEV_GUEST_EXIT=125"
  poweroff -f
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

while read -r module; do
  insmod "/modules/$module" || fail "insmod $module failed"
done </modules/order

module_tree=
for word in $(cat /proc/cmdline); do
  case "$word" in fsev.modules=*) module_tree=${word#fsev.modules=} ;; esac
done
[ -n "$module_tree" ] || fail "no fsev.modules= on the kernel command line"

nine_p=trans=virtio,version=9p2000.L,msize=262144
mount -t 9p -o "$nine_p,ro,cache=loose" hostroot /lower || fail "mount of the host's root failed"
mount -t tmpfs -o mode=755 rw /rw || fail "tmpfs for the overlay failed"
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot \
  || fail "overlay mount failed"

root=/newroot
# The results share first: it says which paths the command needs.
mkdir -p /results
mount -t 9p -o "$nine_p" results /results || fail "mount of the results share failed"
# The source and build trees the command runs in may lie under /tmp or /run
# (CI clones anywhere), which the guest gives tmpfs mounts of their own:
# keep the overlay's view of those paths across that mount.
kept=0
for path in $(cat /results/keep 2>/dev/null); do
  case "$path" in /tmp/* | /run/*) ;; *) continue ;; esac
  kept=$((kept + 1))
  mkdir -p /keep/$kept
  mount --bind "$root$path" /keep/$kept || fail "could not keep $path"
  echo "$path" >/keep/$kept.path
done
mount -t proc proc $root/proc
mount -t sysfs sysfs $root/sys
mount -t devtmpfs devtmpfs $root/dev
mkdir -p $root/dev/pts $root/dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts $root/dev/pts
mount -t tmpfs tmpfs $root/dev/shm
mount -t tmpfs -o mode=1777 tmpfs $root/tmp
mount -t tmpfs -o mode=755 tmpfs $root/run
# A Debian 12 system booted with systemd: unified cgroup v2, bpffs, tracefs.
mount -t cgroup2 cgroup2 $root/sys/fs/cgroup 2>/dev/null
mount -t bpf bpf $root/sys/fs/bpf 2>/dev/null
mount -t tracefs tracefs $root/sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs $root/sys/kernel/debug 2>/dev/null

for saved in /keep/*.path; do
  [ -e "$saved" ] || continue
  path=$(cat "$saved")
  mkdir -p "$root$path"
  mount --bind "${saved%.path}" "$root$path" || fail "could not restore $path"
done
results=$root/run/fsev-vm
mkdir -p $results
mount --bind /results $results || fail "could not bind the results share"

ip link set lo up
hostname fsev-guest

# The host's /lib/modules holds the host kernel's modules; this kernel's
# tree comes from the extracted package, seen through the host's root.
release=$(uname -r)
chroot $root /bin/sh -c "mkdir -p /lib/modules/$release && mount --bind '$module_tree' /lib/modules/$release" \
  || fail "could not bind $module_tree to /lib/modules/$release"
# The kernel's own module requests (a mount of a not yet loaded filesystem
# type, a crypto algorithm by name) run /sbin/modprobe in this initramfs:
# hand them to the chroot's modprobe, which sees the module tree.
mkdir -p /sbin
printf '#!/bin/sh\nexec chroot %s /sbin/modprobe "$@"\n' $root >/sbin/modprobe
chmod 755 /sbin/modprobe
echo /sbin/modprobe >/proc/sys/kernel/modprobe

modules=$(cat $results/modprobe 2>/dev/null)
if [ -n "$modules" ]; then
  chroot $root /sbin/modprobe -a $modules || fail "modprobe $modules failed"
fi

echo "fsev-guest: $release ready, running the command"
chroot $root /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  HOME=/root TERM=${TERM:-linux} LANG=C.UTF-8 CI=true \
  /bin/bash /run/fsev-vm/command.sh </dev/console >/dev/console 2>&1
status=$?
echo $status >$results/status
sync
umount $results
echo "FSEV_GUEST_EXIT=$status"
poweroff -f
