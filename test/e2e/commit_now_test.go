package e2e_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/kt-fdw/kt_fdw/kt/ktdev"
)

// TestSmallCommitSlowKT: a small commit starts on the backend's thread
// (fdw/xact_now.go); when KT answers after more than its 20 ms, the commit
// still succeeds, and the apply request was sent once: the commit's
// goroutine read the reply of the request the thread had sent.
func TestSmallCommitSlowKT(t *testing.T) {
	for _, tc := range []struct {
		mode, proc string
	}{{"auto", "bin_play_script"}, {"bulk", "set_bulk"}} {
		t.Run(tc.mode, func(t *testing.T) {
			e := txDevEnv(t, true, "apply '"+tc.mode+"'")
			e.exec("INSERT INTO kv VALUES ('warm', '1')") // the script probe
			e.dev.SetFault(ktdev.Fault{Kind: ktdev.FaultStall, Proc: tc.proc, Stall: 150 * time.Millisecond, Times: 1})
			t.Cleanup(e.dev.ClearFault)
			e.exec("BEGIN")
			e.exec("INSERT INTO kv VALUES ('a', 'slow')")
			before := e.dev.Requests()
			e.exec("COMMIT")
			assert.EqualValues(t, 1, e.dev.Requests()-before, "one apply request, not resent")
			v, ok := e.ktGet("a")
			assert.True(t, ok)
			assert.Equal(t, "slow", v)
		})
	}
}
