package e2e_test

import (
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/cockroachdb/errors"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt"
	"github.com/kt-fdw/kt_fdw/kt/ktdev"
	"github.com/kt-fdw/kt_fdw/kt/ktscript"
	"github.com/kt-fdw/kt_fdw/test/pgtest"
)

// Issue 4: the commit-time apply (atomic through kt_fdw.lua, or bulk),
// savepoints, conflict_check and failures at commit, checked in KT through
// the kt client after every commit and rollback.

// txScriptEnv is an env whose KT runs kt_fdw's procedures: a dev server
// with them (ktdev -scr-ktfdw), or $KT_TEST_ADDR when that real KT was
// started with -scr kt_fdw.lua (else the test skips). serverOpts are added
// to server kt, e.g. "apply 'atomic'".
func txScriptEnv(t *testing.T, serverOpts string) *env {
	t.Helper()
	pgtest.RequireExtension(t)
	var e *env
	if addr := pgtest.RealKT(); addr != "" {
		c := ktClient(t, addr)
		if _, err := c.PlayScript(ctx(t), ktscript.ProcVersion, nil); errors.Is(err, kt.ErrNotImplemented) {
			t.Skipf("the KT at %s=%s has no kt_fdw procedures: start it with -scr sql/kt_fdw.lua", pgtest.KTAddrEnv, addr)
		}
		host, port := pgtest.KT(t)
		e = setupEnv(t, host, port, nil)
	} else {
		dev := ktdev.NewTestServer(t, ktdev.WithKTFDWScripts())
		e = setupEnv(t, "127.0.0.1", dev.Port(), dev)
	}
	if serverOpts != "" {
		e.exec("ALTER SERVER kt OPTIONS (ADD " + serverOpts + ")")
	}
	return e
}

// txDevEnv is a dev-server env; scripts says whether KT has kt_fdw's
// procedures. Skips under $KT_TEST_ADDR (fault injection, counters).
func txDevEnv(t *testing.T, scripts bool, serverOpts string) *env {
	t.Helper()
	pgtest.RequireExtension(t)
	if addr := pgtest.RealKT(); addr != "" {
		t.Skipf("needs the dev server; %s=%s is a real KT", pgtest.KTAddrEnv, addr)
	}
	opts := []ktdev.Option{}
	if scripts {
		opts = append(opts, ktdev.WithKTFDWScripts())
	}
	dev := ktdev.NewTestServer(t, opts...)
	e := setupEnv(t, "127.0.0.1", dev.Port(), dev)
	if serverOpts != "" {
		e.exec("ALTER SERVER kt OPTIONS (ADD " + serverOpts + ")")
	}
	return e
}

func txLocal(t *testing.T, conn *pgx.Conn, table string) map[string]string {
	t.Helper()
	rs, err := conn.Query(ctx(t), "SELECT k, v FROM "+table)
	require.NoError(t, err)
	out := map[string]string{}
	for rs.Next() {
		var k, v string
		require.NoError(t, rs.Scan(&k, &v))
		out[k] = v
	}
	require.NoError(t, rs.Err())
	return out
}

// TestAtomicApplyIsOneScriptCall: with the script, a commit is one
// ktfdwapply call (no set_bulk/remove_bulk); a rollback sends nothing.
func TestAtomicApplyIsOneScriptCall(t *testing.T) {
	e := txDevEnv(t, true, "apply 'atomic'")
	e.ktSet("old", "x")
	e.ktSet("upd", "1")

	e.exec("BEGIN")
	e.exec("INSERT INTO kv VALUES ('a', '1'), ('b', '')")
	e.exec("UPDATE kv SET value = '2' WHERE key = 'upd'")
	e.exec("DELETE FROM kv WHERE key = 'old'")
	scripts, sets, removes := e.ktCounter("cnt_script"), e.ktCounter("cnt_set"), e.ktCounter("cnt_remove")
	e.exec("COMMIT")
	assert.Equal(t, map[string]string{"a": "1", "b": "", "upd": "2"}, ktAll(t, e.kt))
	assert.Equal(t, uint64(2), e.ktCounter("cnt_script")-scripts, "probe + one apply")
	assert.Equal(t, sets, e.ktCounter("cnt_set"), "no set_bulk")
	assert.Equal(t, removes, e.ktCounter("cnt_remove"), "no remove_bulk")

	e.exec("BEGIN")
	e.exec("INSERT INTO kv VALUES ('rolled', 'back')")
	e.exec("DELETE FROM kv")
	before := e.dev.Requests()
	e.exec("ROLLBACK")
	assert.Equal(t, before, e.dev.Requests(), "ROLLBACK sends nothing")
	assert.Equal(t, map[string]string{"a": "1", "b": "", "upd": "2"}, ktAll(t, e.kt))

	// the next commit on this connection does not probe again
	scripts = e.ktCounter("cnt_script")
	e.exec("INSERT INTO kv VALUES ('c', '3'), ('d', '4')")
	assert.Equal(t, uint64(1), e.ktCounter("cnt_script")-scripts)

	// a commit of one key is one binary set, as atomic without the script
	scripts, sets = e.ktCounter("cnt_script"), e.ktCounter("cnt_set")
	e.exec("INSERT INTO kv VALUES ('e', '5')")
	assert.Equal(t, scripts, e.ktCounter("cnt_script"), "no script call")
	assert.Equal(t, uint64(1), e.ktCounter("cnt_set")-sets, "one record set")
	v, ok := e.ktGet("e")
	assert.True(t, ok)
	assert.Equal(t, "5", v)
}

