#!/usr/bin/env bash
# Builds a busybox initramfs for one extracted Debian kernel: the static
# busybox, guest_init.sh as /init, and the modules the guest needs before it
# can reach the host's root (virtio PCI, 9p over virtio, overlayfs), listed
# in the order to insmod them.
#
#   make_initramfs.sh MODULE_TREE OUTPUT.cpio.gz
#
# MODULE_TREE is the kernel's lib/modules/<version> with modules.dep.
set -euo pipefail

tree=${1:?usage: make_initramfs.sh MODULE_TREE OUTPUT}
output=${2:?usage: make_initramfs.sh MODULE_TREE OUTPUT}
here=$(cd "$(dirname "$0")" && pwd)
wanted=(virtio_pci 9pnet_virtio 9p overlay)

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
mkdir -p "$staging"/{bin,dev,proc,sys,modules,lower,rw,newroot}
cp /bin/busybox "$staging/bin/busybox"
cp "$here/guest_init.sh" "$staging/init"
chmod 755 "$staging/init"

# modules.dep names a module by path, with '-' and '_' interchangeable in
# module names; map each wanted name to its path first.
declare -A deps path_of loaded
while IFS= read -r line; do
  module=${line%%:*}
  deps[$module]=${line#*:}
  base=${module##*/}
  base=${base%%.ko*}
  path_of[${base//-/_}]=$module
done <"$tree/modules.dep"

order=()
add_module() {  # dependencies first, each module once
  local module=$1 dep
  [[ -n ${loaded[$module]:-} ]] && return
  loaded[$module]=1
  for dep in ${deps[$module]}; do add_module "$dep"; done
  order+=("$module")
}
for name in "${wanted[@]}"; do
  module=${path_of[${name//-/_}]:-}
  if [[ -z $module ]]; then
    # Built into this kernel: nothing to load.
    grep -qE "/${name//_/[-_]}\.ko$" "$tree/modules.builtin" && continue
    echo "make_initramfs: module $name is neither in modules.dep nor built in" >&2
    exit 1
  fi
  add_module "$module"
done

# busybox insmod reads plain .ko files only; Debian compresses modules from
# trixie on, so unpack them here.
for module in "${order[@]}"; do
  file=${module##*/}
  case "$file" in
    *.ko.xz) xz -dc "$tree/$module" >"$staging/modules/${file%.xz}" ;;
    *.ko.zst) zstd -qdc "$tree/$module" >"$staging/modules/${file%.zst}" ;;
    *.ko) cp "$tree/$module" "$staging/modules/$file" ;;
  esac
  echo "${file%.ko*}.ko" >>"$staging/modules/order"
done
touch "$staging/modules/order"

(cd "$staging" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$output"
