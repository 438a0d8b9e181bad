package fdw

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/kt-fdw/kt_fdw/kt"
)

func TestXTHeaderRoundTrip(t *testing.T) {
	for _, xt := range []int64{0, 1, 4102444800} {
		v := fdwtype.WithXT(xt, []byte(`{"a": 1}`))
		got, rest, ok := fdwtype.SplitXT(v)
		require.True(t, ok)
		assert.Equal(t, xt, got)
		assert.Equal(t, `{"a": 1}`, string(rest))
	}
	_, rest, ok := fdwtype.SplitXT([]byte(`{"a": 1}`))
	assert.False(t, ok, "a JSON object has no header")
	assert.Equal(t, `{"a": 1}`, string(rest))
}

func TestXTColumnOption(t *testing.T) {
	assert.True(t, fdwtype.XTColumn([]fdwtype.Option{{Name: "xt", Value: "on"}}))
	assert.True(t, fdwtype.XTColumn([]fdwtype.Option{{Name: "xt", Value: "true"}}))
	assert.False(t, fdwtype.XTColumn([]fdwtype.Option{{Name: "xt", Value: "off"}}))
	assert.False(t, fdwtype.XTColumn(nil))
	assert.Nil(t, fdwtype.Validate(fdwtype.CatalogColumn, []fdwtype.Option{{Name: "xt", Value: "on"}}))
}

func TestTableSplitXT(t *testing.T) {
	plain := fdwtype.Table{}
	v, xt := plain.SplitValue(fdwtype.WithXT(5, []byte("x")))
	assert.Zero(t, xt, "a table without xt column keeps its values as they are")
	assert.Equal(t, fdwtype.WithXT(5, []byte("x")), v)

	withCol := fdwtype.Table{XT: true}
	v, xt = withCol.SplitValue(fdwtype.WithXT(5, []byte("x")))
	assert.Equal(t, int64(5), xt)
	assert.Equal(t, "x", string(v))

	rows := withCol.WithXTHeaders([]fdwtype.Record{{Key: []byte("k"), Value: []byte("v"), XT: 9}, {Key: []byte("keyonly")}})
	got, rest, ok := fdwtype.SplitXT(rows[0].Value)
	require.True(t, ok)
	assert.Equal(t, int64(9), got)
	assert.Equal(t, "v", string(rest))
	assert.Nil(t, rows[1].Value, "key-only rows stay without value")
}

func TestBufferKeepsXT(t *testing.T) {
	var b Buffer
	b.SetXT(1, []byte("a"), []byte("1"), 100)
	b.Set(1, []byte("b"), []byte("2"))
	b.SetXT(2, []byte("b"), []byte("3"), 200)
	b.CommitSub(2)
	c, ok := b.Lookup([]byte("a"))
	require.True(t, ok)
	assert.Equal(t, int64(100), c.XT)
	sets, _ := b.Final()
	assert.Equal(t, []fdwtype.Record{{Key: []byte("a"), Value: []byte("1"), XT: 100}, {Key: []byte("b"), Value: []byte("3"), XT: 200}}, sets)
}

func TestAbsoluteXT(t *testing.T) {
	assert.Zero(t, absoluteXT(kt.XTNeverStored))
	assert.Zero(t, absoluteXT(kt.XTNever))
	assert.Equal(t, int64(4102444800), absoluteXT(4102444800))
}

// Through the dev server (bulk apply: one set_bulk per xt): the xt a row
// carries reaches KT, reads back on every path, and a past xt hides the
// record.
func TestXTThroughKT(t *testing.T) {
	tbl, _ := ktTable(t)
	tbl.XT = true
	be := NewBackend(DialKT)
	defer be.Conns.CloseAll()

	m := NewModify(be, tbl, false)
	res, st := settle(t, m)(m.InsertBatch(1,
		[][]byte{[]byte("a"), []byte("b"), []byte("c"), []byte("old")},
		[][]byte{fdwtype.WithXT(4102444800, []byte("A")), fdwtype.WithXT(0, []byte("B")), fdwtype.WithXT(4089852000, []byte("C")), fdwtype.WithXT(1, []byte("O"))}))
	require.Nil(t, st)
	require.Equal(t, ModifyDone, res)
	require.Nil(t, commit(t, be))

	c, err := kt.NewClient(kt.Config{Addr: tbl.Server.Opts.Addr()})
	require.NoError(t, err)
	defer c.Close()
	for key, want := range map[string]int64{"a": 4102444800, "b": 0, "c": 4089852000} {
		rec, err := c.Get(context.Background(), "", []byte(key))
		require.NoError(t, err, key)
		assert.Equal(t, want, rec.XT, key)
	}
	_, err = c.Get(context.Background(), "", []byte("old"))
	assert.ErrorIs(t, err, kt.ErrNoRecord, "a past xt: KT dropped the record")

	decode := func(rows map[string]string) map[string]int64 {
		out := map[string]int64{}
		for k, v := range rows {
			xt, _, ok := fdwtype.SplitXT([]byte(v))
			require.True(t, ok, k)
			out[k] = xt
		}
		return out
	}
	got, st := scanAll(t, be, tbl, false, nil)
	require.Nil(t, st)
	assert.Equal(t, map[string]int64{"a": 4102444800, "b": 0, "c": 4089852000}, decode(got))
	got, st = scanAll(t, be, tbl, true, []byte("a"))
	require.Nil(t, st)
	assert.Equal(t, map[string]int64{"a": 4102444800}, decode(got))
}

func TestApplyItemsCarryXT(t *testing.T) {
	items := applyItems([]fdwtype.Record{{Key: []byte("a"), Value: []byte("1"), XT: 42}, {Key: []byte("b"), Value: []byte("2")}}, nil, nil)
	require.Len(t, items, 2)
	assert.Equal(t, int64(42), items[0].write.XT)
	assert.Zero(t, items[1].write.XT)
}