// TestApplyModes: 'atomic' needs the script and says how to get it; 'auto'
// falls back to bulk calls; 'bulk' never uses the script.
func TestApplyModes(t *testing.T) {
	t.Run("atomic without script", func(t *testing.T) {
		e := txDevEnv(t, false, "apply 'atomic'")
		e.exec("CREATE TABLE local (k text PRIMARY KEY, v text)")
		e.exec("BEGIN")
		e.exec("INSERT INTO local VALUES ('l', '1')")
		e.exec("INSERT INTO kv VALUES ('a', '1')")
		pe := pgErr(t, e.conn, "COMMIT")
		assert.Equal(t, "HV000", pe.Code)
		assert.Contains(t, pe.Message, `KT server "kt"`)
		assert.Contains(t, pe.Message, "does not run kt_fdw.lua")
		assert.Contains(t, pe.Hint, "-scr")
		assert.Empty(t, ktAll(t, e.kt))
		assert.Empty(t, txLocal(t, e.conn, "local"), "the local insert was rolled back")
	})
	t.Run("auto without script", func(t *testing.T) {
		e := txDevEnv(t, false, "")
		sets := e.ktCounter("cnt_set")
		e.exec("INSERT INTO kv VALUES ('a', '1'), ('b', '2')")
		assert.Equal(t, map[string]string{"a": "1", "b": "2"}, ktAll(t, e.kt))
		assert.Equal(t, uint64(2), e.ktCounter("cnt_set")-sets, "set_bulk")
	})
	t.Run("bulk with script", func(t *testing.T) {
		e := txDevEnv(t, true, "apply 'bulk'")
		scripts := e.ktCounter("cnt_script")
		e.exec("INSERT INTO kv VALUES ('a', '1')")
		assert.Equal(t, map[string]string{"a": "1"}, ktAll(t, e.kt))
		assert.Equal(t, scripts, e.ktCounter("cnt_script"), "no script call")
	})
	t.Run("apply_batch chunks", func(t *testing.T) {
		e := txDevEnv(t, true, "apply 'atomic', apply_batch '3'")
		scripts := e.ktCounter("cnt_script")
		e.exec("INSERT INTO kv SELECT 'k' || i, 'v' || i FROM generate_series(1, 10) i")
		assert.Len(t, ktAll(t, e.kt), 10)
		assert.Equal(t, uint64(1+4), e.ktCounter("cnt_script")-scripts, "probe + ceil(10/3) chunks")
	})
}

// TestSavepointsReachKT: SAVEPOINT / RELEASE / ROLLBACK TO and PL/pgSQL
// exception blocks decide exactly which writes KT gets, in both modes.
func TestSavepointsReachKT(t *testing.T) {
	for _, mode := range []string{"atomic", "bulk"} {
		t.Run(mode, func(t *testing.T) {
			var e *env
			if mode == "atomic" {
				e = txScriptEnv(t, "apply 'atomic'")
			} else {
				e = newEnv(t)
				e.exec("ALTER SERVER kt OPTIONS (ADD apply 'bulk')")
			}
			e.ktSet("keep", "k0")
			e.ktSet("gone", "g0")

			e.exec("BEGIN")
			e.exec("INSERT INTO kv VALUES ('a', '1')")
			e.exec("SAVEPOINT s1")
			e.exec("UPDATE kv SET value = 'k1' WHERE key = 'keep'")
			e.exec("DELETE FROM kv WHERE key = 'gone'")
			e.exec("SAVEPOINT s2")
			e.exec("INSERT INTO kv VALUES ('b', '2')")
			assert.Equal(t, map[string]string{"a": "1", "keep": "k1", "b": "2"}, e.rows(e.conn))
			e.exec("ROLLBACK TO SAVEPOINT s2")
			assert.Equal(t, map[string]string{"a": "1", "keep": "k1"}, e.rows(e.conn))
			e.exec("RELEASE SAVEPOINT s1")
			e.exec("SAVEPOINT s3")
			e.exec("UPDATE kv SET value = 'a2' WHERE key = 'a'")
			e.exec("ROLLBACK TO SAVEPOINT s3")
			assert.Equal(t, map[string]string{"keep": "k0", "gone": "g0"}, ktAll(t, e.kt), "nothing reaches KT before COMMIT")
			e.exec("COMMIT")
			assert.Equal(t, map[string]string{"a": "1", "keep": "k1"}, ktAll(t, e.kt))

			e.exec(`CREATE FUNCTION try_put(k text, v text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  BEGIN
    INSERT INTO kv VALUES (k, v);
    UPDATE kv SET value = 'touched' WHERE key = 'keep';
    IF v = 'bad' THEN RAISE EXCEPTION 'bad value'; END IF;
    RETURN true;
  EXCEPTION WHEN OTHERS THEN
    RETURN false;
  END;
END $$`)
			var ok1, ok2, ok3 bool
			require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT try_put('x', 'good'), try_put('y', 'bad'), try_put('a', 'duplicate')").Scan(&ok1, &ok2, &ok3))
			assert.Equal(t, []bool{true, false, false}, []bool{ok1, ok2, ok3})
			assert.Equal(t, map[string]string{"a": "1", "keep": "touched", "x": "good"}, ktAll(t, e.kt))
		})
	}
}

