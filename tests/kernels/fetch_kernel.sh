#!/usr/bin/env bash
# Fetches one Debian kernel package with `apt-get download` and extracts its
# vmlinuz and module tree into the cache. Prints the extracted directory.
#
#   fetch_kernel.sh debian12-6.1 | debian13-6.12 | debian11-5.10
#
# Each kernel gets a private apt configuration (its own sources list and
# package lists under the cache), so the host's apt state is never touched.
# When the archive cannot be reached, the newest package already in the
# cache is used, so an offline machine with a warm cache still runs.
set -euo pipefail

name=${1:?usage: fetch_kernel.sh KERNEL_NAME}
cache=${FSEV_KERNEL_CACHE:-/var/cache/fsev-kernels}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
mirror=http://deb.debian.org

case "$name" in
  debian12-6.1)
    suites=(debian:bookworm debian:bookworm-updates debian-security:bookworm-security)
    package_regex='^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' ;;
  debian13-6.12)
    # Trixie carries 6.12 as its release kernel; bookworm-backports had it too.
    suites=(debian:trixie debian:trixie-updates debian-security:trixie-security)
    package_regex='^linux-image-6\.12\.[0-9]+\+[a-z0-9]+-amd64-unsigned$' ;;
  debian11-5.10)
    suites=(debian:bullseye debian:bullseye-updates debian-security:bullseye-security)
    package_regex='^linux-image-5\.10\.0-[0-9]+-amd64-unsigned$' ;;
  *)
    echo "fetch_kernel: unknown kernel '$name'" >&2
    exit 2 ;;
esac

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9

apt_dir=$cache/apt/$name
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
sources=$apt_dir/sources.list
for suite in "${suites[@]}"; do
  echo "deb [signed-by=$keyring] $mirror/${suite%%:*} ${suite#*:} main"
done >"$sources"
apt_options=(
  -o "Dir::Etc::sourcelist=$sources" -o "Dir::Etc::sourceparts=-"
  -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
  -o "APT::Sandbox::User=root" -o "Acquire::Retries=3"
)

# Newest package of the series, by Debian version order of the package names.
newest_cached() {
  find "$cache" -maxdepth 1 -name '*.deb' -printf '%f\n' \
    | sed 's/_.*//' | grep -E "$package_regex" | sort -V | tail -n1
}

package=
if apt-get "${apt_options[@]}" -qq update >"$apt_dir/update.log" 2>&1; then
  package=$(apt-cache "${apt_options[@]}" search --names-only "$package_regex" \
    | awk '{print $1}' | sort -V | tail -n1)
  [[ -n $package ]] || echo "fetch_kernel: no package matches $package_regex" >&2
else
  echo "fetch_kernel: apt-get update failed (see $apt_dir/update.log); using the cache" >&2
fi

if [[ -n $package ]] && ! compgen -G "$cache/${package}_*.deb" >/dev/null; then
  echo "fetch_kernel: downloading $package" >&2
  (cd "$cache" && apt-get "${apt_options[@]}" -qq download "$package") \
    || { echo "fetch_kernel: download of $package failed; using the cache" >&2; package=; }
fi
[[ -n $package ]] || package=$(newest_cached)
if [[ -z $package ]]; then
  echo "fetch_kernel: no $name kernel package reachable or cached in $cache" >&2
  exit 1
fi
deb=$(ls "$cache/${package}"_*.deb | sort -V | tail -n1)

# Extract once per package file; the marker names the package it came from.
root=$cache/$name
if [[ ! -f $root/.extracted || $(cat "$root/.extracted") != "$(basename "$deb")" ]]; then
  echo "fetch_kernel: extracting $(basename "$deb")" >&2
  rm -rf "$root"
  mkdir -p "$root"
  dpkg-deb -x "$deb" "$root"
  # The package leaves modules.dep to its postinst; depmod from the host's
  # kmod writes it (and the alias files modprobe reads in the guest).
  for tree in "$root"/lib/modules/* "$root"/usr/lib/modules/*; do
    [[ -d $tree ]] && depmod -b "${tree%/lib/modules/*}" "${tree##*/}"
  done
  basename "$deb" >"$root/.extracted"
fi
echo "$root"
