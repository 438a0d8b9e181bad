package e2e_test

import (
	"context"
	"fmt"
	"math/rand"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt"
)

// flipper is a session that keeps flipping rules on and off (1 to 3 rules
// per transaction, in id order so sessions never deadlock), rolling back
// every fifth transaction, until stop is closed.
func flipper(t *testing.T, e *env, seed int64, rules int, stop <-chan struct{}, commits *atomic.Int64) error {
	conn, err := pgx.Connect(ctx(t), e.pg.ConnStringDB(e.db))
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	rnd := rand.New(rand.NewSource(seed))
	for i := 0; ; i++ {
		select {
		case <-stop:
			return nil
		default:
		}
		ids := []int{1 + rnd.Intn(rules), 1 + rnd.Intn(rules), 1 + rnd.Intn(rules)}[:1+rnd.Intn(3)]
		sort.Ints(ids)
		tx, err := conn.Begin(ctx(t))
		if err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := tx.Exec(ctx(t), "UPDATE rules SET enabled = NOT enabled, action = $2 WHERE id = $1",
				id, fmt.Sprintf("s%d-%d", seed, i)); err != nil {
				_ = tx.Rollback(context.Background())
				return err
			}
		}
		if i%5 == 4 {
			err = tx.Rollback(ctx(t))
		} else {
			err = tx.Commit(ctx(t))
			commits.Add(1)
		}
		if err != nil {
			return err
		}
	}
}

// startFlippers runs n flippers; the returned func stops them and returns
// their first error.
func startFlippers(t *testing.T, e *env, n, rules int, commits *atomic.Int64) func() error {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for s := 0; s < n; s++ {
		wg.Add(1)
		go func(seed int64) {
			defer wg.Done()
			errs <- flipper(t, e, seed, rules, stop, commits)
		}(int64(s + 1))
	}
	return func() error {
		close(stop)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				return err
			}
		}
		return nil
	}
}

// Six sessions flip the same rules on and off concurrently for a bounded
// time. KT is written at each commit while the rows are still locked, so
// KT sees the changes of a rule in commit order: when they stop, KT equals
// Postgres for every rule.
func TestSyncConcurrentFlipsEndEqual(t *testing.T) {
	const rules = 8
	e := newEnv(t)
	createSyncedRules(e, rules)
	e.exec("TRUNCATE rules")
	e.exec(fmt.Sprintf("INSERT INTO rules SELECT i, '/r/' || i, 'start', true FROM generate_series(1, %d) i", rules))

	var commits atomic.Int64
	stopAll := startFlippers(t, e, 6, rules, &commits)
	time.Sleep(5 * time.Second)
	require.NoError(t, stopAll())
	t.Logf("%d commits", commits.Load())
	require.Greater(t, commits.Load(), int64(20), "the sessions did not get to run")

	want := e.pgPairs(rulesAsKT)
	require.Len(t, want, rules)
	assert.Equal(t, want, e.ktAll(), "KT differs from Postgres after concurrent flips")
}

// reconcile -repair while sessions keep changing rules: it reports and
// repairs exactly the drift injected into rules nobody writes, reports no
// difference for the rules being changed (re-checked under lock), and when
// everything stops KT equals Postgres.
func TestReconcileWhileWriting(t *testing.T) {
	const rows, busy = 3000, 20
	e := newEnv(t)
	createSyncedRules(e, 0)
	e.exec(fmt.Sprintf("INSERT INTO rules SELECT i, '/r/' || i, 'start', true FROM generate_series(1, %d) i", rows))
	require.Equal(t, rows, e.ktCount())

	// drift in rules the sessions never touch (ids > busy)
	require.NoError(t, e.kt.Remove(ctx(t), "", []byte("100")))
	require.NoError(t, e.kt.Remove(ctx(t), "", []byte("2500")))
	_, err := e.kt.SetBulk(ctx(t), "", []kt.Record{
		{Key: []byte("200"), Value: []byte("drift")},
		{Key: []byte("99999"), Value: []byte("extra")},
	}, false)
	require.NoError(t, err)

	var commits atomic.Int64
	stopAll := startFlippers(t, e, 4, busy, &commits)
	r := e.reconcile("-source", "rules", "-repair", "-batch", "100")
	require.NoError(t, stopAll())
	t.Logf("%d commits during the reconcile", commits.Load())
	require.Equal(t, 0, r.exit, r.stdout+r.stderr)
	assert.Equal(t, []int{2, 1, 1, 4}, []int{r.missing, r.extra, r.differing, r.repaired}, r.stdout)
	assert.Equal(t, e.pgPairs(rulesAsKT), e.ktAll())
}
