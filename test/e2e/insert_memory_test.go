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
// The bound is a generous regression guard (a map-based buffer took about
// 880 bytes per 110-byte row), not the < 64 MB target.
func TestInsertMemory(t *testing.T) {
	n := 200000
	if s := os.Getenv("KT_FDW_INSERT_MEMORY_ROWS"); s != "" {
		var err error
		n, err = strconv.Atoi(s)
		require.NoError(t, err)
	}
	e := txScriptEnv(t, "")
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
	e.exec(fmt.Sprintf("INSERT INTO kv SELECT i::text, repeat('x', 100) FROM generate_series(1, %d) i", n))
	sample()
	mu.Lock()
	insertPeak := peak
	mu.Unlock()
	e.exec("COMMIT")
	close(done)
	wg.Wait()
	sample()
	assert.Equal(t, n, e.ktCount())
	mb := func(kb int64) float64 { return float64(kb) / 1024 }
	perRow := float64(peak-base) * 1024 / float64(n)
	t.Logf("%d-row INSERT: backend RssAnon peak growth %.0f MB during the INSERT, %.0f MB up to the end of COMMIT (%.0f bytes per row)",
		n, mb(insertPeak-base), mb(peak-base), perRow)
	assert.Less(t, perRow, 1500.0, "backend growth per 110-byte row")
}
