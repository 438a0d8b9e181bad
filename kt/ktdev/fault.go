package ktdev

import (
	"sync"
	"time"
)

// FaultKind selects an injected failure.
type FaultKind int

const (
	// FaultNone: behave normally.
	FaultNone FaultKind = iota
	// FaultStall: read the request, then wait before executing it, for
	// Fault.Stall or (when 0) until the fault is changed or the server closes.
	// Nothing is applied while stalled.
	FaultStall
	// FaultCloseMidReply: execute the request, write the first half of the
	// reply, then close the connection.
	FaultCloseMidReply
	// FaultGarbage: execute the request, answer with bytes that are neither
	// HTTP nor the binary protocol, then close the connection.
	FaultGarbage
	// FaultRefuse: close every new connection right after accepting it
	// (connections already open keep working).
	FaultRefuse
)

func (k FaultKind) String() string {
	switch k {
	case FaultNone:
		return "none"
	case FaultStall:
		return "stall"
	case FaultCloseMidReply:
		return "close"
	case FaultGarbage:
		return "garbage"
	case FaultRefuse:
		return "refuse"
	}
	return "unknown"
}

// ParseFaultKind maps the names used by cmd/ktdev's -fault flag.
func ParseFaultKind(s string) (FaultKind, bool) {
	for k := FaultNone; k <= FaultRefuse; k++ {
		if k.String() == s {
			return k, true
		}
	}
	return FaultNone, false
}

// Fault describes a failure to inject.
type Fault struct {
	Kind FaultKind
	// Proc restricts the fault to one procedure: an RPC name ("get",
	// "set_bulk", ...), "rest_get"/"rest_head"/"rest_put"/"rest_delete" for
	// the RESTful interface, or "bin_set_bulk"/"bin_remove_bulk"/
	// "bin_get_bulk"/"bin_play_script" for the binary protocol.
	// Empty = every request. Ignored by FaultRefuse.
	Proc string
	// Stall is how long FaultStall waits; 0 = until the fault changes.
	Stall time.Duration
	// Times limits how many requests (or connections, for FaultRefuse) the
	// fault hits; 0 = unlimited.
	Times int
}

// faultState holds the current fault; changed is closed and replaced on
// every change so stalled requests wake up.
type faultState struct {
	mu      sync.Mutex
	fault   Fault
	used    int
	changed chan struct{}
}

func newFaultState(f Fault) *faultState {
	return &faultState{fault: f, changed: make(chan struct{})}
}

func (fs *faultState) set(f Fault) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.fault = f
	fs.used = 0
	close(fs.changed)
	fs.changed = make(chan struct{})
}

// take returns the fault that applies to a request of proc (FaultNone if
// none) and counts it against Times.
func (fs *faultState) take(proc string, refuse bool) (Fault, <-chan struct{}) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f := fs.fault
	switch {
	case f.Kind == FaultNone:
		return Fault{}, nil
	case refuse != (f.Kind == FaultRefuse):
		return Fault{}, nil
	case !refuse && f.Proc != "" && f.Proc != proc:
		return Fault{}, nil
	case f.Times > 0 && fs.used >= f.Times:
		return Fault{}, nil
	}
	fs.used++
	return f, fs.changed
}

// SetFault injects f from now on (replacing any earlier fault and waking
// requests stalled by it).
func (s *Server) SetFault(f Fault) { s.faults.set(f) }

// ClearFault stops injecting failures and releases stalled requests.
func (s *Server) ClearFault() { s.faults.set(Fault{}) }

// SetStall is shorthand for SetFault(Fault{Kind: FaultStall}) / ClearFault.
func (s *Server) SetStall(on bool) {
	if on {
		s.SetFault(Fault{Kind: FaultStall})
	} else {
		s.ClearFault()
	}
}

// stall blocks for a FaultStall; it returns false if the server closed.
func (s *Server) stall(f Fault, changed <-chan struct{}) bool {
	var timer <-chan time.Time
	if f.Stall > 0 {
		t := time.NewTimer(f.Stall)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-timer:
	case <-changed:
	case <-s.done:
		return false
	}
	return true
}

// garbageReply is what FaultGarbage sends instead of a reply.
var garbageReply = []byte("\x7fGARBAGE\x00\xff not a reply \r\n\r\n")
