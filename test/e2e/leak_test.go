package e2e_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// failingScan errors at the 10th row a scan of kv returns: the per-row
// counter is a transaction-local setting, reset when the statement ends.
const failingScan = `SELECT key, 1 / (10 - set_config('ktfdw_test.n',
	(coalesce(nullif(current_setting('ktfdw_test.n', true), ''), '0')::int + 1)::text, true)::int)
	FROM kv`

// Statements that error in the middle of a scan (EndForeignScan never runs)
// must release their Go state: open handles back to 0, RSS flat.
func TestErrorMidScanLeaksNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 statements; skipped with -short")
	}
	e := newEnv(t)
	for i := 0; i < 20; i++ {
		e.ktSet(fmt.Sprintf("k%02d", i), strconv.Itoa(i))
	}
	// the query really fails half-way, after some rows
	pe := pgErr(t, e.conn, failingScan)
	require.Equal(t, "22012", pe.Code)
	// and the counter sees an open scan, so 0 below means released
	e.exec("BEGIN")
	e.exec("DECLARE c CURSOR FOR SELECT * FROM kv")
	e.exec("FETCH 1 FROM c")
	require.Positive(t, openHandles(t, e.conn), "open handles while a scan is open")
	e.exec("ROLLBACK")
	require.EqualValues(t, 0, openHandles(t, e.conn), "open handles after ROLLBACK")

	run := func(n int) {
		for i := 0; i < n; i++ {
			_, err := e.conn.Exec(ctx(t), failingScan, pgx.QueryExecModeSimpleProtocol)
			require.Error(t, err)
		}
	}
	pid := backendPID(t, e.conn)
	run(1000)
	assert.EqualValues(t, 0, openHandles(t, e.conn), "open handles after 1,000 failed scans")
	rss1k, rssErr := vmRSSkB(pid)
	run(9000)
	assert.EqualValues(t, 0, openHandles(t, e.conn), "open handles after 10,000 failed scans")
	if rssErr != nil {
		t.Logf("skipping the RSS check: %v", rssErr)
		return
	}
	rss10k, err := vmRSSkB(pid)
	require.NoError(t, err)
	t.Logf("backend VmRSS: %d kB after 1,000 failed scans, %d kB after 10,000", rss1k, rss10k)
	// A leak of even 2 kB per statement would add ~18 MB; allow 12 MB of
	// allocator and GC noise.
	assert.Less(t, rss10k-rss1k, int64(12*1024), "backend RSS grew by %d kB over 9,000 failed scans", rss10k-rss1k)
}

// vmRSSkB reads VmRSS of a process (needs root or the same OS user).
func vmRSSkB(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}
