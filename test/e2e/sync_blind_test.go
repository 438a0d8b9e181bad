package e2e_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// kt_fdw_sync (C, since 0.3.0) buffers the final state of each changed row
// without reading KT; kt_fdw_sync_checked is the 0.2.0 PL/pgSQL function,
// which goes through the foreign table. These tests pin that the C function
// makes no KT request per row, that it writes exactly what the PL/pgSQL one
// writes, and that its per-trigger cache follows catalog changes.

// ktPrefixed is KT DB 0's records whose key starts with prefix, prefix cut.
func (e *env) ktPrefixed(prefix string) map[string]string {
	e.t.Helper()
	out := map[string]string{}
	for k, v := range e.ktAll() {
		if rest, ok := strings.CutPrefix(k, prefix); ok {
			out[rest] = v
		}
	}
	return out
}

// No KT request while the rows change, whatever the statement and the
// target's format; the commit applies them.
func TestSyncTriggerMakesNoKTRequestPerRow(t *testing.T) {
	e := newDevEnv(t)
	e.exec("CREATE FOREIGN TABLE rules_typed (id int, route text, action text) SERVER kt OPTIONS (format 'json', prefix 'typed:')")
	e.exec("CREATE FOREIGN TABLE rules_named (key text, value text) SERVER kt OPTIONS (prefix 'named:')")
	createSyncedRules(e, 100) // kt_fdw_sync('kv'): the row as JSON
	e.exec("CREATE TRIGGER rules_named AFTER INSERT OR UPDATE OR DELETE ON rules FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('rules_named', 'route', 'action')")
	e.exec("CREATE TRIGGER rules_typed AFTER INSERT OR UPDATE OR DELETE ON rules FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('rules_typed')")
	e.exec("UPDATE rules SET action = action") // first use: the trigger caches are built

	for _, stmts := range [][]string{
		{"UPDATE rules SET action = 'deny' WHERE id = 7"},
		{"UPDATE rules SET enabled = NOT enabled"},
		{"UPDATE rules SET id = id + 1000 WHERE id <= 10"},
		{"UPDATE rules SET action = NULL WHERE id % 5 = 0"},
		{"DELETE FROM rules WHERE id % 7 = 0"},
		{"INSERT INTO rules SELECT i, '/new/' || i, 'allow', true FROM generate_series(2001, 2050) i"},
		{"SAVEPOINT s", "UPDATE rules SET action = 'sp' WHERE id < 30", "ROLLBACK TO SAVEPOINT s"},
	} {
		e.exec("BEGIN")
		before := e.requests()
		for _, s := range stmts {
			e.exec(s)
		}
		assert.EqualValues(t, 0, e.requests()-before, "KT requests during %q", stmts)
		e.exec("COMMIT")
		assert.LessOrEqual(t, e.requests()-before, uint64(6), "KT requests at COMMIT of %q", stmts)
	}
	plain := e.ktAll() // the kv trigger's records: keys without prefix
	for k := range plain {
		if strings.HasPrefix(k, "named:") || strings.HasPrefix(k, "typed:") {
			delete(plain, k)
		}
	}
	assert.Equal(t, e.pgPairs(rulesAsKT), plain)
	assert.Equal(t, e.pgPairs("SELECT route, action FROM rules WHERE action IS NOT NULL"), e.ktPrefixed("named:"))
	assert.Equal(t, e.pgPairs("SELECT id::text, route FROM rules"),
		e.pgPairs("SELECT id::text, route FROM rules_typed"))

	// a deferrable primary key is the key column too (Postgres' relcache
	// leaves it out of rd_pkindex)
	e.exec("CREATE FOREIGN TABLE d_kt (key text, value text) SERVER kt OPTIONS (prefix 'd:')")
	e.exec("CREATE TABLE d (id int PRIMARY KEY DEFERRABLE, v text)")
	e.exec("CREATE TRIGGER d_sync AFTER INSERT OR UPDATE OR DELETE ON d FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('d_kt')")
	e.exec("BEGIN")
	before := e.requests()
	e.exec("INSERT INTO d VALUES (1, 'x')")
	assert.EqualValues(t, 0, e.requests()-before, "KT requests of a row with a deferrable primary key")
	e.exec("COMMIT")
	assert.Equal(t, map[string]string{"1": `{"v": "x", "id": 1}`}, e.ktPrefixed("d:"))
}

