package fdw

import (
	"context"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
)

// Deferred duplicate checks of a batched INSERT (issue 6, bulk load).
//
// An INSERT of a key that exists in KT must fail with 23505 naming the key,
// but nothing needs that answer before the next row: the error fails the
// statement, and a failed statement always rolls back the (sub)transaction
// level it wrote at, with every row it buffered. So when nothing needs a
// per-row answer (no ON CONFLICT, RETURNING, BEFORE or AFTER trigger: C
// decides, see DeferDuplicateChecks), InsertBatch buffers each row at once
// and collects the keys the buffer did not know; each full group of keys is
// checked with one binary get_bulk in the background while Postgres produces
// the next rows, and the last group at the end of the statement (Finish, from
// EndForeignModify). A key repeated within the statement is found in the
// buffer at once, as before.

const (
	// deferredCheckKeys is the most keys one background get_bulk checks.
	deferredCheckKeys = 10000
	// deferredCheckBytes bounds the key bytes of one group (long keys).
	deferredCheckBytes = 1 << 20
)

// keyGroup is a list of keys stored back to back in one byte slice. The
// empty key is a key like any other: keys never returns a nil slice (nil
// means "no key" elsewhere in the package).
type keyGroup struct {
	arena []byte
	ends  []int
}

func (g *keyGroup) add(k []byte) {
	if g.arena == nil {
		g.arena = make([]byte, 0, max(len(k), 64))
	}
	g.arena = append(g.arena, k...)
	g.ends = append(g.ends, len(g.arena))
}

func (g *keyGroup) len() int { return len(g.ends) }

func (g *keyGroup) full() bool {
	return len(g.ends) >= deferredCheckKeys || len(g.arena) >= deferredCheckBytes
}

// keys returns the keys, as slices of the arena.
func (g *keyGroup) keys() [][]byte {
	out := make([][]byte, len(g.ends))
	start := 0
	for i, end := range g.ends {
		out[i] = g.arena[start:end:end]
		start = end
	}
	return out
}

// checkFlight is one group's get_bulk running in the background.
type checkFlight struct {
	op    *Op
	found []byte // the group's first key that KT has, if any; set by op
	dup   bool   // KT has found (which may be the empty key)
}

// DeferDuplicateChecks lets InsertBatch buffer rows before KT has said their
// keys are new (see above). The caller must call Finish at the end of the
// statement; a statement that ends in an error must roll back the level.
func (m *Modify) DeferDuplicateChecks() { m.deferChecks = true }

// insertBatchDeferred is InsertBatch when the checks are deferred.
func (m *Modify) insertBatchDeferred(nest int, keys, values [][]byte) (ModifyResult, *fdwtype.Status) {
	m.skipped = m.skipped[:0]
	buf := m.be.writeBuffer(m.table)
	for i, k := range keys {
		c, known := buf.Lookup(k)
		if known && !c.Removed {
			return ModifyError, m.table.DuplicateKey(k, true)
		}
		if !known { // a key removed in this transaction needs no check
			m.group.add(k)
		}
		m.be.expectRead(m.table, nest, k, nil, true)
		v, xt := m.table.SplitValue(values[i])
		buf.SetXT(nest, k, v, xt)
	}
	if m.group.full() {
		return m.sendGroup()
	}
	return ModifyDone, nil
}

// sendGroup starts the check of the collected keys once the previous check
// has landed (it may have to wait for it: ModifyPending).
func (m *Modify) sendGroup() (ModifyResult, *fdwtype.Status) {
	if m.flight != nil {
		return m.land(m.sendGroup)
	}
	if m.group.len() == 0 {
		return ModifyDone, nil
	}
	r, st := m.be.remote(m.table.Server)
	if st != nil {
		return ModifyError, st
	}
	keys := m.group.keys()
	m.group = keyGroup{}
	f := &checkFlight{}
	f.op = startOp(func(ctx context.Context) *fdwtype.Status {
		var recs []fdwtype.Record
		st := call(ctx, opContext(m.table, "get_bulk"), func(ctx context.Context) error {
			var err error
			recs, err = r.GetBulk(ctx, m.table.DB, keys)
			return err
		})
		if st == nil {
			f.found, f.dup = firstFound(keys, recs) // the first in row order
		}
		return st
	})
	m.flight = f
	return ModifyDone, nil
}

// land takes the running check's answer, then continues with then. When
// the check is still running it returns ModifyPending: Wait lands it.
func (m *Modify) land(then func() (ModifyResult, *fdwtype.Status)) (ModifyResult, *fdwtype.Status) {
	f := m.flight
	landed := func() (ModifyResult, *fdwtype.Status) {
		if f.dup {
			return ModifyError, m.table.DuplicateKey(f.found, false)
		}
		return then()
	}
	if done, st := f.op.Wait(0); done {
		m.flight = nil
		if st != nil {
			return ModifyError, st
		}
		return landed()
	}
	m.op = f.op
	m.finish = landed
	return ModifyPending, nil
}

// Finish checks the keys of the statement not checked yet: the end of a
// statement whose checks were deferred. Poll Wait while it is pending.
func (m *Modify) Finish() (ModifyResult, *fdwtype.Status) {
	if m.op != nil {
		return ModifyError, fdwtype.Errorf(fdwtype.SQLStateInternal, "kt_fdw: a modify ended while a row was pending")
	}
	if m.flight != nil {
		return m.land(m.Finish)
	}
	if m.group.len() > 0 {
		if res, st, ok := m.finishGroupNow(); ok {
			return res, st
		}
		if res, st := m.sendGroup(); res != ModifyDone {
			return res, st
		}
		return m.land(m.Finish)
	}
	return ModifyDone, nil
}
