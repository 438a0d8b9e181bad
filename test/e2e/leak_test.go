package e2e_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt"
)

// failingScan errors at row n of a scan of kv: the per-row counter is a
// transaction-local setting, reset when the statement ends.
func failingScan(n int) string {
	return fmt.Sprintf(`SELECT key, 1 / (%d - set_config('ktfdw_test.n',
	(coalesce(nullif(current_setting('ktfdw_test.n', true), ''), '0')::int + 1)::text, true)::int)
	FROM kv`, n)
}

// failingInsert errors at its 5th row, after four buffered writes.
const failingInsert = `INSERT INTO kv SELECT 'ins' || g, (1 / (g - 5))::text FROM generate_series(1, 10) g`

// stats is one row of kt_fdw_stats().
type stats struct{ openHandles, bufferedWrites, connections int64 }

func ktfdwStats(t *testing.T, conn *pgx.Conn) stats {
	t.Helper()
	var s stats
	require.NoError(t, conn.QueryRow(ctx(t),
		"SELECT open_handles, buffered_writes, connections FROM kt_fdw_stats()").
		Scan(&s.openHandles, &s.bufferedWrites, &s.connections))
	return s
}

// Statements that error in the middle of a scan or an insert
// (EndForeignScan/EndForeignModify never run) must release their Go state:
// no open handles or buffered writes remain, one cached connection, RSS flat.
func TestErrorMidStatementLeaksNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 statements; skipped with -short")
	}
	e := newEnv(t)
	for i := 0; i < 20; i++ {
		e.ktSet(fmt.Sprintf("k%02d", i), strconv.Itoa(i))
	}
	scan := failingScan(10)
	// the statements really fail half-way
	require.Equal(t, "22012", pgErr(t, e.conn, scan).Code)
	require.Equal(t, "22012", pgErr(t, e.conn, failingInsert).Code)
	// and the counters see open state, so 0 below means released
	e.exec("BEGIN")
	e.exec("INSERT INTO kv VALUES ('buffered', 'x')")
	e.exec("DECLARE c CURSOR FOR SELECT * FROM kv")
	e.exec("FETCH 1 FROM c")
	open := ktfdwStats(t, e.conn)
	require.Positive(t, open.openHandles, "open handles while a scan is open")
	require.Positive(t, open.bufferedWrites, "buffered writes inside a transaction")
	e.exec("ROLLBACK")

	run := func(n int) {
		for i := 0; i < n; i++ {
			sql := scan
			if i%2 == 1 {
				sql = failingInsert
			}
			_, err := e.conn.Exec(ctx(t), sql, pgx.QueryExecModeSimpleProtocol)
			require.Error(t, err)
		}
	}
	pid := backendPID(t, e.conn)
	run(1000)
	assert.Equal(t, stats{0, 0, 1}, ktfdwStats(t, e.conn), "after 1,000 failed statements")
	rss1k, rssErr := procStatusKB(pid, "VmRSS")
	run(9000)
	assert.Equal(t, stats{0, 0, 1}, ktfdwStats(t, e.conn), "after 10,000 failed statements")
	assert.Equal(t, 20, e.ktCount(), "failed inserts wrote nothing")
	if rssErr != nil {
		t.Logf("skipping the RSS check: %v", rssErr)
		return
	}
	rss10k, err := procStatusKB(pid, "VmRSS")
	require.NoError(t, err)
	t.Logf("backend VmRSS: %d kB after 1,000 failed statements, %d kB after 10,000", rss1k, rss10k)
	// A leak of even 2 kB per statement would add ~18 MB; allow 12 MB of
	// allocator and GC noise.
	assert.Less(t, rss10k-rss1k, int64(12*1024), "backend RSS grew by %d kB over 9,000 failed statements", rss10k-rss1k)
}

// A scan that fails while later batches are still being fetched releases
// them too.
func TestErrorMidMultiBatchScanLeaksNothing(t *testing.T) {
	e := newEnv(t)
	const rows = 2500 // the FDW fetches in batches of 1,000
	recs := make([]kt.Record, rows)
	for i := range recs {
		recs[i] = kt.Record{Key: []byte(fmt.Sprintf("b%05d", i)), Value: []byte("v")}
	}
	_, err := e.kt.SetBulk(ctx(t), "", recs, false)
	require.NoError(t, err)

	scan := failingScan(1500)
	for i := 0; i < 100; i++ {
		_, err := e.conn.Exec(ctx(t), scan, pgx.QueryExecModeSimpleProtocol)
		require.Error(t, err)
	}
	assert.Equal(t, stats{0, 0, 1}, ktfdwStats(t, e.conn))
	var n int
	require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT count(*) FROM kv").Scan(&n))
	assert.Equal(t, rows, n, "the session still scans normally")
}
