package e2e_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Two tables with prefixes share KT DB 0 with a plain key: reads, writes,
// key changes, LIKE patterns and TRUNCATE of one never touch the others'
// keys (checked in KT with the kt client), and keys show without prefix.
func TestPrefixConfinesTable(t *testing.T) {
	e := newEnv(t)
	e.exec("CREATE FOREIGN TABLE a_kt (key text, value text) SERVER kt OPTIONS (prefix 'a/')")
	e.exec("CREATE FOREIGN TABLE b_kt (key text, value text) SERVER kt OPTIONS (prefix 'b/')")
	e.ktSet("plain", "0")
	e.ktSet("a", "no slash")
	e.ktSet("b/x", "b's")

	e.exec("INSERT INTO a_kt VALUES ('x', '1'), ('y', '2'), ('x_1', '3'), ('%', '4')")
	assert.Equal(t, map[string]string{"plain": "0", "a": "no slash", "b/x": "b's",
		"a/x": "1", "a/y": "2", "a/x_1": "3", "a/%": "4"}, e.ktAll())

	// a key that exists in another namespace is no duplicate here
	e.exec("INSERT INTO b_kt VALUES ('y', 'b-y')")
	pe := pgErr(t, e.conn, "INSERT INTO b_kt VALUES ('x', 'dup')")
	assert.Equal(t, "23505", pe.Code)
	assert.Contains(t, pe.Message, `duplicate key value "x"`, "message shows the key column's value")

	count := func(sql string) int {
		var n int
		require.NoError(t, e.conn.QueryRow(ctx(t), sql).Scan(&n))
		return n
	}
	for sql, want := range map[string]int{
		"SELECT count(*) FROM a_kt":                              4,
		"SELECT count(*) FROM b_kt":                              2,
		"SELECT count(*) FROM a_kt WHERE key = 'x'":              1,
		"SELECT count(*) FROM a_kt WHERE key = 'a/x'":            0,
		"SELECT count(*) FROM b_kt WHERE key IN ('x', 'y', 'z')": 2,
		"SELECT count(*) FROM a_kt WHERE key LIKE 'x%'":          2,
		"SELECT count(*) FROM a_kt WHERE key LIKE 'x\\_%'":       1,
		"SELECT count(*) FROM a_kt WHERE key LIKE '%'":           4,
		"SELECT count(*) FROM a_kt WHERE key LIKE '_'":           3,
		"SELECT count(*) FROM a_kt WHERE key LIKE 'b/%'":         0,
		"SELECT count(*) FROM a_kt WHERE starts_with(key, '')":   4,
		"SELECT count(*) FROM kv":                                8,
	} {
		assert.Equal(t, want, count(sql), sql)
	}
	rows := e.pgPairs("SELECT key, value FROM a_kt")
	assert.Equal(t, map[string]string{"x": "1", "y": "2", "x_1": "3", "%": "4"}, rows)

	// key change, update, delete stay inside the prefix
	e.exec("UPDATE a_kt SET key = 'z' WHERE key = 'y'")
	e.exec("UPDATE a_kt SET value = 'one' WHERE key = 'x'")
	e.exec("DELETE FROM a_kt WHERE key LIKE 'x\\_%'")
	e.exec("DELETE FROM b_kt WHERE key = 'y'")
	assert.Equal(t, map[string]string{"plain": "0", "a": "no slash", "b/x": "b's",
		"a/x": "one", "a/z": "2", "a/%": "4"}, e.ktAll())

	// TRUNCATE clears the namespace only
	e.exec("TRUNCATE a_kt")
	assert.Equal(t, map[string]string{"plain": "0", "a": "no slash", "b/x": "b's"}, e.ktAll())
	e.exec("DELETE FROM b_kt")
	assert.Equal(t, map[string]string{"plain": "0", "a": "no slash"}, e.ktAll())
}

// On a key-ordered database, ranges and ORDER BY stay inside the prefix.
func TestPrefixOrderedRanges(t *testing.T) {
	e := newEnv(t)
	e.exec("CREATE FOREIGN TABLE t1 (key text COLLATE \"C\", value text) SERVER kt OPTIONS (db '1', ordered 'on', prefix 'm/')")
	require.NoError(t, e.kt.Clear(ctx(t), "1"))
	for _, k := range []string{"l/z", "m", "m0", "n/a"} {
		require.NoError(t, e.kt.Set(ctx(t), "1", []byte(k), []byte("outside")))
	}
	e.exec("INSERT INTO t1 VALUES ('a', '1'), ('b', '2'), ('c', '3')")
	var keys []string
	rows, err := e.conn.Query(ctx(t), "SELECT key FROM t1 WHERE key > 'a' ORDER BY key")
	require.NoError(t, err)
	for rows.Next() {
		var k string
		require.NoError(t, rows.Scan(&k))
		keys = append(keys, k)
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, []string{"b", "c"}, keys)
	var n int
	require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT count(*) FROM t1 WHERE key < 'c'").Scan(&n))
	assert.Equal(t, 2, n)
	require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT count(*) FROM t1").Scan(&n))
	assert.Equal(t, 3, n)
}

// kt_fdw_sync into a prefixed table: a rules table owns its namespace.
func TestSyncIntoPrefix(t *testing.T) {
	e := newEnv(t)
	e.exec("CREATE FOREIGN TABLE rules_kt (key text, value text) SERVER kt OPTIONS (prefix 'rules:')")
	e.exec("CREATE TABLE rules (name text PRIMARY KEY, action text)")
	e.exec("CREATE TRIGGER s AFTER INSERT OR UPDATE OR DELETE ON rules FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('rules_kt', 'name', 'action')")
	e.exec("CREATE TRIGGER st AFTER TRUNCATE ON rules FOR EACH STATEMENT EXECUTE FUNCTION kt_fdw_sync('rules_kt')")
	e.ktSet("other", "keep")
	e.exec("INSERT INTO rules VALUES ('r1', 'allow'), ('r2', 'deny')")
	e.exec("UPDATE rules SET name = 'r3' WHERE name = 'r1'")
	assert.Equal(t, map[string]string{"other": "keep", "rules:r2": "deny", "rules:r3": "allow"}, e.ktAll())

	e.ktSet("rules:stray", "x")
	r := e.reconcile("-source", "rules", "-repair")
	assert.Equal(t, []int{0, 1, 0}, []int{r.missing, r.extra, r.differing}, r.stdout)
	e.exec("TRUNCATE rules")
	assert.Equal(t, map[string]string{"other": "keep"}, e.ktAll())
}