// The C function writes byte for byte what the 0.2.0 PL/pgSQL function
// writes through the foreign table, for the same changes: one trigger of
// each on the same source, into two foreign tables differing in prefix.
func TestSyncTriggerWritesWhatThePLpgSQLVersionWrote(t *testing.T) {
	e := newEnv(t)
	e.exec("SET timezone = 'Asia/Tokyo'")
	e.exec("CREATE DOMAIN short_text AS varchar(40)")
	const cols = `id int PRIMARY KEY, name short_text UNIQUE, flag boolean, code char(6), addr inet,
  amount numeric, at timestamptz, day date, tags text[], doc jsonb, blob bytea, expires timestamptz`
	e.exec("CREATE TABLE src (" + cols + ")")
	for i, c := range []struct {
		table, args string
		json        bool
	}{
		{"(key text, value text)", "", false},                   // the row as JSON
		{"(key text, value text)", ", 'name', 'flag'", false},   // named key and value (bool::text is 'true')
		{"(key text, value text)", ", 'code', 'addr'", false},   // bpchar and inet casts to text
		{"(key bytea, value bytea)", ", 'name', 'name'", false}, // bytea target: $1::bytea
		{"(id int, name text, amount numeric, at timestamptz, tags text[], doc jsonb, flag boolean)", "", true},
		{"(name text, id int, expires timestamptz OPTIONS (xt 'on'), day date)", ", 'name'", true},
	} {
		for _, fn := range []string{"kt_fdw_sync", "kt_fdw_sync_checked"} {
			name := fmt.Sprintf("t_%s_%d", fn, i)
			opts := fmt.Sprintf("prefix '%s:%d:'", fn, i)
			if c.json {
				opts += ", format 'json'"
			}
			e.exec(fmt.Sprintf("CREATE FOREIGN TABLE %s %s SERVER kt OPTIONS (%s)", name, c.table, opts))
			// schema-qualified: kt_fdw_sync_checked runs with a fixed search_path
			e.exec(fmt.Sprintf("CREATE TRIGGER %s AFTER INSERT OR UPDATE OR DELETE ON src FOR EACH ROW EXECUTE FUNCTION %s('public.%s'%s)",
				name, fn, name, c.args))
		}
	}
	e.exec(`INSERT INTO src VALUES
 (1, 'one', true, 'ab', '10.0.0.1', 1.50, '2024-02-29 23:59:59.5+00', '2024-01-01', '{a,"b c"}', '{"k": [1, null]}', '\x00ff', now() + interval '1 day'),
 (2, 'twö "q"', false, NULL, '::1/64', -3, NULL, NULL, '{}', 'null', NULL, NULL),
 (3, NULL, NULL, 'x', NULL, NULL, NULL, NULL, NULL, NULL, NULL, '-infinity'),
 (4, 'four', NULL, 'yy', NULL, 1e10, 'infinity', 'infinity', NULL, '"s"', '\x', 'infinity')`)
	e.exec("UPDATE src SET flag = NOT flag, amount = amount * 2")
	e.exec("UPDATE src SET name = 'one-renamed' WHERE id = 1")
	e.exec("UPDATE src SET id = 40, name = NULL WHERE id = 4")
	e.exec("BEGIN")
	e.exec("UPDATE src SET code = 'tx' WHERE id = 2")
	e.exec("SAVEPOINT a")
	e.exec("DELETE FROM src WHERE id = 2")
	e.exec("ROLLBACK TO SAVEPOINT a")
	e.exec("DELETE FROM src WHERE id = 3")
	e.exec("COMMIT")

	if e.dev != nil {
		// the C triggers alone read nothing from KT: every target above is
		// one the fast path writes (the checked path would read)
		for i := 0; i < 6; i++ {
			e.exec(fmt.Sprintf("ALTER TABLE src DISABLE TRIGGER t_kt_fdw_sync_checked_%d", i))
		}
		e.exec("BEGIN")
		before := e.requests()
		e.exec("UPDATE src SET flag = flag, code = code")
		e.exec("DELETE FROM src WHERE id = 1")
		assert.EqualValues(t, 0, e.requests()-before, "KT requests of the C triggers")
		e.exec("ROLLBACK")
	}

	all := e.ktAll()
	byFn := map[string]map[string]string{}
	for k, v := range all {
		parts := strings.SplitN(k, ":", 3)
		require.Len(t, parts, 3, k)
		ns := parts[1]
		if byFn[ns] == nil {
			byFn[ns] = map[string]string{}
		}
		byFn[ns][parts[0]+"\x00"+parts[2]] = v
	}
	require.Len(t, byFn, 6, "a namespace per trigger pair")
	for ns, recs := range byFn {
		c, p := map[string]string{}, map[string]string{}
		for k, v := range recs {
			fn, key, _ := strings.Cut(k, "\x00")
			if fn == "kt_fdw_sync" {
				c[key] = v
			} else {
				p[key] = v
			}
		}
		assert.NotEmpty(t, p, "namespace %s", ns)
		assert.NotEmpty(t, c, "namespace %s", ns)
		assert.Equal(t, p, c, "namespace %s: C (right) against PL/pgSQL (left)", ns)
	}
}

