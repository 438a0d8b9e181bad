package fdw

import (
	"fmt"
	"hash/maphash"
	"testing"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The filter never misses a key it was given, and grows in parts of
// doubling capacity with few false positives.
func TestKeyFilter(t *testing.T) {
	var f keyFilter
	const n = 300000
	for i := range n {
		f.add(maphash.Bytes(spillSeed, []byte(fmt.Sprint("k", i))))
	}
	for i := range n {
		require.True(t, f.mayHave(maphash.Bytes(spillSeed, []byte(fmt.Sprint("k", i)))), i)
	}
	require.Len(t, f.parts, 3, "64k + 128k + 256k")
	assert.Equal(t, 2*f.parts[0].capacity, f.parts[1].capacity)
	fp := 0
	for i := range n {
		if f.mayHave(maphash.Bytes(spillSeed, []byte(fmt.Sprint("x", i)))) {
			fp++
		}
	}
	assert.Less(t, fp, n/50, "under 2% false positives over all parts (then the runs' own filters decide)")
}

// Lookup trusts the filter only for runs: a key in a frozen in-memory
// segment (RELEASE of a savepoint) is found although it was never spilled.
func TestKeyFilterSkipsOnlyRuns(t *testing.T) {
	useSpillDir(t)
	b := &Buffer{budget: fdwtype.MinBufferMemory}
	fill(b, 1, 300, "a") // spilled
	require.NotEmpty(t, b.filter.parts)
	b.Set(1, []byte("m"), []byte("1"))
	b.Set(2, []byte("n"), []byte("2"))
	fill(b, 2, 300, "c") // level 2 spills, level 1's "m" too
	b.Set(1, []byte("o"), []byte("3"))
	b.CommitSub(2)
	for _, k := range []string{"a00000", "a00299", "m", "n", "o", "c00150"} {
		_, ok := b.Lookup([]byte(k))
		assert.True(t, ok, k)
	}
	_, ok := b.Lookup([]byte("zzz"))
	assert.False(t, ok)
	b.Release()
}
