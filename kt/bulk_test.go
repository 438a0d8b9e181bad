package kt

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/cockroachdb/errors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt/internal/kttest"
)

func TestBulk(t *testing.T) {
	c, _ := newTestClient(t)
	ctx := context.Background()
	for _, atomic := range []bool{false, true} {
		t.Run(fmt.Sprint("atomic=", atomic), func(t *testing.T) {
			require.NoError(t, c.Clear(ctx, kttest.Tree))
			recs := []Record{
				{Key: b("a"), Value: b("1")},
				{Key: b(""), Value: b("empty key")},
				{Key: b("bin\t\x00\n"), Value: b("\xff\x00")},
				{Key: b("_under"), Value: b("")},
			}
			n, err := c.SetBulk(ctx, kttest.Tree, recs, atomic)
			require.NoError(t, err)
			assert.Equal(t, 4, n)

			keys := [][]byte{b("_under"), b("missing"), b("a"), b(""), b("bin\t\x00\n"), b("a")}
			got, err := c.GetBulk(ctx, kttest.Tree, keys, atomic)
			require.NoError(t, err)
			want := []Record{recs[3], recs[0], recs[1], recs[2]}
			require.Len(t, got, len(want))
			for i := range want {
				assert.Equal(t, string(want[i].Key), string(got[i].Key))
				assert.Equal(t, string(want[i].Value), string(got[i].Value))
			}

			n, err = c.RemoveBulk(ctx, kttest.Tree, [][]byte{b("a"), b("missing"), b("")}, atomic)
			require.NoError(t, err)
			assert.Equal(t, 2, n)
			got, err = c.GetBulk(ctx, kttest.Tree, keys, atomic)
			require.NoError(t, err)
			assert.Len(t, got, 2)
		})
	}
}

func TestSetBulkPerRecordXT(t *testing.T) {
	c, _ := newTestClient(t)
	ctx := context.Background()
	later := time.Now().Unix() + 3600
	recs := []Record{
		{Key: b("x1"), Value: b("1"), XT: later},
		{Key: b("x2"), Value: b("2")},
		{Key: b("x3"), Value: b("3"), XT: later},
	}
	n, err := c.SetBulk(ctx, "", recs, false)
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	for _, r := range recs {
		_, xt, err := c.Check(ctx, "", r.Key)
		require.NoError(t, err)
		assert.Equal(t, r.XT, xt, string(r.Key))
	}
	_, err = c.SetBulk(ctx, "", recs, true)
	assert.Error(t, err, "atomic with mixed xt")

	n, err = c.SetBulk(ctx, "", nil, true)
	assert.NoError(t, err)
	assert.Zero(t, n)
}

func TestMatch(t *testing.T) {
	c, _ := newTestClient(t)
	ctx := context.Background()
	for _, k := range []string{"user:2", "user:10", "user:1", "other", "user:\x00bin"} {
		require.NoError(t, c.Set(ctx, kttest.Tree, b(k), b("v")))
	}
	keys, err := c.MatchPrefix(ctx, kttest.Tree, b("user:"), -1)
	require.NoError(t, err)
	assert.Equal(t, [][]byte{b("user:\x00bin"), b("user:1"), b("user:10"), b("user:2")}, keys, "tree order")

	keys, err = c.MatchPrefix(ctx, kttest.Tree, b("user:"), 2)
	require.NoError(t, err)
	assert.Len(t, keys, 2)

	keys, err = c.MatchPrefix(ctx, kttest.Tree, b("nope"), -1)
	require.NoError(t, err)
	assert.Empty(t, keys)

	keys, err = c.MatchRegex(ctx, kttest.Tree, b("^user:[0-9]$"), -1)
	require.NoError(t, err)
	assert.Equal(t, [][]byte{b("user:1"), b("user:2")}, keys)

	_, err = c.MatchRegex(ctx, kttest.Tree, b("(["), -1)
	assert.True(t, errors.Is(err, ErrLogic), "%v", err)
}

