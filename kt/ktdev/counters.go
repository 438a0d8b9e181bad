package ktdev

import "sync/atomic"

// Operation counters reported by report (cnt_*), counted like ktserver.
type opCounter int

const (
	cntSet opCounter = iota
	cntSetMiss
	cntRemove
	cntRemoveMiss
	cntGet
	cntGetMiss
	cntScript
	cntMisc
	numCounters
)

var counterNames = [numCounters]string{
	"cnt_set", "cnt_set_misses", "cnt_remove", "cnt_remove_misses",
	"cnt_get", "cnt_get_misses", "cnt_script", "cnt_misc",
}

type counters struct {
	ops      [numCounters]atomic.Uint64
	requests atomic.Uint64
}

func (c *counters) add(op opCounter, n int) {
	if n > 0 {
		c.ops[op].Add(uint64(n))
	}
}

// Counts returns report's cnt_* values by name ("cnt_get", ...).
func (s *Server) Counts() map[string]uint64 {
	m := make(map[string]uint64, numCounters)
	for i, name := range counterNames {
		m[name] = s.counters.ops[i].Load()
	}
	return m
}

// Requests is the number of requests (HTTP or binary) the server has read.
func (s *Server) Requests() uint64 { return s.counters.requests.Load() }
