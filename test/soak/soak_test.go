// Package soak runs a bounded soak of kt_fdw: 8 pgbench clients mix
// trigger-synced writes and reads while the KT dev server is restarted 3
// times; afterwards KT must equal Postgres for every key, no backend may
// have crashed and backend memory must not have grown.
//
//	go test ./test/soak -run Soak -soak-duration=5m -v   (make soak)
//	go test ./test/soak                                 (30 s, part of make test)
package soak_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt/ktdev"
	"github.com/kt-fdw/kt_fdw/test/pgtest"
)

var (
	soakDuration = flag.Duration("soak-duration", 30*time.Second, "how long the soak runs")
	soakClients  = flag.Int("soak-clients", 8, "pgbench clients")
	soakRestarts = flag.Int("soak-restarts", 3, "KT restarts during the soak")
	soakRate     = flag.Int("soak-rate", 400, "pgbench transactions per second over all clients (0 = as fast as possible; the machine is shared)")
	soakApply    = flag.String("soak-apply", "atomic", "commit apply: 'atomic' (dev server with kt_fdw's procedures, ktfdwapply) or 'bulk' (dev server without them, set_bulk/remove_bulk)")
	soakCheck    = flag.Bool("soak-conflict-check", false, "run with conflict_check 'on'")
)

// One pgbench transaction: a trigger-synced write (upsert or delete of a
// rule) or a read through the foreign table. Statement-time KT failures
// (during a restart) are caught so the client goes on; a failed commit
// ends the pgbench run, which the test then restarts.
const setupSQL = `
CREATE EXTENSION kt_fdw;
CREATE SERVER kt FOREIGN DATA WRAPPER kt_fdw OPTIONS (host '127.0.0.1', port '%d', timeout '2s', connect_timeout '1s', apply '%s', conflict_check '%s');
CREATE USER MAPPING FOR PUBLIC SERVER kt;
CREATE FOREIGN TABLE kv (key text, value text) SERVER kt;
CREATE TABLE rules (name text PRIMARY KEY, body text NOT NULL);
CREATE TABLE soak_errors (sqlstate text, message text);
CREATE FUNCTION rules_to_kt() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    DELETE FROM kv WHERE key = OLD.name;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO kv VALUES (NEW.name, NEW.body);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER rules_kt AFTER INSERT OR UPDATE OR DELETE ON rules FOR EACH ROW EXECUTE FUNCTION rules_to_kt();
CREATE FUNCTION soak_step(id int, r int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE v text;
BEGIN
  IF r <= 2 THEN
    -- two rules in one transaction: a commit of two keys (a one-key commit
    -- is one binary set_bulk or remove_bulk in every apply mode)
    INSERT INTO rules VALUES ('k' || id, md5(random()::text)), ('k' || (id %% 2000 + 1), md5(random()::text))
      ON CONFLICT (name) DO UPDATE SET body = EXCLUDED.body;
  ELSIF r <= 4 THEN
    INSERT INTO rules VALUES ('k' || id, md5(random()::text))
      ON CONFLICT (name) DO UPDATE SET body = EXCLUDED.body;
  ELSIF r <= 6 THEN
    DELETE FROM rules WHERE name = 'k' || id;
  ELSE
    SELECT value INTO v FROM kv WHERE key = 'k' || id;
  END IF;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  INSERT INTO soak_errors VALUES (SQLSTATE, SQLERRM);
  RETURN SQLSTATE;
END $$;
`

const pgbenchScript = `\set id random(1, 2000)
\set r random(1, 10)
SELECT soak_step(:id, :r);
`

func pgbenchPath(t *testing.T) string {
	pgConfig := os.Getenv("PG_CONFIG")
	if pgConfig == "" {
		pgConfig = "pg_config"
	}
	out, err := exec.Command(pgConfig, "--bindir").Output()
	if err != nil {
		t.Skipf("pg_config --bindir: %v", err)
	}
	p := filepath.Join(strings.TrimSpace(string(out)), "pgbench")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("pgbench not found: %v", err)
	}
	return p
}

func ctxFor(t *testing.T, d time.Duration) context.Context {
	c, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return c
}

// devOptions start a dev server as the soak's apply mode needs it.
func devOptions() []ktdev.Option {
	if *soakApply == "atomic" {
		return []ktdev.Option{ktdev.WithKTFDWScripts()}
	}
	return nil
}

