package fdw

import (
	"context"
	"sort"
	"time"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/kt-fdw/kt_fdw/kt"
)

// Backend is the kt_fdw state of one Postgres backend: its connections and the
// current transaction's write buffers (one per server and KT database).
type Backend struct {
	Conns   *ConnCache
	buffers map[fdwtype.Target]*Buffer
	servers map[uint32]fdwtype.Server // how each written-to server was described last
	commit  *Op
	expects map[fdwtype.Target]*Expectations // conflict_check (conflict.go)
	// broken says why the write buffers can no longer be trusted (a panic
	// while ending a subtransaction); the commit then fails instead of
	// sending writes a rolled-back savepoint may have left behind.
	broken string
}

// NewBackend makes the state of a fresh backend.
func NewBackend(dial Dialer) *Backend {
	return &Backend{Conns: NewConnCache(dial), buffers: map[fdwtype.Target]*Buffer{}, servers: map[uint32]fdwtype.Server{}}
}

func (b *Backend) remote(s fdwtype.Server) (Remote, *fdwtype.Status) {
	r, err := b.Conns.Get(s.OID, s.Opts)
	if err != nil {
		oc := OpContext{Server: s.Name, Addr: s.Opts.Addr(), Op: "connect", ConnectTimeout: s.Opts.ConnectTimeout}
		st := KTStatus(oc, err)
		if st.SQLState == fdwtype.SQLStateFDWError {
			st.SQLState = fdwtype.SQLStateUnableToConnect
		}
		return nil, st
	}
	if n, ok := r.(interface{ SetServerName(string) }); ok {
		n.SetServerName(s.Name) // for log lines (failover.go)
	}
	return r, nil
}

// writeBuffer returns the buffer a table's writes go to, making it.
func (b *Backend) writeBuffer(t fdwtype.Table) *Buffer {
	b.servers[t.Server.OID] = t.Server
	buf, ok := b.buffers[t.Target()]
	if !ok {
		buf = &Buffer{budget: t.Server.Opts.BufferMemory} // spill.go
		b.buffers[t.Target()] = buf
	}
	return buf
}

// lookup reports the buffered change of a key of a table, if any.
func (b *Backend) lookup(t fdwtype.Table, key []byte) (Change, bool) {
	if buf, ok := b.buffers[t.Target()]; ok {
		return buf.Lookup(key)
	}
	return Change{}, false
}

// snapshot is a table's buffered changes as of now, for a scan to merge
// (Buffer.Snapshot: later writes do not show in it).
func (b *Backend) snapshot(t fdwtype.Table) bufferView {
	if buf, ok := b.buffers[t.Target()]; ok {
		return buf.Snapshot()
	}
	return (*changeSet)(nil)
}

// BufferedWrites counts the keys with a buffered change, over all buffers.
// A buffer that spilled counts its runs' keys without reading them
// (Buffer.MaxLen: a key written again after a spill counts again): the
// exact count reads every run on the backend's thread, 0.2-0.5 s at
// 1,000,000 keys, too long to go without CHECK_FOR_INTERRUPTS (doc/design.md, rule 7).
func (b *Backend) BufferedWrites() int {
	n := 0
	for _, buf := range b.buffers {
		if buf.spilled() {
			n += buf.MaxLen()
		} else {
			n += buf.Len()
		}
	}
	return n
}

// HasWrites reports whether the transaction changed anything in KT.
func (b *Backend) HasWrites() bool {
	for _, buf := range b.buffers {
		if !buf.Empty() {
			return true
		}
	}
	return false
}

// PrePrepare refuses PREPARE TRANSACTION after KT writes: KT has no two-phase commit.
func (b *Backend) PrePrepare() *fdwtype.Status {
	if !b.HasWrites() {
		return nil
	}
	return &fdwtype.Status{
		SQLState: fdwtype.SQLStateFeatureNotSupported,
		Message:  "cannot PREPARE a transaction that has written to a kt_fdw foreign table",
		Detail:   "Kyoto Tycoon has no two-phase commit.",
	}
}

