package e2e_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/cockroachdb/errors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt"
)

// Column option xt: a timestamptz column of a format 'json' table is the KT
// record's expiration time. Checked in KT with the kt client (Get returns
// the xt) for both commit paths: the atomic ktfdwapply (X pairs) and the
// bulk apply (one set_bulk per distinct xt).
func TestXTColumnReadsAndWritesKTExpiration(t *testing.T) {
	const (
		xtA = int64(4102444800) // 2100-01-01 00:00:00 UTC
		xtC = int64(4089852000) // another time: bulk sends one set_bulk per xt
	)
	for _, apply := range []string{"atomic", "bulk"} {
		t.Run(apply, func(t *testing.T) {
			e := txScriptEnv(t, "apply '"+apply+"'")
			e.exec(`CREATE FOREIGN TABLE tok (k text, owner text, exp timestamptz OPTIONS (xt 'on'))
  SERVER kt OPTIONS (format 'json')`)
			e.exec(`INSERT INTO tok VALUES ('a', 'ann', to_timestamp($1)), ('b', 'bob', NULL), ('c', 'cid', to_timestamp($2))`, xtA, xtC)

			ktXT := func(key string) (int64, bool) {
				t.Helper()
				rec, err := e.kt.Get(ctx(t), "", []byte(key))
				if errors.Is(err, kt.ErrNoRecord) {
					return 0, false
				}
				require.NoError(t, err)
				var v map[string]any
				require.NoError(t, json.Unmarshal(rec.Value, &v), string(rec.Value))
				assert.Equal(t, map[string]any{"owner": v["owner"]}, v, "the xt column is no JSON field")
				return rec.XT, true
			}
			xt, ok := ktXT("a")
			require.True(t, ok)
			assert.Equal(t, xtA, xt)
			xt, ok = ktXT("b")
			require.True(t, ok)
			assert.Zero(t, xt, "NULL: never expires")
			xt, _ = ktXT("c")
			assert.Equal(t, xtC, xt)

			// read back: lookup (one-key get_bulk), IN list, full scan
			var got time.Time
			require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT exp FROM tok WHERE k = 'a'").Scan(&got))
			assert.Equal(t, xtA, got.Unix())
			assert.Equal(t, map[string]string{"a": "4102444800", "b": "never", "c": "4089852000"},
				e.pgPairs("SELECT k, coalesce(extract(epoch FROM exp)::bigint::text, 'never') FROM tok"))
			assert.Equal(t, map[string]string{"a": "4102444800", "b": "never"},
				e.pgPairs("SELECT k, coalesce(extract(epoch FROM exp)::bigint::text, 'never') FROM tok WHERE k IN ('a', 'b')"))

			// an xt set by another KT client reads back too
			require.NoError(t, e.kt.Set(ctx(t), "", []byte("d"), []byte(`{"owner": "dan"}`), kt.WithXT(-xtC)))
			require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT exp FROM tok WHERE k = 'd'").Scan(&got))
			assert.Equal(t, xtC, got.Unix())

			// UPDATE changes it, NULL clears it
			e.exec("UPDATE tok SET exp = to_timestamp($1) WHERE k = 'b'", xtA)
			e.exec("UPDATE tok SET exp = NULL WHERE k = 'a'")
			xt, _ = ktXT("b")
			assert.Equal(t, xtA, xt)
			xt, _ = ktXT("a")
			assert.Zero(t, xt)

			// an xt in the past: KT drops the record; nobody reads it
			e.exec("INSERT INTO tok VALUES ('old', 'x', now() - interval '1 hour')")
			_, ok = ktXT("old")
			assert.False(t, ok, "a record written with a past xt is readable in KT")
			var n int
			require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT count(*) FROM tok WHERE k = 'old'").Scan(&n))
			assert.Zero(t, n)
			require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT count(*) FROM tok").Scan(&n))
			assert.Equal(t, 4, n)
			e.exec("UPDATE tok SET exp = now() - interval '1 second' WHERE k = 'c'")
			_, ok = ktXT("c")
			assert.False(t, ok, "a record updated to a past xt is readable in KT")
		})
	}
}

// kt_fdw_sync into a json table with an xt column: the source column of
// the same name becomes the KT record's expiration time.
func TestXTColumnThroughSyncTrigger(t *testing.T) {
	e := newEnv(t)
	e.exec(`CREATE FOREIGN TABLE rules_kt (id int, name text, expires timestamptz OPTIONS (xt 'on'))
  SERVER kt OPTIONS (format 'json')`)
	e.exec("CREATE TABLE rules (id int PRIMARY KEY, name text, expires timestamptz)")
	e.exec("CREATE TRIGGER s AFTER INSERT OR UPDATE OR DELETE ON rules FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('rules_kt')")
	e.exec("INSERT INTO rules VALUES (1, 'one', to_timestamp(4102444800)), (2, 'two', NULL)")
	rec, err := e.kt.Get(ctx(t), "", []byte("1"))
	require.NoError(t, err)
	assert.Equal(t, int64(4102444800), rec.XT)
	assert.JSONEq(t, `{"name": "one"}`, string(rec.Value))
	rec, err = e.kt.Get(ctx(t), "", []byte("2"))
	require.NoError(t, err)
	assert.Zero(t, rec.XT)
	e.exec("UPDATE rules SET expires = now() - interval '1 minute' WHERE id = 2")
	_, err = e.kt.Get(ctx(t), "", []byte("2"))
	assert.ErrorIs(t, err, kt.ErrNoRecord)
}