// TestConflictCheckFailsCommit: with conflict_check, another KT client's
// change between this transaction's read and its commit is a 40001 naming
// the key, and nothing of the transaction reaches KT.
func TestConflictCheckFailsCommit(t *testing.T) {
	for _, mode := range []string{"atomic", "bulk"} {
		t.Run(mode, func(t *testing.T) {
			var e *env
			if mode == "atomic" {
				e = txScriptEnv(t, "apply 'atomic', conflict_check 'on'")
			} else {
				e = newEnv(t)
				e.exec("ALTER SERVER kt OPTIONS (ADD apply 'bulk', conflict_check 'on')")
			}
			e.exec("CREATE TABLE local (k text PRIMARY KEY, v text)")
			e.ktSet("k", "v0")

			// UPDATE read v0; another client writes meanwhile
			e.exec("BEGIN")
			e.exec("INSERT INTO local VALUES ('l', '1')")
			e.exec("UPDATE kv SET value = 'mine' WHERE key = 'k'")
			e.exec("INSERT INTO kv VALUES ('other', 'mine')")
			e.ktSet("k", "theirs")
			pe := pgErr(t, e.conn, "COMMIT")
			assert.Equal(t, "40001", pe.Code)
			assert.Contains(t, pe.Message, `key "k"`)
			assert.Contains(t, pe.Detail, "nothing was written")
			assert.Equal(t, map[string]string{"k": "theirs"}, ktAll(t, e.kt))
			assert.Empty(t, txLocal(t, e.conn, "local"))

			// INSERT expects the key absent
			e.exec("BEGIN")
			e.exec("INSERT INTO kv VALUES ('n', 'mine')")
			e.ktSet("n", "theirs")
			pe = pgErr(t, e.conn, "COMMIT")
			assert.Equal(t, "40001", pe.Code)
			assert.Contains(t, pe.Message, `key "n"`)
			assert.Equal(t, map[string]string{"k": "theirs", "n": "theirs"}, ktAll(t, e.kt))

			// DELETE of a row someone removed meanwhile
			e.exec("BEGIN")
			e.exec("DELETE FROM kv WHERE key = 'n'")
			require.NoError(t, e.kt.Remove(ctx(t), "", []byte("n")))
			pe = pgErr(t, e.conn, "COMMIT")
			assert.Equal(t, "40001", pe.Code)

			// no interference: the commit goes through
			e.exec("BEGIN")
			e.exec("UPDATE kv SET value = 'mine' WHERE key = 'k'")
			e.exec("INSERT INTO kv VALUES ('n', 'mine')")
			e.exec("COMMIT")
			assert.Equal(t, map[string]string{"k": "mine", "n": "mine"}, ktAll(t, e.kt))

			// conflict_check off on the table: last writer wins
			e.exec("ALTER FOREIGN TABLE kv OPTIONS (ADD conflict_check 'off')")
			e.exec("BEGIN")
			e.exec("UPDATE kv SET value = 'last' WHERE key = 'k'")
			e.ktSet("k", "theirs")
			e.exec("COMMIT")
			assert.Equal(t, "last", ktAll(t, e.kt)["k"])
		})
	}
}

