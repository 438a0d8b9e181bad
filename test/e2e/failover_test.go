package e2e_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt/ktdev"
	"github.com/kt-fdw/kt_fdw/test/pgtest"
)

// pairEnv: server "pair" lists two dev servers (a dual-master pair), table pair_kv.
func pairEnv(t *testing.T) (e *env, a, b *ktdev.Server) {
	e = newDevEnv(t)
	a, b = e.dev, pgtest.DevKT(t)
	e.exec(fmt.Sprintf("CREATE SERVER pair FOREIGN DATA WRAPPER kt_fdw OPTIONS (host '127.0.0.1:%d, 127.0.0.1:%d', timeout '5s')", a.Port(), b.Port()))
	e.exec("CREATE USER MAPPING FOR PUBLIC SERVER pair")
	e.exec("CREATE FOREIGN TABLE pair_kv (key text, value text) SERVER pair")
	return e, a, b
}

func (e *env) value(sql string) string {
	e.t.Helper()
	var v string
	require.NoError(e.t, e.conn.QueryRow(ctx(e.t), sql).Scan(&v), sql)
	return v
}

func TestFailoverHostList(t *testing.T) {
	e, a, b := pairEnv(t)
	logStart := e.pg.LogSize()
	bkt := ktClient(t, b.Addr())
	e.ktSet("k", "from a")
	require.NoError(t, bkt.Set(ctx(t), "", []byte("k"), []byte("from b")))

	assert.Equal(t, "from a", e.value("SELECT value FROM pair_kv WHERE key = 'k'"), "the first host serves while healthy")

	require.NoError(t, a.Close())
	assert.Equal(t, "from b", e.value("SELECT value FROM pair_kv WHERE key = 'k'"), "a read moves to the second host")
	assert.Equal(t, "1", e.value("SELECT count(*)::text FROM pair_kv"), "full scan on the second host")

	e.exec("INSERT INTO pair_kv VALUES ('new', '1')")
	rec, err := bkt.Get(ctx(t), "", []byte("new"))
	require.NoError(t, err, "the commit applied on the second host")
	assert.Equal(t, "1", string(rec.Value))

	// the first host comes back; after its back-off a probe in the
	// background finds it, and it is preferred again
	restarted := pgtest.StartDevKT(t, a.Addr())
	restartedKT := ktClient(t, restarted.Addr())
	require.NoError(t, restartedKT.Set(ctx(t), "", []byte("k"), []byte("from a again")))
	time.Sleep(1100 * time.Millisecond)
	v := e.value("SELECT value FROM pair_kv WHERE key = 'k'")
	for deadline := time.Now().Add(10 * time.Second); v != "from a again" && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		v = e.value("SELECT value FROM pair_kv WHERE key = 'k'")
	}
	assert.Equal(t, "from a again", v)

	// each step left a LOG line naming the server, the hosts and the reason
	log := e.pg.LogSince(logStart)
	assert.Contains(t, log, fmt.Sprintf(`LOG:  kt_fdw: server "pair": host %s is skipped for 1s after a failure: `, a.Addr()))
	assert.Contains(t, log, fmt.Sprintf(`LOG:  kt_fdw: server "pair": failed over from host %s to host %s: `, a.Addr(), b.Addr()))
	assert.Contains(t, log, fmt.Sprintf(`LOG:  kt_fdw: server "pair": host %s answers again after`, a.Addr()))
}

// A commit whose reply was lost may have applied: it is retried on the
// same host only, never on the other master.
func TestFailoverCommitNotMovedAfterLostReply(t *testing.T) {
	e, a, b := pairEnv(t)
	bkt := ktClient(t, b.Addr())
	assert.Equal(t, "0", e.value("SELECT count(*)::text FROM pair_kv"))

	// the reply of the first set (a one-key commit: one binary set_bulk) is
	// cut: the retry on the same host succeeds
	a.SetFault(ktdev.Fault{Kind: ktdev.FaultCloseMidReply, Proc: "bin_set_bulk", Times: 1})
	e.exec("INSERT INTO pair_kv VALUES ('once', '1')")
	v, _ := e.ktGet("once")
	assert.Equal(t, "1", v)

	// every reply cut: the transaction fails; the other master got nothing
	a.SetFault(ktdev.Fault{Kind: ktdev.FaultCloseMidReply, Proc: "bin_set_bulk"})
	t.Cleanup(a.ClearFault)
	pe := pgErr(t, e.conn, "INSERT INTO pair_kv VALUES ('never', '1')")
	assert.Equal(t, "HV000", pe.Code, pe.Message)
	st, err := bkt.Status(ctx(t), "")
	require.NoError(t, err)
	assert.Equal(t, "0", st["count"], "nothing was sent to the second host")
}
