package e2e_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/errors"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt"
	"github.com/kt-fdw/kt_fdw/kt/ktdev"
	"github.com/kt-fdw/kt_fdw/test/pgtest"
)

// hungSessions and hungStatements: several backends, each committing many
// single-row transactions in every phase, so that "one timeout per back-off
// window" and "one timeout per statement" give request counts far apart.
const (
	hungSessions   = 4
	hungStatements = 25
)

// hungPhase is what the sessions did in one phase: the keys whose commit
// succeeded and those whose commit failed (outcome unknown).
type hungPhase struct {
	mu        sync.Mutex
	took      time.Duration // wall time, only logged (the machine is shared)
	committed []string
	failed    []string
	errs      []string
}

// runHungPhase runs hungStatements transactions on every session at once:
// each writes a local row and a foreign row with the same key, then reads
// the foreign row back.
func runHungPhase(t *testing.T, conns []*pgx.Conn, phase string) *hungPhase {
	p := &hungPhase{}
	start := time.Now()
	defer func() {
		p.took = time.Since(start)
		t.Logf("phase %s: %d committed, %d failed in %v (%.0f commits/s)", phase, len(p.committed), len(p.failed),
			p.took.Round(time.Millisecond), float64(len(p.committed))/p.took.Seconds())
	}()
	var wg sync.WaitGroup
	for s, conn := range conns {
		wg.Add(1)
		go func(s int, conn *pgx.Conn) {
			defer wg.Done()
			for i := 0; i < hungStatements; i++ {
				key := fmt.Sprintf("%s-%d-%02d", phase, s, i)
				err := pgx.BeginFunc(ctx(t), conn, func(tx pgx.Tx) error {
					if _, err := tx.Exec(ctx(t), "INSERT INTO hung_local VALUES ($1, $2)", key, phase); err != nil {
						return err
					}
					_, err := tx.Exec(ctx(t), "INSERT INTO hung_kv VALUES ($1, $2)", key, phase)
					return err
				})
				p.mu.Lock()
				if err != nil {
					p.failed = append(p.failed, key)
					p.errs = append(p.errs, err.Error())
				} else {
					p.committed = append(p.committed, key)
				}
				p.mu.Unlock()
				if err == nil {
					var v string
					// the two dev servers do not replicate: a read served by
					// the other host finds no row, which is not a failure
					err := conn.QueryRow(ctx(t), "SELECT value FROM hung_kv WHERE key = $1", key).Scan(&v)
					if err != nil && !errors.Is(err, pgx.ErrNoRows) {
						p.mu.Lock()
						p.errs = append(p.errs, "read: "+err.Error())
						p.mu.Unlock()
					}
				}
			}
		}(s, conn)
	}
	wg.Wait()
	return p
}