// TestAtomicCommitFaults: failures at commit abort the Postgres transaction
// with an error naming the server and operation, and KT holds all of the
// transaction or none of it. A broken or garbled reply after KT applied the
// call is retried, so KT and Postgres agree that it committed.
func TestAtomicCommitFaults(t *testing.T) {
	type outcome int
	const (
		committed outcome = iota
		aborted
	)
	cases := []struct {
		name  string
		fault *ktdev.Fault // nil: KT goes down
		want  outcome
		msg   string
	}{
		{"close mid-reply", &ktdev.Fault{Kind: ktdev.FaultCloseMidReply, Proc: "bin_play_script", Times: 1}, committed, ""},
		{"garbage reply", &ktdev.Fault{Kind: ktdev.FaultGarbage, Proc: "bin_play_script", Times: 1}, committed, ""},
		{"stall past the timeout", &ktdev.Fault{Kind: ktdev.FaultStall, Proc: "bin_play_script"}, aborted, "ktfdwapply"},
		{"new connections refused", &ktdev.Fault{Kind: ktdev.FaultRefuse}, aborted, `"kt"`},
		{"KT down", nil, aborted, `"kt"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := txDevEnv(t, true, "apply 'atomic', conflict_check 'on'")
			e.exec("ALTER SERVER kt OPTIONS (SET timeout '1s')")
			e.exec("CREATE TABLE local (k text PRIMARY KEY, v text)")
			e.ktSet("u", "old")
			e.exec("INSERT INTO kv VALUES ('warm', 'up')") // probe done, connection pooled
			conn := e.conn
			run := func(sql string) {
				_, err := conn.Exec(ctx(t), sql)
				require.NoError(t, err, sql)
			}
			before := ktAll(t, e.kt)
			run("BEGIN")
			run("INSERT INTO local VALUES ('l', '1')")
			run("UPDATE kv SET value = 'new' WHERE key = 'u'")
			run("INSERT INTO kv SELECT 'n' || i, 'v' FROM generate_series(1, 50) i")
			if tc.fault != nil && tc.fault.Kind == ktdev.FaultRefuse {
				run("SELECT kt_fdw_disconnect_all()") // the commit needs a new connection
			}
			if tc.fault != nil {
				// kept until the server closes: a stalled call is never applied
				e.dev.SetFault(*tc.fault)
			} else {
				require.NoError(t, e.dev.Close())
			}
			_, err := conn.Exec(ctx(t), "COMMIT")
			now := before // KT down: nothing could be applied
			if tc.fault != nil {
				now = ktAll(t, e.kt)
			}
			if tc.want == committed {
				require.NoError(t, err)
				assert.Equal(t, "new", now["u"])
				assert.Len(t, now, len(before)+50)
				assert.Equal(t, map[string]string{"l": "1"}, txLocal(t, e.conn, "local"))
				return
			}
			require.Error(t, err)
			t.Logf("COMMIT under %s: %v", tc.name, err)
			assert.Contains(t, []string{"HV000", "HV00N"}, sqlStateOf(err))
			assert.Contains(t, err.Error(), tc.msg)
			assert.Equal(t, before, now, "nothing applied")
			assert.Empty(t, txLocal(t, e.conn, "local"), "the local insert was rolled back")
		})
	}
}

func sqlStateOf(err error) string {
	var pe interface{ SQLState() string }
	if errors.As(err, &pe) {
		return pe.SQLState()
	}
	return ""
}

// TestLargeTransaction: a 1,000,000-row INSERT in one transaction; the
// buffer's memory shows in kt_fdw_stats() and is proportional to the data;
// the commit applies it in apply_batch chunks.
func TestLargeTransaction(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000,000 rows: skipped with -short")
	}
	n := 1000000
	if s := os.Getenv("KT_FDW_LARGE_ROWS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	e := txScriptEnv(t, "apply 'atomic'")
	e.exec("BEGIN")
	e.exec(fmt.Sprintf("INSERT INTO kv SELECT 'key' || lpad(i::text, 8, '0'), repeat('v', 32) FROM generate_series(1, %d) i", n))
	var writes, bytes int64
	require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT buffered_writes, buffered_bytes FROM kt_fdw_stats()").Scan(&writes, &bytes))
	data := int64(n) * (11 + 32)
	t.Logf("%d rows, %d data bytes: buffered_bytes %d", n, data, bytes)
	assert.Equal(t, int64(n), writes)
	assert.GreaterOrEqual(t, bytes, data)
	assert.LessOrEqual(t, bytes, 4*data, "proportional to the data")
	scripts := e.ktCounter("cnt_script")
	e.exec("COMMIT")
	assert.Equal(t, n, e.ktCount())
	if e.dev != nil {
		assert.Equal(t, uint64(1+(n+9999)/10000), e.ktCounter("cnt_script")-scripts, "the probe, then one call per 10000-record chunk")
	}
	var after int64
	require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT buffered_bytes FROM kt_fdw_stats()").Scan(&after))
	assert.Zero(t, after)
}
