package fdw

import (
	"fmt"
	"testing"
	"time"

	"github.com/cockroachdb/errors"
	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func commit(t *testing.T, be *Backend) *fdwtype.Status {
	t.Helper()
	started, st := be.StartCommit()
	if st != nil || !started {
		if st == nil {
			be.EndXact() // as after COMMIT (xact.c), also when applied at once
		}
		return st
	}
	for i := 0; i < 1000; i++ {
		finished, st := be.WaitCommit(10 * time.Millisecond)
		if finished {
			be.EndXact()
			return st
		}
	}
	t.Fatal("commit never finished")
	return nil
}

// TestCommitApplies checks the bulk apply's calls: a commit that fits in one
// apply_batch chunk uses the atomic HTTP set_bulk/remove_bulk, a larger one
// binary set_bulk/remove_bulk in chunks of binaryApplyChunk (apply_binary.go).
func TestCommitApplies(t *testing.T) {
	for _, tc := range []struct {
		name  string
		sets  int
		calls map[string]int
	}{
		{"one chunk: atomic HTTP calls", 3, map[string]int{"set_bulk": 1, "remove_bulk": 1}},
		{"one chunk exactly", fdwtype.DefaultApplyBatch - 1, map[string]int{"set_bulk": 1, "remove_bulk": 1}},
		{"two chunks: binary", fdwtype.DefaultApplyBatch, map[string]int{"bin_set_bulk": 1, "bin_remove_bulk": 1}},
		{"binary chunks of binaryApplyChunk", binaryApplyChunk + 1, map[string]int{"bin_set_bulk": 2, "bin_remove_bulk": 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			f.put("db", "gone", "x")
			f.put("db", "keep", "y")
			be := newTestBackend(f)
			tbl := testTable("db")
			for i := 0; i < tc.sets; i++ {
				be.writeBuffer(tbl).Set(1, fmt.Appendf(nil, "k%07d", i), []byte("v"))
			}
			be.writeBuffer(tbl).Remove(1, []byte("gone"))
			require.True(t, be.HasWrites())
			require.Nil(t, commit(t, be))

			got := f.contents("db")
			assert.Len(t, got, tc.sets+1)
			assert.NotContains(t, got, "gone")
			assert.Equal(t, "y", got["keep"])
			assert.Equal(t, "v", got["k0000000"])
			assert.Equal(t, tc.calls, f.calls)
			assert.Zero(t, be.BufferedWrites(), "buffer is dropped after commit")
		})
	}
}

func TestReadOnlyCommitSendsNothing(t *testing.T) {
	f := newFake()
	be := newTestBackend(f)
	started, st := be.StartCommit()
	require.Nil(t, st)
	assert.False(t, started)
	assert.Empty(t, f.calls)
}

func TestAbortSendsNothing(t *testing.T) {
	f := newFake()
	be := newTestBackend(f)
	be.writeBuffer(testTable("")).Set(1, []byte("k"), []byte("v"))
	be.EndXact()
	assert.Zero(t, be.BufferedWrites())
	started, st := be.StartCommit()
	require.Nil(t, st)
	assert.False(t, started)
	assert.Empty(t, f.calls)
}

// commitOps: the operation a commit of n keys (bulk mode, no
// expectations) sends first: a one-key commit is one binary set.
var commitOps = []struct {
	keys int
	op   string
}{{1, "bin_set_bulk"}, {2, "set_bulk"}}

func TestCommitErrorReported(t *testing.T) {
	for _, tc := range commitOps {
		f := newFake()
		f.err = errors.New("DB: 8: logical inconsistency")
		be := newTestBackend(f)
		for i := 0; i < tc.keys; i++ {
			be.writeBuffer(testTable("")).Set(1, []byte{'k', byte('0' + i)}, []byte("v"))
		}
		st := commit(t, be)
		require.NotNil(t, st)
		assert.Equal(t, fdwtype.SQLStateFDWError, st.SQLState)
		assert.Contains(t, st.Message, `KT operation `+tc.op+` on server "s"`)
	}
}

func TestStalledCommitTimesOut(t *testing.T) {
	for _, tc := range commitOps {
		f := newFake()
		f.stall = true
		be := newTestBackend(f)
		tbl := testTable("")
		tbl.Server.Opts.Timeout = 30 * time.Millisecond
		for i := 0; i < tc.keys; i++ {
			be.writeBuffer(tbl).Set(1, []byte{'k', byte('0' + i)}, []byte("v"))
		}
		st := commit(t, be)
		require.NotNil(t, st)
		assert.Equal(t, `KT operation `+tc.op+` on server "s" (127.0.0.1:1978) timed out after 30ms`, st.Message)
	}
}

func TestPrePrepare(t *testing.T) {
	be := newTestBackend(newFake())
	assert.Nil(t, be.PrePrepare())
	be.writeBuffer(testTable("")).Set(1, []byte("k"), []byte("v"))
	st := be.PrePrepare()
	require.NotNil(t, st)
	assert.Equal(t, fdwtype.SQLStateFeatureNotSupported, st.SQLState)
}

func TestSubXactThroughBackend(t *testing.T) {
	be := newTestBackend(newFake())
	tbl := testTable("")
	be.writeBuffer(tbl).Set(1, []byte("a"), []byte("1"))
	be.writeBuffer(tbl).Set(2, []byte("b"), []byte("2"))
	be.EndSubXact(2, false)
	assert.Equal(t, 1, be.BufferedWrites())
	be.writeBuffer(tbl).Set(2, []byte("c"), []byte("3"))
	be.EndSubXact(2, true)
	assert.Equal(t, 2, be.BufferedWrites())
}

func TestConnCacheReplacesOnOptionChange(t *testing.T) {
	var made []*fakeRemote
	cc := NewConnCache(func(fdwtype.ServerOptions) (Remote, error) {
		f := newFake()
		made = append(made, f)
		return f, nil
	})
	o := fdwtype.ServerOptions{Host: "h", Port: 1}
	r1, err := cc.Get(1, o)
	require.NoError(t, err)
	r2, err := cc.Get(1, o)
	require.NoError(t, err)
	assert.Same(t, r1, r2)
	o.Port = 2
	r3, err := cc.Get(1, o)
	require.NoError(t, err)
	assert.NotSame(t, r1, r3)
	assert.True(t, made[0].closed, "old connection closed after ALTER SERVER")
	assert.Equal(t, 1, cc.Len())
	cc.Drop(1)
	assert.Zero(t, cc.Len())
	assert.True(t, made[1].closed)
}

// A panic while ending a subtransaction leaves the buffer untrustworthy: the
// commit must fail without sending anything, and the next transaction is clean.
func TestBrokenTransactionSendsNothing(t *testing.T) {
	f := newFake()
	be := newTestBackend(f)
	be.writeBuffer(testTable("db")).Set(1, []byte("k"), []byte("v"))
	be.MarkBroken("ending subtransaction level 2: boom")

	started, st := be.StartCommit()
	require.NotNil(t, st)
	assert.False(t, started)
	assert.Equal(t, fdwtype.SQLStateInternal, st.SQLState)
	assert.Contains(t, st.Message, "boom")
	assert.Empty(t, f.calls)

	be.EndXact()
	be.writeBuffer(testTable("db")).Set(1, []byte("k2"), []byte("v"))
	require.Nil(t, commit(t, be))
	assert.Equal(t, 1, f.count("bin_set_bulk"), "the next transaction commits (one key: one binary set)")
}

// Reset recovers from a failed EndXact: fresh, usable state.
func TestResetDropsEverything(t *testing.T) {
	f := newFake()
	be := newTestBackend(f)
	be.writeBuffer(testTable("db")).Set(1, []byte("k"), []byte("v"))
	be.Reset()
	assert.Zero(t, be.BufferedWrites())
	started, st := be.StartCommit()
	require.Nil(t, st)
	assert.False(t, started)
	assert.Empty(t, f.calls)
}
