package e2e_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// kt_fdw_sync with the row as JSON and the primary key as KT key: every
// change is in KT (read with the kt client) after its commit, never before,
// and a rolled-back one never.
func TestSyncTriggerJSONRow(t *testing.T) {
	e := newEnv(t)
	createSyncedRules(e, 0)

	e.exec("INSERT INTO rules VALUES (1, '/api', 'allow', true), (2, '/ü ñ \"q\"', NULL, false)")
	assert.Equal(t, map[string]string{
		"1": `{"id": 1, "route": "/api", "action": "allow", "enabled": true}`,
		"2": `{"id": 2, "route": "/ü ñ \"q\"", "action": null, "enabled": false}`,
	}, e.ktAll())
	assert.Equal(t, e.pgPairs(rulesAsKT), e.ktAll())

	// buffered until COMMIT
	tx, err := e.conn.Begin(ctx(t))
	require.NoError(t, err)
	_, err = tx.Exec(ctx(t), "UPDATE rules SET enabled = false WHERE id = 1")
	require.NoError(t, err)
	_, err = tx.Exec(ctx(t), "UPDATE rules SET enabled = true WHERE id = 1")
	require.NoError(t, err)
	_, err = tx.Exec(ctx(t), "UPDATE rules SET action = 'deny' WHERE id = 2")
	require.NoError(t, err)
	v, _ := e.ktGet("2")
	assert.Contains(t, v, `"action": null`, "KT changed before COMMIT")
	require.NoError(t, tx.Commit(ctx(t)))
	v, _ = e.ktGet("2")
	assert.Contains(t, v, `"action": "deny"`)
	assert.Equal(t, e.pgPairs(rulesAsKT), e.ktAll())

	// rolled back: nothing reaches KT
	e.exec("BEGIN")
	e.exec("INSERT INTO rules VALUES (3, '/x', 'deny', true)")
	e.exec("DELETE FROM rules WHERE id = 1")
	e.exec("ROLLBACK")
	assert.Equal(t, e.pgPairs(rulesAsKT), e.ktAll())

	// key change moves the record, DELETE removes it
	e.exec("UPDATE rules SET id = 10 WHERE id = 1")
	_, ok := e.ktGet("1")
	assert.False(t, ok)
	e.exec("DELETE FROM rules WHERE id = 2")
	assert.Equal(t, e.pgPairs(rulesAsKT), e.ktAll())
	assert.Equal(t, 1, e.ktCount())

	// a failed statement inside a transaction rolls back with it
	e.exec("BEGIN")
	e.exec("INSERT INTO rules VALUES (4, '/y', 'allow', true)")
	_, err = e.conn.Exec(ctx(t), "INSERT INTO rules VALUES (10, '/dup', 'allow', true)")
	require.Error(t, err)
	e.exec("ROLLBACK")
	_, ok = e.ktGet("4")
	assert.False(t, ok)
}

// Named key and value columns; a NULL value means no KT record; a key swap
// between two rows in one statement; TRUNCATE clears the namespace.
func TestSyncTriggerNamedColumnsAndTruncate(t *testing.T) {
	e := newEnv(t)
	e.exec("CREATE TABLE flags (id serial PRIMARY KEY, name text UNIQUE, state text)")
	e.exec("CREATE TRIGGER flags_sync AFTER INSERT OR UPDATE OR DELETE ON flags FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('kv', 'name', 'state')")
	e.exec("CREATE TRIGGER flags_truncate AFTER TRUNCATE ON flags FOR EACH STATEMENT EXECUTE FUNCTION kt_fdw_sync('kv')")
	e.exec("INSERT INTO flags (name, state) VALUES ('a', 'on'), ('b', 'off'), ('c', NULL)")
	assert.Equal(t, map[string]string{"a": "on", "b": "off"}, e.ktAll())

	e.exec("UPDATE flags SET state = NULL WHERE name = 'a'")
	e.exec("UPDATE flags SET state = 'on' WHERE name = 'c'")
	assert.Equal(t, map[string]string{"b": "off", "c": "on"}, e.ktAll())

	// rename b -> d and c -> b in one transaction: KT ends as the table does
	e.exec("BEGIN")
	e.exec("UPDATE flags SET name = 'd' WHERE name = 'b'")
	e.exec("UPDATE flags SET name = 'b' WHERE name = 'c'")
	e.exec("COMMIT")
	assert.Equal(t, map[string]string{"b": "on", "d": "off"}, e.ktAll())

	// a record written to KT by someone else is overwritten by the next change
	e.ktSet("d", "tampered")
	e.exec("UPDATE flags SET state = 'off2' WHERE name = 'd'")
	assert.Equal(t, map[string]string{"b": "on", "d": "off2"}, e.ktAll())

	e.exec("BEGIN")
	e.exec("TRUNCATE flags")
	e.exec("ROLLBACK")
	assert.Equal(t, 2, e.ktCount())
	e.exec("TRUNCATE flags")
	assert.Equal(t, 0, e.ktCount())
}

// Misuse is refused with the documented SQLSTATEs and writes nothing.
func TestSyncTriggerErrors(t *testing.T) {
	e := newEnv(t)
	e.exec("CREATE TABLE src (a text, b text)")
	e.exec("CREATE TABLE other (a text)")
	for _, c := range []struct {
		trigger, state string
	}{
		{"AFTER INSERT ON src FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('kv')", "22023"},                 // no primary key
		{"BEFORE INSERT ON src FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('kv', 'a', 'b')", "39P01"},      // not AFTER
		{"AFTER INSERT ON src FOR EACH STATEMENT EXECUTE FUNCTION kt_fdw_sync('kv', 'a', 'b')", "39P01"}, // not per row
		{"AFTER INSERT ON src FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('other', 'a', 'b')", "42809"},    // not a kt_fdw table
		{"AFTER INSERT ON src FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('kv', 'a', 'zz')", "42703"},      // unknown column
		{"AFTER INSERT ON src FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('nosuch', 'a', 'b')", "42P01"},   // unknown table
		{"AFTER INSERT ON src FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('kv', 'a', 'b', 'c')", "22023"},
	} {
		e.exec("CREATE TRIGGER t " + c.trigger)
		pe := pgErr(t, e.conn, "INSERT INTO src VALUES ('k', 'v')")
		assert.Equal(t, c.state, pe.Code, "%s: %s", c.trigger, pe.Message)
		e.exec("DROP TRIGGER t ON src")
	}
	assert.Equal(t, 0, e.ktCount())
}
