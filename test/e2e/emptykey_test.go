package e2e_test

import (
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The empty key '' is a KT key like any other, and an empty value is a
// record, not a missing one. These tests run every write path with '' on a
// text table, a bytea table and a table with a prefix (where '' is the KT
// key "p:"), checking KT itself with the kt client.

// ekTable is one foreign table of the empty-key tests, on KT DB 0.
type ekTable struct {
	name   string
	bytea  bool
	prefix string
}

var ekTables = []ekTable{
	{name: "kv"},
	{name: "kvb", bytea: true},
	{name: "kvp", prefix: "p:"},
}

// ekEnv is an env with the three tables of ekTables.
func ekEnv(t *testing.T, e *env) {
	t.Helper()
	e.exec("CREATE FOREIGN TABLE kvb (key bytea, value bytea) SERVER kt")
	e.exec("CREATE FOREIGN TABLE kvp (key text, value text) SERVER kt OPTIONS (prefix 'p:')")
}

// eachTable runs fn as a subtest per table, each on a cleared KT.
func eachTable(t *testing.T, newEnv func(t *testing.T) *env, fn func(t *testing.T, e *env, tb ekTable)) {
	for _, tb := range ekTables {
		t.Run(tb.name, func(t *testing.T) {
			e := newEnv(t)
			ekEnv(t, e)
			fn(t, e, tb)
		})
	}
}

// lit is s as an SQL literal of the table's column type.
func (tb ekTable) lit(s string) string {
	if tb.bytea {
		return `'\x` + hex.EncodeToString([]byte(s)) + `'::bytea`
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// row is the literal of a (key, value) row.
func (tb ekTable) row(k, v string) string { return "(" + tb.lit(k) + ", " + tb.lit(v) + ")" }

// text is column col as text.
func (tb ekTable) text(col string) string {
	if tb.bytea {
		return "convert_from(" + col + ", 'UTF8')"
	}
	return col
}

// display is key k as error messages show it (bytea in hex).
func (tb ekTable) display(k string) string {
	if tb.bytea {
		return `\x` + hex.EncodeToString([]byte(k))
	}
	return k
}

// ktKey is the KT key of the table's key k.
func (tb ekTable) ktKey(k string) string { return tb.prefix + k }

// kt is what KT holds, keyed as the table sees it.
func (tb ekTable) kt(e *env) map[string]string {
	out := map[string]string{}
	for k, v := range e.ktAll() {
		if strings.HasPrefix(k, tb.prefix) {
			out[strings.TrimPrefix(k, tb.prefix)] = v
		}
	}
	return out
}

// sql is what a full scan of the table returns.
func (tb ekTable) sql(e *env, where string) map[string]string {
	return e.pgPairs(fmt.Sprintf("SELECT %s, %s FROM %s %s", tb.text("key"), tb.text("value"), tb.name, where))
}

func (tb ekTable) insert(e *env, k, v string) {
	e.exec(fmt.Sprintf("INSERT INTO %s VALUES %s", tb.name, tb.row(k, v)))
}

// A second INSERT of the empty key is a unique violation on every insert path, and KT
// keeps the first value.
func TestEmptyKeyDuplicateInsert(t *testing.T) {
	eachTable(t, newEnv, func(t *testing.T, e *env, tb ekTable) {
		tb.insert(e, "", "first")
		dup := func(what, sql string) {
			t.Helper()
			pe := pgErr(t, e.conn, sql)
			assert.Equal(t, "23505", pe.Code, what)
			assert.Contains(t, pe.Message, `duplicate key value "`+tb.display("")+`" in foreign table "`+tb.name+`"`, what)
			assert.Equal(t, map[string]string{"": "first"}, tb.kt(e), what)
		}
		dup("one row", "INSERT INTO "+tb.name+" VALUES "+tb.row("", "second"))
		dup("RETURNING (checked per row)", "INSERT INTO "+tb.name+" VALUES "+tb.row("", "second")+" RETURNING key")
		dup("INSERT ... SELECT", fmt.Sprintf("INSERT INTO %s SELECT %s, %s", tb.name, tb.lit(""), tb.lit("second")))
		dup("multi-row VALUES", "INSERT INTO "+tb.name+" VALUES "+tb.row("b", "1")+", "+tb.row("", "second"))

		_, err := e.conn.Exec(ctx(t), fmt.Sprintf("INSERT INTO %s VALUES ($1, %s)", tb.name, tb.lit("second")), keyArg(tb, ""))
		require.Error(t, err, "a parameter")
		assert.Equal(t, "23505", sqlStateOf(err))

		// COPY: the text format of '' for text, \x for bytea
		_, err = e.conn.PgConn().CopyFrom(ctx(t), strings.NewReader(copyLine(tb, "", "second")), "COPY "+tb.name+" FROM STDIN")
		require.Error(t, err, "COPY")
		assert.Equal(t, "23505", sqlStateOf(err), "COPY")

		e.exec("BEGIN")
		pe := pgErr(t, e.conn, "INSERT INTO "+tb.name+" VALUES "+tb.row("", "second"))
		assert.Equal(t, "23505", pe.Code, "explicit transaction")
		e.exec("ROLLBACK")

		// written in KT by another client, not through the table
		require.NoError(t, e.kt.Remove(ctx(t), "", []byte(tb.ktKey(""))))
		e.ktSet(tb.ktKey(""), "first")
		dup("a record another client wrote", "INSERT INTO "+tb.name+" VALUES "+tb.row("", "second"))
		assert.Equal(t, map[string]string{"": "first"}, tb.kt(e))
	})
}

// The empty key twice in one statement or one transaction: the second is a duplicate
// of the first (the buffer's), and nothing is written.
func TestEmptyKeyDuplicateInOneTransaction(t *testing.T) {
	eachTable(t, newEnv, func(t *testing.T, e *env, tb ekTable) {
		pe := pgErr(t, e.conn, "INSERT INTO "+tb.name+" VALUES "+tb.row("", "a")+", "+tb.row("", "b"))
		assert.Equal(t, "23505", pe.Code)
		assert.Contains(t, pe.Detail, "earlier in this transaction")

		_, err := e.conn.PgConn().CopyFrom(ctx(t), strings.NewReader(copyLine(tb, "", "a")+copyLine(tb, "", "b")), "COPY "+tb.name+" FROM STDIN")
		require.Error(t, err)
		assert.Equal(t, "23505", sqlStateOf(err), "COPY")

		e.exec("BEGIN")
		tb.insert(e, "", "a")
		pe = pgErr(t, e.conn, "INSERT INTO "+tb.name+" VALUES "+tb.row("", "b"))
		assert.Equal(t, "23505", pe.Code)
		e.exec("ROLLBACK")
		assert.Empty(t, e.ktAll(), "nothing was written")

		// deleted earlier in the transaction: inserting it again is fine
		tb.insert(e, "", "a")
		e.exec("BEGIN")
		e.exec(fmt.Sprintf("DELETE FROM %s WHERE key = %s", tb.name, tb.lit("")))
		tb.insert(e, "", "b")
		e.exec("COMMIT")
		assert.Equal(t, map[string]string{"": "b"}, tb.kt(e))
	})
}

// ON CONFLICT DO NOTHING skips the empty key when KT or the statement has it.
func TestEmptyKeyOnConflictDoNothing(t *testing.T) {
	eachTable(t, newEnv, func(t *testing.T, e *env, tb ekTable) {
		tag := e.exec("INSERT INTO " + tb.name + " VALUES " + tb.row("", "a") + ", " + tb.row("", "b") + " ON CONFLICT DO NOTHING")
		assert.EqualValues(t, 1, tag.RowsAffected())
		assert.Equal(t, map[string]string{"": "a"}, tb.kt(e))

		got := e.column(fmt.Sprintf("INSERT INTO %s VALUES %s, %s ON CONFLICT DO NOTHING RETURNING %s",
			tb.name, tb.row("", "c"), tb.row("n", "d"), tb.text("key")))
		assert.Equal(t, []string{"n"}, got, "the '' row was skipped")
		assert.Equal(t, map[string]string{"": "a", "n": "d"}, tb.kt(e))
	})
}

// UPDATE and DELETE find the empty key's row, RETURNING shows it, and key
// moves to and from the empty key move the record (or are 23505 when the
// target exists).
func TestEmptyKeyUpdateDeleteMove(t *testing.T) {
	eachTable(t, newEnv, func(t *testing.T, e *env, tb ekTable) {
		tb.insert(e, "", "v")
		tb.insert(e, "b", "vb")
		where := func(k string) string { return " WHERE key = " + tb.lit(k) }

		var k, v string
		require.NoError(t, e.conn.QueryRow(ctx(t), fmt.Sprintf("UPDATE %s SET value = %s%s RETURNING %s, %s",
			tb.name, tb.lit("u"), where(""), tb.text("key"), tb.text("value"))).Scan(&k, &v))
		assert.Equal(t, []string{"", "u"}, []string{k, v})
		assert.Equal(t, map[string]string{"": "u", "b": "vb"}, tb.kt(e))

		pe := pgErr(t, e.conn, "UPDATE "+tb.name+" SET key = "+tb.lit("b")+where(""))
		assert.Equal(t, "23505", pe.Code, "moving '' onto an existing key")
		pe = pgErr(t, e.conn, "UPDATE "+tb.name+" SET key = "+tb.lit("")+where("b"))
		assert.Equal(t, "23505", pe.Code, "moving a key onto ''")
		assert.Contains(t, pe.Message, `duplicate key value "`+tb.display("")+`"`)
		assert.Equal(t, map[string]string{"": "u", "b": "vb"}, tb.kt(e))

		tag := e.exec("UPDATE " + tb.name + " SET key = " + tb.lit("a") + where(""))
		assert.EqualValues(t, 1, tag.RowsAffected())
		assert.Equal(t, map[string]string{"a": "u", "b": "vb"}, tb.kt(e), "'' moved to 'a'")
		tag = e.exec("UPDATE " + tb.name + " SET key = " + tb.lit("") + where("b"))
		assert.EqualValues(t, 1, tag.RowsAffected())
		assert.Equal(t, map[string]string{"a": "u", "": "vb"}, tb.kt(e), "'b' moved to ''")

		// a whole-table UPDATE reaches the '' row too
		e.exec(fmt.Sprintf("UPDATE %s SET value = value || %s", tb.name, tb.lit("!")))
		assert.Equal(t, map[string]string{"a": "u!", "": "vb!"}, tb.kt(e))

		require.NoError(t, e.conn.QueryRow(ctx(t), fmt.Sprintf("DELETE FROM %s%s RETURNING %s, %s",
			tb.name, where(""), tb.text("key"), tb.text("value"))).Scan(&k, &v))
		assert.Equal(t, []string{"", "vb!"}, []string{k, v})
		assert.Equal(t, map[string]string{"a": "u!"}, tb.kt(e))
		tag = e.exec("DELETE FROM " + tb.name + where(""))
		assert.EqualValues(t, 0, tag.RowsAffected(), "'' is gone")
		tag = e.exec("UPDATE " + tb.name + " SET value = " + tb.lit("x") + where(""))
		assert.EqualValues(t, 0, tag.RowsAffected())
		assert.Equal(t, map[string]string{"a": "u!"}, tb.kt(e))
	})
}

// Savepoints keep or discard exactly the writes of the empty key made since
// them.
func TestEmptyKeySavepoints(t *testing.T) {
	eachTable(t, newEnv, func(t *testing.T, e *env, tb ekTable) {
		count := func() string {
			return e.value("SELECT count(*) FROM " + tb.name + " WHERE key = " + tb.lit(""))
		}
		e.exec("BEGIN")
		e.exec("SAVEPOINT a")
		tb.insert(e, "", "rolled back")
		assert.Equal(t, "1", count())
		e.exec("ROLLBACK TO SAVEPOINT a")
		assert.Equal(t, "0", count(), "the rolled-back INSERT is gone")
		tb.insert(e, "", "kept") // not a duplicate any more

		e.exec("SAVEPOINT b")
		e.exec("DELETE FROM " + tb.name + " WHERE key = " + tb.lit(""))
		assert.Equal(t, "0", count())
		tb.insert(e, "", "again")
		e.exec("ROLLBACK TO SAVEPOINT b")
		assert.Equal(t, "kept", e.value("SELECT "+tb.text("value")+" FROM "+tb.name+" WHERE key = "+tb.lit("")))

		e.exec("SAVEPOINT c")
		pe := pgErr(t, e.conn, "INSERT INTO "+tb.name+" VALUES "+tb.row("", "dup"))
		assert.Equal(t, "23505", pe.Code, "'' is in the buffer at level 1")
		e.exec("ROLLBACK TO SAVEPOINT c")

		e.exec("SAVEPOINT d")
		e.exec("UPDATE " + tb.name + " SET value = " + tb.lit("") + " WHERE key = " + tb.lit(""))
		e.exec("RELEASE SAVEPOINT d")
		e.exec("COMMIT")
		assert.Equal(t, map[string]string{"": ""}, tb.kt(e))
	})
}

// A spilled buffer (buffer_memory at its minimum) keeps the empty key and
// empty values: lookups, the duplicate check, scans and the commit.
func TestEmptyKeySpilled(t *testing.T) {
	eachTable(t, func(t *testing.T) *env { return txScriptEnv(t, "buffer_memory '8kB'") }, func(t *testing.T, e *env, tb ekTable) {
		e.exec("BEGIN")
		tb.insert(e, "", "")
		e.exec(fmt.Sprintf("INSERT INTO %s SELECT %s, %s FROM generate_series(1, 2000) i",
			tb.name, castTo(tb, "'k' || lpad(i::text, 5, '0')"), castTo(tb, "CASE WHEN i % 2 = 0 THEN '' ELSE repeat('v', 50) END")))
		require.Positive(t, e.spillFiles(), "2,000 rows over 8kB spilled")
		e.exec("SAVEPOINT s")
		pe := pgErr(t, e.conn, "INSERT INTO "+tb.name+" VALUES "+tb.row("", "dup"))
		assert.Equal(t, "23505", pe.Code, "the duplicate check finds the spilled ''")
		e.exec("ROLLBACK TO SAVEPOINT s")
		assert.Equal(t, "true", e.value("SELECT (value IS NOT NULL AND length(value) = 0)::text FROM "+tb.name+" WHERE key = "+tb.lit("")))
		assert.Equal(t, "1000", e.value("SELECT count(*) FROM "+tb.name+" WHERE length(value) = 0 AND key <> "+tb.lit("")))
		e.exec("COMMIT")

		got := tb.kt(e)
		assert.Len(t, got, 2001)
		v, ok := got[""]
		assert.True(t, ok, "'' reached KT")
		assert.Equal(t, "", v)
		assert.Equal(t, "", got["k00002"])
		assert.Equal(t, strings.Repeat("v", 50), got["k00001"])

		// and removed through a spilled buffer
		e.exec("BEGIN")
		e.exec(fmt.Sprintf("UPDATE %s SET value = value || %s WHERE key <> %s", tb.name, tb.lit("x"), tb.lit("")))
		require.Positive(t, e.spillFiles())
		e.exec("DELETE FROM " + tb.name + " WHERE key = " + tb.lit(""))
		e.exec("COMMIT")
		got = tb.kt(e)
		assert.Len(t, got, 2000)
		_, ok = got[""]
		assert.False(t, ok, "'' was removed")
		assert.Equal(t, "x", got["k00002"])
	})
}

// conflict_check remembers the empty key and empty values like any other key and
// value: 40001 naming the key when another client changed them, and an
// empty value is not an absent record.
func TestEmptyKeyConflictCheck(t *testing.T) {
	for _, mode := range []string{"atomic", "bulk"} {
		t.Run(mode, func(t *testing.T) {
			eachTable(t, func(t *testing.T) *env {
				return txScriptEnv(t, "apply '"+mode+"', conflict_check 'on'")
			}, func(t *testing.T, e *env, tb ekTable) {
				conflict := func(what, key, sql string, other func()) {
					t.Helper()
					before := tb.kt(e)
					e.exec("BEGIN")
					e.exec(sql)
					other()
					after := tb.kt(e)
					pe := pgErr(t, e.conn, "COMMIT")
					assert.Equal(t, "40001", pe.Code, what)
					assert.Contains(t, pe.Message, `key "`+tb.display(key)+`"`, what)
					assert.Equal(t, after, tb.kt(e), "%s: nothing was written (before: %v)", what, before)
				}
				set := func(k, v string) func() { return func() { e.ktSet(tb.ktKey(k), v) } }
				remove := func(k string) func() {
					return func() { require.NoError(t, e.kt.Remove(ctx(t), "", []byte(tb.ktKey(k)))) }
				}
				where := func(k string) string { return " WHERE key = " + tb.lit(k) }

				reset := func(kv ...string) {
					require.NoError(t, e.kt.Clear(ctx(t), ""))
					for i := 0; i < len(kv); i += 2 {
						e.ktSet(tb.ktKey(kv[i]), kv[i+1])
					}
				}
				insert := "INSERT INTO " + tb.name + " VALUES " + tb.row("", "mine")
				reset()
				conflict("INSERT '' expects it absent", "", insert, set("", "theirs"))
				reset()
				conflict("INSERT '' expects it absent; an empty value is a record", "", insert, set("", ""))
				reset("", "v0")
				conflict("UPDATE of '' read v0", "", "UPDATE "+tb.name+" SET value = "+tb.lit("mine")+where(""), set("", "theirs"))
				reset("", "v0")
				conflict("DELETE of '' read its value", "", "DELETE FROM "+tb.name+where(""), remove(""))

				// an empty value seen is not "absent", and absent is not ""
				reset("e", "")
				conflict("UPDATE read an empty value, the record went", "e", "UPDATE "+tb.name+" SET value = "+tb.lit("mine")+where("e"), remove("e"))
				reset("e", "")
				conflict("UPDATE read an empty value, it became non-empty", "e", "UPDATE "+tb.name+" SET value = "+tb.lit("mine")+where("e"), set("e", "x"))
				reset("", "")
				conflict("DELETE of '' read an empty value", "", "DELETE FROM "+tb.name+where(""), set("", "x"))

				// no interference: commits
				reset("", "")
				e.exec("BEGIN")
				e.exec("UPDATE " + tb.name + " SET value = " + tb.lit("mine") + where(""))
				e.exec("INSERT INTO " + tb.name + " VALUES " + tb.row("n", ""))
				e.exec("COMMIT")
				assert.Equal(t, map[string]string{"": "mine", "n": ""}, tb.kt(e))
			})
		})
	}
}

// kt_fdw_sync writes empty keys and empty values, and removes the record when
// the value becomes NULL (KT has no NULL), not when it becomes empty.
func TestEmptyKeySyncTrigger(t *testing.T) {
	// blind (the trigger buffers final states) and through the foreign
	// table (conflict_check: it reads KT like a statement would)
	for _, via := range []string{"blind", "conflict_check"} {
		t.Run(via, func(t *testing.T) {
			e := newEnv(t)
			if via == "conflict_check" {
				e.exec("ALTER SERVER kt OPTIONS (ADD conflict_check 'on')")
			}
			syncSteps(t, e)
		})
	}
}

func syncSteps(t *testing.T, e *env) {
	e.exec("CREATE TABLE src (k text PRIMARY KEY, v text)")
	e.exec("CREATE TRIGGER src_sync AFTER INSERT OR UPDATE OR DELETE ON src FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('kv', 'k', 'v')")
	steps := []struct {
		sql  string
		want map[string]string
	}{
		{"INSERT INTO src VALUES ('', ''), ('n', NULL), ('e', '')", map[string]string{"": "", "e": ""}},
		{"UPDATE src SET v = NULL WHERE k = ''", map[string]string{"e": ""}},
		{"UPDATE src SET v = '' WHERE k = ''", map[string]string{"": "", "e": ""}},
		{"UPDATE src SET v = '' WHERE k = 'n'", map[string]string{"": "", "e": "", "n": ""}},
		{"UPDATE src SET k = 'a' WHERE k = ''", map[string]string{"a": "", "e": "", "n": ""}},
		{"UPDATE src SET k = '' WHERE k = 'e'", map[string]string{"a": "", "": "", "n": ""}},
		{"UPDATE src SET v = 'x' WHERE k = ''", map[string]string{"a": "", "": "x", "n": ""}},
		{"DELETE FROM src WHERE k = ''", map[string]string{"a": "", "n": ""}},
		// several changes of '' in one transaction: its final state counts
		{"BEGIN; INSERT INTO src VALUES ('', 'a'); UPDATE src SET v = NULL WHERE k = ''; UPDATE src SET v = '' WHERE k = ''; COMMIT",
			map[string]string{"a": "", "n": "", "": ""}},
		{"BEGIN; UPDATE src SET v = 'b' WHERE k = ''; DELETE FROM src WHERE k = ''; INSERT INTO src VALUES ('', NULL); COMMIT",
			map[string]string{"a": "", "n": ""}},
		{"BEGIN; UPDATE src SET v = 'c' WHERE k = ''; SAVEPOINT s; UPDATE src SET k = 'm' WHERE k = ''; ROLLBACK TO SAVEPOINT s; COMMIT",
			map[string]string{"a": "", "n": "", "": "c"}},
	}
	for _, s := range steps {
		e.exec(s.sql)
		require.Equal(t, s.want, e.ktAll(), s.sql)
		require.Equal(t, s.want, e.pgPairs("SELECT k, v FROM src WHERE v IS NOT NULL"), s.sql)
	}
}

// reconcile compares empty keys and empty values like any others: an empty
// value is a record, a NULL value none.
func TestEmptyKeyReconcile(t *testing.T) {
	e := newEnv(t)
	e.exec("CREATE TABLE flags (name text PRIMARY KEY, state text)")
	e.exec("INSERT INTO flags VALUES ('', ''), ('null', NULL), ('empty', ''), ('x', 'on')")
	e.ktSet("null", "") // an empty record where the source has none
	e.ktSet("x", "")    // empty where the source has 'on'

	r := e.reconcile("-source", "flags", "-target", "kv", "-value", "state")
	assert.Equal(t, 1, r.exit, r.stdout)
	assert.Equal(t, []int{2, 1, 1}, []int{r.missing, r.extra, r.differing}, r.stdout)
	assert.Contains(t, r.stdout, "missing   \n", "the empty key is listed")
	assert.Contains(t, r.stdout, "missing   empty\n")
	assert.Contains(t, r.stdout, "extra     null\n")
	assert.Contains(t, r.stdout, "differing x\n")

	r = e.reconcile("-source", "flags", "-target", "kv", "-value", "state", "-repair")
	assert.Equal(t, 0, r.exit, r.stderr)
	assert.Equal(t, 4, r.repaired)
	assert.Equal(t, map[string]string{"": "", "empty": "", "x": "on"}, e.ktAll())

	// '' drifts: its value, then the record
	e.ktSet("", "drift")
	r = e.reconcile("-source", "flags", "-target", "kv", "-value", "state")
	assert.Equal(t, []int{0, 0, 1}, []int{r.missing, r.extra, r.differing}, r.stdout)
	require.NoError(t, e.kt.Remove(ctx(t), "", []byte("")))
	r = e.reconcile("-source", "flags", "-target", "kv", "-value", "state", "-repair")
	assert.Equal(t, []int{1, 0, 0, 1}, []int{r.missing, r.extra, r.differing, r.repaired}, r.stdout)
	assert.Equal(t, map[string]string{"": "", "empty": "", "x": "on"}, e.ktAll())
}

// kt_fdw_reconcile (the SQL function) too: the empty key is a key, an empty
// value a record, a NULL value none.
func TestEmptyKeyReconcileFunction(t *testing.T) {
	e := newEnv(t)
	e.exec("CREATE TABLE flags (name text PRIMARY KEY, state text)")
	e.exec("CREATE TRIGGER flags_sync AFTER INSERT OR UPDATE OR DELETE ON flags FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('kv', 'name', 'state')")
	e.exec("INSERT INTO flags VALUES ('', ''), ('null', NULL), ('empty', ''), ('x', 'on')")
	want := map[string]string{"": "", "empty": "", "x": "on"}
	require.Equal(t, want, e.ktAll())
	assert.Empty(t, e.pgPairs("SELECT kind, key FROM kt_fdw_reconcile('flags')"))

	require.NoError(t, e.kt.Remove(ctx(t), "", []byte("")))
	e.ktSet("null", "")
	e.ktSet("x", "")
	diffs := func(repair string) []string {
		return e.column("SELECT kind || ' ' || quote_literal(key) FROM kt_fdw_reconcile('flags', repair => " + repair + ") ORDER BY 1")
	}
	wantDiffs := []string{"differing 'x'", "extra 'null'", "missing ''"}
	assert.Equal(t, wantDiffs, diffs("false"))
	assert.Equal(t, wantDiffs, diffs("true"))
	assert.Equal(t, want, e.ktAll(), "repaired at commit")
	assert.Empty(t, diffs("false"))
}

// An empty value is a record: every read path returns it as empty (not NULL),
// and a missing key returns no row.
func TestEmptyValueIsNotMissing(t *testing.T) {
	eachTable(t, newEnv, func(t *testing.T, e *env, tb ekTable) {
		tb.insert(e, "e", "")
		tb.insert(e, "", "")
		tb.insert(e, "f", "full")
		isEmpty := "value IS NOT NULL AND length(value) = 0"
		for what, q := range map[string]string{
			"get":          "SELECT %s FROM %s WHERE key = " + tb.lit("e"),
			"get ''":       "SELECT %s FROM %s WHERE key = " + tb.lit(""),
			"get_bulk":     "SELECT %s FROM %s WHERE key IN (" + tb.lit("e") + ", " + tb.lit("missing") + ")",
			"full scan":    "SELECT %s FROM %s WHERE key = " + tb.lit("e") + " OR key IS NULL",
			"prefix":       "SELECT %s FROM %s WHERE starts_with(" + tb.text("key") + ", 'e')",
			"param lookup": "SELECT %s FROM %s WHERE key = (SELECT " + tb.lit("e") + ")",
		} {
			var empty bool
			require.NoError(t, e.conn.QueryRow(ctx(t), fmt.Sprintf(q, isEmpty, tb.name)).Scan(&empty), what)
			assert.True(t, empty, what)
		}
		assert.Equal(t, "0", e.value("SELECT count(*) FROM "+tb.name+" WHERE key = "+tb.lit("missing")))
		assert.Equal(t, "2", e.value("SELECT count(*) FROM "+tb.name+" WHERE length(value) = 0"))
		assert.Equal(t, "0", e.value("SELECT count(*) FROM "+tb.name+" WHERE value IS NULL"))

		// a join: the missing key's value is NULL, the empty one ''
		var emptyOK, missingNull bool
		require.NoError(t, e.conn.QueryRow(ctx(t), fmt.Sprintf(`SELECT
  bool_or(l.k = 'e' AND t.value IS NOT NULL AND length(t.value) = 0),
  bool_or(l.k = 'missing' AND t.value IS NULL)
FROM (VALUES ('e'), ('missing')) l(k) LEFT JOIN %s t ON t.key = %s`, tb.name, castTo(tb, "l.k"))).Scan(&emptyOK, &missingNull))
		assert.True(t, emptyOK, "join finds the empty value")
		assert.True(t, missingNull, "join finds no row for the missing key")

		// read-your-writes: the buffer's empty value and removal
		e.exec("BEGIN")
		e.exec("UPDATE " + tb.name + " SET value = " + tb.lit("") + " WHERE key = " + tb.lit("f"))
		e.exec("DELETE FROM " + tb.name + " WHERE key = " + tb.lit("e"))
		assert.Equal(t, map[string]string{"": "", "f": ""}, tb.sql(e, ""))
		assert.Equal(t, "true", e.value("SELECT ("+isEmpty+")::text FROM "+tb.name+" WHERE key = "+tb.lit("f")))
		assert.Equal(t, "0", e.value("SELECT count(*) FROM "+tb.name+" WHERE key = "+tb.lit("e")))
		e.exec("COMMIT")
		assert.Equal(t, map[string]string{"": "", "f": ""}, tb.kt(e))
	})
}

// A format 'json' table: the empty key is a key like any other there too, and an empty
// field is not a NULL one.
func TestEmptyKeyJSONTable(t *testing.T) {
	e := newEnv(t)
	e.exec("CREATE FOREIGN TABLE kj (key text, a text, n int) SERVER kt OPTIONS (format 'json')")
	e.exec("INSERT INTO kj VALUES ('', 'first', 1)")
	pe := pgErr(t, e.conn, "INSERT INTO kj VALUES ('', 'second', 2)")
	assert.Equal(t, "23505", pe.Code)
	assert.Equal(t, map[string]string{"": `{"a": "first", "n": 1}`}, e.ktAll())

	e.exec("UPDATE kj SET a = '' WHERE key = ''")
	e.exec("INSERT INTO kj VALUES ('null', NULL, NULL)")
	assert.Equal(t, map[string]string{"": `{"a": "", "n": 1}`, "null": `{"a": null, "n": null}`}, e.ktAll())
	assert.Equal(t, map[string]string{"": "empty", "null": "null"},
		e.pgPairs("SELECT key, CASE WHEN a IS NULL THEN 'null' WHEN a = '' THEN 'empty' END FROM kj"))

	e.exec("UPDATE kj SET key = 'moved' WHERE key = ''")
	e.exec("UPDATE kj SET key = '' WHERE key = 'null'")
	assert.Equal(t, map[string]string{"moved": `{"a": "", "n": 1}`, "": `{"a": null, "n": null}`}, e.ktAll())
	e.exec("DELETE FROM kj WHERE key = ''")
	assert.Equal(t, map[string]string{"moved": `{"a": "", "n": 1}`}, e.ktAll())
}

// keyArg is the Go parameter for key k of tb.
func keyArg(tb ekTable, k string) any {
	if tb.bytea {
		return []byte(k)
	}
	return k
}

// castTo casts a text expression to the table's column type.
func castTo(tb ekTable, expr string) string {
	if tb.bytea {
		return "convert_to(" + expr + ", 'UTF8')"
	}
	return expr
}

// copyLine is one COPY text-format line (k, v: no tabs or backslashes).
func copyLine(tb ekTable, k, v string) string {
	if tb.bytea {
		return `\\x` + hex.EncodeToString([]byte(k)) + "\t" + `\\x` + hex.EncodeToString([]byte(v)) + "\n"
	}
	return k + "\t" + v + "\n"
}
