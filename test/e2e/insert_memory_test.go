package e2e_test

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestInsertMemory measures how far a large INSERT ... SELECT in one
// transaction grows the backend (peak RssAnon, sampled every 10 ms, as
// `ktfdw bench` does), up to the end of its COMMIT: the write buffer holds
// every row until then. doc/performance.md quotes it at 1,000,000 rows:
//
//	KT_FDW_INSERT_MEMORY_ROWS=1000000 KT_FDW_REQUIRE_INSTALLED=1 go test ./test/e2e -run TestInsertMemory -v
//
// The write buffer spills to disk beyond buffer_memory (16 MB) and the
// commit streams it, so from 1,000,000 rows on the test requires issue 6's
// target, a growth under 64 MB; below that (CI's default 200,000) the bound
// is a per-row regression guard.
func TestInsertMemory(t *testing.T) {
	n := 200000
	if s := os.Getenv("KT_FDW_INSERT_MEMORY_ROWS"); s != "" {
		var err error
		n, err = strconv.Atoi(s)
		require.NoError(t, err)
	}
	// e.g. KT_FDW_INSERT_MEMORY_OPTS="buffer_memory '1024GB'" (never spill) to compare
	e := txScriptEnv(t, os.Getenv("KT_FDW_INSERT_MEMORY_OPTS"))
	pid := e.conn.PgConn().PID()
	e.exec("SELECT count(*) FROM kv WHERE key = '1'") // load kt_fdw, connect
	base, err := procStatusKB(int(pid), "RssAnon")
	require.NoError(t, err)
	var (
		mu   sync.Mutex
		peak = base
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	sample := func() {
		v, err := procStatusKB(int(pid), "RssAnon")
		if err != nil {
			return
		}
		mu.Lock()
		peak = max(peak, v)
		mu.Unlock()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
				sample()
			}
		}
	}()
	e.exec("BEGIN")
	if os.Getenv("KT_FDW_INSERT_MEMORY_TRUNCATE") != "" { // a reload: TRUNCATE first
		e.exec("TRUNCATE kv")
	}
	start := time.Now()
	e.exec(fmt.Sprintf("INSERT INTO kv SELECT i::text, repeat('x', 100) FROM generate_series(1, %d) i", n))
	insertTime := time.Since(start)
	sample()
	mu.Lock()
	insertPeak := peak
	mu.Unlock()
	start = time.Now()
	e.exec("COMMIT")
	commitTime := time.Since(start)
	close(done)
	wg.Wait()
	sample()
	assert.Equal(t, n, e.ktCount())
	mb := func(kb int64) float64 { return float64(kb) / 1024 }
	perRow := float64(peak-base) * 1024 / float64(n)
	t.Logf("%d-row INSERT: backend RssAnon peak growth %.0f MB during the INSERT, %.0f MB up to the end of COMMIT (%.0f bytes per row); INSERT %.2f s, COMMIT %.2f s",
		n, mb(insertPeak-base), mb(peak-base), perRow, insertTime.Seconds(), commitTime.Seconds())
	if n >= 1000000 {
		assert.Less(t, mb(peak-base), 64.0, "issue 6: a 1,000,000-row INSERT grows the backend by less than 64 MB")
	} else {
		assert.Less(t, perRow, 1500.0, "backend growth per 110-byte row")
	}
}
