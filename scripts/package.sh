#!/usr/bin/env bash
# Builds build-package/fsev-bpf_<version>_amd64.deb with Debian's tools: the
# daemon and fsev-listen compiled as Debian compiles packages (Release plus
# dpkg-buildflags' hardening flags, warnings not errors), laid out under
# /usr, /etc and /lib/systemd, assembled by dpkg-deb and checked by lintian
# (overrides, each with its reason, in packaging/lintian-overrides).
# Prints the path of the .deb.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build-package
package=fsev-bpf
version=$(sed -n 's/^project(fsev-bpf VERSION \([0-9.]*\).*/\1/p' "$top/CMakeLists.txt")
architecture=$(dpkg --print-architecture)

export DEB_BUILD_MAINT_OPTIONS=hardening=+all
cppflags=$(dpkg-buildflags --get CPPFLAGS)
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release -DFSEV_WERROR=OFF \
  -DCMAKE_C_FLAGS="$(dpkg-buildflags --get CFLAGS) $cppflags" \
  -DCMAKE_CXX_FLAGS="$(dpkg-buildflags --get CXXFLAGS) $cppflags" \
  -DCMAKE_EXE_LINKER_FLAGS="$(dpkg-buildflags --get LDFLAGS)" >/dev/null
cmake --build "$build" -j"$(nproc)" --target fsev-bpf fsev-listen >&2

root=$build/root
rm -rf "$root"
install -d "$root/DEBIAN"
install -D -m 0755 "$build/fsev-bpf" "$root/usr/sbin/fsev-bpf"
install -D -m 0755 "$build/fsev-listen" "$root/usr/bin/fsev-listen"
strip --remove-section=.comment --remove-section=.note --strip-unneeded \
  "$root/usr/sbin/fsev-bpf" "$root/usr/bin/fsev-listen"
install -D -m 0644 "$top/deploy/fsev.conf" "$root/etc/fsev/fsev.conf"
install -d "$root/lib/systemd/system"
sed 's#/usr/local/sbin/fsev-bpf#/usr/sbin/fsev-bpf#' "$top/deploy/fsev-bpf.service" \
  | sed '1,/^\[Unit\]/{/^\[Unit\]/!d}' >"$root/lib/systemd/system/fsev-bpf.service"
chmod 0644 "$root/lib/systemd/system/fsev-bpf.service"
install -D -m 0644 "$top/deploy/fsev-alerts.yml" "$root/usr/share/fsev-bpf/fsev-alerts.yml"
install -D -m 0644 "$top/deploy/prometheus.yml" "$root/usr/share/fsev-bpf/prometheus.yml"
for page in fsev-bpf.8 fsev-listen.1 fsev.conf.5; do
  section=${page##*.}
  install -D -m 0644 "$top/docs/man/$page" "$root/usr/share/man/man$section/$page"
  gzip -9n "$root/usr/share/man/man$section/$page"
done
doc=$root/usr/share/doc/$package
install -D -m 0644 "$top/README.md" "$doc/README.md"
install -D -m 0644 "$top/docs/config.md" "$doc/config.md"
install -m 0644 "$top/packaging/copyright" "$doc/copyright"
gzip -9n <"$top/packaging/changelog" >"$doc/changelog.gz"
chmod 0644 "$doc/changelog.gz"
install -D -m 0644 "$top/packaging/lintian-overrides" "$root/usr/share/lintian/overrides/$package"

# Shared-library dependencies, as dpkg-shlibdeps finds them.
shlibs=$build/shlibs
rm -rf "$shlibs" && mkdir -p "$shlibs/debian"
printf 'Source: %s\n\nPackage: %s\nArchitecture: any\n' "$package" "$package" >"$shlibs/debian/control"
depends=$(cd "$shlibs" && dpkg-shlibdeps -O "$root/usr/sbin/fsev-bpf" "$root/usr/bin/fsev-listen" \
  | sed -n 's/^shlibs:Depends=//p')

installed_size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$architecture/" -e "s/@DEPENDS@/$depends/" \
  -e "s/@SIZE@/$installed_size/" "$top/packaging/control" >"$root/DEBIAN/control"
install -m 0644 "$top/packaging/conffiles" "$root/DEBIAN/conffiles"
for script in postinst prerm postrm; do
  install -m 0755 "$top/packaging/$script" "$root/DEBIAN/$script"
done
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z \
  | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums"

deb=$build/${package}_${version}_${architecture}.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >&2
if command -v lintian >/dev/null; then
  lintian --fail-on error,warning "$deb" >&2
fi
echo "$deb"
