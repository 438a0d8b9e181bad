#!/usr/bin/env bash
# Makes sure the PostgreSQL 15 server and its headers are installed.
# As root it installs them from Debian's packages; otherwise it prints the
# command to run and fails, so `make test` and `make demo` never half-run.
set -euo pipefail

PG_MAJOR=${PG_MAJOR:-15}
need=()
[ -x "/usr/lib/postgresql/$PG_MAJOR/bin/postgres" ] || need+=("postgresql-$PG_MAJOR")
[ -f "/usr/include/postgresql/$PG_MAJOR/server/postgres.h" ] || need+=("postgresql-server-dev-$PG_MAJOR")
command -v go >/dev/null || { echo "deps: Go is required (https://go.dev/dl) and was not found on PATH" >&2; exit 1; }
command -v gcc >/dev/null || need+=(gcc)
command -v make >/dev/null || need+=(make)
command -v lua5.1 >/dev/null || need+=(lua5.1) # runs sql/kt_fdw.lua's tests (test/lua)
# checks, with the real Kyoto Cabinet library, the accept_bulk behaviour kt_fdw.lua relies on
[ -f /usr/include/kcpolydb.h ] || need+=(libkyotocabinet-dev)
command -v g++ >/dev/null || need+=(g++)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "deps: missing ${need[*]}; install them with:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "deps: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${need[@]}" >/dev/null
# Debian's package creates and starts a "main" cluster; the tests use throwaway
# clusters of their own, so the packaged one is not needed.
