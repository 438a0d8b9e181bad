package e2e_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type serverStat struct {
	connected             bool
	hosts, current        *string
	roundTrips, errs, fov int64
}

func serverStats(t *testing.T, e *env) map[string]serverStat {
	t.Helper()
	rs, err := e.conn.Query(ctx(t), "SELECT server_name, connected, hosts, current_host, round_trips, errors, failovers FROM kt_fdw_server_stats()")
	require.NoError(t, err)
	out := map[string]serverStat{}
	for rs.Next() {
		var name string
		var s serverStat
		require.NoError(t, rs.Scan(&name, &s.connected, &s.hosts, &s.current, &s.roundTrips, &s.errs, &s.fov))
		out[name] = s
	}
	require.NoError(t, rs.Err())
	return out
}

func TestDisconnectAndServerStats(t *testing.T) {
	e := newDevEnv(t)
	dead := closedPort(t)
	e.exec(fmt.Sprintf("CREATE SERVER dead FOREIGN DATA WRAPPER kt_fdw OPTIONS (host '127.0.0.1', port '%d')", dead))
	e.exec("CREATE USER MAPPING FOR PUBLIC SERVER dead")
	e.exec("CREATE FOREIGN TABLE dead_kv (key text, value text) SERVER dead")

	assert.Empty(t, serverStats(t, e), "a fresh backend has used no server")
	var closed bool
	require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT kt_fdw_disconnect_all()").Scan(&closed))
	assert.False(t, closed)

	e.exec("INSERT INTO kv VALUES ('a', '1')") // get (duplicate check) + set_bulk
	e.rows(e.conn)                             // match_prefix + get_bulk
	pgErr(t, e.conn, "SELECT * FROM dead_kv WHERE key = 'x'")

	st := serverStats(t, e)
	require.Contains(t, st, "kt")
	kt := st["kt"]
	assert.True(t, kt.connected)
	assert.Equal(t, fmt.Sprintf("127.0.0.1:%d", e.port), *kt.hosts)
	assert.Equal(t, fmt.Sprintf("127.0.0.1:%d", e.port), *kt.current)
	assert.Positive(t, kt.roundTrips)
	assert.Zero(t, kt.errs)
	e.exec("SELECT * FROM kv WHERE key = 'a'")
	assert.Equal(t, kt.roundTrips+1, serverStats(t, e)["kt"].roundTrips, "a point lookup is one round trip")
	kt = serverStats(t, e)["kt"]
	require.Contains(t, st, "dead")
	assert.EqualValues(t, 1, st["dead"].errs)

	requests := e.dev.Requests()
	require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT kt_fdw_disconnect('kt')").Scan(&closed))
	assert.True(t, closed)
	require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT kt_fdw_disconnect('kt')").Scan(&closed))
	assert.False(t, closed, "nothing left to close")
	st = serverStats(t, e)
	assert.False(t, st["kt"].connected)
	assert.Nil(t, st["kt"].hosts)
	assert.Equal(t, kt.roundTrips, st["kt"].roundTrips, "counters outlive the connection")
	var conns int64
	require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT connections FROM kt_fdw_stats()").Scan(&conns))
	assert.EqualValues(t, 1, conns, "only dead's client is left")
	assert.Equal(t, requests, e.dev.Requests(), "disconnect sends nothing")

	// writes buffered before a disconnect are applied at commit on a new connection
	tx, err := e.conn.Begin(ctx(t))
	require.NoError(t, err)
	_, err = tx.Exec(ctx(t), "UPDATE kv SET value = '2' WHERE key = 'a'")
	require.NoError(t, err)
	require.NoError(t, tx.QueryRow(ctx(t), "SELECT kt_fdw_disconnect_all()").Scan(&closed))
	assert.True(t, closed)
	require.NoError(t, tx.Commit(ctx(t)))
	v, _ := e.ktGet("a")
	assert.Equal(t, "2", v)

	pe := pgErr(t, e.conn, "SELECT kt_fdw_disconnect('no_such_server')")
	assert.Equal(t, "42704", pe.Code)

	// the current name after a rename
	e.exec("ALTER SERVER kt RENAME TO kt_renamed")
	assert.Contains(t, serverStats(t, e), "kt_renamed")
}
