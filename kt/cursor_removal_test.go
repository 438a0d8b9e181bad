package kt

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A cursor walk in batches (what kt_fdw's cursor scans do) while another
// connection removes records: the record under the cursor (the next one
// the walk would return), records further ahead, and records already
// returned. The walk returns every other record once, in the database's
// order, on a tree DB and on a hash DB. KT keeps the cursor on the record
// that follows a removed one, so nothing is skipped or repeated.
func TestCursorWalkWhileRecordsAreRemoved(t *testing.T) {
	c, _ := newTestClient(t)
	ctx := context.Background()
	for _, db := range []string{"1", "0"} { // a tree and a hash DB (both layouts)
		t.Run("db "+db, func(t *testing.T) {
			const n, batch = 300, 40
			recs := make([]Record, n)
			for i := range recs {
				recs[i] = Record{Key: fmt.Appendf(nil, "k%04d", i), Value: []byte("v")}
			}
			_, err := c.SetBulk(ctx, db, recs, false)
			require.NoError(t, err)
			order := walkKeys(t, c, db, batch)
			require.Len(t, order, n)

			cur, err := c.Cursor(ctx, db)
			require.NoError(t, err)
			defer cur.Close()
			require.NoError(t, cur.Jump(ctx, nil))
			removed := map[string]bool{}
			var got []string
			for {
				b, err := cur.GetBatch(ctx, batch)
				require.NoError(t, err)
				for _, r := range b {
					got = append(got, string(r.Key))
				}
				if len(b) < batch {
					break
				}
				next := len(got) + len(removed) // index in order of the record under the cursor
				for _, i := range []int{next, next + 1, next + 7, next - 3} {
					if i < n && !removed[order[i]] {
						require.NoError(t, c.Remove(ctx, db, []byte(order[i])))
						if i >= next {
							removed[order[i]] = true
						}
					}
				}
			}
			var want []string
			for _, k := range order {
				if !removed[k] {
					want = append(want, k)
				}
			}
			assert.Equal(t, want, got)
			assert.NotEmpty(t, removed)
		})
	}
}

// walkKeys returns the keys of db in its cursor order.
func walkKeys(t *testing.T, c *Client, db string, batch int) []string {
	t.Helper()
	ctx := context.Background()
	cur, err := c.Cursor(ctx, db)
	require.NoError(t, err)
	defer cur.Close()
	require.NoError(t, cur.Jump(ctx, nil))
	var keys []string
	for {
		b, err := cur.GetBatch(ctx, batch)
		require.NoError(t, err)
		for _, r := range b {
			keys = append(keys, string(r.Key))
		}
		if len(b) < batch {
			return keys
		}
	}
}
