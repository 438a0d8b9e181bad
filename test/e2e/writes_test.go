package e2e_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCommitAppliesWritesToKT(t *testing.T) {
	e := newEnv(t)
	e.ktSet("old", "o")
	e.ktSet("gone", "g")

	e.exec("BEGIN")
	e.exec("INSERT INTO kv VALUES ('new', 'n')")
	e.exec("UPDATE kv SET value = 'o2' WHERE key = 'old'")
	e.exec("DELETE FROM kv WHERE key = 'gone'")
	// buffered until COMMIT: KT still has the old state
	_, ok := e.ktGet("new")
	assert.False(t, ok, "insert reached KT before COMMIT")
	v, _ := e.ktGet("old")
	assert.Equal(t, "o", v, "update reached KT before COMMIT")
	_, ok = e.ktGet("gone")
	assert.True(t, ok, "delete reached KT before COMMIT")
	e.exec("COMMIT")

	v, ok = e.ktGet("new")
	assert.True(t, ok)
	assert.Equal(t, "n", v)
	v, _ = e.ktGet("old")
	assert.Equal(t, "o2", v)
	_, ok = e.ktGet("gone")
	assert.False(t, ok)
	assert.Equal(t, 2, e.ktCount())
}

func TestAutocommitStatementApplies(t *testing.T) {
	e := newEnv(t)
	e.exec("INSERT INTO kv VALUES ('a', '1'), ('b', '2')")
	v, ok := e.ktGet("a")
	require.True(t, ok)
	assert.Equal(t, "1", v)
	assert.Equal(t, 2, e.ktCount())
}

func TestRollbackSendsNothing(t *testing.T) {
	e := newEnv(t)
	e.ktSet("keep", "k")

	var writesBefore map[string]uint64
	if e.dev != nil {
		writesBefore = e.dev.Counts()
	}
	e.exec("BEGIN")
	e.exec("INSERT INTO kv VALUES ('x', '1')")
	e.exec("UPDATE kv SET value = 'changed' WHERE key = 'keep'")
	e.exec("DELETE FROM kv WHERE key = 'keep'")
	e.exec("ROLLBACK")

	_, ok := e.ktGet("x")
	assert.False(t, ok)
	v, ok := e.ktGet("keep")
	assert.True(t, ok)
	assert.Equal(t, "k", v)
	assert.Equal(t, 1, e.ktCount())
	if writesBefore != nil {
		after := e.dev.Counts()
		for _, c := range []string{"cnt_set", "cnt_remove", "cnt_script"} {
			assert.Equal(t, writesBefore[c], after[c], "%s changed by a rolled back transaction", c)
		}
	}
}

func TestReadYourWrites(t *testing.T) {
	e := newEnv(t)
	e.ktSet("base", "b")
	e.exec("BEGIN")
	e.exec("INSERT INTO kv VALUES ('mine', 'm')")
	e.exec("DELETE FROM kv WHERE key = 'base'")

	var v string
	require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT value FROM kv WHERE key = 'mine'").Scan(&v))
	assert.Equal(t, "m", v)
	assert.Equal(t, map[string]string{"mine": "m"}, e.rows(e.conn), "full scan inside the transaction")

	// another session sees KT as it is
	other := e.pg.ConnDB(t, e.db)
	assert.Equal(t, map[string]string{"base": "b"}, e.rows(other))
	_, ok := e.ktGet("mine")
	assert.False(t, ok)
	e.exec("COMMIT")
	assert.Equal(t, map[string]string{"mine": "m"}, e.rows(other))
}

func TestUpdateMovesKey(t *testing.T) {
	e := newEnv(t)
	e.exec("INSERT INTO kv VALUES ('from', 'payload')")
	tag := e.exec("UPDATE kv SET key = 'to' WHERE key = 'from'")
	assert.EqualValues(t, 1, tag.RowsAffected())

	_, ok := e.ktGet("from")
	assert.False(t, ok, "old key still in KT")
	v, ok := e.ktGet("to")
	assert.True(t, ok, "new key not in KT")
	assert.Equal(t, "payload", v)
	assert.Equal(t, 1, e.ktCount())
}

func TestDuplicateKeyIsUniqueViolation(t *testing.T) {
	e := newEnv(t)
	e.exec("INSERT INTO kv VALUES ('dup', 'first')")
	pe := pgErr(t, e.conn, "INSERT INTO kv VALUES ('dup', 'second')")
	assert.Equal(t, "23505", pe.Code)
	assert.Contains(t, pe.Message+" "+pe.Detail, "dup", "error names the key")
	v, _ := e.ktGet("dup")
	assert.Equal(t, "first", v, "KT keeps the first value")

	// a key written by someone else directly in KT is a duplicate too
	e.ktSet("outside", "x")
	pe = pgErr(t, e.conn, "INSERT INTO kv VALUES ('outside', 'y')")
	assert.Equal(t, "23505", pe.Code)
	v, _ = e.ktGet("outside")
	assert.Equal(t, "x", v)
}

func TestNullKeyIsNotNullViolation(t *testing.T) {
	e := newEnv(t)
	pe := pgErr(t, e.conn, "INSERT INTO kv VALUES (NULL, 'v')")
	assert.Equal(t, "23502", pe.Code)
	assert.Equal(t, 0, e.ktCount())
}

// One transaction writing the same key through tables on KT DB 0 and DB 1
// keeps the two apart, in the buffer and in KT.
func TestSameKeyInTwoDatabases(t *testing.T) {
	e := newEnv(t)
	require.NoError(t, e.kt.Clear(ctx(t), "1"))
	e.exec("CREATE FOREIGN TABLE kv1 (key text, value text) SERVER kt OPTIONS (db '1')")

	e.exec("BEGIN")
	e.exec("INSERT INTO kv VALUES ('same', 'db0')")
	e.exec("INSERT INTO kv1 VALUES ('same', 'db1')")
	var v0, v1 string
	require.NoError(t, e.conn.QueryRow(ctx(t),
		"SELECT (SELECT value FROM kv WHERE key = 'same'), (SELECT value FROM kv1 WHERE key = 'same')").Scan(&v0, &v1))
	assert.Equal(t, "db0", v0)
	assert.Equal(t, "db1", v1)
	e.exec("COMMIT")

	v, _ := e.ktGet("same")
	assert.Equal(t, "db0", v)
	rec, err := e.kt.Get(ctx(t), "1", []byte("same"))
	require.NoError(t, err)
	assert.Equal(t, "db1", string(rec.Value))

	e.exec("BEGIN")
	e.exec("DELETE FROM kv1 WHERE key = 'same'")
	e.exec("COMMIT")
	_, ok := e.ktGet("same")
	assert.True(t, ok, "deleting from DB 1 left DB 0 alone")
}
