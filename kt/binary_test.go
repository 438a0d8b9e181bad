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
	idx, err := c.DBIndex(ctx, "2abc")
	require.NoError(t, err)
	assert.EqualValues(t, 2, idx)
	_, err = c.DBIndex(ctx, "nosuch")
	assert.Error(t, err)

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
