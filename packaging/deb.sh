#!/usr/bin/env bash
# packaging/deb.sh VERSION LIBRARY CLI: builds
# postgresql-<major>-kt-fdw_<version>_<arch>.deb with dpkg-deb (no debhelper)
# for the PostgreSQL major of $PG_CONFIG, from a built tree: LIBRARY is the
# stripped kt_fdw.so, CLI the ktfdw command. `make deb` calls it.
# The package uses Debian's PostgreSQL layout (/usr/lib/postgresql/<major>,
# /usr/share/postgresql/<major>), whatever prefix $PG_CONFIG has.
# DEBFULLNAME and DEBEMAIL name the maintainer; DEB_OUT the output directory.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
version=$1 library=$2 cli=$3
PG_CONFIG=${PG_CONFIG:-pg_config}
major=$("$PG_CONFIG" --version | sed -nE 's/^PostgreSQL ([0-9]+).*/\1/p')
[ -n "$major" ] || { echo "deb: cannot read the PostgreSQL major from '$PG_CONFIG --version'" >&2; exit 1; }
arch=$(dpkg --print-architecture)
pkg=postgresql-$major-kt-fdw
maintainer="${DEBFULLNAME:-The kt_fdw authors} <${DEBEMAIL:-kt-fdw@users.noreply.github.com}>"
out=${DEB_OUT:-$root}/${pkg}_${version}_${arch}.deb
# dates from the commit, so a rebuild of the same tree gives the same package
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)}
date_rfc2822=$(date -R -u -d "@$SOURCE_DATE_EPOCH")

stage=$(mktemp -d "${TMPDIR:-/tmp}/ktfdw-deb.XXXXXX")
trap 'rm -rf "$stage"' EXIT
chmod 755 "$stage"
umask 022
lib=$stage/usr/lib/postgresql/$major/lib
bin=$stage/usr/lib/postgresql/$major/bin
ext=$stage/usr/share/postgresql/$major/extension
doc=$stage/usr/share/doc/$pkg
install -d "$lib" "$bin" "$ext" "$doc/doc" "$stage/DEBIAN"

install -m 644 "$library" "$lib/kt_fdw.so"
install -m 755 "$cli" "$bin/ktfdw"
install -m 644 "$root"/kt_fdw.control "$root"/sql/kt_fdw--*.sql "$root"/sql/kt_fdw.lua "$ext/"
install -m 644 "$root/README.md" "$doc/"
install -m 644 "$root"/doc/*.md "$doc/doc/"
gzip -9n -c "$root/CHANGELOG.md" >"$doc/CHANGELOG.md.gz"
# documentation over 4 kB is compressed (Debian policy 12.3)
find "$doc" -name '*.md' -size +4k -exec gzip -9n {} +

# a native package's changelog, in Debian's format, pointing at CHANGELOG.md
cat >"$stage/changelog" <<CHANGELOG
$pkg ($version) unstable; urgency=medium

  * kt_fdw $version for PostgreSQL $major. The changes of each release are in
    /usr/share/doc/$pkg/CHANGELOG.md.gz.

 -- $maintainer  $date_rfc2822
CHANGELOG
gzip -9n -c "$stage/changelog" >"$doc/changelog.gz"
rm "$stage/changelog"

# the modules compiled into the binaries, as the Go toolchain recorded them
modules=$(go version -m "$library" "$cli" | awk '$1 == "dep" { printf "  %s %s\n", $2, $3 }' | sort -u)
{
  cat <<COPYRIGHT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: kt_fdw
Upstream-Contact: $maintainer
Source: https://github.com/kt-fdw/kt_fdw

Files: *
Copyright: 2026 The kt_fdw authors
License: PostgreSQL
Comment: kt_fdw.so and ktfdw are Go programs; they also contain the Go
 standard library (BSD-3-clause) and these Go modules, each under its own
 license (the release tarball's vendor/ directory has their texts):
 .
COPYRIGHT
  sed 's/^  / /' <<<"$modules"
  echo
  echo "License: PostgreSQL"
  sed -e '1,/^Copyright/d' "$root/LICENSE" | sed -e '1{/^$/d}' -e 's/^$/./' -e 's/^/ /'
} >"$doc/copyright"
chmod 644 "$doc/copyright"

# Depends: libc6 at the newest symbol version the binaries use
glibc=$(objdump -T "$lib/kt_fdw.so" "$bin/ktfdw" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -1)
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat >"$stage/DEBIAN/control" <<CONTROL
Package: $pkg
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $size
Depends: postgresql-$major, libc6 (>= $glibc)
Section: database
Priority: optional
Homepage: https://github.com/kt-fdw/kt_fdw
Description: PostgreSQL foreign data wrapper for Kyoto Tycoon
 kt_fdw makes a Kyoto Tycoon database appear in PostgreSQL $major as a
 table: SELECT, INSERT, UPDATE and DELETE become Kyoto Tycoon operations,
 and a PostgreSQL transaction becomes one buffered write applied at COMMIT.
 A trigger function mirrors a table into Kyoto Tycoon.
 .
 This package has the extension (CREATE EXTENSION kt_fdw), kt_fdw.lua (the
 atomic-apply script to load into ktserver with -scr) and the ktfdw command
 (reconcile, sync, demo, bench) in /usr/lib/postgresql/$major/bin.
CONTROL
(cd "$stage" && find usr -type f -print0 | sort -z | xargs -0 md5sum) >"$stage/DEBIAN/md5sums"
chmod 644 "$stage/DEBIAN/control" "$stage/DEBIAN/md5sums"

dpkg-deb --root-owner-group -Zxz --build "$stage" "$out" >/dev/null
echo "deb: $out"
