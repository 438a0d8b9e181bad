package fdw

import (
	"context"
	"fmt"
	"time"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
)

// Op is one piece of KT work running in its own goroutine. The backend thread
// never blocks on it for long: it polls Wait with a short timeout and handles
// Postgres interrupts in between (doc/design.md, rule 7).
type Op struct {
	done   chan struct{}
	st     *fdwtype.Status
	cancel context.CancelFunc
}

// startOp runs fn under a cancellable context; a panic in fn becomes XX000.
func startOp(fn func(ctx context.Context) *fdwtype.Status) *Op {
	ctx, cancel := context.WithCancel(context.Background())
	o := &Op{done: make(chan struct{}), cancel: cancel}
	go func() {
		defer close(o.done)
		defer func() {
			if r := recover(); r != nil {
				o.st = fdwtype.PanicStatus(fmt.Sprint(r))
			}
		}()
		o.st = fn(ctx)
	}()
	return o
}

// Wait waits at most d for the op; finished=false means still running.
func (o *Op) Wait(d time.Duration) (finished bool, st *fdwtype.Status) {
	if !waitChan(o.done, d) {
		return false, nil
	}
	return true, o.st
}

// Cancel stops the op's I/O; it does not wait.
func (o *Op) Cancel() { o.cancel() }

func waitChan(ch <-chan struct{}, d time.Duration) bool {
	select {
	case <-ch:
		return true
	default:
	}
	if d <= 0 {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
		return false
	}
}
