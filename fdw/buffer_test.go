package fdw

import (
	"testing"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func flat(b *Buffer) map[string]string {
	out := map[string]string{}
	for k, c := range b.Flatten() {
		if c.Removed {
			out[k] = "<removed>"
		} else {
			out[k] = string(c.Value)
		}
	}
	return out
}

func TestBufferFinalState(t *testing.T) {
	var b Buffer
	require.True(t, b.Empty())
	b.Set(1, []byte("a"), []byte("1"))
	b.Set(1, []byte("a"), []byte("2"))
	b.Set(1, []byte("b"), nil)
	b.Remove(1, []byte("c"))
	assert.Equal(t, map[string]string{"a": "2", "b": "", "c": "<removed>"}, flat(&b))
	assert.Equal(t, 3, b.Len())

	c, ok := b.Lookup([]byte("c"))
	require.True(t, ok)
	assert.True(t, c.Removed)
	_, ok = b.Lookup([]byte("zz"))
	assert.False(t, ok)

	sets, removes := b.Final()
	assert.Equal(t, []fdwtype.Record{{Key: []byte("a"), Value: []byte("2")}, {Key: []byte("b"), Value: []byte{}}}, sets)
	assert.Equal(t, [][]byte{[]byte("c")}, removes)
}

func TestBufferCopiesInput(t *testing.T) {
	var b Buffer
	v := []byte("abc")
	b.Set(1, []byte("k"), v)
	v[0] = 'X'
	c, _ := b.Lookup([]byte("k"))
	assert.Equal(t, "abc", string(c.Value))
}

func TestBufferSubtransactions(t *testing.T) {
	tests := []struct {
		name string
		run  func(b *Buffer)
		want map[string]string
	}{
		{"rollback to savepoint drops its writes", func(b *Buffer) {
			b.Set(1, []byte("a"), []byte("1"))
			b.Set(2, []byte("a"), []byte("2"))
			b.Set(2, []byte("b"), []byte("2"))
			b.RollbackTo(2)
		}, map[string]string{"a": "1"}},
		{"release merges into parent", func(b *Buffer) {
			b.Set(1, []byte("a"), []byte("1"))
			b.Remove(2, []byte("a"))
			b.CommitSub(2)
		}, map[string]string{"a": "<removed>"}},
		{"release then rollback of the outer savepoint", func(b *Buffer) {
			b.Set(1, []byte("a"), []byte("1"))
			b.Set(2, []byte("b"), []byte("2"))
			b.Set(3, []byte("c"), []byte("3"))
			b.CommitSub(3) // c now belongs to level 2
			b.RollbackTo(2)
		}, map[string]string{"a": "1"}},
		{"skipped levels relabel", func(b *Buffer) {
			b.Set(1, []byte("a"), []byte("1"))
			b.Set(3, []byte("c"), []byte("3"))
			b.CommitSub(3)
			b.CommitSub(2)
			b.RollbackTo(2)
		}, map[string]string{"a": "1", "c": "3"}},
		{"rollback of a level that wrote nothing", func(b *Buffer) {
			b.Set(1, []byte("a"), []byte("1"))
			b.RollbackTo(2)
		}, map[string]string{"a": "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b Buffer
			tt.run(&b)
			assert.Equal(t, tt.want, flat(&b))
		})
	}
}
