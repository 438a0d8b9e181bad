package e2e_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The readonly option refuses INSERT/UPDATE/DELETE (55000, Postgres' code
// for a foreign table that does not allow a command) before anything
// reaches KT; reads still work.
func TestReadOnlyRefusesWritesBeforeSending(t *testing.T) {
	e := newDevEnv(t)
	e.ktSet("k", "v")
	e.exec(fmt.Sprintf("CREATE SERVER ro FOREIGN DATA WRAPPER kt_fdw OPTIONS (host '127.0.0.1', port '%d', readonly 'true')", e.port))
	e.exec("CREATE USER MAPPING FOR PUBLIC SERVER ro")
	e.exec("CREATE FOREIGN TABLE ro_server (key text, value text) SERVER ro")
	e.exec("CREATE FOREIGN TABLE ro_server_table_false (key text, value text) SERVER ro OPTIONS (readonly 'false')")
	e.exec("CREATE FOREIGN TABLE ro_table (key text, value text) SERVER kt OPTIONS (readonly 'true')")
	e.exec("CREATE TABLE src (key text, value text)")
	e.exec("INSERT INTO src VALUES ('n', 'new')")

	for _, tbl := range []string{"ro_server", "ro_server_table_false", "ro_table"} {
		t.Run(tbl, func(t *testing.T) {
			var v string
			require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT value FROM "+tbl+" WHERE key = 'k'").Scan(&v))
			assert.Equal(t, "v", v, "reads work")

			before := e.dev.Requests()
			for _, sql := range []string{
				"INSERT INTO " + tbl + " VALUES ('n', 'x')",
				"INSERT INTO " + tbl + " SELECT * FROM src",
				"INSERT INTO " + tbl + " VALUES ('n', 'x') ON CONFLICT DO NOTHING",
				"UPDATE " + tbl + " SET value = 'x' WHERE key = 'k'",
				"UPDATE " + tbl + " SET value = 'x'",
				"DELETE FROM " + tbl + " WHERE key = 'k'",
				"DELETE FROM " + tbl,
				"EXPLAIN INSERT INTO " + tbl + " VALUES ('n', 'x')",
			} {
				pe := pgErr(t, e.conn, sql)
				assert.Equal(t, "55000", pe.Code, "%s: %s", sql, pe.Message)
				assert.Contains(t, pe.Message, `foreign table "`+tbl+`" does not allow`, sql)
			}
			// COPY FROM goes through the executor's own check (IsForeignRelUpdatable)
			_, err := e.conn.PgConn().CopyFrom(ctx(t), strings.NewReader("n\tx\n"), "COPY "+tbl+" FROM STDIN")
			require.Error(t, err)
			assert.Contains(t, err.Error(), "55000")
			assert.Equal(t, before, e.dev.Requests(), "nothing was sent to KT")

			var insertable string
			require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT is_insertable_into FROM information_schema.tables WHERE table_name = $1", tbl).Scan(&insertable))
			assert.Equal(t, "NO", insertable)
		})
	}
	v, _ := e.ktGet("k")
	assert.Equal(t, "v", v)
	_, found := e.ktGet("n")
	assert.False(t, found)

	// a writable table is still writable on the same server as a readonly one
	e.exec("INSERT INTO kv VALUES ('w', '1')")
	v, _ = e.ktGet("w")
	assert.Equal(t, "1", v)
}

// A prepared write planned before ALTER ... readonly 'true' is refused when it runs.
func TestReadOnlyAfterAlterRefusesPreparedWrite(t *testing.T) {
	e := newDevEnv(t)
	e.exec("PREPARE ins(text) AS INSERT INTO kv VALUES ($1, 'v')")
	e.exec("EXECUTE ins('a')")
	e.exec("ALTER FOREIGN TABLE kv OPTIONS (ADD readonly 'true')")
	pe := pgErr(t, e.conn, "EXECUTE ins('b')")
	assert.Equal(t, "55000", pe.Code, pe.Message)
	e.exec("ALTER FOREIGN TABLE kv OPTIONS (DROP readonly)")
	e.exec("ALTER SERVER kt OPTIONS (ADD readonly 'on')")
	pe = pgErr(t, e.conn, "EXECUTE ins('c')")
	assert.Equal(t, "55000", pe.Code, pe.Message)

	// inside a transaction: the refusal aborts it, nothing earlier is applied
	e.exec("ALTER SERVER kt OPTIONS (DROP readonly)")
	tx, err := e.conn.Begin(ctx(t))
	require.NoError(t, err)
	_, err = tx.Exec(ctx(t), "INSERT INTO kv VALUES ('d', 'v')")
	require.NoError(t, err)
	_, err = tx.Exec(ctx(t), "CREATE FOREIGN TABLE kv_ro (key text, value text) SERVER kt OPTIONS (readonly 'true')")
	require.NoError(t, err)
	_, err = tx.Exec(ctx(t), "DELETE FROM kv_ro")
	require.Error(t, err)
	_ = tx.Rollback(context.Background())
	_, found := e.ktGet("d")
	assert.False(t, found)
	v, _ := e.ktGet("a")
	assert.Equal(t, "v", v)
}
