package kt

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/errors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt/internal/kttest"
)

func TestVoidEchoReportStatus(t *testing.T) {
	c, _ := newTestClient(t)
	ctx := context.Background()
	require.NoError(t, c.Void(ctx))

	in := map[string][]byte{"a": b("1"), "bin\t\x00": b("\xff\n\r"), "": b(""), "sp ace": b("x y")}
	out, err := c.Echo(ctx, in)
	require.NoError(t, err)
	assert.Equal(t, in, out)

	rep, err := c.Report(ctx)
	require.NoError(t, err)
	assert.Contains(t, rep, "db_0")
	assert.Contains(t, rep, "conf_kt_version")

	st, err := c.Status(ctx, kttest.Tree)
	require.NoError(t, err)
	assert.Equal(t, "0", st["count"])

	// KT's 400 "no such database" comes back listing the server's databases
	_, err = c.Status(ctx, "nosuchdb")
	assert.True(t, errors.Is(err, ErrInvalid), "%v", err)
	var nd *NoSuchDBError
	require.True(t, errors.As(err, &nd), "%v", err)
	assert.Equal(t, "nosuchdb", nd.DB)
	require.NotEmpty(t, nd.Databases)
	for i, d := range nd.Databases {
		assert.Equal(t, i, d.Index)
	}
	assert.Contains(t, nd.Databases, Database{Index: 1, Name: kttest.Tree})
}

// DBIndex refuses a name or an index the server does not have: the binary
// protocol would find nothing in such a database, silently.
func TestDBIndexUnknownDatabase(t *testing.T) {
	c, _ := newTestClient(t)
	ctx := context.Background()
	dbs, err := c.Databases(ctx)
	require.NoError(t, err)
	for _, db := range []string{"nosuch.kch", strconv.Itoa(len(dbs)), "65535"} {
		_, err := c.DBIndex(ctx, db)
		var nd *NoSuchDBError
		require.True(t, errors.As(err, &nd), "%s: %v", db, err)
		assert.Equal(t, db, nd.DB)
		assert.Equal(t, dbs, nd.Databases)
	}
	last, err := c.DBIndex(ctx, strconv.Itoa(len(dbs)-1))
	require.NoError(t, err)
	assert.EqualValues(t, len(dbs)-1, last)
}

func TestSingleRecordProcedures(t *testing.T) {
	c, _ := newTestClient(t)
	ctx := context.Background()
	for _, db := range []string{"", "1", kttest.Tree, kttest.Hash} {
		t.Run("db="+db, func(t *testing.T) {
			require.NoError(t, c.Set(ctx, db, b("k"), b("v1")))
			rec, err := c.Get(ctx, db, b("k"))
			require.NoError(t, err)
			assert.Equal(t, Record{Key: b("k"), Value: b("v1")}, rec)

			err = c.Add(ctx, db, b("k"), b("v2"))
			assert.True(t, errors.Is(err, ErrDuplicate), "%v", err)
			require.NoError(t, c.Add(ctx, db, b("k2"), b("v2")))

			require.NoError(t, c.Replace(ctx, db, b("k"), b("v3")))
			err = c.Replace(ctx, db, b("missing"), b("v"))
			assert.True(t, errors.Is(err, ErrNoRecord), "%v", err)

			require.NoError(t, c.Append(ctx, db, b("k"), b("+more")))
			require.NoError(t, c.Append(ctx, db, b("new"), b("x")))
			rec, err = c.Get(ctx, db, b("k"))
			require.NoError(t, err)
			assert.Equal(t, "v3+more", string(rec.Value))

			size, xt, err := c.Check(ctx, db, b("k"))
			require.NoError(t, err)
			assert.Equal(t, 7, size)
			assert.Zero(t, xt)

			rec, err = c.Seize(ctx, db, b("k"))
			require.NoError(t, err)
			assert.Equal(t, "v3+more", string(rec.Value))
			_, err = c.Get(ctx, db, b("k"))
			assert.True(t, errors.Is(err, ErrNoRecord), "%v", err)

			require.NoError(t, c.Remove(ctx, db, b("k2")))
			err = c.Remove(ctx, db, b("k2"))
			assert.True(t, errors.Is(err, ErrNoRecord), "%v", err)
			_, _, err = c.Check(ctx, db, b("k2"))
			assert.True(t, errors.Is(err, ErrNoRecord), "%v", err)
		})
	}
}

