package kt

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt/internal/kttest"
	"github.com/kt-fdw/kt_fdw/kt/wire"
)

func keyListKeys(l *KeyList) [][]byte {
	return l.AppendKeys(nil, 0, l.Len())
}

// ListKeys must list what MatchPrefix lists, for every column encoding the
// server picks (binary keys make it base64-encode the reply).
func TestListKeysMatchesMatchPrefix(t *testing.T) {
	c, _ := newTestClient(t)
	ctx := context.Background()
	keys := []string{"user:2", "user:10", "user:1", "other", "user:\x00bin", "user:tab\there", "user:\xff\xfe", "user:" + strings.Repeat("long", 40000)}
	for _, db := range []string{kttest.Tree, kttest.Hash} {
		for _, k := range keys {
			require.NoError(t, c.Set(ctx, db, b(k), b("v")))
		}
		for _, prefix := range []string{"user:", "", "nope"} {
			want, err := c.MatchPrefix(ctx, db, b(prefix), -1)
			require.NoError(t, err)
			got, complete, err := c.ListKeys(ctx, db, b(prefix), -1, 0)
			require.NoError(t, err)
			assert.True(t, complete)
			assert.Equal(t, len(want), got.Len(), "db %s prefix %q", db, prefix)
			if len(want) > 0 {
				assert.Equal(t, want, keyListKeys(got), "db %s prefix %q: same keys, same (rank) order", db, prefix)
			}
		}
		got, complete, err := c.ListKeys(ctx, db, b("user:"), 2, 0)
		require.NoError(t, err)
		assert.True(t, complete)
		assert.Equal(t, 2, got.Len(), "max")
	}
}

// Past the byte budget ListKeys stops, says so, and the client stays usable
// (the connection with the unread rest of the reply is dropped).
func TestListKeysBudget(t *testing.T) {
	c, _ := newTestClient(t)
	ctx := context.Background()
	var recs []Record
	for i := range 5000 {
		recs = append(recs, Record{Key: fmt.Appendf(nil, "key%06d", i), Value: b("v")})
	}
	_, err := c.SetBulk(ctx, kttest.Hash, recs, false)
	require.NoError(t, err)

	got, complete, err := c.ListKeys(ctx, kttest.Hash, nil, -1, 10000)
	require.NoError(t, err)
	assert.False(t, complete)
	assert.Less(t, got.Len(), 5000)
	assert.Greater(t, got.Len(), 0)

	got, complete, err = c.ListKeys(ctx, kttest.Hash, nil, -1, 1<<20)
	require.NoError(t, err)
	assert.True(t, complete)
	assert.Equal(t, 5000, got.Len())
	assert.Less(t, got.Bytes(), 5000*(9+4)*2, "compact: key bytes + 4-byte offsets, at most doubled by growth")
}

func TestListKeysServerError(t *testing.T) {
	c, _ := newTestClient(t)
	_, _, err := c.ListKeys(context.Background(), "nosuchdb", nil, -1, 0)
	require.Error(t, err)
	var nd *NoSuchDBError
	assert.ErrorAs(t, err, &nd)
	assert.ErrorIs(t, err, ErrInvalid)
}

// decodeKeyList follows the server's TSV rules: CRLF, lines without a TAB
// and parameter lines skipped, no final LF needed, lines longer than the
// read buffer, a decoded column's "_".
func TestDecodeKeyList(t *testing.T) {
	long := strings.Repeat("k", 100000)
	tests := []struct {
		name string
		body string
		enc  wire.Encoding
		want []string
	}{
		{"raw", "_a\t0\n_b\t1\nnum\t2\n", wire.Raw, []string{"a", "b"}},
		{"crlf and no final lf", "_a\t0\r\nnotab\n_\t1\n_c\t2", wire.Raw, []string{"a", "", "c"}},
		{"long line", "_" + long + "\t0\n_x\t1\n", wire.Raw, []string{long, "x"}},
		{"base64", "X2E=\tMA==\nbnVt\tMQ==\nXwD/\tMQ==\n", wire.Base64, []string{"a", "\x00\xff"}},
		{"url", "_a%09b\t0\n", wire.URL, []string{"a\tb"}},
		{"rank order", "_a\t2\n_b\t0\nnum\t3\n_c\t1\n", wire.Raw, []string{"b", "c", "a"}},
		{"rank order, base64", "X2E=\tMQ==\nX2I=\tMA==\n", wire.Base64, []string{"b", "a"}},
		{"bad ranks: reply order", "_a\t1\n_b\t1\n", wire.Raw, []string{"a", "b"}},
		{"rank out of range: reply order", "_a\t5\n_b\tx\n", wire.Raw, []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var l KeyList
			complete, err := decodeKeyList(strings.NewReader(tt.body), tt.enc, 0, &l)
			require.NoError(t, err)
			assert.True(t, complete)
			var got []string
			for _, k := range keyListKeys(&l) {
				got = append(got, string(k))
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func BenchmarkListKeys(b *testing.B) {
	c, _ := newTestClient(b)
	ctx := context.Background()
	var recs []BinRecord
	for i := range 100000 {
		recs = append(recs, BinRecord{DB: 2, Key: fmt.Appendf(nil, "%d", i), Value: []byte("v"), XT: XTNever})
	}
	_, err := c.BinSetBulk(ctx, recs, false)
	require.NoError(b, err)
	b.Run("MatchPrefix", func(b *testing.B) {
		for b.Loop() {
			keys, err := c.MatchPrefix(ctx, kttest.Hash, nil, -1)
			require.NoError(b, err)
			require.Len(b, keys, 100000)
		}
	})
	b.Run("ListKeys", func(b *testing.B) {
		for b.Loop() {
			keys, _, err := c.ListKeys(ctx, kttest.Hash, nil, -1, 0)
			require.NoError(b, err)
			require.Equal(b, 100000, keys.Len())
		}
	})
}

func TestKeyListSort(t *testing.T) {
	var l KeyList
	for _, k := range []string{"b", "a", "", "ab"} {
		l.Add(b(k))
	}
	l.Sort()
	assert.Equal(t, [][]byte{b(""), b("a"), b("ab"), b("b")}, keyListKeys(&l))
	assert.Equal(t, 4, l.Len())
}

func TestRankOrder(t *testing.T) {
	tests := []struct {
		ranks, want []uint32
	}{
		{[]uint32{2, 0, 1}, []uint32{1, 2, 0}},
		{[]uint32{0, 1, 2}, []uint32{0, 1, 2}},
		{[]uint32{1, 0, 3, 2, 4}, []uint32{1, 0, 3, 2, 4}},
		{[]uint32{3, 0, 1, 2, 5, 4}, []uint32{1, 2, 3, 0, 5, 4}},
		{[]uint32{1, 1}, nil},
		{[]uint32{0, 5}, nil},
		{[]uint32{}, []uint32{}},
	}
	for _, tt := range tests {
		in := slices.Clone(tt.ranks)
		got := rankOrder(in)
		assert.Equal(t, tt.want, got, "ranks %v", tt.ranks)
		if got != nil {
			for rank, idx := range got {
				assert.EqualValues(t, rank, tt.ranks[idx], "key %d has rank %d", idx, rank)
			}
		}
	}
}

func TestRankOrderRandom(t *testing.T) {
	for range 20 {
		perm := rand.Perm(1000)
		ranks := make([]uint32, len(perm))
		for i, r := range perm {
			ranks[i] = uint32(r)
		}
		order := rankOrder(slices.Clone(ranks))
		require.Len(t, order, len(ranks))
		for rank, idx := range order {
			require.EqualValues(t, rank, ranks[idx])
		}
	}
}
