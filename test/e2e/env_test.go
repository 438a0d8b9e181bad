package e2e_test

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/errors"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt"
	"github.com/kt-fdw/kt_fdw/kt/ktdev"
	"github.com/kt-fdw/kt_fdw/test/pgtest"
)

// env is one test's world: its own database with kt_fdw, a server "kt"
// pointing at a KT, a foreign table kv(key text, value text) on KT DB 0,
// and a kt client to look at KT directly.
type env struct {
	t    *testing.T
	pg   *pgtest.Cluster
	db   string
	conn *pgx.Conn
	host string
	port int
	kt   *kt.Client
	dev  *ktdev.Server // nil against a real KT
}

// newEnv sets up against pgtest.KTServer (dev server or $KT_TEST_ADDR).
func newEnv(t *testing.T) *env {
	t.Helper()
	pgtest.RequireExtension(t)
	host, port, dev := pgtest.KTServer(t)
	return setupEnv(t, host, port, dev)
}

// newDevEnv sets up against a dev server the test can inject faults into;
// skips when $KT_TEST_ADDR is set.
func newDevEnv(t *testing.T) *env {
	t.Helper()
	pgtest.RequireExtension(t)
	dev := pgtest.DevKT(t)
	return setupEnv(t, "127.0.0.1", dev.Port(), dev)
}

func setupEnv(t *testing.T, host string, port int, dev *ktdev.Server) *env {
	pg := pgtest.Shared(t)
	e := &env{t: t, pg: pg, host: host, port: port, dev: dev}
	e.db = pg.CreateDB(t)
	e.conn = pg.ConnDB(t, e.db)
	e.exec("CREATE EXTENSION kt_fdw")
	e.exec(fmt.Sprintf("CREATE SERVER kt FOREIGN DATA WRAPPER kt_fdw OPTIONS (host '%s', port '%d', timeout '10s')", host, port))
	e.exec("CREATE USER MAPPING FOR PUBLIC SERVER kt")
	e.exec("CREATE FOREIGN TABLE kv (key text, value text) SERVER kt")

	e.kt = ktClient(t, net.JoinHostPort(host, strconv.Itoa(port)))
	require.NoError(t, e.kt.Clear(ctx(t), ""), "clearing KT DB 0")
	return e
}

// ktClient is a kt client for addr, closed at the end of t.
func ktClient(t *testing.T, addr string) *kt.Client {
	t.Helper()
	c, err := kt.NewClient(kt.Config{Addr: addr})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// testContexts holds one context per running test (see ctx).
var testContexts sync.Map // testing.TB -> context.Context

// ctx is the test's context: cancelled after five minutes so a hang fails
// the test instead of blocking CI, and when the test ends.
func ctx(t testing.TB) context.Context {
	if c, ok := testContexts.Load(t); ok {
		return c.(context.Context)
	}
	c, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	testContexts.Store(t, c)
	t.Cleanup(func() {
		cancel()
		testContexts.Delete(t)
	})
	return c
}

func (e *env) exec(sql string, args ...any) pgconn.CommandTag {
	e.t.Helper()
	tag, err := e.conn.Exec(ctx(e.t), sql, args...)
	require.NoError(e.t, err, sql)
	return tag
}

// pgErr runs sql on conn and returns the PostgreSQL error it must raise.
func pgErr(t *testing.T, conn *pgx.Conn, sql string, args ...any) *pgconn.PgError {
	t.Helper()
	_, err := conn.Exec(ctx(t), sql, args...)
	require.Error(t, err, sql)
	var pe *pgconn.PgError
	require.True(t, errors.As(err, &pe), "want a PostgreSQL error from %q, got %v", sql, err)
	return pe
}

// rows returns key -> value of kv as SQL sees it.
func (e *env) rows(conn *pgx.Conn) map[string]string {
	e.t.Helper()
	rs, err := conn.Query(ctx(e.t), "SELECT key, value FROM kv")
	require.NoError(e.t, err)
	out := map[string]string{}
	for rs.Next() {
		var k, v string
		require.NoError(e.t, rs.Scan(&k, &v))
		out[k] = v
	}
	require.NoError(e.t, rs.Err())
	return out
}

// column returns the first column of sql's rows, as text, in order.
func (e *env) column(sql string) []string {
	e.t.Helper()
	rs, err := e.conn.Query(ctx(e.t), sql)
	require.NoError(e.t, err, sql)
	var out []string
	for rs.Next() {
		var s string
		require.NoError(e.t, rs.Scan(&s))
		out = append(out, s)
	}
	require.NoError(e.t, rs.Err(), sql)
	return out
}

// ktGet returns the value KT holds for key, and whether it exists.
func (e *env) ktGet(key string) (string, bool) {
	e.t.Helper()
	rec, err := e.kt.Get(ctx(e.t), "", []byte(key))
	if errors.Is(err, kt.ErrNoRecord) {
		return "", false
	}
	require.NoError(e.t, err)
	return string(rec.Value), true
}

// ktCount is the number of records in KT DB 0.
func (e *env) ktCount() int {
	e.t.Helper()
	st, err := e.kt.Status(ctx(e.t), "")
	require.NoError(e.t, err)
	n, err := strconv.Atoi(st["count"])
	require.NoError(e.t, err, "status count %q", st["count"])
	return n
}

// ktSet writes a record straight into KT DB 0.
func (e *env) ktSet(key, value string) {
	e.t.Helper()
	require.NoError(e.t, e.kt.Set(ctx(e.t), "", []byte(key), []byte(value)))
}

// backendPID is the PostgreSQL backend serving conn.
func backendPID(t *testing.T, conn *pgx.Conn) int {
	t.Helper()
	var pid int
	require.NoError(t, conn.QueryRow(ctx(t), "SELECT pg_backend_pid()").Scan(&pid))
	return pid
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	return port
}
