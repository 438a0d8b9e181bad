package e2e_test

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt"
)

// TestSyncBench measures ktfdw sync (doc/performance.md "ktfdw sync"):
// apply throughput by -batch for a backlog of single-row transactions, a
// large transaction against raw binary set_bulk of the same records,
// end-to-end lag under write load, and the writers' rate with no sync, with
// the sync running and with the trigger instead. CPU-heavy: opt-in with
// KT_FDW_SYNC_BENCH=1 (make bench-sync), on a quiet machine.
func TestSyncBench(t *testing.T) {
	if os.Getenv("KT_FDW_SYNC_BENCH") == "" {
		t.Skip("set KT_FDW_SYNC_BENCH=1 (make bench-sync) to run the ktfdw sync benchmark")
	}
	e := newCDCEnv(t, false)
	e.exec(`CREATE TABLE limits (id int PRIMARY KEY, route text NOT NULL, rps numeric, enabled boolean NOT NULL DEFAULT true)`)
	e.exec(`CREATE FOREIGN TABLE limits_kt (key text, value text) SERVER kt OPTIONS (prefix 'l:')`)
	e.exec(`CREATE TRIGGER limits_sync AFTER INSERT OR UPDATE OR DELETE ON limits FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('limits_kt')`)
	e.exec(`ALTER TABLE limits DISABLE TRIGGER limits_sync`)
	e.exec(`INSERT INTO limits SELECT i, '/r' || i, i FROM generate_series(1, 10000) i`)
	e.exec(`CREATE PUBLICATION ` + e.pub + ` FOR TABLE limits`)
	p := e.startSync()
	p.waitLog("streaming slot")
	require.Equal(t, 0, p.stop())

	// 1. backlog of single-row transactions, applied with each -batch
	const backlog = 20000
	for _, batch := range []int{1, 10, 100, 1000, 10000} {
		e.singleRowTxns(backlog, batch)
		start := time.Now()
		p := e.startSync("-batch", fmt.Sprint(batch))
		e.caughtUp(p)
		took := time.Since(start)
		require.Equal(t, 0, p.stop())
		t.Logf("apply backlog: %d single-row transactions, -batch %5d: %6.2fs, %7.0f rows/s", backlog, batch, took.Seconds(), backlog/took.Seconds())
	}

	// 2. one large transaction against raw binary set_bulk of the same records
	const big = 100000
	e.exec(fmt.Sprintf(`INSERT INTO limits SELECT i, '/big' || i, i FROM generate_series(100001, %d) i`, 100000+big))
	start := time.Now()
	p = e.startSync()
	e.caughtUp(p)
	took := time.Since(start)
	require.Equal(t, 0, p.stop())
	recs := e.ktRecords()
	var bin []kt.BinRecord
	for k, v := range recs {
		bin = append(bin, kt.BinRecord{Key: []byte("raw:" + k), Value: []byte(v), XT: kt.XTNever})
	}
	rawStart := time.Now()
	for i := 0; i < len(bin); i += 10000 {
		_, err := e.kt.BinSetBulk(ctx(t), bin[i:min(i+10000, len(bin))], false)
		require.NoError(t, err)
	}
	raw := time.Since(rawStart)
	rawRate := float64(len(bin)) / raw.Seconds()
	t.Logf("apply one %d-row transaction: %.2fs, %.0f rows/s (process start included); raw binary set_bulk of %d records: %.0f rows/s; sync = %.0f%% of raw",
		big, took.Seconds(), big/took.Seconds(), len(bin), rawRate, 100*big/took.Seconds()/rawRate)

	// 3. writers' rate: no sync, sync running, trigger instead; lag under the sync
	const clients, dur = 4, 5 * time.Second
	t.Logf("writers (%d clients, single-row UPDATE, %s): no sync %.0f tps", clients, dur, e.writeRate(clients, dur, 0))
	p = e.startSync()
	p.waitLog("streaming slot")
	withSync := e.writeRate(clients, dur, 0)
	start = time.Now()
	e.caughtUp(p)
	t.Logf("writers with ktfdw sync running: %.0f tps; the sync caught up %.1fs after they stopped", withSync, time.Since(start).Seconds())
	for _, pace := range []time.Duration{10 * time.Millisecond, 2 * time.Millisecond} {
		var lags []time.Duration
		var wg sync.WaitGroup
		stop := make(chan struct{})
		wg.Add(1)
		go func() { defer wg.Done(); lags = e.probeLag(stop) }()
		rate := e.writeRate(clients, dur, pace)
		close(stop)
		wg.Wait()
		e.caughtUp(p)
		sort.Slice(lags, func(i, j int) bool { return lags[i] < lags[j] })
		if len(lags) == 0 {
			t.Logf("lag under %.0f tps: no probe reached KT within 10s", rate)
			continue
		}
		t.Logf("end-to-end lag (commit returned -> in KT) under %.0f tps, %d probes: p50 %s, p99 %s", rate, len(lags),
			lags[len(lags)/2].Round(10*time.Microsecond), lags[len(lags)*99/100].Round(10*time.Microsecond))
	}
	require.Equal(t, 0, p.stop())
	e.exec(`ALTER TABLE limits ENABLE TRIGGER limits_sync`)
	t.Logf("writers with the kt_fdw_sync trigger instead: %.0f tps", e.writeRate(clients, dur, 0))
	e.exec(`ALTER TABLE limits DISABLE TRIGGER limits_sync`)
}

