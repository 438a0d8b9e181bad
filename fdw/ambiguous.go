package fdw

import (
	"context"
	"time"

	"github.com/cockroachdb/errors"

	"github.com/kt-fdw/kt_fdw/kt"
	"github.com/kt-fdw/kt_fdw/kt/ktscript"
)

// A commit-time write whose connection broke, or whose reply was garbage, or
// whose reconnect was refused right after a pooled connection died, may or
// may not have been applied. Failing the transaction then would let KT and
// Postgres disagree (KT applied it, Postgres rolls back), so such a write is
// retried on the same host (failover.go pins it) until one attempt gets a
// definite answer or the server's timeout, counted from the first attempt,
// runs out: the writes are final values, so applying them twice is harmless.
// A KT that restarts within the timeout is thus ridden out. Timeouts are not
// retried (a stalled server may still apply the first request; sending more
// would only pile up), and a cancel stops the loop at once.
//
// The atomic apply (ktfdwapply, apply.go) is one of these writes: its
// records are final states too, and a retry whose conflict checks fail only
// on keys that already hold the chunk's final states found its own earlier
// attempt, which applyChunk counts as success.
//
// The script probe (ktfdwversion) that precedes them at commit is retried
// the same way: it reads nothing but the script's version, so a retry is
// harmless, and it shares the apply's binary connection and failures (a
// failed apply makes the next commit probe again), so a reply cut there
// must not fail a commit whose apply would have been retried.
var commitWrites = map[string]bool{"set_bulk": true, "remove_bulk": true, opBinSetBulk: true, opBinRemoveBulk: true, "clear": true, ktscript.ProcApply: true,
	ktscript.ProcVersion: true}

const (
	ambiguousBackoffMin = 20 * time.Millisecond
	ambiguousBackoffMax = 500 * time.Millisecond
	// ambiguousWindowNoTimeout bounds the retries when the server has timeout 0.
	ambiguousWindowNoTimeout = 30 * time.Second
)

// ambiguous reports whether a failed write may have been applied.
func ambiguous(err error) bool {
	switch Classify(err) {
	case FailBroken, FailProtocol:
		return true
	case FailConnect:
		return errors.Is(err, kt.ErrMaybeSent)
	}
	return false
}

// stillUnknown: once an attempt may have been applied, a later failure
// keeps the outcome unknown unless it is a definite answer (success, or an
// error reply) or a timeout (not retried, see above).
func stillUnknown(err error) bool {
	return ambiguous(err) || Classify(err) == FailConnect
}

// retryUntilDefinite retries fn while its outcome stays unknown: call has
// seen an attempt that may have been applied (ambiguous), and err is the
// latest attempt's failure. A refusal after that (KT restarting) leaves the
// outcome unknown too: the earlier attempt may have been applied before KT
// went down. It returns the last error (nil once an attempt succeeded) and
// the attempts made.
func retryUntilDefinite(ctx context.Context, oc OpContext, start time.Time, err error, fn func(ctx context.Context) error) (error, int) {
	if !commitWrites[oc.Op] || !stillUnknown(err) {
		return err, 0
	}
	window := oc.Timeout
	if window <= 0 {
		window = ambiguousWindowNoTimeout
	}
	deadline := start.Add(window)
	backoff := ambiguousBackoffMin
	attempts := 0
	for {
		if ctx.Err() != nil || !time.Now().Add(backoff).Before(deadline) {
			return err, attempts
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return err, attempts
		case <-t.C:
		}
		backoff = min(2*backoff, ambiguousBackoffMax)
		attempts++
		err = withTimeout(ctx, oc.Timeout, fn)
		if err == nil || !stillUnknown(err) {
			return err, attempts
		}
	}
}