// TestFailoverHungHost: the first host of a pair accepts connections and
// never answers. Each backend pays at most one timeout on it per back-off
// window: reads and unsent writes go to the second host at once, only a
// commit in flight on the hung host fails, and the hung host is retried by
// probes, not by user statements. After it resumes, statements return to it
// and KT holds every committed row.
func TestFailoverHungHost(t *testing.T) {
	e := newDevEnv(t)
	a, b := e.dev, pgtest.DevKT(t)
	logStart := e.pg.LogSize()
	e.exec(fmt.Sprintf("CREATE SERVER hung FOREIGN DATA WRAPPER kt_fdw OPTIONS (host '127.0.0.1:%d, 127.0.0.1:%d', timeout '1s')", a.Port(), b.Port()))
	e.exec("CREATE USER MAPPING FOR PUBLIC SERVER hung")
	e.exec("CREATE FOREIGN TABLE hung_kv (key text, value text) SERVER hung")
	e.exec("CREATE TABLE hung_local (key text PRIMARY KEY, value text)")
	conns := make([]*pgx.Conn, hungSessions)
	for i := range conns {
		conns[i] = e.pg.ConnDB(t, e.db)
	}

	before := runHungPhase(t, conns, "before")
	require.Empty(t, before.errs, "healthy pair")
	require.Len(t, before.committed, hungSessions*hungStatements)

	// the first host hangs: it reads every request and never answers
	a.SetStall(true)
	t.Cleanup(a.ClearFault)
	aBefore, bBefore := a.Requests(), b.Requests()
	during := runHungPhase(t, conns, "during")
	aDuring, bDuring := a.Requests()-aBefore, b.Requests()-bBefore
	t.Logf("during the hang: %d committed, %d failed, requests hung host %d, second host %d",
		len(during.committed), len(during.failed), aDuring, bDuring)

	// each backend: one request that times out, then at most a few probes
	// (one per back-off window), never one per statement
	assert.LessOrEqual(t, aDuring, uint64(hungSessions*4), "the hung host was asked per statement, not per back-off window")
	assert.GreaterOrEqual(t, bDuring, uint64(len(during.committed)), "the second host served the commits")
	assert.LessOrEqual(t, len(during.failed), hungSessions, "only a commit in flight on the hung host may fail, once per backend: %v", during.errs)
	for _, msg := range during.errs {
		assert.True(t, strings.Contains(msg, "HV") || strings.Contains(msg, "timed out") || strings.Contains(msg, "unknown"),
			"a failure is the in-flight commit's: %s", msg)
	}

	// the host resumes (its stalled requests run now)
	a.ClearFault()
	aResumed := a.Requests()
	after := waitForHost(t, conns, a)
	assert.Empty(t, after.errs, "after the host resumed")
	assert.Greater(t, a.Requests()-aResumed, uint64(hungStatements*hungSessions), "new transactions return to the first host once it answers")

	// KT (the union of the two masters, which do not replicate here) holds
	// every row Postgres committed; a key KT has beyond them is a failed commit's
	failed := map[string]bool{}
	for _, k := range during.failed {
		failed[k] = true
	}
	ka, kb := ktClient(t, a.Addr()), ktClient(t, b.Addr())
	var local []string
	rows, err := e.conn.Query(ctx(t), "SELECT key FROM hung_local ORDER BY key")
	require.NoError(t, err)
	for rows.Next() {
		var k string
		require.NoError(t, rows.Scan(&k))
		local = append(local, k)
	}
	require.NoError(t, rows.Err())
	assert.Len(t, local, len(before.committed)+len(during.committed)+len(after.committed))
	for _, k := range local {
		_, inA := ktHas(t, ka, k)
		_, inB := ktHas(t, kb, k)
		assert.True(t, inA || inB, "committed key %s is in KT", k)
		assert.False(t, failed[k], "a failed commit's key %s is not in Postgres", k)
	}

	log := e.pg.LogSince(logStart)
	assert.Contains(t, log, fmt.Sprintf(`LOG:  kt_fdw: server "hung": host %s is skipped for 1s after a failure: `, a.Addr()))
	assert.Contains(t, log, fmt.Sprintf(`LOG:  kt_fdw: server "hung": host %s answers again`, a.Addr()))
}

// waitForHost runs phases until one sent statements to host h again (its
// back-off ran out and a probe found it answering), or fails after a
// bound far beyond the longest back-off.
func waitForHost(t *testing.T, conns []*pgx.Conn, h *ktdev.Server) *hungPhase {
	all := &hungPhase{}
	deadline := time.Now().Add(90 * time.Second)
	for n := 0; ; n++ {
		start := h.Requests()
		p := runHungPhase(t, conns, fmt.Sprintf("after%d", n))
		all.committed = append(all.committed, p.committed...)
		all.failed = append(all.failed, p.failed...)
		all.errs = append(all.errs, p.errs...)
		if h.Requests()-start >= uint64(len(p.committed)) || time.Now().After(deadline) {
			return all
		}
		time.Sleep(time.Second)
	}
}

// ktHas reports whether c holds key in DB 0.
func ktHas(t *testing.T, c *kt.Client, key string) (string, bool) {
	rec, err := c.Get(ctx(t), "", []byte(key))
	if errors.Is(err, kt.ErrNoRecord) {
		return "", false
	}
	require.NoError(t, err)
	return string(rec.Value), true
}
