package kt

import (
	"context"
	"testing"

	"github.com/cockroachdb/errors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt/internal/kttest"
)

// The empty key is a record key like any other, on every operation
// kt_fdw uses, and an empty value is a record: the dev server must answer
// as a real KT does (run with KT_TEST_ADDR to compare).
func TestEmptyKeyOperations(t *testing.T) {
	c, _ := newTestClient(t)
	ctx := context.Background()
	for _, db := range []string{kttest.Tree, kttest.Hash} {
		t.Run(db, func(t *testing.T) {
			require.NoError(t, c.Clear(ctx, db))
			require.NoError(t, c.Add(ctx, db, b(""), b("")))
			assert.True(t, errors.Is(c.Add(ctx, db, b(""), b("x")), ErrDuplicate), "add of an existing empty key")
			rec, err := c.Get(ctx, db, b(""))
			require.NoError(t, err)
			assert.Equal(t, "", string(rec.Value))

			// CAS: an empty old value is not "absent"
			assert.True(t, errors.Is(c.CAS(ctx, db, b(""), nil, b("y")), ErrCASMismatch), "the record exists")
			require.NoError(t, c.CAS(ctx, db, b(""), b(""), b("v")))

			// listed by match_prefix of the empty prefix, as the empty key
			require.NoError(t, c.Set(ctx, db, b("a"), b("")))
			keys, err := c.MatchPrefix(ctx, db, b(""), -1)
			require.NoError(t, err)
			assert.ElementsMatch(t, []string{"", "a"}, strs(keys))

			// a cursor at the empty key: the first record of a tree DB,
			// that exact record of a hash DB
			cur, err := c.Cursor(ctx, db)
			require.NoError(t, err)
			defer func() { _ = cur.Close() }()
			require.NoError(t, cur.Jump(ctx, b("")))
			rec, err = cur.Get(ctx, false)
			require.NoError(t, err)
			assert.Equal(t, "", string(rec.Key))
			assert.Equal(t, "v", string(rec.Value))

			// binary get_bulk, set_bulk and remove_bulk of a zero-length key
			idx, err := c.DBIndex(ctx, db)
			require.NoError(t, err)
			got, err := c.BinGetBulk(ctx, []BinRecord{{DB: idx, Key: b("")}, {DB: idx, Key: b("missing")}})
			require.NoError(t, err)
			require.Len(t, got, 1)
			assert.Equal(t, "", string(got[0].Key))
			_, err = c.BinSetBulk(ctx, []BinRecord{{DB: idx, Key: b(""), Value: b(""), XT: XTNever}}, false)
			require.NoError(t, err)
			rec, err = c.Get(ctx, db, b(""))
			require.NoError(t, err)
			assert.Equal(t, "", string(rec.Value), "set to the empty value")
			n, err := c.BinRemoveBulk(ctx, []BinRecord{{DB: idx, Key: b("")}}, false)
			require.NoError(t, err)
			assert.Equal(t, 1, n)
			_, err = c.Get(ctx, db, b(""))
			assert.True(t, errors.Is(err, ErrNoRecord), "removed")
			rec, err = c.Get(ctx, db, b("a"))
			require.NoError(t, err, "the other record stays")
			assert.Equal(t, "", string(rec.Value))
		})
	}
}

func strs(bs [][]byte) []string {
	out := make([]string, len(bs))
	for i, v := range bs {
		out[i] = string(v)
	}
	return out
}
