package e2e_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/test/pgtest"
)

func TestConnectionRefusedNamesHostPort(t *testing.T) {
	e := newEnv(t)
	port := closedPort(t)
	e.exec(fmt.Sprintf("CREATE SERVER dead FOREIGN DATA WRAPPER kt_fdw OPTIONS (host '127.0.0.1', port '%d', timeout '2s')", port))
	e.exec("CREATE USER MAPPING FOR PUBLIC SERVER dead")
	e.exec("CREATE FOREIGN TABLE dead_kv (key text, value text) SERVER dead")

	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for _, sql := range []string{
		"SELECT * FROM dead_kv",
		"SELECT * FROM dead_kv WHERE key = 'k'",
		"INSERT INTO dead_kv VALUES ('k', 'v')",
	} {
		pe := pgErr(t, e.conn, sql)
		assert.Contains(t, []string{"HV", "08"}, pe.Code[:2], "%s: SQLSTATE %s (%s)", sql, pe.Code, pe.Message)
		assert.Contains(t, pe.Message+" "+pe.Detail, addr, "%s: error names host:port", sql)
	}
	// the session is still fine afterwards
	e.exec("INSERT INTO kv VALUES ('alive', 'yes')")
	v, _ := e.ktGet("alive")
	assert.Equal(t, "yes", v)
}

func TestKTRestartBetweenStatementsIsRecovered(t *testing.T) {
	e := newDevEnv(t)
	e.exec("INSERT INTO kv VALUES ('before', '1')")
	assert.Equal(t, map[string]string{"before": "1"}, e.rows(e.conn))

	// the FDW now holds a pooled connection to the old server
	addr := e.dev.Addr()
	require.NoError(t, e.dev.Close())
	restarted := pgtest.StartDevKT(t, addr)
	e.dev = restarted

	// the dev server keeps data in memory: the restarted one is empty
	assert.Equal(t, map[string]string{}, e.rows(e.conn), "first statement after the restart")
	e.exec("INSERT INTO kv VALUES ('after', '2')")
	rec, err := e.kt.Get(ctx(t), "", []byte("after"))
	require.NoError(t, err)
	assert.Equal(t, "2", string(rec.Value))
}

func TestAlterServerPortDropsCachedConnection(t *testing.T) {
	e := newDevEnv(t)
	other := pgtest.DevKT(t)
	e.exec("INSERT INTO kv VALUES ('where', 'first')")
	assert.Equal(t, map[string]string{"where": "first"}, e.rows(e.conn))

	e.exec(fmt.Sprintf("ALTER SERVER kt OPTIONS (SET port '%d')", other.Port()))
	assert.Equal(t, map[string]string{}, e.rows(e.conn), "same session reads the new server")
	e.exec("INSERT INTO kv VALUES ('where', 'second')")
	assert.Equal(t, map[string]string{"where": "second"}, e.rows(e.conn))
	v, _ := e.ktGet("where")
	assert.Equal(t, "first", v, "the old server was not written after ALTER SERVER")
	assert.EqualValues(t, 1, ktfdwStats(t, e.conn).connections, "the old server's connection left the cache")
	otherKT := ktClient(t, other.Addr())
	rec, err := otherKT.Get(ctx(t), "", []byte("where"))
	require.NoError(t, err, "the write went to the new server")
	assert.Equal(t, "second", string(rec.Value))
}
