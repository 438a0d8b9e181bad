package kt

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt/internal/kttest"
)

func scriptsOnRealKT() bool { return os.Getenv("KT_TEST_SCRIPTS") == "1" }

func TestBinaryBulk(t *testing.T) {
	c, _ := newTestClient(t)
	ctx := context.Background()
	tree, err := c.DBIndex(ctx, kttest.Tree)
	require.NoError(t, err)
	assert.EqualValues(t, 1, tree)
	idx, err := c.DBIndex(ctx, "1abc")
	require.NoError(t, err)
	assert.EqualValues(t, 1, idx)
	for _, bad := range []string{"nosuch", "99"} {
		_, err = c.DBIndex(ctx, bad)
		require.ErrorIs(t, err, ErrInvalid, bad)
		assert.Contains(t, err.Error(), "no such database: "+bad)
	}

	later := time.Now().Unix() + 3600
	recs := []BinRecord{
		{DB: tree, Key: b("k1"), Value: b("v1"), XT: XTNever},
		{DB: 0, Key: b(""), Value: b("\x00\xff"), XT: -later},
		{DB: 99, Key: b("skipped"), Value: b("x"), XT: XTNever},
	}
	n, err := c.BinSetBulk(ctx, recs, false)
	require.NoError(t, err)
	assert.Equal(t, 2, n)

	got, err := c.BinGetBulk(ctx, []BinRecord{{DB: tree, Key: b("k1")}, {DB: 0, Key: b("")}, {DB: 0, Key: b("missing")}, {DB: 99, Key: b("x")}})
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, BinRecord{DB: tree, Key: b("k1"), Value: b("v1"), XT: XTNeverStored}, got[0])
	assert.Equal(t, later, got[1].XT)
	assert.Equal(t, "\x00\xff", string(got[1].Value))

	// HTTP and binary share the connection
	rec, err := c.Get(ctx, kttest.Tree, b("k1"))
	require.NoError(t, err)
	assert.Equal(t, "v1", string(rec.Value))

	n, err = c.BinSetBulk(ctx, []BinRecord{{DB: 0, Key: b("nr"), Value: b("1"), XT: XTNever}}, true)
	require.NoError(t, err)
	assert.Zero(t, n)
	rec, err = c.Get(ctx, "", b("nr"))
	require.NoError(t, err, "no-reply write then a read on the same pooled connection")
	assert.Equal(t, "1", string(rec.Value))

	n, err = c.BinRemoveBulk(ctx, []BinRecord{{DB: tree, Key: b("k1")}, {DB: 0, Key: b("missing")}}, false)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	_, err = c.BinRemoveBulk(ctx, []BinRecord{{DB: 0, Key: b("nr")}}, true)
	require.NoError(t, err)
	got, err = c.BinGetBulk(ctx, []BinRecord{{DB: tree, Key: b("k1")}, {DB: 0, Key: b("nr")}})
	require.NoError(t, err)
	assert.Empty(t, got)
}

// TestBinGet: the one-key binary get finds, misses, keeps binary keys and
// values and the stored expiration, and shares connections with HTTP.
func TestBinGet(t *testing.T) {
	c, _ := newTestClient(t)
	ctx := context.Background()
	tree, err := c.DBIndex(ctx, kttest.Tree)
	require.NoError(t, err)
	later := time.Now().Unix() + 3600
	require.NoError(t, c.Set(ctx, kttest.Tree, b("k\x00\xff"), b("v\t\n"), WithXT(-later)))
	require.NoError(t, c.Set(ctx, kttest.Tree, b(""), b("")))

	v, xt, found, err := c.BinGet(ctx, tree, b("k\x00\xff"))
	require.NoError(t, err)
	require.True(t, found)
	assert.Equal(t, "v\t\n", string(v))
	assert.Equal(t, later, xt)

	v, xt, found, err = c.BinGet(ctx, tree, b(""))
	require.NoError(t, err)
	require.True(t, found, "the empty key")
	assert.Empty(t, v)
	assert.Equal(t, XTNeverStored, xt)

	_, _, found, err = c.BinGet(ctx, tree, b("missing"))
	require.NoError(t, err)
	assert.False(t, found)
	_, _, found, err = c.BinGet(ctx, 0, b("k\x00\xff"))
	require.NoError(t, err)
	assert.False(t, found, "another database")

	require.NoError(t, c.Remove(ctx, kttest.Tree, b("")))
	_, _, found, err = c.BinGet(ctx, tree, b(""))
	require.NoError(t, err)
	assert.False(t, found, "removed over HTTP, on the same pooled connection")
}
