package cdc

import (
	"github.com/cockroachdb/errors"
	"github.com/jackc/pglogrepl"
)

// Decoder turns pgoutput messages (protocol version 1, no streaming of
// transactions in progress) into committed transactions.
type Decoder struct {
	rels map[uint32]*Relation
	cur  *Txn
	// OnRelation, if set, is told of every Relation message (a table seen
	// for the first time, or after DDL changed its columns).
	OnRelation func(*Relation)
}

// NewDecoder makes a decoder with no relation known yet.
func NewDecoder() *Decoder { return &Decoder{rels: map[uint32]*Relation{}} }

// InTxn reports whether a transaction's BEGIN was seen and not its COMMIT.
func (d *Decoder) InTxn() bool { return d.cur != nil }

// Decode takes one pgoutput message; it returns the transaction when the
// message was its COMMIT, else nil.
func (d *Decoder) Decode(data []byte) (*Txn, error) {
	msg, err := pglogrepl.Parse(data)
	if err != nil {
		return nil, errors.Wrap(err, "decoding a pgoutput message")
	}
	switch m := msg.(type) {
	case *pglogrepl.RelationMessage:
		r := &Relation{ID: m.RelationID, Schema: m.Namespace, Name: m.RelationName, Identity: m.ReplicaIdentity}
		for _, c := range m.Columns {
			r.Columns = append(r.Columns, c.Name)
		}
		d.rels[r.ID] = r
		if d.OnRelation != nil {
			d.OnRelation(r)
		}
	case *pglogrepl.BeginMessage:
		if d.cur != nil {
			return nil, errors.Newf("pgoutput: BEGIN of transaction %d inside transaction %d", m.Xid, d.cur.Xid)
		}
		d.cur = &Txn{Xid: m.Xid, CommitTime: m.CommitTime}
	case *pglogrepl.CommitMessage:
		t, err := d.txn("COMMIT")
		if err != nil {
			return nil, err
		}
		t.CommitLSN, t.EndLSN, t.CommitTime = m.CommitLSN, m.TransactionEndLSN, m.CommitTime
		d.cur = nil
		return t, nil
	case *pglogrepl.InsertMessage:
		return nil, d.add(Insert, m.RelationID, nil, m.Tuple)
	case *pglogrepl.UpdateMessage:
		return nil, d.add(Update, m.RelationID, m.OldTuple, m.NewTuple)
	case *pglogrepl.DeleteMessage:
		return nil, d.add(Delete, m.RelationID, m.OldTuple, nil)
	case *pglogrepl.TruncateMessage:
		t, err := d.txn("TRUNCATE")
		if err != nil {
			return nil, err
		}
		c := Change{Kind: Truncate}
		for _, id := range m.RelationIDs {
			r, ok := d.rels[id]
			if !ok {
				return nil, errors.Newf("pgoutput: TRUNCATE of relation %d before its Relation message", id)
			}
			c.Rels = append(c.Rels, r)
		}
		t.Changes = append(t.Changes, c)
	}
	// Type, Origin and logical decoding messages carry nothing to apply.
	return nil, nil
}

func (d *Decoder) txn(what string) (*Txn, error) {
	if d.cur == nil {
		return nil, errors.Newf("pgoutput: %s outside a transaction", what)
	}
	return d.cur, nil
}

func (d *Decoder) add(kind byte, relID uint32, old, new *pglogrepl.TupleData) error {
	t, err := d.txn(string(rune(kind)))
	if err != nil {
		return err
	}
	r, ok := d.rels[relID]
	if !ok {
		return errors.Newf("pgoutput: change of relation %d before its Relation message", relID)
	}
	t.Changes = append(t.Changes, Change{Kind: kind, Rel: r, Old: cols(old), New: cols(new)})
	return nil
}

func cols(t *pglogrepl.TupleData) []Col {
	if t == nil {
		return nil
	}
	out := make([]Col, len(t.Columns))
	for i, c := range t.Columns {
		switch c.DataType {
		case pglogrepl.TupleDataTypeNull:
			out[i].Null = true
		case pglogrepl.TupleDataTypeToast:
			out[i].Unchanged = true
		default:
			out[i].Text = c.Data
		}
	}
	return out
}
