package e2e_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ktCount1 is the number of records in KT DB 1.
func (e *env) ktCount1() int {
	e.t.Helper()
	keys, err := e.kt.MatchPrefix(ctx(e.t), "1", nil, -1)
	require.NoError(e.t, err)
	return len(keys)
}

func TestTruncateCommitClearsKT(t *testing.T) {
	e := newEnv(t)
	require.NoError(t, e.kt.Clear(ctx(t), "1"))
	e.ktSet("a", "1")
	e.ktSet("b", "2")
	require.NoError(t, e.kt.Set(ctx(t), "1", []byte("other"), []byte("db")))

	e.exec("BEGIN")
	e.exec("TRUNCATE kv")
	e.exec("INSERT INTO kv VALUES ('after', 'x')")
	assert.Equal(t, map[string]string{"after": "x"}, e.rows(e.conn), "reads after TRUNCATE see the table empty plus later writes")
	assert.Equal(t, 2, e.ktCount(), "TRUNCATE reached KT before COMMIT")
	e.exec("COMMIT")

	assert.Equal(t, 1, e.ktCount())
	v, ok := e.ktGet("after")
	require.True(t, ok)
	assert.Equal(t, "x", v)
	_, ok = e.ktGet("a")
	assert.False(t, ok)
	assert.Equal(t, 1, e.ktCount1(), "TRUNCATE of DB 0 touched DB 1")
}

func TestTruncateRollbackLeavesKT(t *testing.T) {
	e := newEnv(t)
	e.ktSet("a", "1")
	e.ktSet("b", "2")
	var before map[string]uint64
	if e.dev != nil {
		before = e.dev.Counts()
	}

	e.exec("BEGIN")
	e.exec("TRUNCATE kv")
	e.exec("ROLLBACK")
	e.exec("BEGIN")
	e.exec("SAVEPOINT s")
	e.exec("TRUNCATE kv")
	e.exec("ROLLBACK TO s")
	e.exec("COMMIT")

	if before != nil {
		after := e.dev.Counts() // before our own checks below count too
		for _, c := range []string{"cnt_set", "cnt_remove", "cnt_misc", "cnt_script"} {
			assert.Equal(t, before[c], after[c], "%s changed by a rolled back TRUNCATE", c)
		}
	}
	assert.Equal(t, 2, e.ktCount())
	assert.Equal(t, map[string]string{"a": "1", "b": "2"}, e.rows(e.conn))
}

// A statement-level trigger replicates TRUNCATE of a synced rules table.
func TestTruncateOfSyncedTable(t *testing.T) {
	e := newEnv(t)
	e.exec("CREATE TABLE rules (name text PRIMARY KEY, body text NOT NULL)")
	e.exec(`CREATE FUNCTION rules_truncate_kt() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE kv;
  RETURN NULL;
END $$`)
	e.exec("CREATE TRIGGER rules_kt_truncate AFTER TRUNCATE ON rules FOR EACH STATEMENT EXECUTE FUNCTION rules_truncate_kt()")
	e.ktSet("r1", "allow")

	e.exec("BEGIN")
	e.exec("TRUNCATE rules")
	e.exec("ROLLBACK")
	assert.Equal(t, 1, e.ktCount())

	e.exec("TRUNCATE rules")
	assert.Equal(t, 0, e.ktCount())
}

// A failed clear at commit aborts the transaction: the local table keeps its rows.
func TestTruncateApplyFailureAborts(t *testing.T) {
	e := newDevEnv(t)
	e.ktSet("a", "1")
	e.exec("CREATE TABLE local_rules (name text)")
	e.exec("INSERT INTO local_rules VALUES ('r')")
	e.dev.Close()

	e.exec("BEGIN")
	e.exec("TRUNCATE local_rules, kv")
	_, err := e.conn.Exec(ctx(t), "COMMIT")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "could not connect to KT server")
	var n int
	require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT count(*) FROM local_rules").Scan(&n))
	assert.Equal(t, 1, n, "the local TRUNCATE committed although the KT clear failed")
}
