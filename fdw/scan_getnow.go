package fdw

import (
	"bytes"
	"context"
	"time"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/kt-fdw/kt_fdw/kt"
)

// getNowBudget bounds a point lookup done on the calling goroutine (one
// poll interval of the C side): within it no CHECK_FOR_INTERRUPTS runs, so
// it must stay well under doc/design.md rule 7's ~100 ms. A variable so tests
// can ask which calls run on the thread, not how fast this machine is.
var getNowBudget = 20 * time.Millisecond

// deadlineCtx has a deadline but no Done channel: the kt client then sets
// the socket deadline without arming a timer or an AfterFunc per call.
type deadlineCtx struct {
	context.Context
	at time.Time
}

func (c deadlineCtx) Deadline() (time.Time, bool) { return c.at, true }

// getNow serves a point lookup on the calling goroutine when KT answers
// within getNowBudget: no goroutine start, channel hand-off or timer, which
// are most of a lookup's cost inside a backend (Go's locked callback thread
// hands over to another thread and back for each); the reply is awaited in
// poll(2) on the backend's thread (kt.WithThreadWait), not in Go's poller.
// Any error, the budget's
// timeout included, returns false and the caller runs the usual goroutine,
// which repeats the get (idempotent) with the server's timeout, retries and
// error reporting; when the budget ran out before KT's reply began,
// resume holds the connection and the goroutine's get reads that reply
// (kt.WithResume) instead of sending the request again, so a slow lookup
// is still one KT request. Failover remotes are left to the goroutine: a
// lookup slower than the budget must not mark a healthy host down.
func (s *Scan) getNow(r Remote, spec ScanSpec) (served bool, resume *kt.Handoff) {
	if _, ok := r.(ktRemote); !ok || s.table.XT || len(spec.Keys) != 1 {
		return false, nil
	}
	oc := opContext(s.table, "get")
	budget := getNowBudget
	if oc.Timeout > 0 && oc.Timeout < budget {
		return false, nil // a real timeout must be reported as one
	}
	key := spec.Keys[0]
	h := &kt.Handoff{}
	ctx := kt.WithHandoff(kt.WithThreadWait(deadlineCtx{context.Background(), time.Now().Add(budget)}), h)
	val, found, err := r.Get(ctx, s.table.DB, key)
	if err != nil {
		if h.Pending() {
			return false, h
		}
		return false, nil
	}
	countCall(oc, 1, false)
	s.stats.trips.Add(1)
	out := make(chan scanItem, 1)
	if found {
		out <- scanItem{rows: []fdwtype.Record{{Key: bytes.Clone(key), Value: val}}}
	}
	close(out)
	s.out = out
	return true, nil
}
