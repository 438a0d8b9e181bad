package fdw

import (
	"context"
	"time"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
)

// call runs one KT operation under the server's timeout and retries it once
// when a pooled connection turned out to be broken (the KT server restarted).
// Every operation the FDW sends is idempotent (get, get_bulk, match_prefix,
// set_bulk, remove_bulk, ktfdwapply), so the retry cannot apply anything
// twice. A commit write whose outcome stays unknown is retried further
// (ambiguous.go).
func call(ctx context.Context, oc OpContext, fn func(ctx context.Context) error) *fdwtype.Status {
	if err, _ := callErr(ctx, oc, fn); err != nil {
		return callStatus(ctx, oc, err)
	}
	return nil
}

// callErr is call returning the last attempt's error itself (nil once one
// succeeded) and how many attempts were made.
func callErr(ctx context.Context, oc OpContext, fn func(ctx context.Context) error) (error, int) {
	if attempt := onThread(ctx); attempt != nil {
		// a small commit on the calling goroutine (xact_now.go): one
		// attempt within its budget; on failure the goroutine starts over,
		// told when this attempt's write may have reached KT (the budget's
		// timeout included: the request was sent)
		err := fn(ctx)
		if err != nil && commitWrites[oc.Op] && (ambiguous(err) || Classify(err) == FailTimeout) {
			attempt.maybeApplied = true
		}
		countCall(oc, 1, false)
		countTrips(ctx, 1)
		return err, 1
	}
	ctx = withWritePin(ctx) // a write's retry stays on its host (failover.go)
	start := time.Now()
	err := withTimeout(ctx, oc.Timeout, fn)
	attempts := 1
	// unknown: some attempt may have been applied although it failed
	unknown := err != nil && (ambiguous(err) || earlierAttemptMaybeApplied(ctx))
	if err != nil && Classify(err) == FailTimeout && ctx.Err() == nil && movedOn(ctx) {
		// a read timed out on a host of a list, now in back-off: once more
		// on the next host, which has not used any of this timeout
		err = withTimeout(ctx, oc.Timeout, fn)
		attempts++
	}
	if err != nil && Classify(err) == FailBroken && ctx.Err() == nil {
		err = withTimeout(ctx, oc.Timeout, fn)
		attempts++
		unknown = unknown || (err != nil && ambiguous(err))
	}
	if err != nil && unknown && ctx.Err() == nil {
		var more int
		err, more = retryUntilDefinite(ctx, oc, start, err, fn) // ambiguous.go
		attempts += more
	}
	countCall(oc, attempts, err != nil && ctx.Err() == nil)
	countTrips(ctx, attempts) // scan_stats.go
	if err != nil && unknown && commitWrites[oc.Op] {
		logEvent("unknown\x00"+oc.Server,
			"server \"%s\" (%s): the outcome of a commit is unknown: %s failed after %d attempts (%s), so KT may hold writes of a transaction that Postgres rolls back; compare with ktfdw reconcile",
			oc.Server, oc.Addr, oc.Op, attempts, reason(oc, err))
	}
	return err, attempts
}

// callStatus is the Postgres error for a failed call.
func callStatus(ctx context.Context, oc OpContext, err error) *fdwtype.Status {
	if ctx.Err() != nil && Classify(err) != FailConnect {
		// Our own cancel (abort, rescan, release): say so, not "timed out".
		return KTStatus(oc, context.Canceled)
	}
	return KTStatus(oc, err)
}

func withTimeout(ctx context.Context, d time.Duration, fn func(ctx context.Context) error) error {
	if d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	return fn(ctx)
}
