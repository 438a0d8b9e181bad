package e2e_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt"
)

// Bad input through the SQL-facing paths: each case gives a clean error or
// a correct result, never a crash (pgtest fails the test on a backend
// "terminated by signal") and never a broken session.

func randomOptionValue(r *rand.Rand) string {
	pieces := []string{"", " ", "0", "-1", "1978", "65536", "99999999999999999999", "2s", "-2s", "0.5", "NaN", "Inf",
		"1e400", "on", "off", "true", "maybe", "127.0.0.1", "::1", "[::1]:1", "a,b", ",", "a,,b", "h:0", "h:x",
		"/etc/passwd", "\t", "\n", "é", "\u00ff\u00fe", "%", "*", "casket.kch", "'", `\`, strings.Repeat("x", 5000)}
	var b strings.Builder
	for n := r.IntN(3) + 1; n > 0; n-- {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

func TestFuzzServerAndTableOptions(t *testing.T) {
	e := newEnv(t) // option checks need no dev-server feature: a real KT too
	r := rand.New(rand.NewPCG(7, 7))
	names := []string{"host", "port", "timeout", "connect_timeout", "tls", "tls_server_name", "readonly", "db",
		"batch_size", "ordered", "apply", "apply_batch", "conflict_check", "nosuch", "HOST", ""}
	allowed := map[string]bool{"HV00D": true, "22023": true, "42601": true, "42710": true, "42704": true}
	counts := map[string]int{}
	for i := 0; i < 300; i++ {
		name := names[r.IntN(len(names))]
		if name == "" {
			name = "x" + fmt.Sprint(r.IntN(10))
		}
		val := strings.ReplaceAll(randomOptionValue(r), "'", "''")
		var sql string
		switch r.IntN(4) {
		case 0:
			sql = fmt.Sprintf("CREATE SERVER fz%d FOREIGN DATA WRAPPER kt_fdw OPTIONS (%s '%s')", i, pgx.Identifier{name}.Sanitize(), val)
		case 1:
			sql = fmt.Sprintf("ALTER SERVER kt OPTIONS (ADD %s '%s')", pgx.Identifier{name}.Sanitize(), val)
		case 2:
			sql = fmt.Sprintf("CREATE FOREIGN TABLE fzt%d (key text, value text) SERVER kt OPTIONS (%s '%s')", i, pgx.Identifier{name}.Sanitize(), val)
		default:
			sql = fmt.Sprintf("ALTER FOREIGN TABLE kv OPTIONS (ADD %s '%s')", pgx.Identifier{name}.Sanitize(), val)
		}
		_, err := e.conn.Exec(ctx(t), sql)
		code := sqlState(err)
		if err != nil {
			require.NotEmpty(t, code, "%s: not a Postgres error: %v", sql, err)
			assert.True(t, allowed[code], "%.200s: unexpected SQLSTATE %s: %v", sql, code, err)
		} else if strings.HasPrefix(sql, "ALTER") {
			// undo the accepted option so the next ALTER starts from the base
			target := "SERVER kt"
			if strings.Contains(sql, "FOREIGN TABLE") {
				target = "FOREIGN TABLE kv"
			}
			e.exec(fmt.Sprintf("ALTER %s OPTIONS (DROP %s)", target, pgx.Identifier{name}.Sanitize()))
		}
		counts[code]++
	}
	t.Logf("300 random option statements: %v (\"\" = accepted)", counts)
	// the session and the FDW still work with the original options
	e.exec("INSERT INTO kv VALUES ('fuzz', 'ok')")
	assert.Equal(t, "ok", e.rows(e.conn)["fuzz"])
}

func TestLargeKeysAndValues(t *testing.T) {
	e := newEnv(t)
	e.exec("CREATE FOREIGN TABLE kvb (key bytea, value bytea) SERVER kt OPTIONS (db '1')")
	require.NoError(t, e.kt.Clear(ctx(t), "1"))
	r := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{0, 1, 1000, 64 << 10, 1 << 20, 4 << 20} {
		key := make([]byte, min(size, 1<<20)+1) // keys up to 1 MB (+1: never empty)
		val := make([]byte, size)
		for i := range key {
			key[i] = byte(r.IntN(256))
		}
		for i := range val {
			val[i] = byte(r.IntN(256))
		}
		key[0] = 0 // a NUL in each
		if len(val) > 0 {
			val[len(val)/2] = 0
		}
		_, err := e.conn.Exec(ctx(t), "INSERT INTO kvb VALUES ($1, $2)", key, val)
		require.NoError(t, err, "size %d", size)

		var got []byte
		require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT value FROM kvb WHERE key = $1", key).Scan(&got), "size %d", size)
		assert.True(t, bytes.Equal(val, got), "point lookup of a %d-byte value", size)
		rec, err := e.kt.Get(ctx(t), "1", key)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(val, rec.Value), "KT holds the exact bytes (size %d)", size)

		// text columns: long strings round-trip too
		text := strings.Repeat("é", size/2)
		_, err = e.conn.Exec(ctx(t), "INSERT INTO kv VALUES ($1, $2)", fmt.Sprintf("t%d", size), text)
		require.NoError(t, err)
		var gotText string
		require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT value FROM kv WHERE key = $1", fmt.Sprintf("t%d", size)).Scan(&gotText))
		assert.Equal(t, len(text), len(gotText))
	}
	var n int
	var total int64
	require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT count(*), sum(length(value)) FROM kvb").Scan(&n, &total))
	assert.Equal(t, 6, n)
	assert.EqualValues(t, 0+1+1000+(64<<10)+(1<<20)+(4<<20), total)
}

func TestInvalidUTF8FromKT(t *testing.T) {
	e := newEnv(t)
	e.exec("CREATE FOREIGN TABLE kvb (key bytea, value bytea) SERVER kt")
	bad := [][]byte{{0xff, 0xfe}, {'a', 0xc3}, {0xed, 0xa0, 0x80}, {0xc0, 0x80}, []byte("ok\x00nul")}
	for i, b := range bad {
		require.NoError(t, e.kt.Set(ctx(t), "", []byte(fmt.Sprintf("v%d", i)), b))
		require.NoError(t, e.kt.Set(ctx(t), "", append([]byte("k"), b...), []byte("fine")))
	}
	// text columns: a clean 22021 (or a correct row), never a crash
	for _, sql := range []string{
		"SELECT * FROM kv",
		"SELECT value FROM kv WHERE key = 'v0'",
		"SELECT key FROM kv WHERE value = 'fine'",
		"SELECT count(*) FROM kv WHERE length(value) > 0",
	} {
		_, err := e.conn.Exec(ctx(t), sql)
		if err != nil {
			assert.Contains(t, []string{"22021", "22P05"}, sqlState(err), "%s: %v", sql, err)
			t.Logf("%s -> %v", sql, err)
		}
		var one int
		require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT 1").Scan(&one), "session usable after %s", sql)
	}
	// the same records through bytea are exact
	for i, b := range bad {
		var got []byte
		require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT value FROM kvb WHERE key = $1", []byte(fmt.Sprintf("v%d", i))).Scan(&got))
		assert.Equal(t, b, got)
	}
	// bytea -> text conversions are Postgres' own checks
	_, err := e.conn.Exec(ctx(t), "SELECT convert_from(value, 'UTF8') FROM kvb")
	assert.Equal(t, "22021", sqlState(err))
	// a NUL cannot enter a text column; through bytea it round-trips
	_, err = e.conn.Exec(ctx(t), "INSERT INTO kvb VALUES ('\\x00'::bytea, '\\x0000'::bytea)")
	require.NoError(t, err)
}

func TestHugeINLists(t *testing.T) {
	e := newEnv(t)
	recs := make([]kt.Record, 0, 5000)
	for i := 0; i < 5000; i++ {
		recs = append(recs, kt.Record{Key: []byte(fmt.Sprintf("k%d", i)), Value: []byte(fmt.Sprint(i))})
	}
	_, err := e.kt.SetBulk(ctx(t), "", recs, false)
	require.NoError(t, err)

	for _, n := range []int{1000, 20000} {
		keys := make([]string, n)
		lit := make([]string, n)
		for i := range keys {
			keys[i] = fmt.Sprintf("k%d", i*2) // half of them exist when n > 2500
			lit[i] = "'" + keys[i] + "'"
		}
		want := 0
		for i := 0; i < n; i++ {
			if i*2 < 5000 {
				want++
			}
		}
		var got int
		require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT count(*) FROM kv WHERE key IN ("+strings.Join(lit, ",")+")").Scan(&got), "IN list of %d", n)
		assert.Equal(t, want, got, "IN list of %d literals", n)
		require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT count(*) FROM kv WHERE key = ANY($1)", keys).Scan(&got), "= ANY of %d", n)
		assert.Equal(t, want, got, "= ANY($1) with %d keys", n)
	}
	// NULLs and duplicates in the list
	var got int
	require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT count(*) FROM kv WHERE key = ANY(ARRAY['k1', 'k1', NULL, 'nope'])").Scan(&got))
	assert.Equal(t, 1, got)
}
