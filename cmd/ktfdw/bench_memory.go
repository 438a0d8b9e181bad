package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cockroachdb/errors"
	"github.com/jackc/pgx/v5"
)

// Backend memory, read from /proc (the cluster runs on this machine).

// procStatusKB returns a field of /proc/<pid>/status in kB.
func procStatusKB(pid uint32, field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, field+":") {
			f := strings.Fields(line[len(field)+1:])
			if len(f) > 0 {
				return strconv.ParseInt(f[0], 10, 64)
			}
		}
	}
	return 0, errors.Newf("no %s in /proc/%d/status", field, pid)
}

// backend is a fresh connection and its server process.
type backend struct {
	conn *pgx.Conn
	pid  uint32
}

func (e *benchEnv) newBackend(ctx context.Context) (*backend, error) {
	conn, err := pgx.Connect(ctx, e.cluster.ConnString())
	if err != nil {
		return nil, err
	}
	b := &backend{conn: conn, pid: conn.PgConn().PID()}
	return b, nil
}

func (b *backend) close() { _ = b.conn.Close(context.Background()) }

// peakGrowthMB runs sql and returns how far the backend's anonymous memory
// (RssAnon: heap, Go runtime; not shared buffers) rose above its level
// before, sampled every 10 ms.
func (b *backend) peakGrowthMB(ctx context.Context, sql string) (float64, error) {
	base, err := procStatusKB(b.pid, "RssAnon")
	if err != nil {
		return 0, err
	}
	var (
		mu   sync.Mutex
		peak = base
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			if kb, err := procStatusKB(b.pid, "RssAnon"); err == nil {
				mu.Lock()
				peak = max(peak, kb)
				mu.Unlock()
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	_, err = b.conn.Exec(ctx, sql)
	close(done)
	wg.Wait()
	if err != nil {
		return 0, errors.Wrapf(err, "running %q", sql)
	}
	return float64(peak-base) / 1024, nil
}

func (e *benchEnv) benchMemory(ctx context.Context) ([]benchRow, error) {
	fmt.Fprintf(e.out, "== 6. backend memory\n")
	// RSS added by loading the extension (Go runtime included), then by a
	// first KT query (connection, client buffers)
	b, err := e.newBackend(ctx)
	if err != nil {
		return nil, err
	}
	defer b.close()
	if _, err := b.conn.Exec(ctx, "SELECT 1"); err != nil {
		return nil, err
	}
	rss0, err := procStatusKB(b.pid, "VmRSS")
	if err != nil {
		return nil, err
	}
	if _, err := b.conn.Exec(ctx, "SELECT * FROM kt_fdw_stats()"); err != nil {
		return nil, err
	}
	rss1, err := procStatusKB(b.pid, "VmRSS")
	if err != nil {
		return nil, err
	}
	if _, err := b.conn.Exec(ctx, "SELECT value FROM kv WHERE key = '1'"); err != nil {
		return nil, err
	}
	rss2, err := procStatusKB(b.pid, "VmRSS")
	if err != nil {
		return nil, err
	}

	scan, err := b.peakGrowthMB(ctx, "SELECT sum(length(value)) FROM kv")
	if err != nil {
		return nil, err
	}
	tb, err := e.newBackend(ctx)
	if err != nil {
		return nil, err
	}
	defer tb.close()
	if _, err := tb.conn.Exec(ctx, "SELECT value FROM kv_tree WHERE key = '1'"); err != nil {
		return nil, err
	}
	if err := e.rawLoad(ctx, 1); err != nil {
		return nil, err
	}
	treeScan, err := tb.peakGrowthMB(ctx, "SELECT sum(length(value)) FROM kv_tree")
	if err != nil {
		return nil, err
	}
	if err := e.kt.Clear(ctx, "1"); err != nil {
		return nil, err
	}
	if err := e.kt.Clear(ctx, "0"); err != nil {
		return nil, err
	}
	insert, err := b.peakGrowthMB(ctx, e.insertSQL("kv"))
	if err != nil {
		return nil, err
	}
	mb := func(kb int64) float64 { return float64(kb) / 1024 }
	n := e.cfg.Rows
	return []benchRow{
		{Name: "6. memory: RSS added by loading kt_fdw (MB)", Value: mb(rss1 - rss0), Unit: "MB", Target: "< 20 MB", Pass: below(20)},
		{Name: "   RSS added by the first KT query (MB)", Value: mb(rss2 - rss1), Unit: "MB"},
		{Name: fmt.Sprintf("   backend growth, %d-row scan, hash DB (MB)", n), Value: scan, Unit: "MB", Target: "< 64 MB", Pass: below(64)},
		{Name: fmt.Sprintf("   backend growth, %d-row scan, ordered tree DB (MB)", n), Value: treeScan, Unit: "MB", Target: "< 64 MB", Pass: below(64)},
		{Name: fmt.Sprintf("   backend growth, %d-row INSERT (MB)", n), Value: insert, Unit: "MB", Target: "< 64 MB", Pass: below(64)},
	}, nil
}
