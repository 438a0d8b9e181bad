package fdw

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rows makes a batch of keys (values "v-"+key).
func rows(keys ...string) (ks, vs [][]byte) {
	for _, k := range keys {
		ks = append(ks, []byte(k))
		vs = append(vs, []byte("v-"+k))
	}
	return ks, vs
}

// numbered is keys prefix0 .. prefix(n-1).
func numbered(prefix string, from, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, from+i)
	}
	return out
}

func deferredModify(f *fakeRemote) (*Backend, fdwtype.Table, *Modify) {
	be := newTestBackend(f)
	tbl := testTable("")
	m := NewModify(be, tbl, false)
	m.DeferDuplicateChecks()
	return be, tbl, m
}

func TestDeferredInsertChecksAtFinish(t *testing.T) {
	tests := []struct {
		name      string
		batches   [][]string
		wantBatch string // SQLSTATE an InsertBatch call fails with, if any
		wantEnd   string // SQLSTATE Finish fails with, if any
		wantKey   string // the key the error names
		wantBulk  int    // get_bulk calls in all
		buffered  bool   // the error says "earlier in this transaction"
	}{
		{name: "all new", batches: [][]string{{"n1", "n2"}, {"n3"}}, wantBulk: 1},
		{name: "key in KT, found at the end", batches: [][]string{{"n1", "kt"}, {"n2"}},
			wantEnd: fdwtype.SQLStateUniqueViolation, wantKey: "kt", wantBulk: 1},
		{name: "repeated within the statement, found at once", batches: [][]string{{"n1", "n2"}, {"n3", "n1"}},
			wantBatch: fdwtype.SQLStateUniqueViolation, wantKey: "n1", buffered: true},
		{name: "buffered by an earlier statement", batches: [][]string{{"n1", "buf"}},
			wantBatch: fdwtype.SQLStateUniqueViolation, wantKey: "buf", buffered: true},
		{name: "deleted in this transaction needs no check", batches: [][]string{{"gone"}}, wantBulk: 0},
		{name: "nothing inserted", batches: nil, wantBulk: 0},
		{name: "the empty key in KT", batches: [][]string{{""}},
			wantEnd: fdwtype.SQLStateUniqueViolation, wantKey: "", wantBulk: 1},
		{name: "the empty key in KT after new keys", batches: [][]string{{"n1"}, {""}},
			wantEnd: fdwtype.SQLStateUniqueViolation, wantKey: "", wantBulk: 1},
		{name: "the empty key repeated within the statement", batches: [][]string{{"n1", ""}, {""}},
			wantBatch: fdwtype.SQLStateUniqueViolation, wantKey: "", buffered: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			f.put("", "kt", "x")
			f.put("", "gone", "x")
			f.put("", "", "x")
			be, tbl, m := deferredModify(f)
			be.writeBuffer(tbl).Set(1, []byte("buf"), []byte("b"))
			be.writeBuffer(tbl).Remove(1, []byte("gone"))
			var st *fdwtype.Status
			res := ModifyDone
			for _, b := range tt.batches {
				ks, vs := rows(b...)
				res, st = settle(t, m)(m.InsertBatch(1, ks, vs))
				if res != ModifyDone {
					break
				}
				assert.Zero(t, f.count("get_bulk"), "a group that is not full is checked at the end")
			}
			if tt.wantBatch != "" {
				require.Equal(t, ModifyError, res)
				require.NotNil(t, st)
				assert.Equal(t, tt.wantBatch, st.SQLState)
				assert.Contains(t, st.Message, `"`+tt.wantKey+`"`)
				assert.Contains(t, st.Detail, "earlier in this transaction")
				return
			}
			require.Equal(t, ModifyDone, res, "%v", st)
			res, st = settle(t, m)(m.Finish())
			assert.Equal(t, tt.wantBulk, f.count("get_bulk"))
			assert.Zero(t, f.count("get"))
			if tt.wantEnd != "" {
				require.Equal(t, ModifyError, res)
				require.NotNil(t, st)
				assert.Equal(t, tt.wantEnd, st.SQLState)
				assert.Equal(t, `duplicate key value "`+tt.wantKey+`" in foreign table "t"`, st.Message)
				assert.Contains(t, st.Detail, `in KT server "s"`)
				return
			}
			require.Equal(t, ModifyDone, res, "%v", st)
			for _, b := range tt.batches {
				for _, k := range b {
					c, ok := be.lookup(tbl, []byte(k))
					require.True(t, ok, k)
					assert.Equal(t, "v-"+k, string(c.Value))
				}
			}
			assert.Zero(t, f.count("set_bulk"), "nothing is sent before commit")
		})
	}
}

// A full group is checked in the background while later batches arrive;
// a key found there fails the next batch that needs the check (or Finish).
func TestDeferredInsertGroups(t *testing.T) {
	f := newFake()
	lateKey := fmt.Sprintf("k%d", deferredCheckKeys-3) // near the end of group 1
	f.put("", lateKey, "x")
	_, _, m := deferredModify(f)

	const batch = 1000
	var res ModifyResult
	var st *fdwtype.Status
	for from := 0; from < 2*deferredCheckKeys; from += batch {
		ks, vs := rows(numbered("k", from, batch)...)
		res, st = settle(t, m)(m.InsertBatch(1, ks, vs))
		if res != ModifyDone {
			break
		}
		if from+batch == deferredCheckKeys {
			assert.NotNil(t, m.flight, "the full group's check runs in the background")
		}
	}
	if res == ModifyDone { // the first group's answer had not landed yet
		res, st = settle(t, m)(m.Finish())
	}
	require.Equal(t, ModifyError, res)
	require.NotNil(t, st)
	assert.Equal(t, fdwtype.SQLStateUniqueViolation, st.SQLState)
	assert.Contains(t, st.Message, `"`+lateKey+`"`)
	assert.LessOrEqual(t, f.count("get_bulk"), 2)
}

