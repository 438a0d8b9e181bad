package fdw

import (
	"context"
	"sync/atomic"
)

// Per-scan counters for EXPLAIN ANALYZE (pgext/explain.c): the KT round
// trips the scan made (attempts, counted as kt_fdw_server_stats counts
// them) and the records it received. The round trips are counted by call
// through the scan's context, so goroutines of the scan count too.
type scanStats struct {
	trips, records atomic.Int64
}

type tripsKey struct{}

func withTrips(ctx context.Context, c *atomic.Int64) context.Context {
	return context.WithValue(ctx, tripsKey{}, c)
}

// countTrips adds n round trips to the counter ctx carries, if any.
func countTrips(ctx context.Context, n int) {
	if c, ok := ctx.Value(tripsKey{}).(*atomic.Int64); ok {
		c.Add(int64(n))
	}
}

// Stats are the scan's KT round trips and records received so far, over
// every (re)start.
func (s *Scan) Stats() (trips, records int64) {
	return s.stats.trips.Load(), s.stats.records.Load()
}