// singleRowTxns commits n single-row UPDATE transactions (4 sessions).
func (e *cdcEnv) singleRowTxns(n, seed int) {
	e.t.Helper()
	e.sessions(4, func(c int, conn *pgx.Conn) {
		for i := c; i < n; i += 4 {
			_, err := conn.Exec(context.Background(), `UPDATE limits SET rps = $1 WHERE id = $2`, seed*100000+i, 1+i%10000)
			require.NoError(e.t, err)
		}
	}).Wait()
}

// writeRate runs clients sessions of single-row UPDATEs for d, each
// pausing pace between commits: commits/s.
func (e *cdcEnv) writeRate(clients int, d, pace time.Duration) float64 {
	e.t.Helper()
	var n atomic.Int64
	deadline := time.Now().Add(d)
	e.sessions(clients, func(c int, conn *pgx.Conn) {
		for i := 0; time.Now().Before(deadline); i++ {
			if _, err := conn.Exec(context.Background(), `UPDATE limits SET rps = $1 WHERE id = $2`, i, 1+(c*2500+i)%9999); err == nil {
				n.Add(1)
			}
			time.Sleep(pace)
		}
	}).Wait()
	return float64(n.Load()) / d.Seconds()
}

// probeLag commits a probe row every 50 ms and times until KT has it.
func (e *cdcEnv) probeLag(stop chan struct{}) []time.Duration {
	conn, err := pgx.Connect(ctx(e.t), e.pg.ConnStringDB(e.db))
	if err != nil {
		return nil
	}
	defer conn.Close(context.Background())
	var out []time.Duration
	for i := 0; ; i++ {
		select {
		case <-stop:
			return out
		case <-time.After(50 * time.Millisecond):
		}
		route := fmt.Sprintf("/probe%d", i)
		if _, err := conn.Exec(context.Background(), `UPDATE limits SET route = $1 WHERE id = 10000`, route); err != nil {
			return out
		}
		committed := time.Now()
		for time.Since(committed) < 10*time.Second {
			v, err := e.kt.Get(context.Background(), "", []byte("l:10000"))
			if err == nil && strings.Contains(string(v.Value), route+`"`) {
				out = append(out, time.Since(committed))
				break
			}
			time.Sleep(200 * time.Microsecond)
		}
	}
}
