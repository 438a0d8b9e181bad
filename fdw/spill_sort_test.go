package fdw

import (
	"bytes"
	"math/rand"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// sortedOrder's 8-byte prefix order agrees with bytes.Compare, also for
// keys shorter than 8 bytes, keys with zero bytes and long common prefixes.
func TestSortedOrderMatchesBytesOrder(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for round := range 200 {
		s := newChangeSet()
		for range rng.Intn(300) {
			k := make([]byte, rng.Intn(13))
			for i := range k {
				k[i] = []byte{0, 1, 'a', 0xff}[rng.Intn(4)]
			}
			s.Put(k, Change{Value: []byte("v")})
		}
		var got, want [][]byte
		for _, n := range s.sortedOrder() {
			got = append(got, s.key(&s.ents[n]))
		}
		s.Each(func(k []byte, _ Change) bool { want = append(want, k); return true })
		slices.SortFunc(want, bytes.Compare)
		require.Equal(t, want, got, "round %d", round)
	}
}

// go test ./fdw -run '^$' -bench SortedOrder -benchtime 3x
func BenchmarkSortedOrder(b *testing.B) {
	s := newChangeSet()
	v := make([]byte, 100)
	for i := range 1000000 {
		s.Put([]byte(strconv.Itoa(i+1)), Change{Value: v})
	}
	b.ResetTimer()
	for range b.N {
		_ = s.sortedOrder()
	}
}
