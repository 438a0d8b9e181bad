package cdc

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func decodeAll(t *testing.T, d *Decoder, msgs ...[]byte) []*Txn {
	t.Helper()
	var out []*Txn
	for _, m := range msgs {
		txn, err := d.Decode(m)
		require.NoError(t, err)
		if txn != nil {
			out = append(out, txn)
		}
	}
	return out
}

func TestDecoderTransactions(t *testing.T) {
	d := NewDecoder()
	txns := decodeAll(t, d,
		relationMsg(16384, "limits", 'd', "id", "route"),
		beginMsg(700),
		insertMsg(16384, "1", "/api"),
		updateMsg(16384, nil, "1", unchangedToast),
		updateMsg(16384, []any{"1", nil}, "2", nil),
		deleteMsg(16384, "2", nil),
		commitMsg(0x100, 0x128),
		beginMsg(701),
		truncateMsg(16384),
		commitMsg(0x200, 0x228),
	)
	require.False(t, d.InTxn())
	require.Len(t, txns, 2)

	a := txns[0]
	require.Equal(t, uint32(700), a.Xid)
	require.Equal(t, LSN(0x128), a.EndLSN)
	require.Equal(t, LSN(0x100), a.CommitLSN)
	require.Len(t, a.Changes, 4)
	require.Equal(t, byte(Insert), a.Changes[0].Kind)
	require.Equal(t, []string{"id", "route"}, a.Changes[0].Rel.Columns)
	require.Equal(t, "/api", string(a.Changes[0].New[1].Text))
	require.Nil(t, a.Changes[1].Old, "an UPDATE that kept its key sends no old tuple")
	require.True(t, a.Changes[1].New[1].Unchanged)
	require.Equal(t, "1", string(a.Changes[2].Old[0].Text))
	require.True(t, a.Changes[2].New[1].Null)
	require.Equal(t, byte(Delete), a.Changes[3].Kind)
	require.Nil(t, a.Changes[3].New)

	b := txns[1]
	require.Equal(t, byte(Truncate), b.Changes[0].Kind)
	require.Equal(t, "limits", b.Changes[0].Rels[0].Name)
}

// After DDL pgoutput sends a new Relation message: changes before it keep
// the old column list, changes after it get the new one.
func TestDecoderRelationChanges(t *testing.T) {
	d := NewDecoder()
	txns := decodeAll(t, d,
		relationMsg(1, "t", 'd', "id", "a"),
		beginMsg(1), insertMsg(1, "1", "x"), commitMsg(1, 2),
		beginMsg(2), relationMsg(1, "t", 'd', "id", "a", "b"), insertMsg(1, "2", "y", "z"), commitMsg(3, 4),
	)
	require.Equal(t, []string{"id", "a"}, txns[0].Changes[0].Rel.Columns)
	require.Equal(t, []string{"id", "a", "b"}, txns[1].Changes[0].Rel.Columns)
}

func TestDecoderProtocolErrors(t *testing.T) {
	for name, msgs := range map[string][][]byte{
		"change outside a transaction": {relationMsg(1, "t", 'd', "id"), insertMsg(1, "1")},
		"unknown relation":             {beginMsg(1), insertMsg(9, "1")},
		"commit without begin":         {commitMsg(1, 2)},
		"nested begin":                 {beginMsg(1), beginMsg(2)},
		"truncate of unknown relation": {beginMsg(1), truncateMsg(9)},
	} {
		t.Run(name, func(t *testing.T) {
			d := NewDecoder()
			var err error
			for _, m := range msgs {
				if _, err = d.Decode(m); err != nil {
					break
				}
			}
			require.Error(t, err)
		})
	}
}
