package e2e_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A scan caches the parsed server and table options (pgext/table_cache.go):
// after ALTER SERVER / ALTER FOREIGN TABLE ... OPTIONS the next lookup in
// the same session must use the new options.
func TestOptionsChangeSeenBySameSession(t *testing.T) {
	e := newEnv(t)
	e.ktSet("k", "db0")
	e.ktSet("p:k", "prefixed")
	require.NoError(t, e.kt.Set(ctx(t), "1", []byte("k"), []byte("db1")))
	t.Cleanup(func() { _ = e.kt.Clear(ctx(t), "1") })

	lookup := func() (string, error) {
		var v string
		err := e.conn.QueryRow(ctx(t), "SELECT value FROM kv WHERE key = $1", "k").Scan(&v)
		return v, err
	}
	must := func(want, why string) {
		t.Helper()
		for range 2 { // the second time from the cache
			v, err := lookup()
			require.NoError(t, err, why)
			assert.Equal(t, want, v, why)
		}
	}
	must("db0", "initial options")

	e.exec("ALTER FOREIGN TABLE kv OPTIONS (ADD db '1')")
	must("db1", "table option db added")

	e.exec("ALTER FOREIGN TABLE kv OPTIONS (DROP db)")
	e.exec("ALTER FOREIGN TABLE kv OPTIONS (ADD prefix 'p:')")
	must("prefixed", "table option prefix added")
	e.exec("ALTER FOREIGN TABLE kv OPTIONS (DROP prefix)")
	must("db0", "table option prefix dropped")

	bad := closedPort(t)
	e.exec(fmt.Sprintf("ALTER SERVER kt OPTIONS (SET port '%d')", bad))
	_, err := lookup()
	require.Error(t, err, "server option port changed to a closed port")
	assert.Contains(t, err.Error(), fmt.Sprintf(":%d", bad))

	e.exec(fmt.Sprintf("ALTER SERVER kt OPTIONS (SET port '%d')", e.port))
	must("db0", "server option port restored")
}
