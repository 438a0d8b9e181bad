package fdw

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/kt-fdw/kt_fdw/kt/ktdev"
)

// TestSmallCommitOnThread: a small commit to a single-host KT is applied
// inside StartCommit (started=false: no goroutine, no wait loop), in every
// apply mode; commits that need the goroutine still get it.
func TestSmallCommitOnThread(t *testing.T) {
	// which commits run on the thread, not whether this machine answers
	// within 20 ms
	budget := applyNowBudget
	applyNowBudget = time.Second // devTable's timeout is 2s
	t.Cleanup(func() { applyNowBudget = budget })
	for _, tc := range []struct {
		name     string
		scripts  bool
		xo       fdwtype.XactOptions
		records  int
		check    bool          // a conflict_check expectation
		timeout  time.Duration // server timeout (0: devTable's 2s)
		clear    bool          // a TRUNCATE
		onThread bool
	}{
		{name: "bulk, 2 records", xo: fdwtype.XactOptions{Apply: fdwtype.ApplyBulk}, records: 2, onThread: true},
		{name: "auto without script", records: 2, onThread: true},
		{name: "atomic", scripts: true, xo: fdwtype.XactOptions{Apply: fdwtype.ApplyAtomic}, records: 2, onThread: true},
		{name: "auto with script", scripts: true, records: applyNowMaxRecords, onThread: true},
		{name: "more than applyNowMaxRecords", scripts: true, records: applyNowMaxRecords + 1},
		{name: "more than apply_batch", xo: fdwtype.XactOptions{ApplyBatch: 2}, records: 3},
		{name: "conflict_check", scripts: true, records: 1, check: true},
		{name: "timeout below the budget", records: 1, timeout: time.Second - time.Millisecond},
		{name: "truncate", records: 1, clear: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tbl, _, c := devTable(t, tc.scripts, tc.xo)
			if tc.timeout > 0 {
				tbl.Server.Opts.Timeout = tc.timeout
			}
			be := NewBackend(DialKT)
			defer be.Conns.CloseAll()
			if tc.clear {
				require.Nil(t, be.Truncate(1, []fdwtype.Table{tbl}))
			}
			want := map[string]string{}
			for i := 0; i < tc.records; i++ {
				k, v := fmt.Sprintf("k%04d", i), fmt.Sprint("v", i)
				be.writeBuffer(tbl).Set(1, []byte(k), []byte(v))
				want[k] = v
				if tc.check && i == 0 {
					be.expectationsFor(tbl).add(1, []byte(k), nil, true)
				}
			}
			started, st := be.StartCommit()
			require.Nil(t, st)
			assert.Equal(t, !tc.onThread, started, "started a goroutine")
			if started {
				for finished := false; !finished; {
					finished, st = be.WaitCommit(10 * time.Millisecond)
				}
				if st != nil && tc.timeout > 0 {
					t.Skipf("the %v timeout ran out on this loaded machine: %s", tc.timeout, st.Message)
				}
				require.Nil(t, st)
			}
			be.EndXact()
			assert.Equal(t, want, ktContents(t, c, tbl.DB))
		})
	}
	t.Run("failover list", func(t *testing.T) {
		tbl, _, c := devTable(t, false, fdwtype.XactOptions{})
		tbl.Server.Opts.Host = tbl.Server.Opts.Host + ",127.0.0.1:1"
		be := NewBackend(DialKT)
		defer be.Conns.CloseAll()
		be.writeBuffer(tbl).Set(1, []byte("a"), []byte("1"))
		started, st := be.StartCommit()
		require.Nil(t, st)
		assert.True(t, started)
		for finished := false; !finished; {
			finished, st = be.WaitCommit(10 * time.Millisecond)
		}
		require.Nil(t, st)
		be.EndXact()
		assert.Equal(t, map[string]string{"a": "1"}, ktContents(t, c, tbl.DB))
	})
}

