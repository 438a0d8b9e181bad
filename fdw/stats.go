package fdw

import (
	"sort"
	"strings"
	"sync"
)

// Per-server statistics of this backend, for kt_fdw_server_stats(). They
// count KT operations (call: one per attempt, so a retried operation counts
// twice) and the operations that failed, for the life of the backend
// (kt_fdw_disconnect does not reset them).
type serverCounters struct {
	name       string
	roundTrips int64
	errors     int64
}

var stats = struct {
	mu      sync.Mutex
	servers map[uint32]*serverCounters
}{servers: map[uint32]*serverCounters{}}

func countCall(oc OpContext, attempts int, failed bool) {
	stats.mu.Lock()
	defer stats.mu.Unlock()
	c, ok := stats.servers[oc.ServerOID]
	if !ok {
		c = &serverCounters{}
		stats.servers[oc.ServerOID] = c
	}
	c.name = oc.Server
	c.roundTrips += int64(attempts)
	if failed {
		c.errors++
	}
}

// ServerStat is one row of kt_fdw_server_stats().
type ServerStat struct {
	OID        uint32
	Name       string
	Connected  bool   // a cached client exists (kt_fdw_disconnect drops it)
	Hosts      string // host:port list of the cached client
	Current    string // the host operations go to (failover: the last that answered)
	RoundTrips int64
	Errors     int64
	Failovers  int64 // operations another host served after a failure
}

// failoverStater is implemented by Remotes over a host list.
type failoverStater interface {
	FailoverState() (current string, failovers int64, hosts []HostState)
}

// ServerStats lists every server this backend has used, by name.
func (c *ConnCache) ServerStats() []ServerStat {
	rows := map[uint32]*ServerStat{}
	stats.mu.Lock()
	for oid, sc := range stats.servers {
		rows[oid] = &ServerStat{OID: oid, Name: sc.name, RoundTrips: sc.roundTrips, Errors: sc.errors}
	}
	stats.mu.Unlock()

	c.mu.Lock()
	for oid, cc := range c.conns {
		row, ok := rows[oid]
		if !ok {
			row = &ServerStat{OID: oid}
			rows[oid] = row
		}
		row.Connected = true
		row.Hosts = cc.opts.Addr()
		row.Current = cc.opts.Addrs()[0]
		if fs, ok := cc.remote.(failoverStater); ok {
			cur, n, hosts := fs.FailoverState()
			row.Current, row.Failovers = cur, n
			var hs []string
			for _, h := range hosts {
				s := h.Addr
				if h.Down {
					s += " (down)"
				}
				hs = append(hs, s)
			}
			row.Hosts = strings.Join(hs, ",")
		}
	}
	c.mu.Unlock()

	out := make([]ServerStat, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].OID < out[j].OID
	})
	return out
}

// Disconnect closes and forgets the cached client of a server; it reports
// whether there was one (as postgres_fdw_disconnect). The transaction's
// buffered writes stay: the commit connects again. A scan of that server
// still running in the same statement fails.
func (c *ConnCache) Disconnect(serverOID uint32) bool {
	c.mu.Lock()
	_, ok := c.conns[serverOID]
	c.mu.Unlock()
	if ok {
		c.Drop(serverOID)
	}
	return ok
}

// DisconnectAll closes every cached client; it reports whether there was any.
func (c *ConnCache) DisconnectAll() bool {
	had := c.Len() > 0
	c.CloseAll()
	return had
}