// The per-trigger cache follows catalog changes made between statements
// of one session: table options, a dropped and recreated target, source
// columns, search_path, privileges.
func TestSyncTriggerCacheFollowsCatalogChanges(t *testing.T) {
	e := newEnv(t)
	e.exec("CREATE FOREIGN TABLE tgt (key text, value text) SERVER kt OPTIONS (prefix 'a:')")
	e.exec("CREATE TABLE src (k text PRIMARY KEY, v text)")
	e.exec("CREATE TRIGGER s AFTER INSERT OR UPDATE OR DELETE ON src FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('tgt', 'k', 'v')")
	e.exec("INSERT INTO src VALUES ('r', '1')")
	assert.Equal(t, map[string]string{"a:r": "1"}, e.ktAll())

	// table option
	e.exec("ALTER FOREIGN TABLE tgt OPTIONS (SET prefix 'b:')")
	e.exec("UPDATE src SET v = '2'")
	assert.Equal(t, map[string]string{"a:r": "1", "b:r": "2"}, e.ktAll())

	// dropped and recreated under the same name
	e.exec("DROP FOREIGN TABLE tgt")
	e.exec("CREATE FOREIGN TABLE tgt (key text, value text) SERVER kt OPTIONS (prefix 'c:')")
	e.exec("UPDATE src SET v = '3'")
	assert.Equal(t, "3", e.ktAll()["c:r"])

	// readonly: refused like the foreign table's own statements
	e.exec("ALTER FOREIGN TABLE tgt OPTIONS (ADD readonly 'true')")
	pe := pgErr(t, e.conn, "UPDATE src SET v = '4'")
	assert.Equal(t, "55000", pe.Code, pe.Message)
	e.exec("ALTER FOREIGN TABLE tgt OPTIONS (DROP readonly)")
	e.exec("UPDATE src SET v = '4'")
	e.exec("ALTER SERVER kt OPTIONS (ADD readonly 'true')") // the server's options too
	pe = pgErr(t, e.conn, "UPDATE src SET v = '4b'")
	assert.Equal(t, "55000", pe.Code, pe.Message)
	e.exec("ALTER SERVER kt OPTIONS (DROP readonly)")
	e.exec("UPDATE src SET v = '4c'")
	assert.Equal(t, "4c", e.ktAll()["c:r"])

	// source columns: renamed away (the trigger names v), then back
	e.exec("ALTER TABLE src RENAME COLUMN v TO w")
	pe = pgErr(t, e.conn, "UPDATE src SET w = '5'")
	assert.Equal(t, "42703", pe.Code, pe.Message)
	e.exec("ALTER TABLE src RENAME COLUMN w TO v")
	e.exec("UPDATE src SET v = '6'")
	assert.Equal(t, "6", e.ktAll()["c:r"])

	// a new column shows in the row as JSON of a trigger without value column
	e.exec("DROP TRIGGER s ON src")
	e.exec("CREATE TRIGGER s AFTER INSERT OR UPDATE OR DELETE ON src FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('tgt')")
	e.exec("UPDATE src SET v = '7'")
	assert.Equal(t, `{"k": "r", "v": "7"}`, e.ktAll()["c:r"])
	e.exec("ALTER TABLE src ADD COLUMN n int DEFAULT 8")
	e.exec("UPDATE src SET v = '9'")
	assert.Equal(t, `{"k": "r", "n": 8, "v": "9"}`, e.ktAll()["c:r"])
	e.exec("ALTER TABLE src DROP COLUMN n")
	e.exec("UPDATE src SET v = '10'")
	assert.Equal(t, `{"k": "r", "v": "10"}`, e.ktAll()["c:r"])

	// the target name resolves with the session's search_path at each row
	e.exec("CREATE SCHEMA other")
	e.exec("CREATE FOREIGN TABLE other.tgt (key text, value text) SERVER kt OPTIONS (prefix 'o:')")
	e.exec("SET search_path = other, public")
	e.exec("UPDATE src SET v = '11'")
	e.exec("RESET search_path")
	e.exec("UPDATE src SET v = '12'")
	got := e.ktAll()
	assert.Equal(t, `{"k": "r", "v": "11"}`, got["o:r"])
	assert.Equal(t, `{"k": "r", "v": "12"}`, got["c:r"])

	// privileges of the current user on the target
	e.exec("CREATE ROLE sync_writer")
	e.exec("GRANT ALL ON src TO sync_writer")
	e.exec("GRANT USAGE ON FOREIGN SERVER kt TO sync_writer")
	e.exec("SET ROLE sync_writer")
	pe = pgErr(t, e.conn, "UPDATE src SET v = '13'")
	assert.Equal(t, "42501", pe.Code, pe.Message)
	e.exec("RESET ROLE")
	e.exec("GRANT ALL ON tgt TO sync_writer")
	e.exec("SET ROLE sync_writer")
	e.exec("UPDATE src SET v = '14'")
	e.exec("RESET ROLE")
	assert.Equal(t, `{"k": "r", "v": "14"}`, e.ktAll()["c:r"])
	e.exec("DROP OWNED BY sync_writer")
	e.exec("DROP ROLE sync_writer")

	// a dropped trigger's cache entry (and its Go handle) goes at the next call
	handles := func() int {
		var n int
		require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT open_handles FROM kt_fdw_stats()").Scan(&n))
		return n
	}
	e.exec("UPDATE src SET v = '14'") // src's trigger cached
	h0 := handles()
	e.exec("CREATE TABLE src2 (k text PRIMARY KEY, v text)")
	e.exec("CREATE TRIGGER s2 AFTER INSERT ON src2 FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('tgt')")
	e.exec("INSERT INTO src2 VALUES ('x', 'y')")
	assert.Equal(t, h0+1, handles(), "one cached handle per trigger")
	e.exec("DROP TABLE src2")
	e.exec("UPDATE src SET v = '15'")
	assert.Equal(t, h0, handles(), "the dropped trigger's handle is released")
}

