package fdw

import (
	"bytes"
	"context"
	"time"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
)

// ModifyResult is the outcome of one row of INSERT/UPDATE/DELETE.
type ModifyResult int

const (
	ModifyDone    ModifyResult = iota // the change is buffered
	ModifySkipped                     // ON CONFLICT DO NOTHING skipped the row
	ModifyPending                     // a KT lookup runs; poll Wait
	ModifyError                       // the status says why
)

// Modify buffers a statement's row changes to one foreign table. Changes reach
// KT only at commit; the only I/O here is the existence check of a key that an
// INSERT (or a key-changing UPDATE) wants to create.
type Modify struct {
	be                *Backend
	table             fdwtype.Table
	onConflictNothing bool
	op                *Op
	finish            func() (ModifyResult, *fdwtype.Status) // runs when op succeeded
	skipped           []bool                                 // of the last InsertBatch

	deferChecks bool         // InsertBatch defers duplicate checks (modify_deferred.go)
	group       keyGroup     // keys buffered but not checked yet
	flight      *checkFlight // the background check of the previous group
}

// NewModify prepares a modify; it does no I/O.
func NewModify(be *Backend, t fdwtype.Table, onConflictNothing bool) *Modify {
	return &Modify{be: be, table: t, onConflictNothing: onConflictNothing}
}

// Insert buffers key=value at nesting level nest unless the key exists.
func (m *Modify) Insert(nest int, key, value []byte) (ModifyResult, *fdwtype.Status) {
	key = m.table.KTKey(key) // option prefix (prefix.go)
	return m.whenAbsent(key, func(exists, buffered bool) (ModifyResult, *fdwtype.Status) {
		if exists {
			if m.onConflictNothing {
				return ModifySkipped, nil
			}
			return ModifyError, m.table.DuplicateKey(key, buffered)
		}
		m.be.expectRead(m.table, nest, key, nil, true)
		v, xt := m.table.SplitValue(value)
		m.be.writeBuffer(m.table).SetXT(nest, key, v, xt)
		return ModifyDone, nil
	})
}

// Saw records, for conflict_check, that the row an UPDATE or DELETE is
// about to change held value (rows that came from the buffer are skipped).
// Call it before Update or Delete.
func (m *Modify) Saw(nest int, key, value []byte) {
	key = m.table.KTKey(key)
	m.be.expectRead(m.table, nest, key, value, false)
}

// Update sets the row with key oldKey to newKey=value; a new key moves the record.
func (m *Modify) Update(nest int, oldKey, newKey, value []byte) (ModifyResult, *fdwtype.Status) {
	oldKey, newKey = m.table.KTKey(oldKey), m.table.KTKey(newKey)
	value, xt := m.table.SplitValue(value)
	if bytes.Equal(oldKey, newKey) {
		m.be.writeBuffer(m.table).SetXT(nest, newKey, value, xt)
		return ModifyDone, nil
	}
	return m.whenAbsent(newKey, func(exists, buffered bool) (ModifyResult, *fdwtype.Status) {
		if exists {
			return ModifyError, m.table.DuplicateKey(newKey, buffered)
		}
		m.be.expectRead(m.table, nest, newKey, nil, true)
		buf := m.be.writeBuffer(m.table)
		buf.Remove(nest, oldKey)
		buf.SetXT(nest, newKey, value, xt)
		return ModifyDone, nil
	})
}

// Delete buffers the removal of key.
func (m *Modify) Delete(nest int, key []byte) (ModifyResult, *fdwtype.Status) {
	key = m.table.KTKey(key)
	m.be.writeBuffer(m.table).Remove(nest, key)
	return ModifyDone, nil
}

// whenAbsent decides whether key exists (buffer first, then one KT get) and
// hands the answer to finish, now or when Wait sees the lookup end.
func (m *Modify) whenAbsent(key []byte, finish func(exists, buffered bool) (ModifyResult, *fdwtype.Status)) (ModifyResult, *fdwtype.Status) {
	if m.op != nil {
		return ModifyError, fdwtype.Errorf(fdwtype.SQLStateInternal, "kt_fdw: a modify started while the previous row was pending")
	}
	if c, ok := m.be.lookup(m.table, key); ok {
		return finish(!c.Removed, true)
	}
	r, st := m.be.remote(m.table.Server)
	if st != nil {
		return ModifyError, st
	}
	var exists bool
	if m.checkNow(r, "get", func(ctx context.Context) error {
		var err error
		_, exists, err = r.Get(ctx, m.table.DB, key)
		return err
	}) {
		return finish(exists, false)
	}
	key = bytes.Clone(key)
	m.finish = func() (ModifyResult, *fdwtype.Status) { return finish(exists, false) }
	m.op = startOp(func(ctx context.Context) *fdwtype.Status {
		return call(ctx, opContext(m.table, "get"), func(ctx context.Context) error {
			_, found, err := r.Get(ctx, m.table.DB, key)
			exists = found
			return err
		})
	})
	return ModifyPending, nil
}

