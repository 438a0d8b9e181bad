package e2e_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ktfdw reconcile for scripts: exit status 0 in sync (or repaired), 1
// drift, 2 error, and -json's one summary object in each case.
func TestReconcileExitStatusAndJSON(t *testing.T) {
	e := newEnv(t)
	createSyncedRules(e, 0)
	e.exec(`INSERT INTO rules SELECT i, '/r/' || i, 'allow', true FROM generate_series(1, 30) i`)

	clean := e.reconcile("-source", "rules", "-json")
	assert.Equal(t, 0, clean.exit, clean.stderr)
	assert.Equal(t, "in_sync", clean.json["status"])
	assert.Equal(t, "rules", clean.json["source"])
	assert.Equal(t, "kv", clean.json["target"])
	assert.Equal(t, 30.0, clean.json["source_rows"])
	assert.Equal(t, 30.0, clean.json["kt_keys"])
	assert.Equal(t, []any{}, clean.json["differences"])

	require.NoError(t, e.kt.Remove(ctx(t), "", []byte("3")))
	e.ktSet("zz-extra", "left over")
	drift := e.reconcile("-source", "rules", "-json", "-quiet")
	assert.Equal(t, 1, drift.exit, "drift: %s", drift.stderr)
	assert.Equal(t, "drift", drift.json["status"])
	assert.Equal(t, []float64{1, 1, 0, 0}, []float64{drift.json["missing"].(float64), drift.json["extra"].(float64),
		drift.json["differing"].(float64), drift.json["repaired"].(float64)})
	assert.ElementsMatch(t, []any{
		map[string]any{"kind": "missing", "key": "3"},
		map[string]any{"kind": "extra", "key": "zz-extra"},
	}, drift.json["differences"])
	assert.NotContains(t, drift.stderr, "reconcile: source pass", "-quiet: no progress")

	fixed := e.reconcile("-source", "rules", "-json", "-repair")
	assert.Equal(t, 0, fixed.exit, fixed.stderr)
	assert.Equal(t, "repaired", fixed.json["status"])
	assert.Equal(t, 2.0, fixed.json["repaired"])
	assert.Equal(t, e.pgPairs(rulesAsKT), e.ktAll())

	missing := e.reconcile("-source", "no_such_table", "-json")
	assert.Equal(t, 2, missing.exit, "an error: %s", missing.stderr)
	assert.Equal(t, "error", missing.json["status"])
	assert.Contains(t, missing.json["error"], `relation "no_such_table" does not exist`)
	assert.Contains(t, missing.stderr, `ktfdw reconcile: `)

	human := e.reconcile("-source", "no_such_table")
	assert.Equal(t, 2, human.exit)
	assert.Empty(t, human.stdout, "no summary after an error")
}

// Both passes report progress with a total estimate, rate and ETA, also a
// KT pass that finds nothing to verify (a clean scan): a line per batch
// with -progress-every 0 (stderr is not a terminal here).
func TestReconcileProgressThroughCleanScan(t *testing.T) {
	const n = 20000
	e := newEnv(t)
	createSyncedRules(e, 0)
	e.exec(fmt.Sprintf(`INSERT INTO rules SELECT i, '/r/' || i, 'allow', true FROM generate_series(1, %d) i`, n))
	e.exec("ANALYZE rules") // the source estimate is the planner's row count

	r := e.reconcile("-source", "rules", "-batch", "1000", "-progress-every", "0")
	require.Equal(t, 0, r.exit, r.stderr)
	require.Equal(t, n, r.ktKeys)

	line := func(pass, unit string) *regexp.Regexp {
		return regexp.MustCompile(`(?m)^reconcile: ` + pass + `: [\d,]+ of ~20,000 ` + unit +
			` \(\d+%\), [\d,]+ ` + unit + `/s(, ETA [\dhms.]+)?, 0 differences$`)
	}
	source := line("source pass", "rows").FindAllString(r.stderr, -1)
	kt := line("KT pass", "keys").FindAllString(r.stderr, -1)
	assert.Len(t, source, n/1000, "a line per source batch:\n%s", r.stderr)
	assert.Len(t, kt, n/1000, "a line per 1,000 KT keys though nothing differs:\n%s", r.stderr)
	assert.Contains(t, kt[len(kt)/2], "ETA", "ETA while the pass runs")
	assert.True(t, strings.HasPrefix(kt[len(kt)-1], "reconcile: KT pass: 20,000 of ~20,000 keys (100%)"))
	assert.Regexp(t, `reconcile: KT pass: 20,000 keys in [\d.]+m?s \([\d,]+ keys/s\), 0 differences`, r.stderr)
}
