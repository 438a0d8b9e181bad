package e2e_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt"
)

// A cursor scan (a key range, or a full scan under a LIMIT, on an ordered
// table) keeps going when another client removes records in the middle of
// it: the scan has read some batches ahead and parked its KT cursor on the
// next record, and the removals take that record and thousands after it.
// The scan returns no error and no row twice, every row that existed
// throughout, and nothing that never existed.
func TestCursorScanWhileAnotherClientRemoves(t *testing.T) {
	e := newEnv(t)
	e.exec(`CREATE FOREIGN TABLE kvo (key text COLLATE "C", value text) SERVER kt OPTIONS (db '1', ordered 'on')`)
	const (
		n       = 20000
		fetched = 100
		// removed: [removeLo, removeHi), from within the rows already
		// fetched to beyond what the scan can have read ahead (a few
		// batches of at most 1000)
		removeLo, removeHi = 50, 10000
	)
	key := func(i int) string { return fmt.Sprintf("k%05d", i) }

	for _, tc := range []struct{ name, query, op string }{
		{"key range", "SELECT key FROM kvo WHERE key >= 'k' ORDER BY key", "cursor range"},
		{"full scan under a LIMIT", "SELECT key FROM kvo LIMIT 1000000", "full scan (cursor)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, e.kt.Clear(ctx(t), "1"))
			recs := make([]kt.Record, n)
			for i := range recs {
				recs[i] = kt.Record{Key: []byte(key(i)), Value: []byte("v")}
			}
			_, err := e.kt.SetBulk(ctx(t), "1", recs, false)
			require.NoError(t, err)
			var plan strings.Builder
			rows, err := e.conn.Query(ctx(t), "EXPLAIN "+tc.query)
			require.NoError(t, err)
			for rows.Next() {
				var line string
				require.NoError(t, rows.Scan(&line))
				plan.WriteString(line + "\n")
			}
			require.NoError(t, rows.Err())
			require.Contains(t, plan.String(), "KT Operation: "+tc.op, "the scan walks a KT cursor")

			tx, err := e.conn.Begin(ctx(t))
			require.NoError(t, err)
			defer func() { _ = tx.Rollback(ctx(t)) }()
			_, err = tx.Exec(ctx(t), "DECLARE c CURSOR FOR "+tc.query)
			require.NoError(t, err)
			fetch := func(sql string) []string {
				rows, err := tx.Query(ctx(t), sql)
				require.NoError(t, err)
				var keys []string
				for rows.Next() {
					var k string
					require.NoError(t, rows.Scan(&k))
					keys = append(keys, k)
				}
				require.NoError(t, rows.Err(), sql)
				return keys
			}
			got := fetch(fmt.Sprintf("FETCH %d FROM c", fetched))
			require.Len(t, got, fetched)

			// another client removes, from the highest key down
			for hi := removeHi; hi > removeLo; hi -= 500 {
				var keys [][]byte
				for i := max(hi-500, removeLo); i < hi; i++ {
					keys = append(keys, []byte(key(i)))
				}
				_, err := e.kt.RemoveBulk(ctx(t), "1", keys, false)
				require.NoError(t, err)
			}

			got = append(got, fetch("FETCH ALL FROM c")...)
			require.NoError(t, tx.Commit(ctx(t)))

			seen := map[string]bool{}
			for _, k := range got {
				require.False(t, seen[k], "%s returned twice", k)
				seen[k] = true
			}
			assert.True(t, slices.IsSorted(got), "key order")
			var missing, removedSeen int
			for i := 0; i < n; i++ {
				switch {
				case i < removeLo || i >= removeHi:
					if !seen[key(i)] {
						missing++
					}
				case seen[key(i)]:
					removedSeen++
				}
				delete(seen, key(i))
			}
			assert.Zero(t, missing, "rows that existed throughout the scan are all returned")
			assert.Empty(t, seen, "only rows that existed are returned")
			assert.GreaterOrEqual(t, removedSeen, fetched-removeLo, "rows fetched before the removals")
			assert.Less(t, removedSeen, removeHi-removeLo, "the removals overtook the scan")
		})
	}
}
