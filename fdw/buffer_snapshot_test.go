package fdw

import (
	"testing"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func snapMap(s bufferView) map[string]string {
	out := map[string]string{}
	s.Each(func(k []byte, c Change) bool {
		if c.Removed {
			out[string(k)] = "<removed>"
		} else {
			out[string(k)] = string(c.Value)
		}
		return true
	})
	return out
}

// A scan's snapshot does not see writes made after it was taken (a statement
// does not see its own later writes), whatever the buffer does next.
func TestBufferSnapshotIsolatedFromLaterWrites(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(b *Buffer)
		write func(b *Buffer)
		want  map[string]string
	}{
		{"set after snapshot", func(b *Buffer) { b.Set(1, []byte("a"), []byte("1")) },
			func(b *Buffer) { b.Set(1, []byte("a"), []byte("2")); b.Set(1, []byte("b"), []byte("3")) },
			map[string]string{"a": "1"}},
		{"remove after snapshot", func(b *Buffer) { b.Set(1, []byte("a"), []byte("1")) },
			func(b *Buffer) { b.Remove(1, []byte("a")) },
			map[string]string{"a": "1"}},
		{"clear after snapshot", func(b *Buffer) { b.Set(1, []byte("a"), []byte("1")) },
			func(b *Buffer) { b.Clear(1, nil) },
			map[string]string{"a": "1"}},
		{"savepoint write released after snapshot", func(b *Buffer) {
			b.Set(1, []byte("a"), []byte("1"))
			b.Set(2, []byte("b"), []byte("2"))
		}, func(b *Buffer) {
			b.Set(2, []byte("b"), []byte("3"))
			b.CommitSub(2)
			b.Set(1, []byte("a"), []byte("4"))
		}, map[string]string{"a": "1", "b": "2"}},
		{"rollback to after snapshot", func(b *Buffer) {
			b.Set(1, []byte("a"), []byte("1"))
			b.Set(2, []byte("a"), []byte("2"))
		}, func(b *Buffer) { b.RollbackTo(2); b.Set(1, []byte("c"), []byte("5")) },
			map[string]string{"a": "2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b Buffer
			tc.setup(&b)
			snap := b.Snapshot()
			require.Equal(t, tc.want, snapMap(snap))
			tc.write(&b)
			assert.Equal(t, tc.want, snapMap(snap), "the snapshot changed")
			assert.NotEqual(t, tc.want, flat(&b), "the buffer did not change")
		})
	}
}

// Scan (re)starts reuse the snapshot while nothing is written: no copy per
// nested-loop rescan.
func TestBufferSnapshotReusedUntilWrite(t *testing.T) {
	var b Buffer
	assert.Nil(t, b.Snapshot(), "empty buffer: nothing to merge")
	b.Set(1, []byte("a"), []byte("1"))
	s1 := b.Snapshot()
	assert.Same(t, s1, b.Snapshot())
	assert.Same(t, s1, b.levels[0].changes, "one level: shared, not copied")
	b.Set(1, []byte("b"), []byte("2"))
	s2 := b.Snapshot()
	assert.NotSame(t, s1, s2)
	assert.Equal(t, map[string]string{"a": "1"}, snapMap(s1))
	assert.Equal(t, map[string]string{"a": "1", "b": "2"}, snapMap(s2))

	b.Set(2, []byte("c"), []byte("3"))
	s3 := b.Snapshot()
	assert.Same(t, s3, b.Snapshot(), "several levels: flattened once")
	assert.Equal(t, map[string]string{"a": "1", "b": "2", "c": "3"}, snapMap(s3))
}

// Final's records are sorted and share nothing a later write changes.
func TestBufferFinalSortedAfterSnapshotWrites(t *testing.T) {
	var b Buffer
	b.Set(1, []byte("b"), []byte("1"))
	b.Remove(1, []byte("a"))
	_ = b.Snapshot()
	b.SetXT(1, []byte("c"), []byte("3"), 42)
	b.Set(1, []byte("b"), []byte("2"))
	sets, removes := b.Final()
	assert.Equal(t, []fdwtype.Record{{Key: []byte("b"), Value: []byte("2")}, {Key: []byte("c"), Value: []byte("3"), XT: 42}}, sets)
	assert.Equal(t, [][]byte{[]byte("a")}, removes)
	assert.Equal(t, int64(5+3*bufferRecordOverhead), b.Bytes(), "keys a b c, values 2 3")
}
