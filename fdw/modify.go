package fdw

import (
	"bytes"
	"context"
	"time"
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
	table             Table
	onConflictNothing bool
	op                *Op
	exists            bool
	finish            func(exists bool) (ModifyResult, *Status)
}

// NewModify prepares a modify; it does no I/O.
func NewModify(be *Backend, t Table, onConflictNothing bool) *Modify {
	return &Modify{be: be, table: t, onConflictNothing: onConflictNothing}
}

// Insert buffers key=value at nesting level nest unless the key exists.
func (m *Modify) Insert(nest int, key, value []byte) (ModifyResult, *Status) {
	return m.whenAbsent(key, func(exists bool) (ModifyResult, *Status) {
		if exists {
			if m.onConflictNothing {
				return ModifySkipped, nil
			}
			return ModifyError, m.table.duplicateKey(key)
		}
		m.be.writeBuffer(m.table).Set(nest, key, value)
		return ModifyDone, nil
	})
}

// Update sets the row with key oldKey to newKey=value; a new key moves the record.
func (m *Modify) Update(nest int, oldKey, newKey, value []byte) (ModifyResult, *Status) {
	if bytes.Equal(oldKey, newKey) {
		m.be.writeBuffer(m.table).Set(nest, newKey, value)
		return ModifyDone, nil
	}
	return m.whenAbsent(newKey, func(exists bool) (ModifyResult, *Status) {
		if exists {
			return ModifyError, m.table.duplicateKey(newKey)
		}
		buf := m.be.writeBuffer(m.table)
		buf.Remove(nest, oldKey)
		buf.Set(nest, newKey, value)
		return ModifyDone, nil
	})
}

// Delete buffers the removal of key.
func (m *Modify) Delete(nest int, key []byte) (ModifyResult, *Status) {
	m.be.writeBuffer(m.table).Remove(nest, key)
	return ModifyDone, nil
}

// whenAbsent decides whether key exists (buffer first, then one KT get) and
// hands the answer to finish, now or when Wait sees the lookup end.
func (m *Modify) whenAbsent(key []byte, finish func(exists bool) (ModifyResult, *Status)) (ModifyResult, *Status) {
	if m.op != nil {
		return ModifyError, Errorf(SQLStateInternal, "kt_fdw: a modify started while the previous row was pending")
	}
	if c, ok := m.be.lookup(m.table, key); ok {
		return finish(!c.Removed)
	}
	r, st := m.be.remote(m.table.Server)
	if st != nil {
		return ModifyError, st
	}
	key = bytes.Clone(key)
	m.finish = finish
	m.op = startOp(func(ctx context.Context) *Status {
		return call(ctx, m.table.opContext("get"), func(ctx context.Context) error {
			_, found, err := r.Get(ctx, m.table.DB, key)
			m.exists = found
			return err
		})
	})
	return ModifyPending, nil
}

// Wait polls the pending lookup for at most d.
func (m *Modify) Wait(d time.Duration) (ModifyResult, *Status) {
	if m.op == nil {
		return ModifyError, Errorf(SQLStateInternal, "kt_fdw: wait on a modify with nothing pending")
	}
	finished, st := m.op.Wait(d)
	if !finished {
		return ModifyPending, nil
	}
	m.op = nil
	finish := m.finish
	m.finish = nil
	if st != nil {
		return ModifyError, st
	}
	return finish(m.exists)
}

// Close cancels a pending lookup.
func (m *Modify) Close() {
	if m.op != nil {
		m.op.Cancel()
		m.op = nil
	}
}
