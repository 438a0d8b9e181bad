package e2e_test

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestImportForeignSchemaReachesEachDatabase(t *testing.T) {
	e := newEnv(t)
	require.NoError(t, e.kt.Clear(ctx(t), "1"))
	require.NoError(t, e.kt.Set(ctx(t), "1", []byte("in-db1"), []byte("yes")))
	e.ktSet("in-db0", "yes")

	e.exec("CREATE SCHEMA imported")
	e.exec("IMPORT FOREIGN SCHEMA kt FROM SERVER kt INTO imported")

	rows, err := e.conn.Query(ctx(t), `SELECT c.relname, array_to_string(ft.ftoptions, ',')
		FROM pg_foreign_table ft JOIN pg_class c ON c.oid = ft.ftrelid
		WHERE c.relnamespace = 'imported'::regnamespace ORDER BY 1`)
	require.NoError(t, err)
	got := map[string]string{}
	for rows.Next() {
		var name, opts string
		require.NoError(t, rows.Scan(&name, &opts))
		got[name] = opts
	}
	require.NoError(t, rows.Err())
	// the dev server's and the documented real server's layout: '*' '%'
	assert.Equal(t, "db=0", got["db_0"])
	assert.Equal(t, "db=1,ordered=true", got["db_1"], "a tree database is imported as ordered")

	var v string
	require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT value FROM imported.db_1 WHERE key = 'in-db1'").Scan(&v))
	assert.Equal(t, "yes", v)
	require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT value FROM imported.db_0 WHERE key = 'in-db0'").Scan(&v))
	assert.Equal(t, "yes", v)

	e.exec("INSERT INTO imported.db_1 VALUES ('written', 'w')")
	rec, err := e.kt.Get(ctx(t), "1", []byte("written"))
	require.NoError(t, err)
	assert.Equal(t, "w", string(rec.Value))
}

func TestImportForeignSchemaUnreachableServer(t *testing.T) {
	e := newEnv(t)
	e.exec("CREATE SERVER down FOREIGN DATA WRAPPER kt_fdw OPTIONS (host '127.0.0.1', port '" + strconv.Itoa(closedPort(t)) + "')")
	e.exec("CREATE USER MAPPING FOR PUBLIC SERVER down")
	pe := pgErr(t, e.conn, "IMPORT FOREIGN SCHEMA kt FROM SERVER down INTO public")
	assert.Equal(t, "HV00N", pe.Code)
	assert.Contains(t, pe.Message, `could not connect to KT server "down"`)
}
