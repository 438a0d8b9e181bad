package e2e_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every supported column type goes through format 'json' and back: KT
// (read with the kt client) holds one JSON object with typed fields, and
// the row read back through the foreign table equals the row written,
// NULLs and unicode included.
func TestJSONFormatRoundTripsEveryType(t *testing.T) {
	e := newEnv(t)
	const cols = `id int, i2 smallint, i8 bigint, num numeric, f4 real, f8 double precision,
  b boolean, t text, vc varchar(20), ts timestamptz, tsl timestamp, d date, tm time,
  js json, jb jsonb, ia int[], ta text[], u uuid, by bytea, iv interval, inet inet`
	e.exec("SET timezone = 'Asia/Tokyo'")
	e.exec("CREATE TABLE src (" + cols + ")")
	e.exec("CREATE FOREIGN TABLE jt (" + cols + ") SERVER kt OPTIONS (format 'json')")
	e.exec(`INSERT INTO src VALUES
 (1, -32768, 9223372036854775807, 12345678901234567890.000123, 1.5, -2.25e-300,
  true, 'plain', 'vc', '2024-02-29 23:59:59.123456+00', '2024-01-01 12:00', '1999-12-31', '23:59:59',
  '{"a": [1, "x"]}', '{"k": {"n": null}}', '{1,NULL,3}', '{"a b","c\"d",NULL,"ü"}',
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\x00ff', '1 day 02:03:04', '10.0.0.1/8'),
 (2, NULL, NULL, 'NaN', 'Infinity', '-Infinity', false, 'ünï "cödé" 日本語 😀 \ tab	end', NULL, NULL, NULL, NULL, NULL,
  '"s"', '[]', '{}', '{}', NULL, '\x', NULL, NULL),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`)
	e.exec("INSERT INTO jt SELECT * FROM src")

	// KT holds typed JSON
	var v1 map[string]any
	raw, ok := e.ktGet("1")
	require.True(t, ok)
	require.NoError(t, json.Unmarshal([]byte(raw), &v1), raw)
	assert.Equal(t, float64(-32768), v1["i2"])
	assert.Equal(t, true, v1["b"])
	assert.Equal(t, "2024-02-29T23:59:59.123456+00:00", v1["ts"], "timestamptz in ISO 8601, UTC")
	assert.Equal(t, "1999-12-31", v1["d"])
	assert.Equal(t, map[string]any{"k": map[string]any{"n": nil}}, v1["jb"])
	assert.Equal(t, []any{float64(1), nil, float64(3)}, v1["ia"])
	assert.Equal(t, []any{"a b", `c"d`, nil, "ü"}, v1["ta"])
	assert.Equal(t, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", v1["u"])
	assert.NotContains(t, v1, "id", "the key column is the KT key, not a field")
	var v3 map[string]any
	raw, _ = e.ktGet("3")
	require.NoError(t, json.Unmarshal([]byte(raw), &v3))
	assert.Len(t, v3, 20)
	for k, v := range v3 {
		assert.Nil(t, v, "NULL column %s", k)
	}

	// back through the foreign table: equal to the source, column by column
	var diffs int
	require.NoError(t, e.conn.QueryRow(ctx(t), `
SELECT count(*) FROM src s FULL JOIN jt j ON j.id = s.id
 WHERE to_jsonb(s) IS DISTINCT FROM to_jsonb(j) OR s.js::text IS DISTINCT FROM j.js::text
    OR s.ts IS DISTINCT FROM j.ts OR s.num::text IS DISTINCT FROM j.num::text`).Scan(&diffs))
	if !assert.Zero(t, diffs, "rows differ after the round trip") {
		t.Log(e.pgPairs(`SELECT s.id::text, to_jsonb(s)::text || ' <> ' || to_jsonb(j)::text FROM src s JOIN jt j USING (id)`))
	}
	var tval string
	require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT t FROM jt WHERE id = 2").Scan(&tval))
	assert.Equal(t, "ünï \"cödé\" 日本語 😀 \\ tab\tend", tval)

	// another session's DateStyle and time zone read the same instants
	e.exec("SET datestyle = 'SQL, DMY'")
	e.exec("SET timezone = 'America/New_York'")
	require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT count(*) FROM src s JOIN jt j USING (id) WHERE s.ts = j.ts AND s.d = j.d").Scan(&diffs))
	assert.Equal(t, 1, diffs)
}

// kt_fdw_sync with a JSON value into a plain table, read back typed
// through a format 'json' table on the same KT database (same fields).
func TestJSONFormatReadsSyncedRows(t *testing.T) {
	e := newEnv(t)
	e.exec("CREATE TABLE limits (id int PRIMARY KEY, route text, rps numeric, enabled boolean, tags text[])")
	e.exec("CREATE TRIGGER s AFTER INSERT OR UPDATE OR DELETE ON limits FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('kv')")
	e.exec("CREATE FOREIGN TABLE limits_typed (id int, route text, rps numeric, enabled boolean, tags text[]) SERVER kt OPTIONS (format 'json')")
	e.exec(`INSERT INTO limits VALUES (1, '/api', 2.5, true, '{a,b}'), (2, '/x', NULL, false, NULL)`)
	var n int
	require.NoError(t, e.conn.QueryRow(ctx(t), `
SELECT count(*) FROM limits l JOIN limits_typed k USING (id)
 WHERE (l.route, l.rps, l.enabled, l.tags) IS NOT DISTINCT FROM (k.route, k.rps, k.enabled, k.tags)`).Scan(&n))
	assert.Equal(t, 2, n)
	var sum float64
	require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT sum(rps * 2)::float8 FROM limits_typed WHERE enabled").Scan(&sum))
	assert.Equal(t, 5.0, sum)
}

// kt_fdw_sync into a format 'json' table with a prefix (the source's
// columns by name), and reconcile of that namespace: drift inside the
// prefix is found and repaired exactly, keys outside it are not touched.
func TestSyncAndReconcileJSONTarget(t *testing.T) {
	e := newEnv(t)
	e.exec("CREATE FOREIGN TABLE limits_kt (id int, route text, rps numeric, until timestamptz) SERVER kt OPTIONS (format 'json', prefix 'lim/')")
	e.exec("CREATE TABLE limits (id int PRIMARY KEY, route text NOT NULL, rps numeric, until timestamptz, note text)")
	e.exec("CREATE TRIGGER s AFTER INSERT OR UPDATE OR DELETE ON limits FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('limits_kt')")
	e.exec(`INSERT INTO limits SELECT i, '/r/' || i, i * 1.50, '2030-01-01'::timestamptz + i * interval '1 hour', 'local only'
  FROM generate_series(1, 40) i`)
	e.exec("UPDATE limits SET id = 41 WHERE id = 40")
	v, ok := e.ktGet("lim/41")
	require.True(t, ok)
	assert.Equal(t, `{"route": "/r/40", "rps": 60.00, "until": "2030-01-02T16:00:00+00:00"}`, v)
	_, ok = e.ktGet("lim/40")
	assert.False(t, ok)

	clean := e.reconcile("-source", "limits")
	require.Equal(t, 0, clean.exit, clean.stdout+clean.stderr)
	assert.Equal(t, 40, clean.ktKeys)

	require.NoError(t, e.kt.Remove(ctx(t), "", []byte("lim/3")))
	e.ktSet("lim/4", `{"route": "/r/4", "rps": 999}`)
	e.ktSet("lim/999", `{"route": "/gone"}`)
	e.ktSet("other/1", "not mine")
	e.ktSet("lim/5", "not json at all")         // undecodable: differing
	e.ktSet("lim/6", `{"rps": "many"}`)         // a field its column rejects
	e.ktSet("lim/998", "undecodable and extra") // extra
	r := e.reconcile("-source", "limits", "-repair")
	require.Equal(t, 0, r.exit, r.stdout+r.stderr)
	assert.Equal(t, []int{1, 2, 3, 6}, []int{r.missing, r.extra, r.differing, r.repaired}, r.stdout)
	v, _ = e.ktGet("lim/4")
	assert.Equal(t, `{"route": "/r/4", "rps": 6.00, "until": "2030-01-01T04:00:00+00:00"}`, v)
	v, _ = e.ktGet("other/1")
	assert.Equal(t, "not mine", v)
	again := e.reconcile("-source", "limits")
	assert.Equal(t, 0, again.exit, again.stdout)
}
