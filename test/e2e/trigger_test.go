package e2e_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The first users' pattern: a trigger on a local rules table writes every
// change through the foreign table, so KT gets it in the same commit.
func TestTriggerSyncedTableCommitsTogether(t *testing.T) {
	e := newEnv(t)
	createRulesSyncedToKV(e)

	e.exec("INSERT INTO rules VALUES ('r1', 'allow'), ('r2', 'deny')")
	v, ok := e.ktGet("r1")
	require.True(t, ok)
	assert.Equal(t, "allow", v)

	e.exec("UPDATE rules SET name = 'r1b', body = 'allow2' WHERE name = 'r1'")
	_, ok = e.ktGet("r1")
	assert.False(t, ok)
	v, _ = e.ktGet("r1b")
	assert.Equal(t, "allow2", v)

	// a failing source change leaves KT alone
	e.exec("BEGIN")
	e.exec("DELETE FROM rules WHERE name = 'r2'")
	_, err := e.conn.Exec(ctx(t), "INSERT INTO rules VALUES ('r1b', 'dup')")
	require.Error(t, err)
	e.exec("ROLLBACK")
	v, ok = e.ktGet("r2")
	assert.True(t, ok, "rolled back delete reached KT")
	assert.Equal(t, "deny", v)
	assert.Equal(t, 2, e.ktCount())
}

// createRulesSyncedToKV makes the table rules(name, body) whose trigger writes
// every change through the foreign table kv, the first users' pattern.
func createRulesSyncedToKV(e *env) {
	e.exec("CREATE TABLE rules (name text PRIMARY KEY, body text NOT NULL)")
	e.exec(`CREATE FUNCTION rules_to_kt() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    DELETE FROM kv WHERE key = OLD.name;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO kv VALUES (NEW.name, NEW.body);
  END IF;
  RETURN NULL;
END $$`)
	e.exec("CREATE TRIGGER rules_kt AFTER INSERT OR UPDATE OR DELETE ON rules FOR EACH ROW EXECUTE FUNCTION rules_to_kt()")
}