// InsertBatch inserts rows like Insert, checking all keys the buffer does not
// know with one get_bulk (or later, see DeferDuplicateChecks). Rows whose key
// exists are skipped with ON CONFLICT DO NOTHING (see Skipped) and are an
// error otherwise; a key repeated within the batch counts as existing from
// its second row on. keys and values are borrowed: they must stay valid
// until the call (and Wait on its pending result) returns, never longer.
func (m *Modify) InsertBatch(nest int, keys, values [][]byte) (ModifyResult, *fdwtype.Status) {
	if m.op != nil {
		return ModifyError, fdwtype.Errorf(fdwtype.SQLStateInternal, "kt_fdw: a modify started while the previous row was pending")
	}
	keys = m.table.KTKeys(keys)
	if m.deferChecks {
		return m.insertBatchDeferred(nest, keys, values)
	}
	m.skipped = make([]bool, len(keys))
	var group keyGroup                  // copies: the get_bulk may outlive a cancelled call
	inBuffer := make([]int8, len(keys)) // 0 unknown, 1 set, -1 removed
	for i, k := range keys {
		if c, ok := m.be.lookup(m.table, k); !ok {
			group.add(k)
		} else if c.Removed {
			inBuffer[i] = -1
		} else {
			inBuffer[i] = 1
		}
	}
	unknown := group.keys()
	inKT := map[string]bool{}
	finish := func() (ModifyResult, *fdwtype.Status) {
		buf := m.be.writeBuffer(m.table)
		// Nothing but this batch writes the buffer until finish ends, so
		// the lookups above still hold, but for keys the batch repeats.
		var ours map[string]bool
		if len(keys) > 1 {
			ours = make(map[string]bool, len(keys))
		}
		for i, k := range keys {
			exists, buffered := inKT[string(k)], false
			switch {
			case ours[string(k)]:
				exists, buffered = true, true
			case inBuffer[i] != 0:
				exists, buffered = inBuffer[i] > 0, true
			}
			if exists {
				if !m.onConflictNothing {
					return ModifyError, m.table.DuplicateKey(k, buffered)
				}
				m.skipped[i] = true
				continue
			}
			m.be.expectRead(m.table, nest, k, nil, true)
			v, xt := m.table.SplitValue(values[i])
			buf.SetXT(nest, k, v, xt)
			if ours != nil {
				ours[string(k)] = true
			}
		}
		return ModifyDone, nil
	}
	if len(unknown) == 0 {
		return finish()
	}
	r, st := m.be.remote(m.table.Server)
	if st != nil {
		return ModifyError, st
	}
	var now []fdwtype.Record
	if len(unknown) <= checkNowMaxKeys && m.checkNow(r, "get_bulk", func(ctx context.Context) error {
		var err error
		now, err = r.GetBulk(ctx, m.table.DB, unknown)
		return err
	}) {
		for _, rec := range now {
			inKT[string(rec.Key)] = true
		}
		return finish()
	}
	m.finish = finish
	m.op = startOp(func(ctx context.Context) *fdwtype.Status {
		var recs []fdwtype.Record
		st := call(ctx, opContext(m.table, "get_bulk"), func(ctx context.Context) error {
			var err error
			recs, err = r.GetBulk(ctx, m.table.DB, unknown)
			return err
		})
		for _, rec := range recs {
			inKT[string(rec.Key)] = true
		}
		return st
	})
	return ModifyPending, nil
}

// Skipped reports which rows of the last InsertBatch ON CONFLICT DO NOTHING skipped.
func (m *Modify) Skipped() []bool { return m.skipped }

// Wait polls the pending lookup for at most d.
func (m *Modify) Wait(d time.Duration) (ModifyResult, *fdwtype.Status) {
	if m.op == nil {
		return ModifyError, fdwtype.Errorf(fdwtype.SQLStateInternal, "kt_fdw: wait on a modify with nothing pending")
	}
	op := m.op
	finished, st := op.Wait(d)
	if !finished {
		return ModifyPending, nil
	}
	m.op = nil
	if m.flight != nil && m.flight.op == op {
		m.flight = nil
	}
	finish := m.finish
	m.finish = nil
	if st != nil {
		return ModifyError, st
	}
	return finish()
}

// Close cancels a pending lookup and a running deferred check.
func (m *Modify) Close() {
	if m.op != nil {
		m.op.Cancel()
		m.op = nil
	}
	m.finish = nil // it may hold a batch's keys and values, borrowed from C
	if m.flight != nil {
		m.flight.op.Cancel()
		m.flight = nil
	}
}
