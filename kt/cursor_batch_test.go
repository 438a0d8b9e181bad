package kt

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCursorGetBatch(t *testing.T) {
	c, _ := newTestClient(t)
	ctx := context.Background()
	const n = 250
	recs := make([]Record, n)
	for i := range recs {
		recs[i] = Record{Key: fmt.Appendf(nil, "k%04d", i), Value: fmt.Appendf(nil, "v%d\t\n", i)}
	}
	_, err := c.SetBulk(ctx, "1", recs, false) // DB 1 is a tree: key order
	require.NoError(t, err)

	for _, tc := range []struct {
		name  string
		from  []byte
		batch int
		want  int // records expected in total
	}{
		{"all in batches of 100", nil, 100, n},
		{"one batch larger than the rest", nil, 1000, n},
		{"from the middle", []byte("k0200"), 7, 50},
		{"from between two keys", []byte("k0199x"), 30, 50},
		{"past the end", []byte("z"), 10, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cur, err := c.Cursor(ctx, "1")
			require.NoError(t, err)
			defer cur.Close()
			err = cur.Jump(ctx, tc.from)
			if tc.want == 0 {
				require.ErrorIs(t, err, ErrNoRecord)
				return
			}
			require.NoError(t, err)
			var got []Record
			for {
				batch, err := cur.GetBatch(ctx, tc.batch)
				require.NoError(t, err)
				got = append(got, batch...)
				if len(batch) < tc.batch {
					break
				}
			}
			require.Len(t, got, tc.want)
			first := n - tc.want
			for i, r := range got {
				assert.Equal(t, recs[first+i].Key, r.Key)
				assert.Equal(t, recs[first+i].Value, r.Value)
			}
			// the connection is still in step: a plain call works
			_, err = cur.GetBatch(ctx, 3)
			require.NoError(t, err)
		})
	}
}

func BenchmarkScanCursorBatch(b *testing.B) {
	c, _ := benchClient(b)
	ctx := context.Background()
	loadBench(b, c, 100000)
	b.ResetTimer()
	for b.Loop() {
		cur, err := c.Cursor(ctx, "0")
		require.NoError(b, err)
		require.NoError(b, cur.Jump(ctx, nil))
		n := 0
		for {
			batch, err := cur.GetBatch(ctx, 1000)
			require.NoError(b, err)
			n += len(batch)
			if len(batch) < 1000 {
				break
			}
		}
		require.Equal(b, 100000, n)
		_ = cur.Close()
	}
	b.ReportMetric(float64(100000*b.N)/b.Elapsed().Seconds(), "rec/s")
}

func BenchmarkScanPrefixBinGetBulk(b *testing.B) {
	c, _ := benchClient(b)
	ctx := context.Background()
	loadBench(b, c, 100000)
	b.ResetTimer()
	for b.Loop() {
		keys, err := c.MatchPrefix(ctx, "0", nil, -1)
		require.NoError(b, err)
		n := 0
		for i := 0; i < len(keys); i += 1000 {
			req := make([]BinRecord, 0, 1000)
			for _, k := range keys[i:min(i+1000, len(keys))] {
				req = append(req, BinRecord{Key: k})
			}
			got, err := c.BinGetBulk(ctx, req)
			require.NoError(b, err)
			n += len(got)
		}
		require.Equal(b, 100000, n)
	}
	b.ReportMetric(float64(100000*b.N)/b.Elapsed().Seconds(), "rec/s")
}

func loadBench(b *testing.B, c *Client, n int) {
	val := bytes.Repeat([]byte("v"), 100)
	recs := make([]BinRecord, 0, 10000)
	for i := 0; i < n; i++ {
		recs = append(recs, BinRecord{Key: fmt.Appendf(nil, "key%08d", i), Value: val, XT: XTNever})
		if len(recs) == cap(recs) || i == n-1 {
			_, err := c.BinSetBulk(context.Background(), recs, false)
			require.NoError(b, err)
			recs = recs[:0]
		}
	}
}
