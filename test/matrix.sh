#!/usr/bin/env bash
# matrix.sh: the suite on every supported PostgreSQL major (make test-matrix).
# For each major: build it if missing (test/pgbuild.sh; 15 is Debian's), build
# and install kt_fdw for it (with check-symbols and check-warnings), run pg_regress, the end-to-end tests (with the
# cmd/ tests that need the installed extension) and the 30-second soak, then
# print a table major | build | pg_regress | e2e | soak. Exits non-zero when
# any cell failed.
#
# KT_FDW_MATRIX_MAJORS: the majors (default "15 16 17 18").
# KT_FDW_MATRIX_LOGS: where each step's output goes (default build/matrix).
# PG_CONFIG: used for the major it belongs to instead of the default install
# (e.g. a private copy of 15).
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
unset MAKEFLAGS MAKELEVEL # from make test-matrix: each make below names its own PG_CONFIG
majors=${KT_FDW_MATRIX_MAJORS:-15 16 17 18}
logs=${KT_FDW_MATRIX_LOGS:-$root/build/matrix}
mkdir -p "$logs"

major_of() { "$1" --version 2>/dev/null | sed -n 's/^PostgreSQL \([0-9][0-9]*\).*/\1/p'; }

# e2e: every Go package that needs the installed extension except the soak
e2e_pkgs=$(go list ./test/... ./cmd/... | grep -v '/test/soak$')

declare -A result
failed=0
# step MAJOR NAME CMD...: runs CMD with its output in $logs/MAJOR-NAME.log
step() {
  local major=$1 name=$2 log=$logs/$1-$2.log start=$SECONDS
  shift 2
  echo "matrix: PostgreSQL $major: $name (log: $log)" >&2
  if "$@" >"$log" 2>&1; then
    result[$major,$name]="ok $((SECONDS - start))s"
    return 0
  fi
  result[$major,$name]="FAIL"
  failed=1
  tail -n 30 "$log" >&2
  return 1
}

for major in $majors; do
  pgc=
  if [ -n "${PG_CONFIG:-}" ] && [ "$(major_of "$PG_CONFIG")" = "$major" ]; then
    pgc=$PG_CONFIG
  fi
  build() {
    [ -n "$pgc" ] || pgc=$(bash test/pgbuild.sh "$major") || return 1
    make --no-print-directory PG_CONFIG="$pgc" install check-symbols check-warnings
  }
  if ! step "$major" build build; then
    for s in pg_regress e2e soak; do result[$major,$s]="not run"; done
    continue
  fi
  export PG_CONFIG=$pgc
  step "$major" pg_regress bash test/regress.sh
  # shellcheck disable=SC2086 # a list of packages
  step "$major" e2e env KT_FDW_REQUIRE_INSTALLED=1 go test -count=1 -timeout 20m $e2e_pkgs
  step "$major" soak env KT_FDW_REQUIRE_INSTALLED=1 go test -count=1 -timeout 20m ./test/soak
done

printf '\n| major | build | pg_regress | e2e | soak |\n|---|---|---|---|---|\n'
for major in $majors; do
  printf '| %s | %s | %s | %s | %s |\n' "$major" "${result[$major,build]}" \
    "${result[$major,pg_regress]:-}" "${result[$major,e2e]:-}" "${result[$major,soak]:-}"
done
exit "$failed"
