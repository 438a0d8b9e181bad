package fdw

import (
	"bytes"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
)

// Sync is the Go half of the kt_fdw_sync trigger function (doc/sync.md) for
// one trigger's target table. The C half (pgext/sync.c) turns each changed
// source row into the target's KT keys and value; Sync buffers the final
// state of those keys blindly, without reading KT: the transaction's write
// buffer is applied at COMMIT as for any other write through the table.
type Sync struct {
	be    *Backend
	table fdwtype.Table
}

// NewSync prepares the writes of a trigger into t; it does no I/O.
func NewSync(be *Backend, t fdwtype.Table) *Sync { return &Sync{be: be, table: t} }

// Row buffers one source row change at nesting level nest. oldKey is the
// KT key (without prefix) of the row before the change, newKey the one
// after, value the new KT value; nil for each that does not exist (an
// INSERT has no old key, a DELETE no new key, a NULL key or value column
// none). The result is the final state the PL/pgSQL trigger of 0.2.0 left
// through DELETE/UPDATE/INSERT of the foreign table: the old record is
// removed when the key changed or the value became NULL, and the new record
// is set when both its key and value exist.
func (s *Sync) Row(nest int, oldKey, newKey, value []byte) *fdwtype.Status {
	if st := s.table.CheckWritable("UPDATE"); st != nil {
		return st // pgext checks SyncBlind first; the last line of defence
	}
	buf := s.be.writeBuffer(s.table)
	if oldKey != nil && (newKey == nil || value == nil || !bytes.Equal(oldKey, newKey)) {
		buf.Remove(nest, s.table.KTKey(oldKey))
	}
	if newKey != nil && value != nil {
		v, xt := s.table.SplitValue(value)
		buf.SetXT(nest, s.table.KTKey(newKey), v, xt)
	}
	return nil
}