// TestSmallCommitOnThreadFallsBack: when KT does not answer within the
// budget (stall) or the attempt fails (garbage reply, after applying), the
// goroutine applies the commit as before: the commit succeeds, KT holds
// the final states, and success is reported only after KT answered.
func TestSmallCommitOnThreadFallsBack(t *testing.T) {
	for _, tc := range []struct {
		name    string
		scripts bool
		fault   ktdev.Fault
		sent    uint64 // most requests KT may get for the commit (0: not checked)
	}{
		// the reply is read on the connection the thread handed off: the
		// request is sent once
		{"bulk, stall past the budget", false, ktdev.Fault{Kind: ktdev.FaultStall, Proc: "remove_bulk", Stall: 5 * applyNowBudget, Times: 1}, 3},
		{"bulk, garbage reply", false, ktdev.Fault{Kind: ktdev.FaultGarbage, Proc: "set_bulk", Times: 1}, 0},
		{"atomic, stall past the budget", true, ktdev.Fault{Kind: ktdev.FaultStall, Proc: "bin_play_script", Stall: 5 * applyNowBudget, Times: 1}, 1},
		{"atomic, connection closed mid-reply", true, ktdev.Fault{Kind: ktdev.FaultCloseMidReply, Proc: "bin_play_script", Times: 1}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tbl, srv, c := devTable(t, tc.scripts, fdwtype.XactOptions{})
			be := NewBackend(DialKT)
			defer be.Conns.CloseAll()
			be.writeBuffer(tbl).Set(1, []byte("warm"), []byte("1")) // probe first
			require.Nil(t, commit(t, be))

			be.writeBuffer(tbl).Set(1, []byte("a"), []byte("1"))
			be.writeBuffer(tbl).Remove(1, []byte("warm"))
			srv.SetFault(tc.fault)
			before := srv.Requests()
			started, st := be.StartCommit()
			require.Nil(t, st)
			require.True(t, started, "the failed attempt on the thread hands over to the goroutine")
			for finished := false; !finished; {
				finished, st = be.WaitCommit(10 * time.Millisecond)
			}
			require.Nil(t, st)
			if tc.sent > 0 {
				// (fewer when a loaded machine made an earlier call miss the budget)
				assert.LessOrEqual(t, srv.Requests()-before, tc.sent, "requests for the commit")
			}
			be.EndXact()
			assert.Equal(t, map[string]string{"a": "1"}, ktContents(t, c, tbl.DB))
		})
	}
}

// TestSmallCommitOnThreadMaybeApplied: KT applies the attempt on the thread
// but its reply is lost, and the goroutine's repeat is refused while KT
// restarts. The outcome is unknown, so the goroutine retries until KT
// answers and the commit succeeds: failing it would leave a write in KT
// that Postgres rolled back.
func TestSmallCommitOnThreadMaybeApplied(t *testing.T) {
	budget := applyNowBudget
	applyNowBudget = time.Second // which path runs, not how fast this machine is
	t.Cleanup(func() { applyNowBudget = budget })
	anyRemote := applyNowRemote
	applyNowRemote = func(Remote) bool { return true } // lossyApply wraps the KT client
	t.Cleanup(func() { applyNowRemote = anyRemote })

	tbl, _, c := devTable(t, true, fdwtype.XactOptions{Apply: fdwtype.ApplyAtomic})
	lossy := &lossyApply{}
	be := NewBackend(func(o fdwtype.ServerOptions) (Remote, error) {
		r, err := DialKT(o)
		lossy.Remote = r
		return lossy, err
	})
	defer be.Conns.CloseAll()
	be.writeBuffer(tbl).Set(1, []byte("warm"), []byte("1")) // probe first
	require.Nil(t, commit(t, be))

	be.writeBuffer(tbl).Set(1, []byte("a"), []byte("1"))
	be.writeBuffer(tbl).Set(1, []byte("b"), []byte("2")) // two keys: ktfdwapply
	lossy.mu.Lock()
	lossy.plan, lossy.calls = map[int]lossStep{1: appliedLost, 2: refusedNow, 3: refusedNow}, 0
	lossy.mu.Unlock()
	started, st := be.StartCommit()
	require.Nil(t, st)
	require.True(t, started, "the failed attempt on the thread hands over to the goroutine")
	for finished := false; !finished; {
		finished, st = be.WaitCommit(10 * time.Millisecond)
	}
	be.EndXact()
	require.Nil(t, st, "an unknown outcome is retried until KT answers")
	assert.Equal(t, 4, lossy.calls, "the thread's attempt, two refusals, the answer")
	assert.Equal(t, map[string]string{"warm": "1", "a": "1", "b": "2"}, ktContents(t, c, tbl.DB))
}
