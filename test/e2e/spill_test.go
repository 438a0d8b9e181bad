package e2e_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// spillFiles counts kt_fdw's spill files in the data directory's
// base/pgsql_tmp (pg_ls_tmpdir: superuser).
func (e *env) spillFiles() int {
	e.t.Helper()
	var n int
	require.NoError(e.t, e.conn.QueryRow(ctx(e.t),
		"SELECT count(*) FROM pg_ls_tmpdir() WHERE name LIKE 'pgsql_tmpktfdw%'").Scan(&n))
	return n
}

// A transaction larger than buffer_memory spills its writes to
// base/pgsql_tmp; savepoints rolled back and released, read-your-writes
// scans and lookups, and the commit see exactly the final states, and the
// files are gone afterwards (also after a ROLLBACK).
func TestSpilledTransaction(t *testing.T) {
	e := txScriptEnv(t, "buffer_memory '64kB'")
	for i := 0; i < 300; i++ {
		e.ktSet(fmt.Sprintf("old%04d", i), "x")
	}
	want := e.ktAll()
	require.Len(t, want, 300)

	e.exec("BEGIN")
	e.exec("INSERT INTO kv SELECT 'k' || lpad(i::text, 6, '0'), 'a' || i FROM generate_series(1, 20000) i")
	for i := 1; i <= 20000; i++ {
		want[fmt.Sprintf("k%06d", i)] = fmt.Sprintf("a%d", i)
	}
	require.Positive(t, e.spillFiles(), "20,000 rows over 64kB spilled")
	e.exec("DELETE FROM kv WHERE key LIKE 'old00%'")
	for i := 0; i < 100; i++ {
		delete(want, fmt.Sprintf("old%04d", i))
	}

	e.exec("SAVEPOINT a")
	e.exec("INSERT INTO kv SELECT 'z' || i, 'rolled back' FROM generate_series(1, 5000) i")
	e.exec("UPDATE kv SET value = 'rolled back' WHERE key LIKE 'k0000%'")
	e.exec("ROLLBACK TO SAVEPOINT a")

	e.exec("SAVEPOINT b")
	e.exec("UPDATE kv SET value = 'b' WHERE key LIKE 'k001%'")
	for i := 1000; i < 2000; i++ {
		want[fmt.Sprintf("k%06d", i)] = "b"
	}
	e.exec("INSERT INTO kv SELECT 'y' || i, 'released' FROM generate_series(1, 3000) i")
	for i := 1; i <= 3000; i++ {
		want[fmt.Sprintf("y%d", i)] = "released"
	}
	e.exec("RELEASE SAVEPOINT b")

	assert.Equal(t, fmt.Sprint(len(want)), e.value("SELECT count(*) FROM kv"), "a scan sees the spilled writes")
	assert.Equal(t, "b", e.value("SELECT value FROM kv WHERE key = 'k001500'"))
	assert.Equal(t, "a20000", e.value("SELECT value FROM kv WHERE key = 'k020000'"))
	assert.Equal(t, "0", e.value("SELECT count(*) FROM kv WHERE key LIKE 'z%'"))
	pe := pgErr(t, e.conn, "INSERT INTO kv VALUES ('k000007', 'dup')")
	assert.Equal(t, "23505", pe.Code, "the duplicate check finds a spilled key")
	e.exec("ROLLBACK") // the failed INSERT ended the transaction
	assert.Zero(t, e.spillFiles(), "ROLLBACK removes the spill files")
	assert.Equal(t, 300, e.ktCount(), "nothing was sent")

	// the same again, committed
	e.exec("BEGIN")
	e.exec("INSERT INTO kv SELECT 'k' || lpad(i::text, 6, '0'), 'a' || i FROM generate_series(1, 20000) i")
	e.exec("DELETE FROM kv WHERE key LIKE 'old00%'")
	e.exec("SAVEPOINT a")
	e.exec("INSERT INTO kv SELECT 'z' || i, 'rolled back' FROM generate_series(1, 5000) i")
	e.exec("ROLLBACK TO SAVEPOINT a")
	e.exec("SAVEPOINT b")
	e.exec("UPDATE kv SET value = 'b' WHERE key LIKE 'k001%'")
	e.exec("INSERT INTO kv SELECT 'y' || i, 'released' FROM generate_series(1, 3000) i")
	e.exec("RELEASE SAVEPOINT b")
	require.Positive(t, e.spillFiles())
	e.exec("COMMIT")
	assert.Zero(t, e.spillFiles(), "COMMIT removes the spill files")
	got := e.ktAll()
	assert.Equal(t, len(want), len(got))
	assert.Equal(t, want, got)

	// a reload: TRUNCATE, then more rows than buffer_memory holds, some
	// of them keys KT had (the cleared keys not written again are removed)
	e.exec("BEGIN")
	e.exec("TRUNCATE kv")
	e.exec("INSERT INTO kv SELECT 'k' || lpad(i::text, 6, '0'), 'r' || i FROM generate_series(10001, 25000) i")
	require.Positive(t, e.spillFiles())
	e.exec("COMMIT")
	want = map[string]string{}
	for i := 10001; i <= 25000; i++ {
		want[fmt.Sprintf("k%06d", i)] = fmt.Sprintf("r%d", i)
	}
	assert.Equal(t, want, e.ktAll())
	assert.Zero(t, e.spillFiles())
}
