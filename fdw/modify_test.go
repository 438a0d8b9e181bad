package fdw

import (
	"testing"
	"time"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// settle waits out a pending modify, as the C poll loop does.
// Use as settle(t, m)(m.Insert(...)).
func settle(t *testing.T, m *Modify) func(ModifyResult, *fdwtype.Status) (ModifyResult, *fdwtype.Status) {
	return func(res ModifyResult, st *fdwtype.Status) (ModifyResult, *fdwtype.Status) {
		t.Helper()
		for i := 0; res == ModifyPending && i < 1000; i++ {
			res, st = m.Wait(10 * time.Millisecond)
		}
		return res, st
	}
}

func TestInsert(t *testing.T) {
	tests := []struct {
		name      string
		inKT      bool
		buffered  string // "", "set", "removed"
		nothing   bool
		wantRes   ModifyResult
		wantState string
		wantGets  int
	}{
		{"new key", false, "", false, ModifyDone, "", 1},
		{"key in KT", true, "", false, ModifyError, fdwtype.SQLStateUniqueViolation, 1},
		{"key in KT, on conflict do nothing", true, "", true, ModifySkipped, "", 1},
		{"key in buffer", false, "set", false, ModifyError, fdwtype.SQLStateUniqueViolation, 0},
		{"key in buffer, do nothing", false, "set", true, ModifySkipped, "", 0},
		{"key deleted in this transaction", true, "removed", false, ModifyDone, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			if tt.inKT {
				f.put("", "k", "old")
			}
			be := newTestBackend(f)
			tbl := testTable("")
			switch tt.buffered {
			case "set":
				be.writeBuffer(tbl).Set(1, []byte("k"), []byte("buffered"))
			case "removed":
				be.writeBuffer(tbl).Remove(1, []byte("k"))
			}
			m := NewModify(be, tbl, tt.nothing)
			res, st := settle(t, m)(m.Insert(1, []byte("k"), []byte("new")))
			assert.Equal(t, tt.wantRes, res)
			assert.Equal(t, tt.wantGets, f.count("get"))
			if tt.wantState != "" {
				require.NotNil(t, st)
				assert.Equal(t, tt.wantState, st.SQLState)
				assert.Equal(t, `duplicate key value "k" in foreign table "t"`, st.Message)
				assert.Contains(t, st.Detail, "Key (key)=(k) already exists")
				if tt.buffered != "" {
					assert.Contains(t, st.Detail, "earlier in this transaction")
				} else {
					assert.Contains(t, st.Detail, `in KT server "s" (127.0.0.1:1978)`)
				}
				return
			}
			require.Nil(t, st)
			if res == ModifyDone {
				c, ok := be.lookup(tbl, []byte("k"))
				require.True(t, ok)
				assert.Equal(t, "new", string(c.Value))
			}
			assert.Empty(t, f.calls["set_bulk"], "nothing is sent before commit")
		})
	}
}

func TestUpdateAndDelete(t *testing.T) {
	f := newFake()
	f.put("", "a", "1")
	f.put("", "b", "2")
	be := newTestBackend(f)
	tbl := testTable("")
	m := NewModify(be, tbl, false)

	res, st := m.Update(1, []byte("a"), []byte("a"), []byte("10"))
	require.Nil(t, st)
	assert.Equal(t, ModifyDone, res)
	assert.Zero(t, f.count("get"), "same-key update needs no lookup")

	res, st = settle(t, m)(m.Update(1, []byte("a"), []byte("b"), []byte("x")))
	assert.Equal(t, ModifyError, res)
	require.NotNil(t, st)
	assert.Equal(t, fdwtype.SQLStateUniqueViolation, st.SQLState)
	assert.Contains(t, st.Message, `"b"`)

	res, st = settle(t, m)(m.Update(1, []byte("a"), []byte("c"), []byte("moved")))
	require.Nil(t, st)
	assert.Equal(t, ModifyDone, res)

	res, st = m.Delete(1, []byte("b"))
	require.Nil(t, st)
	assert.Equal(t, ModifyDone, res)

	assert.Equal(t, map[string]string{"a": "<removed>", "b": "<removed>", "c": "moved"}, flat(be.buffers[tbl.Target()]))
	assert.Equal(t, 3, be.BufferedWrites())
}

