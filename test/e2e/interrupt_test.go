package e2e_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/cockroachdb/errors"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt"
)

// interruptBound is a generous ceiling for "stopped promptly": the design
// target is ~100 ms, measured values are logged, not asserted.
const interruptBound = 5 * time.Second

// stall makes the dev server hold every request unanswered until the test
// ends (or ClearFault).
func (e *env) stall() {
	e.dev.SetStall(true)
	e.t.Cleanup(e.dev.ClearFault) // runs before the server's Close
}

// cancelAfter cancels the backend pid from another session after d and
// returns the moment it did.
func cancelAfter(t *testing.T, admin *pgx.Conn, pid int, d time.Duration) <-chan time.Time {
	done := make(chan time.Time, 1)
	go func() {
		time.Sleep(d)
		var ok bool
		err := admin.QueryRow(ctx(t), "SELECT pg_cancel_backend($1)", pid).Scan(&ok)
		if err != nil || !ok {
			t.Errorf("pg_cancel_backend(%d): %v %v", pid, ok, err)
		}
		done <- time.Now()
	}()
	return done
}

func requireSQLState(t *testing.T, err error, code string) {
	t.Helper()
	require.Error(t, err)
	var pe *pgconn.PgError
	require.True(t, errors.As(err, &pe), "want a PostgreSQL error, got %v", err)
	assert.Equal(t, code, pe.Code, pe.Message)
}

func TestStatementTimeoutStopsStalledScan(t *testing.T) {
	for _, sql := range []string{
		"SELECT * FROM kv",
		"SELECT * FROM kv WHERE key = 'a'",
	} {
		t.Run(sql, func(t *testing.T) {
			e := newDevEnv(t)
			e.ktSet("a", "1")
			e.rows(e.conn) // connect before stalling
			e.stall()
			e.exec("SET statement_timeout = '200ms'")

			start := time.Now()
			_, err := e.conn.Exec(ctx(t), sql)
			elapsed := time.Since(start)
			requireSQLState(t, err, "57014")
			t.Logf("statement_timeout=200ms ended %q after %v", sql, elapsed)
			assert.Less(t, elapsed, interruptBound)

			e.dev.ClearFault()
			e.exec("RESET statement_timeout")
			assert.Equal(t, map[string]string{"a": "1"}, e.rows(e.conn), "session usable afterwards")
		})
	}
}

func TestCancelStopsStalledScan(t *testing.T) {
	e := newDevEnv(t)
	e.ktSet("a", "1")
	e.rows(e.conn)
	admin := e.pg.ConnDB(t, e.db)
	pid := backendPID(t, e.conn)
	e.stall()

	cancelled := cancelAfter(t, admin, pid, 300*time.Millisecond)
	_, err := e.conn.Exec(ctx(t), "SELECT * FROM kv")
	returned := time.Now()
	requireSQLState(t, err, "57014")
	latency := returned.Sub(<-cancelled)
	t.Logf("pg_cancel_backend ended the stalled scan %v after the cancel", latency)
	assert.Less(t, latency, interruptBound)

	e.dev.ClearFault()
	assert.Equal(t, map[string]string{"a": "1"}, e.rows(e.conn), "session usable afterwards")
}

func TestCancelStopsStalledCommit(t *testing.T) {
	e := newDevEnv(t)
	e.rows(e.conn)
	admin := e.pg.ConnDB(t, e.db)
	pid := backendPID(t, e.conn)

	e.exec("BEGIN")
	e.exec("INSERT INTO kv VALUES ('c', '1')")
	e.stall()
	cancelled := cancelAfter(t, admin, pid, 300*time.Millisecond)
	_, err := e.conn.Exec(ctx(t), "COMMIT")
	returned := time.Now()
	require.Error(t, err, "COMMIT against a stalled KT must not succeed once cancelled")
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		t.Logf("cancelled COMMIT: %s %s", pe.Code, pe.Message)
	}
	latency := returned.Sub(<-cancelled)
	t.Logf("pg_cancel_backend ended the stalled COMMIT %v after the cancel", latency)
	assert.Less(t, latency, interruptBound)

	var txStatus string
	require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT 'ok'").Scan(&txStatus), "session usable afterwards")
	e.dev.ClearFault()
	assert.Equal(t, "ok", txStatus)
}