func TestDeferredInsertGroupsAllNew(t *testing.T) {
	f := newFake()
	be, tbl, m := deferredModify(f)
	n := 2*deferredCheckKeys + 7
	const batch = 100
	for from := 0; from < n; from += batch {
		ks, vs := rows(numbered("k", from, min(batch, n-from))...)
		res, st := settle(t, m)(m.InsertBatch(1, ks, vs))
		require.Equal(t, ModifyDone, res, "%v", st)
	}
	res, st := settle(t, m)(m.Finish())
	require.Equal(t, ModifyDone, res, "%v", st)
	assert.Equal(t, 3, f.count("get_bulk"), "one get_bulk per group of deferredCheckKeys")
	assert.Equal(t, n, be.writeBuffer(tbl).Len())
	res, st = m.Finish()
	assert.Equal(t, ModifyDone, res, "a second Finish has nothing left: %v", st)
	assert.Equal(t, 3, f.count("get_bulk"))
}

// The caller may reuse its key and value memory once InsertBatch returns
// (C resets the row context): the deferred check must have copied the keys.
func TestDeferredInsertCopiesKeys(t *testing.T) {
	f := newFake()
	f.put("", "kt", "x")
	be, tbl, m := deferredModify(f)
	ks, vs := rows("kt", "n1")
	res, st := m.InsertBatch(1, ks, vs)
	require.Equal(t, ModifyDone, res, "%v", st)
	for _, b := range append(ks, vs...) {
		for i := range b {
			b[i] = 'X'
		}
	}
	c, ok := be.lookup(tbl, []byte("n1"))
	require.True(t, ok)
	assert.Equal(t, "v-n1", string(c.Value), "the buffer copied the value")
	res, st = settle(t, m)(m.Finish())
	require.Equal(t, ModifyError, res)
	assert.Contains(t, st.Message, `"kt"`)
}

// A failed statement rolls back its level: the rows it buffered before its
// deferred check failed are gone, the earlier ones stay.
func TestDeferredInsertFailureRollsBackLevel(t *testing.T) {
	f := newFake()
	f.put("", "kt", "x")
	be, tbl, m := deferredModify(f)
	ks, vs := rows("before")
	res, _ := m.InsertBatch(1, ks, vs)
	require.Equal(t, ModifyDone, res)
	res, _ = settle(t, m)(m.Finish())
	require.Equal(t, ModifyDone, res)

	m2 := NewModify(be, tbl, false)
	m2.DeferDuplicateChecks()
	ks, vs = rows("n1", "kt", "n2")
	res, _ = m2.InsertBatch(2, ks, vs) // inside a savepoint
	require.Equal(t, ModifyDone, res)
	res, st := settle(t, m2)(m2.Finish())
	require.Equal(t, ModifyError, res)
	assert.Equal(t, fdwtype.SQLStateUniqueViolation, st.SQLState)
	m2.Close()
	be.EndSubXact(2, false) // ROLLBACK TO SAVEPOINT
	for _, k := range []string{"n1", "kt", "n2"} {
		_, ok := be.lookup(tbl, []byte(k))
		assert.False(t, ok, "%s stays buffered after the rollback", k)
	}
	_, ok := be.lookup(tbl, []byte("before"))
	assert.True(t, ok)
}

func TestDeferredInsertKTErrors(t *testing.T) {
	f := newFake()
	f.err = errors.New("connection refused")
	_, _, m := deferredModify(f)
	ks, vs := rows("n1")
	res, _ := m.InsertBatch(1, ks, vs)
	require.Equal(t, ModifyDone, res)
	res, st := settle(t, m)(m.Finish())
	require.Equal(t, ModifyError, res)
	require.NotNil(t, st)
	assert.NotEqual(t, fdwtype.SQLStateUniqueViolation, st.SQLState)
	assert.Contains(t, st.Message, "get_bulk")
	assert.Nil(t, m.flight)
}

// A check that hangs leaves Finish pending (C polls and handles cancels in
// between); Close stops it.
func TestDeferredInsertCancel(t *testing.T) {
	f := newFake()
	f.stall = true
	_, _, m := deferredModify(f)
	ks, vs := rows("n1")
	res, _ := m.InsertBatch(1, ks, vs)
	require.Equal(t, ModifyDone, res)
	res, _ = m.Finish()
	require.Equal(t, ModifyPending, res)
	res, _ = m.Wait(20 * time.Millisecond)
	require.Equal(t, ModifyPending, res)
	op := m.flight.op
	m.Close()
	done, _ := op.Wait(time.Second)
	assert.True(t, done, "Close cancels the check")
	assert.Nil(t, m.flight)
}

// With ON CONFLICT DO NOTHING (or deferral off) a batch is checked at once.
func TestInsertBatchNotDeferred(t *testing.T) {
	f := newFake()
	f.put("", "kt", "x")
	m := NewModify(newTestBackend(f), testTable(""), false)
	ks, vs := rows("n1", "kt")
	res, st := settle(t, m)(m.InsertBatch(1, ks, vs))
	require.Equal(t, ModifyError, res)
	assert.Equal(t, fdwtype.SQLStateUniqueViolation, st.SQLState)
	assert.Equal(t, 1, f.count("get_bulk"))
}
