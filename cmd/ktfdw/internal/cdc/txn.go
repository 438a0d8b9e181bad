package cdc

import (
	"time"

	"github.com/jackc/pglogrepl"
)

// LSN is a WAL position.
type LSN = pglogrepl.LSN

// Col is one column of a tuple as pgoutput sends it (text format).
type Col struct {
	Text      []byte
	Null      bool
	Unchanged bool // an unchanged TOASTed value pgoutput leaves out
}

// Relation is a published table as the stream describes it at a point of
// the WAL: a new Relation message (after DDL) makes a new one.
type Relation struct {
	ID       uint32 // the table's OID
	Schema   string
	Name     string
	Columns  []string
	Identity byte // REPLICA IDENTITY: 'd' default, 'n' nothing, 'f' full, 'i' index
}

// Change kinds.
const (
	Insert   = 'I'
	Update   = 'U'
	Delete   = 'D'
	Truncate = 'T'
)

// Change is one row change (or a TRUNCATE of Rels).
type Change struct {
	Kind byte
	Rel  *Relation
	Old  []Col // DELETE, and UPDATE when the identity changed or is FULL; nil otherwise
	New  []Col // INSERT, UPDATE
	Rels []*Relation
}

// Txn is one committed transaction.
type Txn struct {
	Xid        uint32
	CommitLSN  LSN // the commit record
	EndLSN     LSN // just past it: the position stored once it is applied
	CommitTime time.Time
	Changes    []Change
}

// Rows counts the row changes (a TRUNCATE counts one).
func (t *Txn) Rows() int { return len(t.Changes) }