// StartCommit begins applying the buffered writes (PRE_COMMIT). It returns
// started=false when there is nothing to send.
func (b *Backend) StartCommit() (started bool, st *fdwtype.Status) {
	if b.broken != "" {
		st := fdwtype.PanicStatus(b.broken)
		st.Detail = "kt_fdw lost track of this transaction's writes; nothing was sent to KT and the transaction is rolled back."
		return false, st
	}
	if b.commit != nil {
		b.commit.Cancel()
		b.commit = nil
	}
	// Final() and the expectations are computed by the commit goroutine:
	// sorting a large buffer takes long (1M keys: ~1 s), and the backend
	// thread must get back to CHECK_FOR_INTERRUPTS within ~100 ms (rule 7).
	// Nothing changes the buffers until EndXact, which only drops them.
	var todo []commitWork
	for tgt, buf := range b.buffers {
		if buf.Empty() {
			continue
		}
		srv := b.servers[tgt.ServerOID]
		r, st := b.remote(srv)
		if st != nil {
			return false, st
		}
		w := commitWork{table: fdwtype.Table{Server: srv, DB: tgt.DB}, remote: r, buf: buf}
		if e := b.expects[tgt]; e != nil {
			w.exps = e
			// name the table (and show its keys) in a 40001 message
			named := e.table
			named.Server, named.DB = srv, tgt.DB
			w.table = named
		}
		todo = append(todo, w)
	}
	if len(todo) == 0 {
		return false, nil
	}
	sort.Slice(todo, func(i, j int) bool {
		a, c := todo[i].table, todo[j].table
		return a.Server.OID < c.Server.OID || (a.Server.OID == c.Server.OID && a.DB < c.DB)
	})
	var handedOff *kt.Handoff
	var maybeApplied bool
	if len(todo) == 1 { // xact_now.go
		var done bool
		if done, handedOff, maybeApplied = todo[0].applyNow(); done {
			return false, nil
		}
	}
	b.commit = startOp(func(ctx context.Context) *fdwtype.Status {
		if maybeApplied {
			ctx = withMaybeApplied(ctx)
		}
		if handedOff != nil {
			// the call the attempt on the thread sent: read its reply
			defer handedOff.Close()
			ctx = kt.WithResume(ctx, handedOff)
		}
		for _, w := range todo {
			if st := w.apply(ctx); st != nil {
				return st
			}
		}
		return nil
	})
	return true, nil
}

// commitWork is the apply of one KT database's buffered writes.
type commitWork struct {
	table  fdwtype.Table
	remote Remote
	buf    *Buffer
	exps   *Expectations
}

func (w commitWork) apply(ctx context.Context) *fdwtype.Status {
	if handled, st := w.applyStreamed(ctx); handled { // spill_commit.go
		return st
	}
	sets, removes := w.buf.Final()
	clears := w.buf.Clears()
	var exps map[string]expectation
	if w.exps != nil {
		exps = withoutCleared(w.exps.all(), clears)
	}
	removes, st := applyClears(ctx, w.table, w.remote, clears, sets, removes)
	if st != nil {
		return st
	}
	return applyTarget(ctx, w.table, w.remote, sets, removes, exps)
}

// WaitCommit polls the apply started by StartCommit.
func (b *Backend) WaitCommit(d time.Duration) (finished bool, st *fdwtype.Status) {
	if b.commit == nil {
		return true, nil
	}
	finished, st = b.commit.Wait(d)
	if finished {
		b.commit = nil
	}
	return finished, st
}

// EndXact forgets the transaction (commit done, or abort). On abort it sends
// nothing and only cancels an apply still running (doc/design.md, rule 9).
func (b *Backend) EndXact() {
	if b.commit != nil {
		b.commit.Cancel()
		b.commit = nil
	}
	b.releaseBuffers() // spill files (spill.go)
	clear(b.buffers)
	clear(b.servers)
	clear(b.expects)
	b.broken = ""
}

// MarkBroken makes the current transaction's commit fail (see broken).
func (b *Backend) MarkBroken(reason string) { b.broken = reason }

// Reset drops all transaction state without touching the old maps: what is
// left after EndXact itself failed.
func (b *Backend) Reset() {
	if b.commit != nil {
		b.commit.Cancel()
		b.commit = nil
	}
	b.releaseBuffers() // spill files (spill.go)
	b.buffers = map[fdwtype.Target]*Buffer{}
	b.servers = map[uint32]fdwtype.Server{}
	b.expects = nil
	b.broken = ""
}

// EndSubXact folds (commit) or discards (abort) the writes of nesting level nest.
func (b *Backend) EndSubXact(nest int, commit bool) {
	for _, buf := range b.buffers {
		if commit {
			buf.CommitSub(nest)
		} else {
			buf.RollbackTo(nest)
		}
	}
	b.endSubXactExpectations(nest, commit)
}
