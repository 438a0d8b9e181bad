#!/usr/bin/env bash
# pgbuild.sh MAJOR: builds PostgreSQL MAJOR (16, 17, 18) from the source tarball
# in ../shared/postgres-src (beside the repository, or beside the main checkout
# of a git worktree) and prints its pg_config path.
#
# The install goes to a cache outside the repository, keyed by the tarball's
# sha256, and is reused when present:
#   ${KT_FDW_PG_CACHE:-/var/cache/kt_fdw/pg}/<major>-<first 16 hex of sha256>
# It is built in a staging directory and renamed into place at the end, so an
# interrupted build never leaves a half-made cache entry. A lock per major
# serialises builds of that major. MAJOR 15 prints Debian's pg_config (no build).
#
# Environment: KT_FDW_PG_SRC (tarball directory), KT_FDW_PG_CACHE (cache root),
# KT_FDW_PG_JOBS (make -j, default 2). Progress goes to stderr, the path to stdout.
set -euo pipefail

major=${1:?usage: pgbuild.sh MAJOR}
repo=$(cd "$(dirname "$0")/.." && pwd)
src=${KT_FDW_PG_SRC:-$repo/../shared/postgres-src}
if [ -z "${KT_FDW_PG_SRC:-}" ] && [ ! -d "$src" ]; then
  # a git worktree: ../shared is beside the main checkout
  common=$(git -C "$repo" rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)
  [ -n "$common" ] && [ -d "$common/../../shared/postgres-src" ] && src=$(cd "$common/../../shared/postgres-src" && pwd)
fi
cache=${KT_FDW_PG_CACHE:-/var/cache/kt_fdw/pg}
jobs=${KT_FDW_PG_JOBS:-2}
log() { echo "pgbuild: $*" >&2; }

if [ "$major" = 15 ]; then
  pgc=/usr/lib/postgresql/15/bin/pg_config
  [ -x "$pgc" ] || { log "PostgreSQL 15 comes from Debian's packages: run bash test/deps.sh"; exit 1; }
  echo "$pgc"
  exit 0
fi

tarball=$src/postgresql-$major.tar.xz
[ -f "$tarball" ] || { log "no source for PostgreSQL $major: $tarball is missing"; exit 1; }
hash=$(sha256sum "$tarball" | cut -c1-16)
dest=$cache/$major-$hash
pgc=$dest/bin/pg_config

if [ -x "$pgc" ]; then
  echo "$pgc"
  exit 0
fi

# Build dependencies: a C compiler, make, and (the tarballs are git archives
# without generated parsers) bison, flex and perl.
need=()
command -v gcc >/dev/null || need+=(gcc)
command -v make >/dev/null || need+=(make)
command -v bison >/dev/null || need+=(bison)
command -v flex >/dev/null || need+=(flex)
command -v perl >/dev/null || need+=(perl)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "missing ${need[*]}; install them with:"
    log "  sudo apt-get update && sudo apt-get install -y ${need[*]}"
    exit 1
  fi
  log "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

# Installs must be readable by the postgres OS user (test clusters run as
# postgres when the tests run as root).
umask 022
if ! mkdir -p "$cache" 2>/dev/null || [ ! -w "$cache" ]; then
  log "cannot write the build cache $cache: set KT_FDW_PG_CACHE to a writable directory"
  exit 1
fi
exec 9>"$cache/.$major.lock"
flock 9
if [ -x "$pgc" ]; then # another run built it while this one waited
  echo "$pgc"
  exit 0
fi
rm -rf "$cache/.build-$major-"* # left by a killed build (this one holds the lock)

work=$(mktemp -d "$cache/.build-$major-XXXXXX")
trap 'rm -rf "$work"' EXIT
log "building PostgreSQL $major ($hash) into $dest (log: $work/build.log)"
start=$SECONDS
tar -xJf "$tarball" -C "$work"
srcdir=$work/postgresql-$major
if ! (
  cd "$srcdir" &&
    ./configure --prefix="$dest" --without-icu --without-readline --without-zlib &&
    make -j"$jobs" &&
    make install DESTDIR="$work/stage"
) >"$work/build.log" 2>&1; then
  tail -n 40 "$work/build.log" >&2
  log "building PostgreSQL $major failed (the log above is the end of $work/build.log)"
  exit 1
fi
chmod -R a+rX "$work/stage$dest"
rm -rf "$dest" # a stale entry without pg_config (cannot be a finished build)
mv "$work/stage$dest" "$dest"
log "PostgreSQL $major built in $((SECONDS - start)) s"
echo "$pgc"
