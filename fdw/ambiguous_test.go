package fdw

import (
	"context"
	"testing"
	"time"

	"github.com/kt-fdw/kt_fdw/kt"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var errGarbage = &kt.NetError{Kind: kt.MalformedReply, Err: errBroken}

// seq returns the errors in order, then nil, counting the attempts.
func seq(errs ...error) (func(context.Context) error, *int) {
	n := 0
	return func(context.Context) error {
		n++
		if n <= len(errs) {
			return errs[n-1]
		}
		return nil
	}, &n
}

func TestCommitWriteRetriedUntilDefinite(t *testing.T) {
	oc := OpContext{Op: "set_bulk", Timeout: 5 * time.Second}
	tests := []struct {
		name     string
		op       string
		errs     []error
		ok       bool
		attempts int
	}{
		{"broken twice, then restarted KT refuses, then applies", "set_bulk", []error{errBroken, errBroken, errMaybeSent, errRefused, errRefused}, true, 6},
		{"malformed reply then ok", "clear", []error{errGarbage}, true, 2},
		{"broken, then plain refusals while KT restarts, then applies", "remove_bulk", []error{errBroken, errRefused, errRefused}, true, 4},
		{"the atomic apply is a commit write", "ktfdwapply", []error{errGarbage, errBroken, errMaybeSent}, true, 4},
		{"plain refusal is definite: not retried", "set_bulk", []error{errRefused}, false, 1},
		{"server error is definite", "set_bulk", []error{errServer}, false, 1},
		{"reads are not retried beyond call's one", "get_bulk", []error{errBroken, errBroken}, false, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fn, n := seq(tt.errs...)
			o := oc
			o.Op = tt.op
			st := call(context.Background(), o, fn)
			if tt.ok {
				require.Nil(t, st)
			} else {
				require.NotNil(t, st)
			}
			assert.Equal(t, tt.attempts, *n)
		})
	}
}

func TestCommitWriteRetryBoundedByTimeout(t *testing.T) {
	fn, n := seq(errBroken, errBroken, errRefused, errRefused, errRefused, errRefused, errRefused, errRefused, errRefused, errRefused, errRefused, errRefused)
	start := time.Now()
	st := call(context.Background(), OpContext{Op: "set_bulk", Timeout: 300 * time.Millisecond}, fn)
	require.NotNil(t, st, "KT stayed down for longer than the timeout")
	assert.Less(t, time.Since(start), time.Second)
	assert.Greater(t, *n, 2)
}

func TestCommitWriteRetryStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	fn, _ := seq(errBroken, errBroken, errRefused, errRefused, errRefused, errRefused, errRefused, errRefused)
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	start := time.Now()
	st := call(ctx, OpContext{Op: "set_bulk", Timeout: 10 * time.Second}, fn)
	require.NotNil(t, st)
	assert.Less(t, time.Since(start), 2*time.Second)
}
