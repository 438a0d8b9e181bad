package e2e_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestBulkApplyBinary: in bulk mode a commit that fits in one apply_batch
// chunk is one (atomic HTTP) set_bulk; a larger one goes in binary calls of
// at least 20,000 records, not one call per apply_batch chunk. Counted by
// the dev server around COMMIT alone.
func TestBulkApplyBinary(t *testing.T) {
	e := txDevEnv(t, false, "apply 'bulk', apply_batch '1000'")
	commitRequests := func(stmts ...string) uint64 {
		t.Helper()
		e.exec("BEGIN")
		for _, s := range stmts {
			e.exec(s)
		}
		before := e.dev.Requests()
		e.exec("COMMIT")
		return e.dev.Requests() - before
	}

	assert.EqualValues(t, 1, commitRequests("INSERT INTO kv SELECT 's' || i, 'v' || i FROM generate_series(1, 1000) i"),
		"one chunk: one set_bulk")
	assert.Equal(t, 1000, e.ktCount())

	assert.EqualValues(t, 1, commitRequests("INSERT INTO kv SELECT 'b' || i, 'v' || i FROM generate_series(1, 5000) i"),
		"5,000 records, apply_batch 1000: one binary set_bulk (HTTP would take 5 calls)")
	assert.Equal(t, 6000, e.ktCount())
	v, ok := e.ktGet("b4321")
	assert.True(t, ok)
	assert.Equal(t, "v4321", v)

	assert.EqualValues(t, 2, commitRequests(
		"UPDATE kv SET value = 'new' WHERE key IN ('b1', 'b2')",
		"DELETE FROM kv WHERE key LIKE 's%'",
	), "one binary set_bulk, one binary remove_bulk")
	assert.Equal(t, 5000, e.ktCount())
	for key, want := range map[string]string{"b1": "new", "b2": "new", "b3": "v3"} {
		v, ok := e.ktGet(key)
		assert.True(t, ok, key)
		assert.Equal(t, want, v, key)
	}
	_, ok = e.ktGet(fmt.Sprint("s", 500))
	assert.False(t, ok, "removed")
}