func TestCursor(t *testing.T) {
	c, _ := newTestClient(t)
	ctx := context.Background()
	for _, k := range []string{"c", "a", "b", "d"} {
		require.NoError(t, c.Set(ctx, kttest.Tree, b(k), b("v"+k)))
	}
	cur, err := c.Cursor(ctx, kttest.Tree)
	require.NoError(t, err)
	defer func() { assert.NoError(t, cur.Close()) }()

	_, err = cur.Get(ctx, false)
	assert.True(t, errors.Is(err, ErrNoRecord), "unpositioned: %v", err)

	require.NoError(t, cur.Jump(ctx, nil))
	var keys []string
	for {
		rec, err := cur.Get(ctx, true)
		if errors.Is(err, ErrNoRecord) {
			break
		}
		require.NoError(t, err)
		keys = append(keys, string(rec.Key)+"="+string(rec.Value))
	}
	assert.Equal(t, []string{"a=va", "b=vb", "c=vc", "d=vd"}, keys)

	require.NoError(t, cur.Jump(ctx, b("b")))
	k, err := cur.GetKey(ctx, false)
	require.NoError(t, err)
	assert.Equal(t, "b", string(k))
	require.NoError(t, cur.SetValue(ctx, b("new"), true))
	k, err = cur.GetKey(ctx, false)
	require.NoError(t, err)
	assert.Equal(t, "c", string(k))
	require.NoError(t, cur.Remove(ctx))
	k, err = cur.GetKey(ctx, false)
	require.NoError(t, err)
	assert.Equal(t, "d", string(k), "remove moves forward")
	err = cur.Step(ctx)
	assert.True(t, errors.Is(err, ErrNoRecord), "stepping past the last record: %v", err)

	require.NoError(t, cur.JumpBack(ctx, nil))
	k, err = cur.GetKey(ctx, false)
	require.NoError(t, err)
	assert.Equal(t, "d", string(k))
	require.NoError(t, cur.StepBack(ctx))
	rec, err := cur.Get(ctx, false)
	require.NoError(t, err)
	assert.Equal(t, "b=new", string(rec.Key)+"="+string(rec.Value))

	// other calls keep working on other connections while the cursor is open
	_, err = c.Get(ctx, kttest.Tree, b("a"))
	require.NoError(t, err)
	_, err = c.Get(ctx, kttest.Tree, b("c"))
	assert.True(t, errors.Is(err, ErrNoRecord))
}

func TestCursorHashAndClose(t *testing.T) {
	c, _ := newTestClient(t)
	ctx := context.Background()
	require.NoError(t, c.Set(ctx, kttest.Hash, b("h"), b("v")))
	cur, err := c.Cursor(ctx, kttest.Hash)
	require.NoError(t, err)
	require.NoError(t, cur.Jump(ctx, nil))
	err = cur.JumpBack(ctx, nil)
	assert.True(t, errors.Is(err, ErrNotImplemented), "%v", err)
	require.NoError(t, cur.Close())
	require.NoError(t, cur.Close(), "second close is a no-op")

	// a cursor never used: cur_delete answers 501, which Close ignores
	cur, err = c.Cursor(ctx, kttest.Hash)
	require.NoError(t, err)
	require.NoError(t, cur.Close())
	_, err = cur.GetKey(ctx, false)
	var ne *NetError
	assert.True(t, errors.As(err, &ne), "%v", err)
}

func TestPlayScript(t *testing.T) {
	target := kttest.Start(t)
	if target.Dev == nil && !scriptsOnRealKT() {
		t.Skip("real KT: set KT_TEST_SCRIPTS=1 when the server runs the golden test.lua")
	}
	c, _ := newTestClient(t)
	ctx := context.Background()
	out, err := c.PlayScript(ctx, "echo", map[string][]byte{"a": b("1"), "bin": b("\x00\t")})
	require.NoError(t, err)
	assert.Equal(t, "1", string(out["a"]))
	assert.Equal(t, "\x00\t", string(out["bin"]))
	assert.Contains(t, out, "thid")

	_, err = c.PlayScript(ctx, "fail", nil)
	assert.True(t, errors.Is(err, ErrLogic), "%v", err)
	_, err = c.PlayScript(ctx, "nosuchproc", nil)
	assert.True(t, errors.Is(err, ErrNotImplemented), "%v", err)

	kv, err := c.BinPlayScript(ctx, "echo", []KV{{Key: b("k\x00"), Value: b("v")}}, false)
	require.NoError(t, err)
	m := map[string]string{}
	for _, p := range kv {
		m[string(p.Key)] = string(p.Value)
	}
	assert.Equal(t, "v", m["k\x00"])
	_, err = c.BinPlayScript(ctx, "nosuchproc", nil, false)
	assert.True(t, errors.Is(err, ErrBinary), "%v", err)
	require.NoError(t, c.Void(ctx), "connection still usable")
	_, err = c.BinPlayScript(ctx, "put", []KV{{Key: b("key"), Value: b("sk")}, {Key: b("value"), Value: b("sv")}}, true)
	require.NoError(t, err)
	rec, err := c.Get(ctx, "", b("sk"))
	require.NoError(t, err)
	assert.Equal(t, "sv", string(rec.Value))
}
