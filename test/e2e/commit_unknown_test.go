package e2e_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt/ktdev"
)

// Commit writes whose outcome is unknown (fdw/ambiguous.go): KT applied the
// call but the reply was cut or garbled, possibly several times, or KT
// restarted in the middle of the retries. In both apply modes, with and
// without conflict_check, the COMMIT must succeed and KT must then equal
// the trigger-synced rules table: a committed change is never lost, and a
// retry never turns KT's copy of its own first attempt into a 40001.

// unknownEnv is a dev-server env (with kt_fdw's procedures for 'atomic')
// and a rules table synced to kv by a trigger.
func unknownEnv(t *testing.T, mode string, check bool) *env {
	t.Helper()
	opts := fmt.Sprintf("apply '%s'", mode)
	if check {
		opts += ", conflict_check 'on'"
	}
	e := txDevEnv(t, mode == "atomic", opts)
	e.exec("ALTER SERVER kt OPTIONS (SET timeout '5s', ADD connect_timeout '1s')")
	createRulesSyncedToKV(e)
	e.exec("INSERT INTO rules SELECT 'r' || i, 'body' || i FROM generate_series(1, 20) i")
	e.requireSynced("after the initial load")
	return e
}

// restartApplied waits until the dev server has applied the commit (rule
// r1 is "changed", r2 gone), lets the client's retries (whose replies are cut)
// go on for a while, then closes the server and, after a gap in which
// connections are refused, starts a new one on the same address with the
// records the old one held (as a KT with a database file would), with
// kt_fdw's procedures when scripts is set.
func restartApplied(t *testing.T, e *env, scripts bool) (done func() *ktdev.Server) {
	old := e.dev
	var wg sync.WaitGroup
	var next *ktdev.Server
	wg.Add(1)
	go func() {
		defer wg.Done()
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			now := map[string]string{}
			_ = old.DB("0").Update(func(tx *ktdev.Tx) error {
				tx.Each(func(k, v string, _ int64) bool { now[k] = v; return true })
				return nil
			})
			if _, r2 := now["r2"]; now["r1"] == "changed" && !r2 {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond) // retries, cut as well
		addr := old.Addr()
		if err := old.Close(); err != nil {
			t.Errorf("close dev server: %v", err)
		}
		data := map[string]string{}
		_ = old.DB("0").Update(func(tx *ktdev.Tx) error {
			tx.Each(func(k, v string, _ int64) bool { data[k] = v; return true })
			return nil
		})
		time.Sleep(300 * time.Millisecond) // retries refused: KT is down
		opts := []ktdev.Option{ktdev.WithConfig(func(c *ktdev.Config) { c.Addr = addr })}
		if scripts {
			opts = append(opts, ktdev.WithKTFDWScripts())
		}
		next = ktdev.NewTestServer(t, opts...)
		_ = next.DB("0").Update(func(tx *ktdev.Tx) error {
			for k, v := range data {
				tx.Set(k, v, ktdev.XTAbsent)
			}
			return nil
		})
	}()
	return func() *ktdev.Server { wg.Wait(); return next }
}

func TestCommitUnknownOutcome(t *testing.T) {
	faults := []struct {
		name    string
		fault   func(proc string) ktdev.Fault
		restart bool // KT restarts in the middle of the retries
	}{
		{"reply cut three times", func(p string) ktdev.Fault {
			return ktdev.Fault{Kind: ktdev.FaultCloseMidReply, Proc: p, Times: 3}
		}, false},
		{"garbage reply twice", func(p string) ktdev.Fault {
			return ktdev.Fault{Kind: ktdev.FaultGarbage, Proc: p, Times: 2}
		}, false},
		{"every reply cut, then KT restarts", func(p string) ktdev.Fault {
			return ktdev.Fault{Kind: ktdev.FaultCloseMidReply, Proc: p}
		}, true},
	}
	for _, mode := range []string{"atomic", "bulk"} {
		for _, check := range []bool{false, true} {
			for _, f := range faults {
				t.Run(fmt.Sprintf("%s/conflict_check=%v/%s", mode, check, f.name), func(t *testing.T) {
					e := unknownEnv(t, mode, check)
					// the faulted call: the one apply call, or in bulk mode
					// the remove_bulk of a delete (KT applied it, so a
					// rolled-back Postgres would keep a key KT lost)
					proc := "bin_play_script"
					if mode == "bulk" {
						proc = "remove_bulk"
					}
					_, err := e.conn.Exec(ctx(t), "BEGIN")
					require.NoError(t, err)
					for _, sql := range []string{
						"UPDATE rules SET body = 'changed' WHERE name = 'r1'",
						"DELETE FROM rules WHERE name IN ('r2', 'r3')",
						"INSERT INTO rules VALUES ('new1', 'n1'), ('new2', 'n2')",
					} {
						_, err := e.conn.Exec(ctx(t), sql)
						require.NoError(t, err, sql)
					}
					e.dev.SetFault(f.fault(proc))
					var done func() *ktdev.Server
					if f.restart {
						done = restartApplied(t, e, mode == "atomic")
					}
					start := time.Now()
					_, err = e.conn.Exec(ctx(t), "COMMIT")
					if done != nil {
						e.dev = done()
						require.NotNil(t, e.dev)
					} else {
						e.dev.ClearFault()
					}
					require.NoError(t, err, "COMMIT")
					t.Logf("COMMIT took %v", time.Since(start).Round(time.Millisecond))
					rules := pgRules(t, e.conn)
					assert.Equal(t, "changed", rules["r1"])
					assert.NotContains(t, rules, "r2")
					assert.Equal(t, "n2", rules["new2"])
					e.requireSynced("after the commit")
					counts := e.dev.Counts()
					if mode == "bulk" {
						assert.Zero(t, counts["cnt_script"], "no ktfdwapply")
					}

					// the sync goes on
					e.exec("UPDATE rules SET body = 'again' WHERE name = 'r1'")
					e.exec("DELETE FROM rules WHERE name = 'new1'")
					e.requireSynced("after the next commit")
				})
			}
		}
	}
}