// With conflict_check the trigger goes through the foreign table, which
// reads the record: a change by another KT client between the trigger and
// COMMIT fails the commit with 40001, as doc/reference.md promises for
// records the transaction read and changed; without it, the C path writes
// blindly and the last writer wins.
func TestSyncTriggerConflictCheck(t *testing.T) {
	e := newEnv(t)
	e.exec("ALTER SERVER kt OPTIONS (ADD apply 'bulk', conflict_check 'on')")
	e.exec("CREATE TABLE src (k text PRIMARY KEY, v text)")
	e.exec("CREATE TRIGGER s AFTER INSERT OR UPDATE OR DELETE ON src FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('kv', 'k', 'v')")
	e.exec("INSERT INTO src VALUES ('k', 'v0')")
	require.Equal(t, map[string]string{"k": "v0"}, e.ktAll())

	e.exec("BEGIN")
	e.exec("UPDATE src SET v = 'mine'")
	e.ktSet("k", "theirs")
	pe := pgErr(t, e.conn, "COMMIT")
	assert.Equal(t, "40001", pe.Code, pe.Message)
	assert.Equal(t, map[string]string{"k": "theirs"}, e.ktAll())

	e.exec("ALTER FOREIGN TABLE kv OPTIONS (ADD conflict_check 'off')")
	e.exec("BEGIN")
	e.exec("UPDATE src SET v = 'mine'")
	e.ktSet("k", "theirs again")
	e.exec("COMMIT")
	assert.Equal(t, map[string]string{"k": "mine"}, e.ktAll())
}
