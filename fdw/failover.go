package fdw

import (
	"context"
	"sync"
	"time"

	"github.com/cockroachdb/errors"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/kt-fdw/kt_fdw/kt"
)

// Failover: the host option may list several KT servers ("kt1,kt2:1979", a
// dual-master pair for example). Every operation goes to the first healthy
// host in list order; a host that failed is skipped for a back-off (1 s,
// doubling up to 30 s) and then tried first again.
//
//   - Reads (get, get_bulk, match_prefix) are retried once on another host
//     after a connection failure (refused, broken, TLS rejected).
//   - Writes (set_bulk, remove_bulk at commit) move to another host only when
//     they provably did not reach the first one: no connection could be made
//     (refused, connect timeout, TLS handshake refused) and no pooled
//     connection broke before (kt.ErrMaybeSent). A write that may have been
//     applied is retried only on the same host (call's one retry): the records
//     are final values, so repeating them there is harmless, while repeating
//     them on the other master is not: the first master's copy would reach the
//     second through replication later, after (and over) changes committed
//     in between.
const (
	failoverBackoffMin = time.Second
	failoverBackoffMax = 30 * time.Second
)

// failoverHost is one host of a list and its health.
type failoverHost struct {
	addr      string
	remote    Remote
	fails     int
	downUntil time.Time
	probing   bool // a probe is asking whether it answers again (failover_probe.go)
}

// failoverRemote spreads a Remote over several hosts. Methods it does not
// wrap (added to Remote later) go to the first host through the embedded
// Remote.
type failoverRemote struct {
	Remote
	mu        sync.Mutex
	hosts     []*failoverHost
	now       func() time.Time
	current   string // host of the last success
	server    string // the Postgres server's name, for log lines (SetServerName)
	failovers int64  // operations served by another host after a failure
	// startProbe runs probeHost; tests make it synchronous (nil: a goroutine)
	startProbe func(h *failoverHost)
}

// newFailover makes a Remote over addrs, dialling each with dial (no I/O).
func newFailover(addrs []string, dial func(addr string) (Remote, error)) (*failoverRemote, error) {
	f := &failoverRemote{now: time.Now}
	for _, a := range addrs {
		r, err := dial(a)
		if err != nil {
			_ = f.Close()
			return nil, err
		}
		f.hosts = append(f.hosts, &failoverHost{addr: a, remote: r})
	}
	f.Remote = f.hosts[0].remote
	f.current = addrs[0]
	return f, nil
}

