package e2e_test

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt/ktdev"
)

// sessions runs fn in n goroutines, each with its own connection (closed
// when fn returns).
func (e *cdcEnv) sessions(n int, fn func(c int, conn *pgx.Conn)) *sync.WaitGroup {
	var wg sync.WaitGroup
	for c := 0; c < n; c++ {
		conn, err := pgx.Connect(ctx(e.t), e.pg.ConnStringDB(e.db))
		require.NoError(e.t, err)
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			defer conn.Close(context.Background())
			fn(c, conn)
		}(c)
	}
	return &wg
}

// cdcWriters runs n sessions changing limits until stop is closed: single
// and multi-row transactions, upserts, deletes, key changes.
func (e *cdcEnv) cdcWriters(n int, stop chan struct{}) *sync.WaitGroup {
	return e.sessions(n, func(w int, conn *pgx.Conn) {
		rnd := rand.New(rand.NewSource(int64(w)))
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			id := rnd.Intn(300)
			var sql string
			switch rnd.Intn(6) {
			case 0:
				sql = fmt.Sprintf("DELETE FROM limits WHERE id = %d", id)
			case 1:
				sql = fmt.Sprintf("UPDATE limits SET id = %d WHERE id = %d", 300+rnd.Intn(300), id)
			case 2:
				sql = fmt.Sprintf("BEGIN; UPDATE limits SET rps = rps + 1 WHERE id BETWEEN %d AND %d; INSERT INTO limits VALUES (%d, 'm%d', 1) ON CONFLICT (id) DO UPDATE SET route = excluded.route; COMMIT", id, id+30, id, i)
			default:
				sql = fmt.Sprintf("INSERT INTO limits VALUES (%d, 'w%d-%d', %d) ON CONFLICT (id) DO UPDATE SET route = excluded.route, rps = excluded.rps", id, w, i, i)
			}
			if _, err := conn.Exec(context.Background(), sql); err != nil {
				_, _ = conn.Exec(context.Background(), "ROLLBACK") // a unique violation or deadlock: fine
			}
		}
	})
}

// TestSyncCrashRecovery: under concurrent writes, ktfdw sync is killed
// with SIGKILL twice (once while KT stalls), KT stalls and breaks replies
// (dev server only), the walsender is terminated (as when Postgres
// restarts); at the end KT equals the table (reconcile) and KT's position
// never went back.
func TestSyncCrashRecovery(t *testing.T) {
	e := newCDCEnv(t, false)
	e.exec("ALTER SERVER kt OPTIONS (SET timeout '1s', ADD apply_batch '20')")
	e.execAll(strings.SplitN(syncSchema, "\nCREATE TABLE rules", 2)[0][len("\nALTER SERVER kt OPTIONS (ADD apply_batch '20');"):])
	e.exec(`INSERT INTO limits (id, route, rps) SELECT i, '/r' || i, i FROM generate_series(1, 200) i`)
	e.exec(`CREATE PUBLICATION ` + e.pub + ` FOR TABLE limits`)

	// the writers start first: the initial copy (from the slot's snapshot)
	// and the stream that follows it meet under load, without gap or overlap
	stop := make(chan struct{})
	wg := e.cdcWriters(4, stop)
	time.Sleep(200 * time.Millisecond)
	p := e.startSync("-batch", "50")
	p.waitLog("streaming slot")
	defer func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		wg.Wait()
	}()
	phase := 1500 * time.Millisecond
	if d, err := time.ParseDuration(os.Getenv("KT_FDW_SYNC_PHASE")); err == nil {
		phase = d // the longer variant: make test-sync-long
	}
	pause := func() { time.Sleep(phase) }

	pause()
	p.kill() // SIGKILL: no flush, no confirm
	before := e.position()
	p = e.startSync("-batch", "50")
	p.waitLog("resuming slot")
	require.GreaterOrEqual(t, e.position(), before, "KT's position went back")

	if e.dev != nil { // fault injection needs the dev server; a real KT gets the rest
		pause()
		e.dev.SetFault(ktdev.Fault{Kind: ktdev.FaultStall, Proc: "bin_play_script"}) // KT stalls
		pause()
		p.waitLog("KT apply failed")
		var ok bool // writers go on; the slot holds the WAL; status shows the lag
		require.NoError(t, e.conn.QueryRow(ctx(t), `SELECT confirmed_flush_lsn < pg_current_wal_lsn() FROM pg_replication_slots WHERE slot_name = $1`, e.slot).Scan(&ok))
		require.True(t, ok)
		code, out := e.syncStatus()
		require.Equal(t, 0, code, out)
		require.NotContains(t, out, "behind 0 bytes")
		p.kill() // while KT stalls
		e.dev.ClearFault()
		p = e.startSync("-batch", "50", "-max-retained", "1") // any retained WAL is over this limit
		p.waitLog("resuming slot")
		p.waitLog("WARNING: replication slot")

		pause()
		e.dev.SetFault(ktdev.Fault{Kind: ktdev.FaultCloseMidReply, Proc: "bin_play_script", Times: 3}) // applied, reply lost
	}
	pause()
	var n int
	require.NoError(t, e.conn.QueryRow(ctx(t), `SELECT count(pg_terminate_backend(active_pid)) FROM pg_replication_slots WHERE slot_name = $1`, e.slot).Scan(&n))
	require.Equal(t, 1, n)
	p.waitLog("interrupted, starting again")
	p.waitLog("resuming slot")
	pause()

	close(stop)
	wg.Wait()
	e.caughtUp(p)
	e.reconciled("limits")
	require.Equal(t, 0, p.stop(), p.log.String())
}

// position is the LSN KT DB 0 holds for e's slot.
func (e *cdcEnv) position() int64 {
	e.t.Helper()
	v, err := e.kt.Get(ctx(e.t), "", []byte("__kt_fdw_sync__:"+e.slot))
	require.NoError(e.t, err)
	var lsn int64
	require.NoError(e.t, e.conn.QueryRow(ctx(e.t), `SELECT (split_part($1, ' ', 1)::pg_lsn - '0/0'::pg_lsn)::bigint`, string(v.Value)).Scan(&lsn))
	return lsn
}
