package e2e_test

import (
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serverVersionNum is the server's PostgreSQL version as major*10000+minor.
func serverVersionNum(t *testing.T, conn *pgx.Conn) int {
	t.Helper()
	var n int
	require.NoError(t, conn.QueryRow(ctx(t), "SELECT current_setting('server_version_num')::int").Scan(&n))
	return n
}

// On PostgreSQL 18+ the library's magic block names it and its version
// (PG_MODULE_MAGIC_EXT), so pg_get_loaded_modules() lists kt_fdw; older
// majors have no such function.
func TestLoadedModuleNamesItself(t *testing.T) {
	e := newEnv(t)
	var version string
	require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT kt_fdw_version()").Scan(&version), "loads the library")
	if serverVersionNum(t, e.conn) < 180000 {
		var exists bool
		require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT to_regproc('pg_get_loaded_modules') IS NOT NULL").Scan(&exists))
		assert.False(t, exists, "pg_get_loaded_modules() before PostgreSQL 18")
		return
	}
	var name, modVersion string
	require.NoError(t, e.conn.QueryRow(ctx(t),
		"SELECT module_name, version FROM pg_get_loaded_modules() WHERE file_name = 'kt_fdw.so'").Scan(&name, &modVersion))
	assert.Equal(t, "kt_fdw", name)
	assert.Equal(t, version, modVersion, "the magic block's version is the library's (kt_fdw_version())")
}
