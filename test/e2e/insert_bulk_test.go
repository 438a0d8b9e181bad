package e2e_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A batched INSERT checks its keys against KT in the background (one binary
// get_bulk per 10,000 keys) and at the end of the statement
// (fdw/modify_deferred.go). An existing key must still fail the statement
// with 23505 naming it, wherever in the statement it is, and KT must not
// change.
func TestBulkInsertDuplicateFoundLate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		rows   int
		dupKey int
	}{
		{"in the last group, found at the end of the statement", 30000, 29990},
		{"in a background group", 30000, 10},
		{"in a small statement", 50, 49},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			key := fmt.Sprint(tc.dupKey)
			e.ktSet(key, "old")

			pe := pgErr(t, e.conn, fmt.Sprintf(
				"INSERT INTO kv SELECT i::text, 'new' FROM generate_series(1, %d) i", tc.rows))
			assert.Equal(t, "23505", pe.Code)
			assert.Equal(t, fmt.Sprintf(`duplicate key value "%s" in foreign table "kv"`, key), pe.Message)
			assert.Contains(t, pe.Detail, fmt.Sprintf("Key (key)=(%s) already exists in KT server", key))

			assert.Equal(t, 1, e.ktCount(), "the failed INSERT wrote nothing")
			v, ok := e.ktGet(key)
			assert.True(t, ok)
			assert.Equal(t, "old", v)

			// the session and a later INSERT work
			e.exec(fmt.Sprintf("INSERT INTO kv SELECT 'n' || i, 'v' FROM generate_series(1, %d) i", tc.rows))
			assert.Equal(t, tc.rows+1, e.ktCount())
		})
	}
}

// The duplicate check costs one get_bulk per 10,000 new keys, not one per batch.
func TestBulkInsertCheckRoundTrips(t *testing.T) {
	e := newDevEnv(t)
	e.rows(e.conn) // connect first
	e.exec("BEGIN")
	before := e.dev.Requests()
	e.exec("INSERT INTO kv SELECT i::text, 'v' FROM generate_series(1, 25000) i")
	checks := e.dev.Requests() - before
	e.exec("ROLLBACK")
	assert.Equal(t, uint64(3), checks, "KT requests of a 25,000-row INSERT (batch_size 100)")
	assert.Zero(t, e.ktCount())
}

// A cancel or statement_timeout stops an INSERT whose duplicate check waits
// on a stalled KT, at the end of the statement or between two groups.
func TestBulkInsertStalledCheckIsInterruptible(t *testing.T) {
	for _, rows := range []int{100, 30000} {
		t.Run(fmt.Sprint(rows, " rows"), func(t *testing.T) {
			e := newDevEnv(t)
			e.rows(e.conn) // connect before stalling
			e.stall()
			e.exec("SET statement_timeout = '300ms'")
			start := time.Now()
			_, err := e.conn.Exec(ctx(t), fmt.Sprintf(
				"INSERT INTO kv SELECT i::text, 'v' FROM generate_series(1, %d) i", rows))
			elapsed := time.Since(start)
			requireSQLState(t, err, "57014")
			t.Logf("statement_timeout=300ms ended a %d-row INSERT after %v", rows, elapsed)
			assert.Less(t, elapsed, interruptBound)

			e.exec("RESET statement_timeout")
			admin := e.pg.ConnDB(t, e.db)
			pid := backendPID(t, e.conn)
			cancelled := cancelAfter(t, admin, pid, 300*time.Millisecond)
			_, err = e.conn.Exec(ctx(t), fmt.Sprintf(
				"INSERT INTO kv SELECT i::text, 'v' FROM generate_series(1, %d) i", rows))
			returned := time.Now()
			requireSQLState(t, err, "57014")
			latency := returned.Sub(<-cancelled)
			t.Logf("pg_cancel_backend ended a %d-row INSERT %v after the cancel", rows, latency)
			assert.Less(t, latency, interruptBound)

			e.dev.ClearFault()
			require.Empty(t, e.rows(e.conn), "session usable afterwards, nothing written")
			assert.Zero(t, e.ktCount())
		})
	}
}

// COPY FROM inserts row by row, but without row triggers it checks its keys
// like a batched INSERT: a few get_bulk calls, not one get per row, and a key
// KT has still fails the COPY naming it.
func TestCopyFromChecksInBulk(t *testing.T) {
	e := newDevEnv(t)
	e.rows(e.conn) // connect first
	copyRows := func(n, dup int) error {
		var b strings.Builder
		for i := 1; i <= n; i++ {
			fmt.Fprintf(&b, "%d\tv\n", i)
		}
		if dup > 0 {
			fmt.Fprintf(&b, "%d\tv\n", dup)
		}
		_, err := e.conn.PgConn().CopyFrom(ctx(t), strings.NewReader(b.String()), "COPY kv FROM STDIN")
		return err
	}

	e.exec("BEGIN")
	before := e.dev.Requests()
	require.NoError(t, copyRows(25000, 0))
	assert.Equal(t, uint64(3), e.dev.Requests()-before, "KT requests of a 25,000-row COPY")
	e.exec("ROLLBACK")

	e.ktSet("24999", "old")
	err := copyRows(25000, 0)
	requireSQLState(t, err, "23505")
	assert.Contains(t, err.Error(), `duplicate key value "24999"`)
	assert.Equal(t, 1, e.ktCount(), "the failed COPY wrote nothing")

	// a key repeated within the COPY
	err = copyRows(100, 7)
	requireSQLState(t, err, "23505")
	assert.Contains(t, err.Error(), `duplicate key value "7"`)
	assert.Equal(t, 1, e.ktCount())
}

// With ON CONFLICT DO NOTHING each batch waits for its own get_bulk, so
// without a batch_size option such a batch holds 1,000 rows (else 100).
func TestOnConflictBatchRoundTrips(t *testing.T) {
	e := newDevEnv(t)
	e.rows(e.conn) // connect first
	count := func(sql string) uint64 {
		e.exec("BEGIN")
		before := e.dev.Requests()
		e.exec(sql)
		n := e.dev.Requests() - before
		e.exec("ROLLBACK")
		return n
	}
	const ins = "INSERT INTO kv SELECT i::text, 'v' FROM generate_series(1, 2500) i ON CONFLICT DO NOTHING"
	assert.Equal(t, uint64(3), count(ins), "batches of 1,000 by default")
	e.exec("ALTER FOREIGN TABLE kv OPTIONS (ADD batch_size '100')")
	assert.Equal(t, uint64(25), count(ins), "the option wins")
	e.exec("ALTER FOREIGN TABLE kv OPTIONS (DROP batch_size)")
	assert.Equal(t, uint64(1), count("INSERT INTO kv SELECT i::text, 'v' FROM generate_series(1, 2500) i"),
		"background checks: batch size does not matter")
}
