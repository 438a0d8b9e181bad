package fdw

import (
	"context"
	"time"
)

// A host in back-off is not given back to user operations when its back-off
// runs out: the first operation after it would pay a full timeout if the
// host still hangs. Instead order() starts a probe, one cheap request (the
// record count of the default database) under a short deadline, in the background; the host
// stays behind the healthy ones until the probe gets an answer, and then
// takes its place in list order again (so new transactions return to the
// first host of the list). A probe that fails doubles the back-off.

// failoverProbeTimeout bounds a probe: a host that does not answer a
// version request within it is not ready for user operations.
const failoverProbeTimeout = 500 * time.Millisecond

// hostFailure: err says the host failed, not the request: no connection,
// a broken one, or no answer in time. A KT error reply is an answer.
func hostFailure(err error) bool {
	switch Classify(err) {
	case FailConnect, FailBroken, FailTimeout:
		return true
	}
	return false
}

func (f *failoverRemote) launchProbe(h *failoverHost) {
	if f.startProbe != nil {
		f.startProbe(h)
		return
	}
	go f.probeHost(h)
}

// probeHost asks h for a record count and marks it up on any answer (an
// error reply is an answer too), down on a host failure.
func (f *failoverRemote) probeHost(h *failoverHost) {
	ctx, cancel := context.WithTimeout(context.Background(), failoverProbeTimeout)
	defer cancel()
	_, err := h.remote.Count(ctx, "")
	if err != nil && hostFailure(err) {
		f.mu.Lock()
		h.probing = false
		f.mu.Unlock()
		f.markDown(h, err)
		return
	}
	f.markUp(h, false)
}

// moveOnAfterTimeout lets call() retry a read that timed out once: the
// host that did not answer is in back-off, so the retry goes to the next.
func moveOnAfterTimeout(ctx context.Context) {
	if pin := pinOf(ctx); pin != nil {
		pin.elsewhere = true
	}
}

// movedOn reports whether the operation under ctx asked for that retry.
func movedOn(ctx context.Context) bool {
	pin := pinOf(ctx)
	return pin != nil && pin.elsewhere
}
