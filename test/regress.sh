#!/usr/bin/env bash
# Runs the pg_regress suite (test/sql, test/expected) against a throwaway
# PostgreSQL cluster and a KT server, then stops both.
#
# KT: $KT_TEST_ADDR (host:port of a real KT) when set, else cmd/ktdev.
# Exports KT_HOST and KT_PORT for the .sql files (\getenv).
# REGRESS_RESULTS=dir copies the actual outputs (results/*.out) there, for
# reviewing and refreshing test/expected. Extra arguments replace the
# default test list (setup, then every test/sql/*.sql): a new test needs only
# its .sql and .out files.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
PG_CONFIG=${PG_CONFIG:-pg_config}
export PG_CONFIG
bindir=$("$PG_CONFIG" --bindir)
pg_regress=$("$PG_CONFIG" --pkglibdir)/pgxs/src/test/regress/pg_regress
if [ ! -x "$pg_regress" ]; then
  echo "regress: pg_regress not found at $pg_regress (Debian: install postgresql-server-dev-15; a source build installs it with make install)" >&2
  exit 1
fi

libdir=$("$PG_CONFIG" --pkglibdir)
sharedir=$("$PG_CONFIG" --sharedir)
if [ ! -f "$libdir/kt_fdw.so" ] || [ ! -f "$sharedir/extension/kt_fdw.control" ]; then
  echo "regress: kt_fdw is not installed in $libdir (run make install first)" >&2
  exit 1
fi

# setup.sql first (it creates the extension, server and tables), then every
# other test/sql/*.sql in name order; each clears the KT data it uses.
tests=(setup)
for f in "$root"/test/sql/*.sql; do
  name=$(basename "$f" .sql)
  [ "$name" = setup ] || tests+=("$name")
done
[ $# -gt 0 ] && tests=("$@")

work=$(mktemp -d "${TMPDIR:-/tmp}/ktfdw-regress.XXXXXX")
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_line FILE PATTERN PID: print the first line of FILE matching PATTERN,
# failing if PID exits first or 60 s pass.
wait_line() {
  local file=$1 pattern=$2 pid=$3 line
  for _ in $(seq 600); do
    if line=$(grep -m1 -- "$pattern" "$file" 2>/dev/null); then
      echo "$line"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "regress: process $pid exited before printing '$pattern':" >&2
      cat "$file" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "regress: timed out waiting for '$pattern' in $file" >&2
  return 1
}

echo "regress: building helpers"
helpers=(./test/pgcluster/cmd/pgcluster)
[ -z "${KT_TEST_ADDR:-}" ] && helpers+=(./cmd/ktdev)
(cd "$root" && go build -o "$work/bin/" "${helpers[@]}")

if [ -n "${KT_TEST_ADDR:-}" ]; then
  KT_HOST=${KT_TEST_ADDR%:*}
  KT_PORT=${KT_TEST_ADDR##*:}
  echo "regress: using KT at $KT_TEST_ADDR (KT_TEST_ADDR)"
else
  # -scr-ktfdw: like ktserver -scr kt_fdw.lua, so commits take the atomic apply
  "$work/bin/ktdev" -port 0 -scr-ktfdw >"$work/ktdev.log" 2>&1 &
  ktpid=$!
  pids+=("$ktpid")
  line=$(wait_line "$work/ktdev.log" 'ktdev listening on' "$ktpid")
  addr=${line##* }
  KT_HOST=${addr%:*}
  KT_PORT=${addr##*:}
  echo "regress: ktdev at $KT_HOST:$KT_PORT"
fi
export KT_HOST KT_PORT

"$work/bin/pgcluster" -set max_prepared_transactions=2 >"$work/pgcluster.out" 2>&1 &
pgpid=$!
pids+=("$pgpid")
line=$(wait_line "$work/pgcluster.out" 'pgcluster ready' "$pgpid")
port=$(sed -n 's/.* port=\([0-9]*\).*/\1/p' <<<"$line")
serverlog=${line##*log=}
echo "regress: PostgreSQL on 127.0.0.1:$port"

# --use-existing does not create the database; set what pg_regress would
"$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres <<'SQL'
CREATE DATABASE kt_fdw_regression TEMPLATE template0;
ALTER DATABASE kt_fdw_regression SET lc_messages TO 'C';
ALTER DATABASE kt_fdw_regression SET datestyle TO 'ISO, MDY';
ALTER DATABASE kt_fdw_regression SET timezone TO 'UTC';
SQL

status=0
"$pg_regress" --bindir="$bindir" --inputdir="$root/test" --outputdir="$work/out" \
  --use-existing --host=127.0.0.1 --port="$port" --user=postgres \
  --dbname=kt_fdw_regression "${tests[@]}" || status=$?

if [ -n "${REGRESS_RESULTS:-}" ]; then
  mkdir -p "$REGRESS_RESULTS"
  cp "$work"/out/results/*.out "$REGRESS_RESULTS"/ 2>/dev/null || true
fi
if grep -q 'terminated by signal' "$serverlog" 2>/dev/null; then
  echo "regress: FAIL: a backend crashed:" >&2
  grep 'terminated by signal' "$serverlog" >&2
  status=1
fi
if [ "$status" -ne 0 ]; then
  [ -f "$work/out/regression.diffs" ] && cat "$work/out/regression.diffs"
  echo "--- server log (tail) ---"
  tail -n 40 "$serverlog" 2>/dev/null || true
  echo "regress: FAILED" >&2
fi
exit "$status"
