package fdw

import (
	"testing"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func bs(s string) []byte { return []byte(s) }

func TestSyncRowFinalState(t *testing.T) {
	var none []byte
	tests := []struct {
		name          string
		old, new, val []byte
		want          map[string]Change // the buffer's final state afterwards
	}{
		{"insert", none, bs("k"), bs("v"), map[string]Change{"p:k": {Value: bs("v")}}},
		{"insert, NULL value: nothing", none, bs("k"), none, map[string]Change{}},
		{"insert, NULL key: nothing", none, none, bs("v"), map[string]Change{}},
		{"update, same key", bs("k"), bs("k"), bs("v2"), map[string]Change{"p:k": {Value: bs("v2")}}},
		{"update, key changed: moved", bs("k"), bs("k2"), bs("v"),
			map[string]Change{"p:k": {Removed: true}, "p:k2": {Value: bs("v")}}},
		{"update, value set to NULL: removed", bs("k"), bs("k"), none, map[string]Change{"p:k": {Removed: true}}},
		{"update, key set to NULL: removed", bs("k"), none, bs("v"), map[string]Change{"p:k": {Removed: true}}},
		{"update, key changed and value NULL: old removed, new untouched", bs("k"), bs("k2"), none,
			map[string]Change{"p:k": {Removed: true}}},
		{"delete", bs("k"), none, none, map[string]Change{"p:k": {Removed: true}}},
		{"empty key is a key", bs(""), bs(""), bs(""), map[string]Change{"p:": {Value: bs("")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			f.put("", "p:k", "in KT")
			be := newTestBackend(f)
			tbl := testTable("")
			tbl.Prefix = bs("p:")
			require.Nil(t, NewSync(be, tbl).Row(1, tt.old, tt.new, tt.val))
			got := be.writeBuffer(tbl).Flatten()
			for k, c := range got {
				if c.Value == nil && !c.Removed {
					c.Value = nil
				}
				got[k] = c
			}
			assert.Equal(t, len(tt.want), len(got), "%v", got)
			for k, w := range tt.want {
				assert.Equal(t, w.Removed, got[k].Removed, k)
				if !w.Removed {
					assert.Equal(t, string(w.Value), string(got[k].Value), k)
				}
			}
			assert.Zero(t, fakeCallsTotal(f), "a synced row must not talk to KT")
		})
	}
}

func TestSyncRowXTAndSavepoints(t *testing.T) {
	f := newFake()
	be := newTestBackend(f)
	tbl := testTable("")
	tbl.XT = true
	s := NewSync(be, tbl)
	require.Nil(t, s.Row(1, nil, bs("k"), fdwtype.WithXT(1234, bs(`{"a":1}`))))
	require.Nil(t, s.Row(2, bs("k"), bs("k"), fdwtype.WithXT(0, bs(`{"a":2}`))))
	c, ok := be.lookup(tbl, bs("k"))
	require.True(t, ok)
	assert.Equal(t, `{"a":2}`, string(c.Value))
	assert.EqualValues(t, 0, c.XT)
	be.EndSubXact(2, false) // ROLLBACK TO SAVEPOINT
	c, ok = be.lookup(tbl, bs("k"))
	require.True(t, ok)
	assert.Equal(t, `{"a":1}`, string(c.Value))
	assert.EqualValues(t, 1234, c.XT)
	assert.Zero(t, fakeCallsTotal(f))
}

func TestSyncBlind(t *testing.T) {
	tbl := testTable("")
	assert.True(t, tbl.SyncBlind())
	tbl.ConflictCheck = true
	assert.False(t, tbl.SyncBlind(), "conflict_check needs the foreign table's reads")
	tbl = testTable("")
	tbl.ReadOnly = true
	assert.False(t, tbl.SyncBlind())
	st := NewSync(newTestBackend(newFake()), tbl).Row(1, nil, bs("k"), bs("v"))
	require.NotNil(t, st)
	assert.Equal(t, fdwtype.SQLStateObjectNotInPrerequisiteState, st.SQLState)
}

// fakeCallsTotal is the number of KT operations f served.
func fakeCallsTotal(f *fakeRemote) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		n += c
	}
	return n
}
