package e2e_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/kt-fdw/kt_fdw/kt/ktdev"
)

// TestSmallCommitSlowKT: a small commit starts on the backend's thread
// (fdw/xact_now.go); when KT answers after more than its 20 ms, the commit
// still succeeds, and the apply request was sent once: the commit's
// goroutine read the reply of the request the thread had sent. A commit of
// one key is one binary set_bulk in every mode; two keys are a ktfdwapply
// call (auto, with the script) or an HTTP set_bulk (bulk).
func TestSmallCommitSlowKT(t *testing.T) {
	for _, tc := range []struct {
		mode, proc string
		keys       int
	}{{"auto", "bin_set_bulk", 1}, {"bulk", "bin_set_bulk", 1}, {"auto", "bin_play_script", 2}, {"bulk", "set_bulk", 2}} {
		t.Run(fmt.Sprintf("%s/%d keys", tc.mode, tc.keys), func(t *testing.T) {
			e := txDevEnv(t, true, "apply '"+tc.mode+"'")
			e.exec("INSERT INTO kv VALUES ('warm', '1')") // the script probe
			e.dev.SetFault(ktdev.Fault{Kind: ktdev.FaultStall, Proc: tc.proc, Stall: 150 * time.Millisecond, Times: 1})
			t.Cleanup(e.dev.ClearFault)
			e.exec("BEGIN")
			e.exec(fmt.Sprintf("INSERT INTO kv SELECT 'a' || i, 'slow' FROM generate_series(1, %d) i", tc.keys))
			before := e.dev.Requests()
			start := time.Now()
			e.exec("COMMIT")
			assert.EqualValues(t, 1, e.dev.Requests()-before, "one apply request, not resent")
			assert.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond, "the commit waited for the stalled %s", tc.proc)
			v, ok := e.ktGet("a1")
			assert.True(t, ok)
			assert.Equal(t, "slow", v)
		})
	}
}