// order is the hosts to try: healthy ones in list order, then the others.
// A host whose back-off ran out stays with the others until a probe finds
// it answering (failover_probe.go): no user operation pays its timeout.
func (f *failoverRemote) order() []*failoverHost {
	f.mu.Lock()
	now := f.now()
	var probe []*failoverHost
	for _, h := range f.hosts {
		if h.fails > 0 && !now.Before(h.downUntil) && !h.probing {
			h.probing = true
			probe = append(probe, h)
		}
	}
	f.mu.Unlock()
	for _, h := range probe {
		f.launchProbe(h)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var up, down []*failoverHost
	for _, h := range f.hosts {
		if h.fails == 0 {
			up = append(up, h)
		} else {
			down = append(down, h)
		}
	}
	return append(up, down...)
}

// SetServerName names the Postgres server in log lines.
func (f *failoverRemote) SetServerName(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.server = name
}

func (f *failoverRemote) markDown(h *failoverHost, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.now().Before(h.downUntil) {
		return // already down: one back-off per failure seen, not per operation that saw it
	}
	h.fails++
	backoff := min(failoverBackoffMin<<min(h.fails-1, 5), failoverBackoffMax)
	h.downUntil = f.now().Add(backoff)
	logEvent("backoff\x00"+f.server+"\x00"+h.addr,
		"server \"%s\": host %s is skipped for %s after a failure: %s (failure %d in a row)",
		f.server, h.addr, backoff, reason(OpContext{Addr: h.addr, Server: f.server}, err), h.fails)
}

func (f *failoverRemote) markUp(h *failoverHost, failedOver bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if h.fails > 0 {
		logEvent("recovery\x00"+f.server+"\x00"+h.addr,
			"server \"%s\": host %s answers again after %d failures", f.server, h.addr, h.fails)
	}
	h.fails, h.downUntil, h.probing = 0, time.Time{}, false
	f.current = h.addr
	if failedOver {
		f.failovers++
	}
}

// logFailover: an operation that failed on one host was served by another.
func (f *failoverRemote) logFailover(from, to *failoverHost, err error) {
	f.mu.Lock()
	server := f.server
	f.mu.Unlock()
	logEvent("failover\x00"+server+"\x00"+from.addr,
		"server \"%s\": failed over from host %s to host %s: %s",
		server, from.addr, to.addr, reason(OpContext{Addr: from.addr, Server: server}, err))
}

// run does fn on h and keeps h's health. Failures to connect, broken
// connections and timeouts count against a host; a KT error reply does not.
func (f *failoverRemote) run(h *failoverHost, failedOver bool, fn func(Remote) error) error {
	return f.runOp(h, failedOver, false, fn)
}

// runOp is run. A write that may have reached its host marks it down as
// well: its retries in call() are pinned to that host (writePin), later
// transactions go elsewhere.
func (f *failoverRemote) runOp(h *failoverHost, failedOver, write bool, fn func(Remote) error) error {
	err := fn(h.remote)
	switch {
	case err == nil:
		f.markUp(h, failedOver)
	case hostFailure(err):
		f.markDown(h, err)
	}
	return err
}

func isConnFailure(err error) bool {
	k := Classify(err)
	return k == FailConnect || k == FailBroken
}

// provablyUnsent: the request cannot have reached the host's KT.
func provablyUnsent(err error) bool {
	return Classify(err) == FailConnect && !errors.Is(err, kt.ErrMaybeSent)
}

func (f *failoverRemote) read(ctx context.Context, fn func(Remote) error) error {
	hosts := f.order()
	err := f.run(hosts[0], false, fn)
	if len(hosts) > 1 && Classify(err) == FailTimeout {
		moveOnAfterTimeout(ctx) // no time is left: call() retries elsewhere
	}
	if err == nil || ctx.Err() != nil || len(hosts) < 2 || !isConnFailure(err) {
		return err
	}
	if err2 := f.run(hosts[1], true, fn); err2 != nil {
		return err2
	}
	f.logFailover(hosts[0], hosts[1], err)
	return nil
}

func (f *failoverRemote) write(ctx context.Context, fn func(Remote) error) error {
	pin := pinOf(ctx)
	if pin != nil && pin.host != nil {
		return f.runOp(pin.host, false, true, fn) // the request may be there already
	}
	var err, first error
	hosts := f.order()
	for i, h := range hosts {
		if err = f.runOp(h, i > 0, true, fn); err == nil || ctx.Err() != nil || !provablyUnsent(err) {
			if err != nil && pin != nil {
				pin.host = h
			}
			if err == nil && i > 0 {
				f.logFailover(hosts[0], h, first)
			}
			return err
		}
		if i == 0 {
			first = err
		}
	}
	return err
}

func (f *failoverRemote) Get(ctx context.Context, db string, key []byte) (v []byte, found bool, err error) {
	err = f.read(ctx, func(r Remote) error {
		var e error
		v, found, e = r.Get(ctx, db, key)
		return e
	})
	return v, found, err
}

func (f *failoverRemote) GetBulk(ctx context.Context, db string, keys [][]byte) (recs []fdwtype.Record, err error) {
	err = f.read(ctx, func(r Remote) error {
		var e error
		recs, e = r.GetBulk(ctx, db, keys)
		return e
	})
	return recs, err
}

func (f *failoverRemote) AllKeys(ctx context.Context, db string) (keys [][]byte, err error) {
	err = f.read(ctx, func(r Remote) error {
		var e error
		keys, e = r.AllKeys(ctx, db)
		return e
	})
	return keys, err
}

func (f *failoverRemote) SetBulk(ctx context.Context, db string, recs []fdwtype.Record) error {
	return f.write(ctx, func(r Remote) error { return r.SetBulk(ctx, db, recs) })
}

func (f *failoverRemote) RemoveBulk(ctx context.Context, db string, keys [][]byte) error {
	return f.write(ctx, func(r Remote) error { return r.RemoveBulk(ctx, db, keys) })
}

func (f *failoverRemote) Close() error {
	for _, h := range f.hosts {
		_ = h.remote.Close()
	}
	return nil
}

// HostState is one host of a failover list, for kt_fdw_server_stats().
type HostState struct {
	Addr string
	Down bool // in back-off after a failure
}

// FailoverState reports the host in use, the failovers so far and each host.
func (f *failoverRemote) FailoverState() (current string, failovers int64, hosts []HostState) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	for _, h := range f.hosts {
		hosts = append(hosts, HostState{Addr: h.addr, Down: now.Before(h.downUntil)})
	}
	return f.current, f.failovers, hosts
}

// writePin remembers, for one call (with its retry), the host a write may
// have reached, so that the retry goes nowhere else.
type writePin struct {
	host *failoverHost
	// elsewhere: a read timed out on a host now in back-off; call() may
	// retry it once under a fresh timeout, on the next host.
	elsewhere bool
}

type writePinKey struct{}

func withWritePin(ctx context.Context) context.Context {
	return context.WithValue(ctx, writePinKey{}, &writePin{})
}

func pinOf(ctx context.Context) *writePin {
	p, _ := ctx.Value(writePinKey{}).(*writePin)
	return p
}