func TestTerminateStopsStalledScan(t *testing.T) {
	e := newDevEnv(t)
	e.rows(e.conn)
	admin := e.pg.ConnDB(t, e.db)
	pid := backendPID(t, e.conn)
	e.stall()

	done := make(chan error, 1)
	go func() {
		_, err := e.conn.Exec(ctx(t), "SELECT * FROM kv")
		done <- err
	}()
	time.Sleep(300 * time.Millisecond)
	var ok bool
	require.NoError(t, admin.QueryRow(ctx(t), "SELECT pg_terminate_backend($1)", pid).Scan(&ok))
	require.True(t, ok)
	terminated := time.Now()
	select {
	case err := <-done:
		require.Error(t, err)
		t.Logf("pg_terminate_backend ended the stalled scan %v after the signal: %v", time.Since(terminated), err)
	case <-time.After(interruptBound):
		t.Fatalf("backend %d still running %v after pg_terminate_backend", pid, interruptBound)
	}
	require.Eventually(t, func() bool {
		var n int
		err := admin.QueryRow(ctx(t), "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid).Scan(&n)
		return err == nil && n == 0
	}, interruptBound, 20*time.Millisecond, "backend %d exited", pid)
}

// The server's timeout option bounds each KT operation on its own, and the
// error says which operation timed out.
func TestOperationTimeoutNamesOperation(t *testing.T) {
	e := newDevEnv(t)
	e.ktSet("a", "1")
	e.exec("ALTER SERVER kt OPTIONS (SET timeout '300ms')")
	e.rows(e.conn)
	e.stall()

	start := time.Now()
	pe := pgErr(t, e.conn, "SELECT * FROM kv WHERE key = 'a'")
	elapsed := time.Since(start)
	t.Logf("timeout=300ms: %s %s after %v", pe.Code, pe.Message, elapsed)
	assert.Equal(t, "HV", pe.Code[:2])
	assert.Contains(t, pe.Message, "timed out")
	assert.Contains(t, pe.Message, "get", "names the KT operation")
	assert.Contains(t, pe.Message, e.dev.Addr())
	assert.Less(t, elapsed, interruptBound)
}

// A scan whose later batches stall (KT hangs after the first batch) is
// stopped by statement_timeout too, and its state is released.
func TestStatementTimeoutStopsScanStalledMidway(t *testing.T) {
	e := newDevEnv(t)
	// many 1,000-row batches, more than the scan can have prefetched
	recs := make([]kt.Record, 20000)
	for i := range recs {
		recs[i] = kt.Record{Key: []byte(fmt.Sprintf("m%05d", i)), Value: []byte("v")}
	}
	_, err := e.kt.SetBulk(ctx(t), "", recs, false)
	require.NoError(t, err)

	e.exec("BEGIN")
	e.exec("DECLARE c CURSOR FOR SELECT * FROM kv")
	e.exec("FETCH 1 FROM c")
	e.stall()
	e.exec("SET LOCAL statement_timeout = '200ms'")
	start := time.Now()
	_, err = e.conn.Exec(ctx(t), "FETCH ALL FROM c")
	elapsed := time.Since(start)
	requireSQLState(t, err, "57014")
	t.Logf("statement_timeout=200ms ended a FETCH stalled after the first batch in %v", elapsed)
	assert.Less(t, elapsed, interruptBound)
	e.exec("ROLLBACK")
	e.dev.ClearFault()
	assert.Equal(t, stats{0, 0, 1}, ktfdwStats(t, e.conn))
}
