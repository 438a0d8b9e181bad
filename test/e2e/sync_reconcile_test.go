package e2e_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt"
)

// The desired KT state of a JSON-synced rules table, as kt_fdw_sync writes it.
const rulesAsKT = `SELECT id::text, to_jsonb(r)::text FROM rules r`

func createSyncedRules(e *env, rows int) {
	e.exec("CREATE TABLE rules (id int PRIMARY KEY, route text NOT NULL, action text, enabled boolean NOT NULL)")
	if rows > 0 {
		e.exec(fmt.Sprintf(`INSERT INTO rules SELECT i, '/r/' || i, CASE WHEN i %% 3 = 0 THEN 'deny' ELSE 'allow' END, i %% 2 = 0
  FROM generate_series(1, %d) i`, rows))
	}
	e.exec("CREATE TRIGGER rules_sync AFTER INSERT OR UPDATE OR DELETE ON rules FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('kv')")
}

// Reconcile finds each kind of difference, lists it by key, exits non-zero
// without -repair, and with -repair leaves KT equal to the source.
func TestReconcileFindsAndRepairs(t *testing.T) {
	e := newEnv(t)
	createSyncedRules(e, 0)
	e.exec(`INSERT INTO rules SELECT i, '/r/' || i, 'allow', true FROM generate_series(1, 50) i`)
	require.Equal(t, e.pgPairs(rulesAsKT), e.ktAll())

	clean := e.reconcile("-source", "rules")
	assert.Equal(t, 0, clean.exit, clean.stderr)
	assert.Equal(t, 50, clean.sourceRows)
	assert.Equal(t, 50, clean.ktKeys)
	assert.Zero(t, clean.missing+clean.extra+clean.differing)
	assert.Contains(t, clean.stderr, "reconcile: source pass: 50 rows in ", "progress on stderr")
	assert.Contains(t, clean.stderr, "reconcile: KT pass: 50 keys in ")

	// drift, written straight into KT
	require.NoError(t, e.kt.Remove(ctx(t), "", []byte("7")))
	e.ktSet("8", `{"stale": true}`)
	e.ktSet("x-extra", "left over")

	found := e.reconcile("-source", "rules", "-batch", "10", "-progress-every", "0")
	assert.Equal(t, 1, found.exit, "drift without -repair fails the command")
	assert.Equal(t, []int{1, 1, 1}, []int{found.missing, found.extra, found.differing}, found.stdout)
	assert.Contains(t, found.stdout, "missing   7\n")
	assert.Contains(t, found.stdout, "differing 8\n")
	assert.Contains(t, found.stdout, "extra     x-extra\n")
	assert.Equal(t, 5, strings.Count(found.stderr, "reconcile: source pass: ")-1, "a line per batch, then the closing line:\n%s", found.stderr)
	assert.Contains(t, found.stderr, "reconcile: source pass: 50 of ~50 rows (100%)")
	_, ok := e.ktGet("7")
	assert.False(t, ok, "report mode wrote to KT")

	fixed := e.reconcile("-source", "rules", "-repair")
	assert.Equal(t, 0, fixed.exit, fixed.stderr)
	assert.Equal(t, []int{1, 1, 1, 3}, []int{fixed.missing, fixed.extra, fixed.differing, fixed.repaired})
	assert.Equal(t, e.pgPairs(rulesAsKT), e.ktAll())

	again := e.reconcile("-source", "rules")
	assert.Equal(t, 0, again.exit)
	assert.Zero(t, again.missing+again.extra+again.differing)
}

// Explicit columns (no trigger needed) and a NULL value, which means "no
// KT record".
func TestReconcileNamedColumns(t *testing.T) {
	e := newEnv(t)
	e.exec("CREATE TABLE flags (name text PRIMARY KEY, state text)")
	e.exec("INSERT INTO flags VALUES ('a', 'on'), ('b', NULL), ('c', 'off')")
	e.ktSet("b", "on")

	r := e.reconcile("-source", "flags", "-target", "kv", "-value", "state", "-repair")
	assert.Equal(t, 0, r.exit, r.stderr)
	assert.Equal(t, []int{2, 1, 0, 3}, []int{r.missing, r.extra, r.differing, r.repaired})
	assert.Equal(t, map[string]string{"a": "on", "c": "off"}, e.ktAll())

	// no trigger and no -target: a clear error, nothing done
	bad := e.reconcile("-source", "flags")
	assert.Equal(t, 2, bad.exit, "an error is exit status 2, drift 1")
	assert.Contains(t, bad.stderr, "flags has no kt_fdw_sync trigger: name the foreign table with -target")
}

