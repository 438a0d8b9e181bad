package fdw

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/kt-fdw/kt_fdw/kt/ktscript"
	"github.com/kt-fdw/kt_fdw/kt/wire"
)

// lossStep is what lossyApply does to one ktfdwapply call.
type lossStep int

const (
	deliver     lossStep = iota // a normal call
	appliedLost                 // KT applies it, the reply is lost (connection broke)
	appliedJunk                 // KT applies it, the reply is garbage
	notSent                     // the connection broke before KT got it
	refusedNow                  // connection refused (KT restarting)
)

// lossyApply is a Remote to the dev server whose ktfdwapply calls follow a
// plan (by call number, from 1), so an apply's outcome can be made unknown
// exactly when wanted.
type lossyApply struct {
	Remote
	mu    sync.Mutex
	plan  map[int]lossStep
	calls int
}

func (l *lossyApply) ScriptVersion(ctx context.Context) (string, bool, error) {
	return l.Remote.(ApplyRemote).ScriptVersion(ctx)
}

func (l *lossyApply) ApplyScript(ctx context.Context, in []wire.Pair) ([]wire.Pair, error) {
	l.mu.Lock()
	l.calls++
	step := l.plan[l.calls]
	l.mu.Unlock()
	ar := l.Remote.(ApplyRemote)
	switch step {
	case appliedLost, appliedJunk:
		if _, err := ar.ApplyScript(ctx, in); err != nil {
			return nil, err
		}
		if step == appliedJunk {
			return nil, errGarbage
		}
		return nil, errBroken
	case notSent:
		return nil, errBroken
	case refusedNow:
		return nil, errRefused
	}
	return ar.ApplyScript(ctx, in)
}

// TestAtomicApplyUnknownOutcome: a ktfdwapply call whose outcome is unknown
// is retried (on the same host) until one attempt gets an answer, like
// set_bulk; a retry that finds its own earlier attempt's writes as
// "conflicts" commits; a real conflict still fails with 40001.
func TestAtomicApplyUnknownOutcome(t *testing.T) {
	tests := []struct {
		name      string
		check     bool
		batch     int
		plan      map[int]lossStep
		theirs    bool // another client changes "u" before the commit's first call
		calls     int
		conflict  bool
		wantAfter map[string]string
	}{
		{name: "applied, reply lost", plan: map[int]lossStep{1: appliedLost}, calls: 2},
		{name: "applied, reply lost, then KT refuses while restarting", plan: map[int]lossStep{1: appliedLost, 2: refusedNow, 3: refusedNow}, calls: 4},
		{name: "conflict_check: applied, reply lost: the retry finds its own writes", check: true,
			plan: map[int]lossStep{1: appliedLost}, calls: 2},
		{name: "conflict_check: applied, garbage reply, refused twice", check: true,
			plan: map[int]lossStep{1: appliedJunk, 2: refusedNow, 3: refusedNow}, calls: 4},
		// 5 keys in chunks of 2: 3 check-only calls, then 3 writes
		{name: "conflict_check: chunks, every call applied and lost once", check: true, batch: 2,
			plan: map[int]lossStep{1: appliedLost, 3: appliedLost, 5: appliedLost, 7: appliedLost, 9: appliedLost, 11: appliedLost}, calls: 12},
		{name: "conflict_check: not sent, another writer got there first", check: true, theirs: true,
			plan: map[int]lossStep{1: notSent}, calls: 2, conflict: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tbl, _, c := devTable(t, true, fdwtype.XactOptions{Apply: fdwtype.ApplyAtomic, ApplyBatch: tt.batch})
			tbl.ConflictCheck = tt.check
			put(t, c, tbl.DB, "u", "old")
			put(t, c, tbl.DB, "gone", "x")
			lossy := &lossyApply{}
			be := NewBackend(func(o fdwtype.ServerOptions) (Remote, error) {
				r, err := DialKT(o)
				lossy.Remote = r
				return lossy, err
			})
			defer be.Conns.CloseAll()

			m := NewModify(be, tbl, false)
			m.Saw(1, []byte("u"), []byte("old"))
			res, st := m.Update(1, []byte("u"), []byte("u"), []byte("new"))
			settleModify(t, m, res, st)
			m.Saw(1, []byte("gone"), []byte("x"))
			res, st = m.Delete(1, []byte("gone"))
			settleModify(t, m, res, st)
			for _, k := range []string{"a", "b", "c"} {
				res, st = m.Insert(1, []byte(k), []byte("v"+k))
				settleModify(t, m, res, st)
			}
			m.Close()
			if tt.theirs {
				put(t, c, tbl.DB, "u", "theirs")
			}
			lossy.mu.Lock()
			lossy.plan, lossy.calls = tt.plan, 0
			lossy.mu.Unlock()

			st = commit(t, be)
			assert.Equal(t, tt.calls, lossy.calls, "ktfdwapply calls")
			if tt.conflict {
				require.NotNil(t, st)
				assert.Equal(t, fdwtype.SQLStateSerializationFailure, st.SQLState)
				assert.Equal(t, map[string]string{"u": "theirs", "gone": "x"}, ktContents(t, c, tbl.DB), "nothing written")
				return
			}
			require.Nil(t, st)
			assert.Equal(t, map[string]string{"u": "new", "a": "va", "b": "vb", "c": "vc"}, ktContents(t, c, tbl.DB))
		})
	}
}

func TestOwnWrites(t *testing.T) {
	w := func(k, v string) ktscript.Write { return ktscript.Write{Key: []byte(k), Value: []byte(v)} }
	rm := func(k string) ktscript.Write { return ktscript.Write{Key: []byte(k), Remove: true} }
	writes := []ktscript.Write{w("a", "1"), rm("b")}
	tests := []struct {
		name      string
		conflicts []ktscript.Conflict
		writes    []ktscript.Write
		want      bool
	}{
		{"holds the set value", []ktscript.Conflict{{Key: []byte("a"), Exists: true, Value: []byte("1")}}, writes, true},
		{"removed key absent", []ktscript.Conflict{{Key: []byte("b")}}, writes, true},
		{"both", []ktscript.Conflict{{Key: []byte("a"), Exists: true, Value: []byte("1")}, {Key: []byte("b")}}, writes, true},
		{"other value", []ktscript.Conflict{{Key: []byte("a"), Exists: true, Value: []byte("2")}}, writes, false},
		{"set key absent", []ktscript.Conflict{{Key: []byte("a")}}, writes, false},
		{"removed key present", []ktscript.Conflict{{Key: []byte("b"), Exists: true}}, writes, false},
		{"one of two is someone else's", []ktscript.Conflict{{Key: []byte("a"), Exists: true, Value: []byte("1")}, {Key: []byte("b"), Exists: true}}, writes, false},
		{"key not written", []ktscript.Conflict{{Key: []byte("c")}}, writes, false},
		{"check-only request", []ktscript.Conflict{{Key: []byte("a"), Exists: true, Value: []byte("1")}}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, ownWrites(tt.conflicts, tt.writes))
		})
	}
}