// restart closes srv and starts a server on the same address with the
// records srv held when it closed (a KT with a database file keeps them).
func restart(t *testing.T, srv *ktdev.Server) *ktdev.Server {
	addr := srv.Addr()
	require.NoError(t, srv.Close())
	data := map[string]string{}
	srv.DB("0").Update(func(tx *ktdev.Tx) error {
		tx.Each(func(k, v string, _ int64) bool { data[k] = v; return true })
		return nil
	})
	// requests stall until the records are loaded, as if KT were still starting
	next := ktdev.NewTestServer(t, append(devOptions(), ktdev.WithConfig(func(c *ktdev.Config) { c.Addr = addr }),
		ktdev.WithFault(ktdev.Fault{Kind: ktdev.FaultStall}))...)
	next.DB("0").Update(func(tx *ktdev.Tx) error {
		for k, v := range data {
			tx.Set(k, v, ktdev.XTAbsent)
		}
		return nil
	})
	next.ClearFault()
	return next
}

func rssKB(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return n
		}
	}
	return -1
}

func TestSoak(t *testing.T) {
	if pgtest.RealKT() != "" {
		t.Skip("restarts the KT server: needs the dev server")
	}
	pgtest.RequireExtension(t)
	pgbench := pgbenchPath(t)
	require.Contains(t, []string{"atomic", "bulk"}, *soakApply, "-soak-apply")
	dur := *soakDuration
	pg := pgtest.Start(t, pgtest.Setting("max_connections", "40"))
	dev := ktdev.NewTestServer(t, devOptions()...)
	db := pg.CreateDB(t)
	setup := pg.ConnDB(t, db)
	check := "off"
	if *soakCheck {
		check = "on"
	}
	_, err := setup.Exec(ctxFor(t, time.Minute), fmt.Sprintf(setupSQL, dev.Port(), *soakApply, check))
	require.NoError(t, err)
	t.Logf("apply %s, conflict_check %s", *soakApply, check)

	script := filepath.Join(t.TempDir(), "soak.sql")
	require.NoError(t, os.WriteFile(script, []byte(pgbenchScript), 0o644))

	// a monitor session doing the same work, whose backend memory is sampled
	mon := pg.ConnDB(t, db)
	var monPID int
	require.NoError(t, mon.QueryRow(ctxFor(t, time.Minute), "SELECT pg_backend_pid()").Scan(&monPID))

	deadline := time.Now().Add(dur)
	var runs, earlyExits atomic.Int64
	// one pgbench process per client, so a client that a failed commit
	// ended (pgbench cannot go on after an error) is restarted on its own
	var wg sync.WaitGroup
	for c := 0; c < *soakClients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				left := time.Until(deadline)
				if left < 2*time.Second {
					return
				}
				n := runs.Add(1)
				args := []string{"-n", "-c", "1", "-T", strconv.Itoa(int(left.Seconds())), "-f", script}
				if *soakRate > 0 {
					args = append(args, "-R", strconv.Itoa(max(1, *soakRate / *soakClients)))
				}
				out, err := exec.Command(pgbench, append(args, pg.ConnStringDB(db))...).CombinedOutput()
				if err != nil || strings.Contains(string(out), "aborted") {
					earlyExits.Add(1)
					t.Logf("pgbench run %d ended early (%v): %s", n, err, errorLine(string(out)))
				}
			}
		}()
	}

	var monSteps, monErrors int64
	var rssWarm, rssEnd int64
	warmAt := time.Now().Add(dur / 5)
	restartEvery := dur / time.Duration(*soakRestarts+1)
	nextRestart := time.Now().Add(restartEvery)
	restarts := 0
	for i := 0; time.Now().Before(deadline); i++ {
		var res string
		err := mon.QueryRow(ctxFor(t, 30*time.Second), "SELECT soak_step($1, $2)", i%2000+1, i%10+1).Scan(&res)
		monSteps++
		if err != nil || res != "ok" {
			monErrors++
		}
		if rssWarm == 0 && time.Now().After(warmAt) {
			rssWarm = rssKB(monPID)
		}
		if restarts < *soakRestarts && time.Now().After(nextRestart) {
			dev = restart(t, dev)
			restarts++
			nextRestart = nextRestart.Add(restartEvery)
			t.Logf("KT restarted (%d)", restarts)
		}
		time.Sleep(5 * time.Millisecond)
	}
	rssEnd = rssKB(monPID)
	wg.Wait()
	t.Logf("soak %v: %d KT restarts, %d pgbench runs (%d ended early by a failed commit), monitor %d steps (%d failed), monitor backend RSS %d kB after warm-up, %d kB at the end",
		dur, restarts, runs.Load(), earlyExits.Load(), monSteps, monErrors, rssWarm, rssEnd)
	assert.Equal(t, *soakRestarts, restarts)
	// the apply mode in use since the last restart
	counts := dev.Counts()
	// (one-key commits are binary set_bulk/remove_bulk in both modes)
	if *soakApply == "atomic" {
		assert.NotZero(t, counts["cnt_script"], "ktfdwapply calls for the two-key commits")
	} else {
		assert.NotZero(t, counts["cnt_set"], "set_bulk calls")
	}

	// A backend whose client (pgbench) has gone may still be finishing its
	// commit: KT gets the writes before Postgres commits, so compare only
	// once every other session of the database has ended.
	require.Eventually(t, func() bool {
		var others int
		err := mon.QueryRow(ctxFor(t, time.Minute),
			"SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND state <> 'idle'").Scan(&others)
		return err == nil && others == 0
	}, time.Minute, 50*time.Millisecond, "sessions still running")

	// KT equals Postgres for every key: same keys both ways, same values
	want := map[string]string{}
	rows, err := mon.Query(ctxFor(t, time.Minute), "SELECT name, body FROM rules")
	require.NoError(t, err)
	for rows.Next() {
		var k, v string
		require.NoError(t, rows.Scan(&k, &v))
		want[k] = v
	}
	require.NoError(t, rows.Err())
	got := map[string]string{}
	dev.DB("0").Update(func(tx *ktdev.Tx) error {
		tx.Each(func(k, v string, _ int64) bool { got[k] = v; return true })
		return nil
	})
	require.NotEmpty(t, want)
	diffs := diffKT(want, got)
	t.Logf("%d keys in Postgres, %d in KT, %d differences", len(want), len(got), len(diffs))
	errs := map[string]int{}
	for _, l := range strings.Split(pg.Log(), "\n") {
		if i := strings.Index(l, "ERROR:  "); i >= 0 {
			msg := l[i+8:]
			if j := strings.Index(msg, " on server"); j >= 0 {
				msg = msg[:j]
			}
			errs[msg]++
		}
	}
	t.Logf("errors in the Postgres log: %v", errs)
	var caught int
	require.NoError(t, mon.QueryRow(ctxFor(t, time.Minute), "SELECT count(*) FROM soak_errors").Scan(&caught))
	srows, err := mon.Query(ctxFor(t, time.Minute), "SELECT sqlstate, left(message, 60), count(*) FROM soak_errors GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 5")
	require.NoError(t, err)
	for srows.Next() {
		var code, msg string
		var n int
		require.NoError(t, srows.Scan(&code, &msg, &n))
		t.Logf("statement errors caught by soak_step: %d x %s %s", n, code, msg)
	}
	require.NoError(t, srows.Err())
	t.Logf("%d statement errors caught in all", caught)
	assert.Empty(t, diffs, "KT equals the trigger-synced table for every key")
	assert.Equal(t, want, got, "KT equals the trigger-synced table")

	// backend memory: no growth beyond noise after warm-up
	if rssWarm > 0 && rssEnd > 0 {
		assert.Less(t, rssEnd-rssWarm, int64(16*1024), "monitor backend RSS grew from %d to %d kB", rssWarm, rssEnd)
	}
	var conns int64
	require.NoError(t, mon.QueryRow(ctxFor(t, time.Minute), "SELECT open_handles FROM kt_fdw_stats()").Scan(&conns))
	assert.Zero(t, conns, "no Go handle left open")
	var crashed int
	require.NoError(t, mon.QueryRow(ctxFor(t, time.Minute), "SELECT 1").Scan(&crashed), "monitor backend alive")
}

// diffKT lists every difference between Postgres' rules (want) and KT's
// records (got), sorted: keys missing in KT, keys only in KT, other values.
func diffKT(want, got map[string]string) []string {
	var diffs []string
	for k, v := range want {
		if g, ok := got[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: missing in KT (Postgres %q)", k, v))
		} else if g != v {
			diffs = append(diffs, fmt.Sprintf("%s: KT %q, Postgres %q", k, g, v))
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: only in KT (%q)", k, g))
		}
	}
	sort.Strings(diffs)
	return diffs
}

func TestDiffKT(t *testing.T) {
	want := map[string]string{"a": "1", "b": "2", "c": ""}
	assert.Empty(t, diffKT(want, map[string]string{"a": "1", "b": "2", "c": ""}))
	assert.Equal(t, []string{
		`a: KT "x", Postgres "1"`,
		`c: missing in KT (Postgres "")`,
		`d: only in KT ("4")`,
	}, diffKT(want, map[string]string{"a": "x", "b": "2", "d": "4"}))
}

// errorLine is pgbench's first error message.
func errorLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, "ERROR") || strings.Contains(l, "error:") {
			return l
		}
	}
	return lastLines(s, 2)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
