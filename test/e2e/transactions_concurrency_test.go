package e2e_test

import (
	"fmt"
	"math/rand"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt/ktdev"
)

// TestConcurrentTriggerSync is issue 4's concurrency proof: 8 sessions,
// for a bounded time, toggle the same 100 keys of a Postgres table whose
// trigger writes every change through the foreign table (apply 'atomic',
// conflict_check on). Some transactions commit, some roll back, some fail:
// deadlocks and duplicate inserts between sessions, and commits the dev
// server breaks (connection closed mid-reply, garbage reply: applied, so
// the FDW must retry and commit) or stalls past the timeout (never
// applied: the commit must fail). At the end KT holds exactly the table,
// no session hung, and no commit failed with a false 40001.
func TestConcurrentTriggerSync(t *testing.T) {
	e := txDevEnv(t, true, "apply 'atomic', conflict_check 'on'")
	e.exec("ALTER SERVER kt OPTIONS (SET timeout '1s')")
	e.exec("CREATE TABLE toggles (k text PRIMARY KEY, v text NOT NULL)")
	e.exec(`CREATE FUNCTION toggles_to_kt() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM kv WHERE key = OLD.k;
  ELSIF TG_OP = 'INSERT' THEN
    INSERT INTO kv VALUES (NEW.k, NEW.v);
  ELSE
    UPDATE kv SET value = NEW.v WHERE key = NEW.k;
  END IF;
  RETURN NULL;
END $$`)
	e.exec("CREATE TRIGGER toggles_kt AFTER INSERT OR UPDATE OR DELETE ON toggles FOR EACH ROW EXECUTE FUNCTION toggles_to_kt()")
	e.exec(`CREATE FUNCTION toggle(key text, tag text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM toggles WHERE k = key FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO toggles VALUES (key, tag);
  ELSIF random() < 0.5 THEN
    DELETE FROM toggles WHERE k = key;
  ELSE
    UPDATE toggles SET v = tag WHERE k = key;
  END IF;
END $$`)
	e.exec("INSERT INTO toggles SELECT 'k' || i, 'init' FROM generate_series(0, 99, 2) i")
	require.Equal(t, txLocal(t, e.conn, "toggles"), ktAll(t, e.kt))

	const sessions = 8
	const faultsFor, stallFor = 5 * time.Second, 2500 * time.Millisecond
	start := time.Now()
	var (
		commits, rollbacks, failed, serialization atomic.Int64
		wg                                        sync.WaitGroup
		errMu                                     sync.Mutex
		errKinds                                  = map[string]int{}
	)
	for s := 0; s < sessions; s++ {
		conn := e.pg.ConnDB(t, e.db)
		wg.Add(1)
		go func(s int) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(s)))
			for i := 0; time.Since(start) < faultsFor+stallFor; i++ {
				keys := map[string]bool{}
				for n := 1 + rng.Intn(4); len(keys) < n; {
					keys[fmt.Sprintf("k%d", rng.Intn(100))] = true
				}
				sorted := make([]string, 0, len(keys))
				for k := range keys {
					sorted = append(sorted, k)
				}
				sort.Strings(sorted)
				tag := fmt.Sprintf("s%d-%d", s, i)
				err := func() error {
					if _, err := conn.Exec(ctx(t), "BEGIN"); err != nil {
						return err
					}
					for _, k := range sorted {
						if _, err := conn.Exec(ctx(t), "SELECT toggle($1, $2)", k, tag); err != nil {
							return err
						}
					}
					if rng.Intn(4) == 0 {
						_, err := conn.Exec(ctx(t), "ROLLBACK")
						rollbacks.Add(1)
						return err
					}
					if _, err := conn.Exec(ctx(t), "COMMIT"); err != nil {
						return err
					}
					commits.Add(1)
					return nil
				}()
				if err != nil {
					failed.Add(1)
					code := sqlStateOf(err)
					if code == "40001" {
						serialization.Add(1)
					}
					errMu.Lock()
					errKinds[code]++
					errMu.Unlock()
					_, _ = conn.Exec(ctx(t), "ROLLBACK")
				}
			}
		}(s)
	}

	// the fault schedule: retried faults first, then a stall past the timeout
	faults := []ktdev.Fault{
		{Kind: ktdev.FaultCloseMidReply, Proc: "bin_play_script", Times: 1},
		{Kind: ktdev.FaultGarbage, Proc: "bin_play_script", Times: 1},
		{},
	}
	for i := 0; time.Since(start) < faultsFor; i++ {
		e.dev.SetFault(faults[i%len(faults)])
		time.Sleep(250 * time.Millisecond)
	}
	// kept to the end: stalled calls are never applied (the server closes
	// with the test), so these commits fail and must leave KT alone
	e.dev.SetFault(ktdev.Fault{Kind: ktdev.FaultStall, Proc: "bin_play_script"})

	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(faultsFor + stallFor + 60*time.Second):
		t.Fatal("a session hung")
	}
	t.Logf("%d commits, %d rollbacks, %d failed (by SQLSTATE: %v) in %v",
		commits.Load(), rollbacks.Load(), failed.Load(), errKinds, time.Since(start).Round(time.Millisecond))

	assert.Equal(t, txLocal(t, e.conn, "toggles"), ktAll(t, e.kt), "every key's value in KT equals Postgres")
	assert.Positive(t, commits.Load())
	assert.Positive(t, rollbacks.Load())
	assert.Positive(t, failed.Load())
	assert.Zero(t, serialization.Load(), "row locks order the sessions: no false 40001")
}