// 100,000 rows, backfilled by reconcile; then 1% drift injected straight
// into KT (a third each missing, differing, extra) is found and repaired
// exactly.
func TestReconcile100kExactDrift(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: 100,000 rows")
	}
	const n = 100000
	e := newEnv(t)
	createSyncedRules(e, n)
	require.Equal(t, 0, e.ktCount(), "rows loaded before the trigger existed")

	backfill := e.reconcile("-source", "rules", "-repair", "-list", "0")
	require.Equal(t, 0, backfill.exit, backfill.stderr)
	assert.Equal(t, n, backfill.missing)
	assert.Equal(t, n, backfill.repaired)
	assert.Equal(t, n, e.ktCount())

	var missing, differing, extra []string
	for i := 1; len(missing) < 334; i += 290 {
		missing = append(missing, fmt.Sprint(i))
	}
	for i := 2; len(differing) < 333; i += 290 {
		differing = append(differing, fmt.Sprint(i))
	}
	for i := 0; len(extra) < 333; i++ {
		extra = append(extra, fmt.Sprint(n+1+i*7))
	}
	keys := make([][]byte, len(missing))
	for i, k := range missing {
		keys[i] = []byte(k)
	}
	_, err := e.kt.RemoveBulk(ctx(t), "", keys, false)
	require.NoError(t, err)
	var recs []kt.Record
	for _, k := range differing {
		recs = append(recs, kt.Record{Key: []byte(k), Value: []byte(`{"drift": true}`)})
	}
	for _, k := range extra {
		recs = append(recs, kt.Record{Key: []byte(k), Value: []byte("extra")})
	}
	_, err = e.kt.SetBulk(ctx(t), "", recs, false)
	require.NoError(t, err)

	r := e.reconcile("-source", "rules", "-repair", "-list", "2000")
	require.Equal(t, 0, r.exit, r.stderr)
	assert.Equal(t, []int{334, 333, 333, 1000}, []int{r.missing, r.extra, r.differing, r.repaired})
	listed := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if f := strings.Fields(line); len(f) == 2 {
			listed[f[0]] = append(listed[f[0]], f[1])
		}
	}
	for kind, want := range map[string][]string{"missing": missing, "differing": differing, "extra": extra} {
		got := listed[kind]
		sort.Strings(got)
		sort.Strings(want)
		assert.Equal(t, want, got, kind)
	}
	assert.Equal(t, e.pgPairs(rulesAsKT), e.ktAll(), "KT equals the source after the repair")
}

// The SQL function kt_fdw_reconcile finds the drift and, with repair,
// fixes it at the caller's commit (checked in KT with the client).
func TestSQLReconcileRepairsAtCommit(t *testing.T) {
	e := newEnv(t)
	createSyncedRules(e, 0)
	e.exec(`INSERT INTO rules SELECT i, '/r/' || i, 'allow', true FROM generate_series(1, 250) i`)
	require.NoError(t, e.kt.Remove(ctx(t), "", []byte("10")))
	e.ktSet("20", "stale")
	e.ktSet("x", "stray")

	counts := func(repair bool) map[string]string {
		return e.pgPairs(fmt.Sprintf(`SELECT kind, count(*)::text FROM kt_fdw_reconcile('rules', repair => %t, batch_size => 100) GROUP BY kind`, repair))
	}
	want := map[string]string{"missing": "1", "differing": "1", "extra": "1"}
	assert.Equal(t, want, counts(false))

	e.exec("BEGIN")
	assert.Equal(t, want, counts(true))
	_, ok := e.ktGet("10")
	assert.False(t, ok, "repaired before COMMIT")
	e.exec("COMMIT")
	assert.Equal(t, e.pgPairs(rulesAsKT), e.ktAll())
	assert.Empty(t, counts(false))
}
