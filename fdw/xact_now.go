package fdw

import (
	"context"
	"time"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/kt-fdw/kt_fdw/kt"
)

// A small commit (a synced trigger's one or two records) applied on the
// calling goroutine, like a point lookup (scan_getnow.go): a goroutine
// start, the channel hand-off and the C side's wait loop cost a Postgres
// backend more than the KT round trip itself, because Go's locked callback
// thread hands its P over and back for each.

// applyNowBudget bounds the apply on the calling goroutine (one poll
// interval of the C side): within it no CHECK_FOR_INTERRUPTS runs, so it
// must stay well under doc/design.md rule 7's ~100 ms. A variable so tests
// on a loaded machine can widen it.
var applyNowBudget = 20 * time.Millisecond

// applyNowMaxRecords: larger commits, likely to need more than the budget,
// go straight to the goroutine.
const applyNowMaxRecords = 1000

// applyNowRemote says whether the apply may run on the calling goroutine
// over r: a single-host KT client (a failover list is left to the
// goroutine: an apply slower than the budget must not mark a host down).
// A variable so a build can switch the path off (A/B measurements).
var applyNowRemote = func(r Remote) bool {
	_, ok := r.(ktRemote)
	return ok
}

type applyNowKey struct{}

// threadAttempt is what the apply on the calling goroutine learnt of its
// one attempt per call: whether a write may have reached KT although it
// failed (its connection broke, its reply was garbage, or the budget ran
// out after it was sent).
type threadAttempt struct{ maybeApplied bool }

// onThread returns the record of the apply on the calling goroutine that
// ctx belongs to, nil for any other call: call() then makes one attempt,
// with no retry and no timer (call.go).
func onThread(ctx context.Context) *threadAttempt {
	a, _ := ctx.Value(applyNowKey{}).(*threadAttempt)
	return a
}

type maybeAppliedKey struct{}

// withMaybeApplied marks the goroutine's apply that follows an attempt on
// the thread which may have been applied: its first failure is then an
// unknown outcome, retried until an answer (ambiguous.go), not a definite
// one. Without it a commit whose write KT applied on the thread, and whose
// repeat is refused while KT restarts, would fail and leave the write in KT.
func withMaybeApplied(ctx context.Context) context.Context {
	return context.WithValue(ctx, maybeAppliedKey{}, true)
}

func earlierAttemptMaybeApplied(ctx context.Context) bool {
	v, _ := ctx.Value(maybeAppliedKey{}).(bool)
	return v
}

// applyNow applies w on the calling goroutine when it is small, has no
// TRUNCATE or conflict_check expectations, and KT answers every call
// within applyNowBudget; the replies are awaited in poll(2) on the
// backend's thread (kt.WithThreadWait). It returns done=true once KT
// answered that everything was applied. Otherwise the caller starts the
// usual goroutine, which repeats the apply (final states: idempotent) with
// the server's timeout, the unknown-outcome retries (ambiguous.go) and
// error reporting; when the budget ran out before KT's reply began, the
// call that was waiting is not sent again: handedOff holds its connection
// and the goroutine's same call reads that reply (kt.WithResume). So a
// write KT is slow to apply is never sent twice (a second copy could be
// applied after another transaction's later write to the same key).
// maybeApplied: a write of the attempt may have reached KT (see
// withMaybeApplied).
func (w commitWork) applyNow() (done bool, handedOff *kt.Handoff, maybeApplied bool) {
	o := w.table.Server.Opts
	if !applyNowRemote(w.remote) || o.TLS || (w.exps != nil && w.exps.Len() > 0) || len(w.buf.Clears()) > 0 {
		return false, nil, false // TLS: a timed-out TLS read cannot be handed off
	}
	batch := o.Xact.ApplyBatch
	if batch < 1 {
		batch = fdwtype.DefaultApplyBatch
	}
	if w.buf.MaxLen() > min(batch, applyNowMaxRecords) { // an upper bound: Len would read spilled runs
		return false, nil, false
	}
	if o.Timeout > 0 && o.Timeout < applyNowBudget {
		return false, nil, false // a real timeout must be reported as one
	}
	h := &kt.Handoff{}
	attempt := &threadAttempt{}
	ctx := context.WithValue(deadlineCtx{context.Background(), time.Now().Add(applyNowBudget)}, applyNowKey{}, attempt)
	if w.apply(kt.WithHandoff(kt.WithThreadWait(ctx), h)) == nil {
		return true, nil, false
	}
	if !h.Pending() {
		return false, nil, attempt.maybeApplied
	}
	return false, h, attempt.maybeApplied
}