func TestBinaryKeys(t *testing.T) {
	f := newFake()
	be := newTestBackend(f)
	tbl := testTable("")
	tbl.KeyBytea = true
	key := []byte{'a', 0, 'b'}
	m := NewModify(be, tbl, false)
	res, st := settle(t, m)(m.Insert(1, key, []byte{0, 1, 2}))
	require.Nil(t, st)
	require.Equal(t, ModifyDone, res)
	res, st = settle(t, m)(m.Insert(1, key, []byte{3}))
	require.Equal(t, ModifyError, res)
	assert.Equal(t, `duplicate key value "\x610062" in foreign table "t"`, st.Message)

	started, st := be.StartCommit()
	require.Nil(t, st)
	require.True(t, started)
	finished, st := be.WaitCommit(time.Second)
	require.True(t, finished)
	require.Nil(t, st)
	assert.Equal(t, map[string]string{"a\x00b": "\x00\x01\x02"}, f.contents(""))
}

func TestInsertBatch(t *testing.T) {
	tests := []struct {
		name     string
		keys     []string
		nothing  bool
		wantRes  ModifyResult
		skipped  []bool
		wantBulk int
	}{
		{"all new", []string{"n1", "n2"}, false, ModifyDone, []bool{false, false}, 1},
		{"one in KT", []string{"n1", "kt"}, false, ModifyError, nil, 1},
		{"one in KT, do nothing", []string{"n1", "kt", "n2"}, true, ModifyDone, []bool{false, true, false}, 1},
		{"repeated within the batch", []string{"n1", "n1"}, true, ModifyDone, []bool{false, true}, 1},
		{"buffered key, do nothing", []string{"buf"}, true, ModifyDone, []bool{true}, 0},
		{"deleted in this transaction", []string{"gone"}, false, ModifyDone, []bool{false}, 0},
		{"deleted, then repeated within the batch", []string{"gone", "gone"}, true, ModifyDone, []bool{false, true}, 0},
		{"deleted, then repeated within the batch, no do nothing", []string{"gone", "n1", "gone"}, false, ModifyError, nil, 1},
		{"repeated new key, no do nothing", []string{"n1", "n2", "n1"}, false, ModifyError, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			f.put("", "kt", "x")
			f.put("", "gone", "x")
			be := newTestBackend(f)
			tbl := testTable("")
			be.writeBuffer(tbl).Set(1, []byte("buf"), []byte("b"))
			be.writeBuffer(tbl).Remove(1, []byte("gone"))
			m := NewModify(be, tbl, tt.nothing)
			var keys, vals [][]byte
			for _, k := range tt.keys {
				keys = append(keys, []byte(k))
				vals = append(vals, []byte("v-"+k))
			}
			res, st := settle(t, m)(m.InsertBatch(1, keys, vals))
			assert.Equal(t, tt.wantRes, res)
			assert.Equal(t, tt.wantBulk, f.count("get_bulk"), "one get_bulk per batch at most")
			assert.Zero(t, f.count("get"))
			if tt.wantRes == ModifyError {
				require.NotNil(t, st)
				assert.Equal(t, fdwtype.SQLStateUniqueViolation, st.SQLState)
				return
			}
			require.Nil(t, st)
			assert.Equal(t, tt.skipped, m.Skipped())
			for i, k := range tt.keys {
				if tt.skipped[i] {
					continue
				}
				c, ok := be.lookup(tbl, []byte(k))
				require.True(t, ok)
				assert.Equal(t, "v-"+k, string(c.Value))
			}
		})
	}
}