func TestBinarySafeKeysAndValues(t *testing.T) {
	c, _ := newTestClient(t)
	ctx := context.Background()
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	cases := map[string][2][]byte{
		"empty key":      {b(""), b("empty-key value")},
		"empty value":    {b("ev"), b("")},
		"all bytes":      {all, all},
		"tab newline":    {b("a\tb\nc\r"), b("x\ty\r\nz")},
		"high utf8":      {b("東京"), b("日本 ok")},
		"spaces + plus":  {b("a b+c"), b("100% = yes & no; + ")},
		"long plain":     {b("long"), []byte(strings.Repeat("abc ", 500))},
		"long binary":    {b("lb"), append([]byte(strings.Repeat("\x00\x01", 300)), 0xff)},
		"equals and pct": {b("=%="), b("%41=3D")},
	}
	for name, kv := range cases {
		t.Run(name, func(t *testing.T) {
			require.NoError(t, c.Set(ctx, "", kv[0], kv[1]))
			rec, err := c.Get(ctx, "", kv[0])
			require.NoError(t, err)
			assert.Equal(t, kv[1], append([]byte{}, rec.Value...))
			if len(kv[1]) == 0 {
				assert.Empty(t, rec.Value)
			}
		})
	}
}

func TestExpiration(t *testing.T) {
	c, _ := newTestClient(t)
	ctx := context.Background()
	before := time.Now().Unix()
	require.NoError(t, c.Set(ctx, "", b("t"), b("v"), WithXT(100)))
	rec, err := c.Get(ctx, "", b("t"))
	require.NoError(t, err)
	assert.GreaterOrEqual(t, rec.XT, before+100)
	assert.LessOrEqual(t, rec.XT, time.Now().Unix()+100)

	require.NoError(t, c.Set(ctx, "", b("t"), b("v"), WithXT(-2000000000)))
	_, xt, err := c.Check(ctx, "", b("t"))
	require.NoError(t, err)
	assert.EqualValues(t, 2000000000, xt)

	require.NoError(t, c.Set(ctx, "", b("t"), b("v")))
	rec, err = c.Get(ctx, "", b("t"))
	require.NoError(t, err)
	assert.Zero(t, rec.XT, "a write without xt clears the expiration")

	require.NoError(t, c.Set(ctx, "", b("old"), b("v"), WithXT(-60)))
	_, err = c.Get(ctx, "", b("old"))
	assert.True(t, errors.Is(err, ErrNoRecord), "expired in 1970: %v", err)
}

func TestIncrementAndCAS(t *testing.T) {
	c, _ := newTestClient(t)
	ctx := context.Background()
	n, err := c.Increment(ctx, "", b("n"), 3)
	require.NoError(t, err)
	assert.EqualValues(t, 3, n)
	n, err = c.Increment(ctx, "", b("n"), -5)
	require.NoError(t, err)
	assert.EqualValues(t, -2, n)
	rec, err := c.Get(ctx, "", b("n"))
	require.NoError(t, err)
	assert.Equal(t, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe}, rec.Value)

	require.NoError(t, c.Set(ctx, "", b("s"), b("abc")))
	_, err = c.Increment(ctx, "", b("s"), 1)
	assert.True(t, errors.Is(err, ErrLogic), "%v", err)

	f, err := c.IncrementDouble(ctx, "", b("f"), 1.75)
	require.NoError(t, err)
	assert.InDelta(t, 1.75, f, 1e-9)
	f, err = c.IncrementDouble(ctx, "", b("f"), 0.5)
	require.NoError(t, err)
	assert.InDelta(t, 2.25, f, 1e-9)

	require.NoError(t, c.CAS(ctx, "", b("c"), nil, b("one")))
	err = c.CAS(ctx, "", b("c"), nil, b("two"))
	assert.True(t, errors.Is(err, ErrCASMismatch), "%v", err)
	err = c.CAS(ctx, "", b("c"), b("wrong"), b("two"))
	assert.True(t, errors.Is(err, ErrCASMismatch), "%v", err)
	require.NoError(t, c.CAS(ctx, "", b("c"), b("one"), b("two")))
	rec, err = c.Get(ctx, "", b("c"))
	require.NoError(t, err)
	assert.Equal(t, "two", string(rec.Value))
	require.NoError(t, c.CAS(ctx, "", b("c"), b("two"), nil))
	_, err = c.Get(ctx, "", b("c"))
	assert.True(t, errors.Is(err, ErrNoRecord), "%v", err)
	err = c.CAS(ctx, "", b("c"), b(""), nil)
	assert.True(t, errors.Is(err, ErrCASMismatch), "an empty old value is not absence: %v", err)
}
