#!/usr/bin/env bash
# CI: the release artifacts, after `make test`.
#  1. `make dist`, then the unpacked tarball builds with the module proxy off
#     and an empty module cache (its vendor/ is all it has).
#  2. `make deb`; lintian reports no errors; the package is installed with
#     dpkg into a fresh relocated copy of PostgreSQL that never had kt_fdw,
#     and the pg_regress suite runs against the packaged files; then purged.
# PG_CONFIG (default: PostgreSQL $PG_MAJOR, 15, as test/deps.sh installs it)
# is the PostgreSQL to package for.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/${PG_MAJOR:-15}/bin/pg_config}
export PG_CONFIG
major=$("$PG_CONFIG" --version | sed -nE 's/^PostgreSQL ([0-9]+).*/\1/p')
version=$(sed -nE "s/^default_version = '(.*)'/\1/p" kt_fdw.control)
work=$(mktemp -d "${TMPDIR:-/tmp}/ktfdw-packaging.XXXXXX")
chmod 755 "$work" # the postgres user reads the PostgreSQL copy below
trap 'rm -rf "$work"' EXIT
start=$SECONDS
step() { echo "packaging: $* (at $((SECONDS - start)) s)"; }

step "release tarball"
[ ! -e vendor ] || { echo "packaging: vendor/ is in the repository; it belongs in the release tarball only" >&2; exit 1; }
make dist
tar -xzf "kt_fdw-$version.tar.gz" -C "$work"
tree=$work/kt_fdw-$version
[ -f "$tree/vendor/modules.txt" ] || { echo "packaging: the tarball has no vendor/modules.txt" >&2; exit 1; }
step "building the tarball offline (GOPROXY=off, empty GOMODCACHE)"
(cd "$tree" && GOPROXY=off GOFLAGS=-mod=vendor GOMODCACHE="$work/gomodcache" GOTOOLCHAIN=local \
  make all ktfdw)
"$tree/ktfdw" --version
[ -z "$(ls -A "$work/gomodcache" 2>/dev/null)" ] || { echo "packaging: the offline build used the module cache" >&2; exit 1; }

step "Debian package"
make clean # built afresh for this PostgreSQL, whatever major the tree was built for
make deb
deb=postgresql-$major-kt-fdw_${version}_$(dpkg --print-architecture).deb
if ! command -v lintian >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq lintian >/dev/null || { apt-get update -qq && apt-get install -y -qq lintian >/dev/null; }
fi
lint=0
lintian --fail-on error "$deb" >"$work/lintian.out" 2>&1 || lint=$?
grep -v 'running with root privileges' "$work/lintian.out" || true
[ "$lint" -eq 0 ] || { echo "packaging: lintian reports errors" >&2; exit 1; }
# its dependencies resolve on this system (nothing is installed)
apt-get install -s -qq "./$deb" >/dev/null

step "installing the package into a fresh PostgreSQL $major copy"
pg=$work/pg
mkdir -p "$pg/usr/lib/postgresql" "$pg/usr/share/postgresql" "$pg/var/lib/dpkg/info" "$pg/var/lib/dpkg/updates"
cp -a "/usr/lib/postgresql/$major" "$pg/usr/lib/postgresql/"
cp -a "/usr/share/postgresql/$major" "$pg/usr/share/postgresql/"
rm -f "$pg/usr/lib/postgresql/$major/lib/kt_fdw.so" "$pg/usr/lib/postgresql/$major/bin/ktfdw" \
  "$pg/usr/share/postgresql/$major/extension"/kt_fdw*
touch "$pg/var/lib/dpkg/status"
dpkgroot=(dpkg --instdir="$pg" --admindir="$pg/var/lib/dpkg" --log="$work/dpkg.log")
# --force-depends: this private package database does not list postgresql or libc6
"${dpkgroot[@]}" --force-depends -i "$deb"
"${dpkgroot[@]}" -L "postgresql-$major-kt-fdw" | grep -E 'kt_fdw.so$|ktfdw$|kt_fdw.control$|kt_fdw.lua$'
pgc=$pg/usr/lib/postgresql/$major/bin/pg_config

step "pg_regress against the packaged files"
PG_CONFIG=$pgc bash test/regress.sh
PG_CONFIG=$pgc KT_FDW_REQUIRE_INSTALLED=1 go test -count=1 ./test/e2e -run 'TestInstalled|TestLibraryExportsOnlyPostgresSymbols'

step "purging the package"
"${dpkgroot[@]}" --purge "postgresql-$major-kt-fdw" >"$work/purge.log" 2>&1 || { cat "$work/purge.log"; exit 1; }
left=$(find "$pg" -name 'kt_fdw*' -o -name ktfdw)
[ -z "$left" ] || { echo "packaging: files left after purge: $left" >&2; exit 1; }
step "done"
