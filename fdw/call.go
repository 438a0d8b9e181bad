package fdw

import (
	"context"
	"time"
)

// call runs one KT operation under the server's timeout and retries it once
// when a pooled connection turned out to be broken (the KT server restarted).
// Every operation the FDW sends is idempotent (get, get_bulk, match_prefix,
// set_bulk, remove_bulk), so the retry cannot apply anything twice.
func call(ctx context.Context, oc OpContext, fn func(ctx context.Context) error) *Status {
	ctx = withWritePin(ctx) // a write's retry stays on its host (failover.go)
	start := time.Now()
	err := withTimeout(ctx, oc.Timeout, fn)
	attempts := 1
	if err != nil && Classify(err) == FailBroken && ctx.Err() == nil {
		err = withTimeout(ctx, oc.Timeout, fn)
		attempts++
	}
	if err != nil && ctx.Err() == nil {
		var more int
		err, more = retryUntilDefinite(ctx, oc, start, err, fn) // ambiguous.go
		attempts += more
	}
	countCall(oc, attempts, err != nil && ctx.Err() == nil)
	if err != nil {
		if ctx.Err() != nil && Classify(err) != FailConnect {
			// Our own cancel (abort, rescan, release): say so, not "timed out".
			return KTStatus(oc, context.Canceled)
		}
		return KTStatus(oc, err)
	}
	return nil
}

func withTimeout(ctx context.Context, d time.Duration, fn func(ctx context.Context) error) error {
	if d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	return fn(ctx)
}
