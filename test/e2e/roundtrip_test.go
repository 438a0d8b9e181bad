package e2e_test

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A key lookup is one KT get: no scan, no extra ping or report on the way.
// Against a real KT only report's cnt_get is checked; the dev server also
// counts every request.
func TestPointLookupIsOneRoundTrip(t *testing.T) {
	e := newEnv(t)
	e.ktSet("k1", "v1")
	e.ktSet("k2", "v2")
	e.ktSet("k3", "v3")

	// warm up: connection, DB resolution, catalog caches
	var v string
	require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT value FROM kv WHERE key = 'k1'").Scan(&v))

	for _, c := range []struct {
		name, sql string
		args      []any
		want      string
		found     bool
	}{
		{"constant", "SELECT value FROM kv WHERE key = 'k2'", nil, "v2", true},
		{"reversed", "SELECT value FROM kv WHERE 'k3' = key", nil, "v3", true},
		{"parameter", "SELECT value FROM kv WHERE key = $1", []any{"k1"}, "v1", true},
		{"missing", "SELECT value FROM kv WHERE key = 'nope'", nil, "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			reqs, gets := e.requests(), e.ktCounter("cnt_get")
			rs, err := e.conn.Query(ctx(t), c.sql, c.args...)
			require.NoError(t, err)
			var got []string
			for rs.Next() {
				var s string
				require.NoError(t, rs.Scan(&s))
				got = append(got, s)
			}
			require.NoError(t, rs.Err())
			if c.found {
				assert.Equal(t, []string{c.want}, got)
			} else {
				assert.Empty(t, got)
			}
			assert.EqualValues(t, 1, e.ktCounter("cnt_get")-gets, "KT gets for one lookup")
			if e.dev != nil {
				assert.EqualValues(t, 1, e.requests()-reqs, "KT requests for one lookup")
			}
		})
	}
}

// A prepared statement keeps the one-get plan after the plan cache switches
// to a generic plan (after five executions).
func TestPreparedLookupStaysOneRoundTrip(t *testing.T) {
	e := newDevEnv(t)
	e.ktSet("p", "q")
	e.exec("PREPARE look(text) AS SELECT value FROM kv WHERE key = $1")
	for i := 0; i < 7; i++ {
		reqs := e.dev.Requests()
		var v string
		require.NoError(t, e.conn.QueryRow(ctx(t), "EXECUTE look('p')").Scan(&v))
		assert.Equal(t, "q", v)
		if i > 0 { // the first may open the connection
			assert.EqualValues(t, 1, e.dev.Requests()-reqs, "execution %d", i+1)
		}
	}
}

// ktCounter reads one of report's cnt_* counters.
func (e *env) ktCounter(name string) uint64 {
	e.t.Helper()
	if e.dev != nil {
		return e.dev.Counts()[name]
	}
	rep, err := e.kt.Report(ctx(e.t))
	require.NoError(e.t, err)
	n, err := strconv.ParseUint(rep[name], 10, 64)
	require.NoError(e.t, err, "report %s=%q", name, rep[name])
	return n
}

// requests is the dev server's count of requests read (0 with a real KT).
func (e *env) requests() uint64 {
	if e.dev == nil {
		return 0
	}
	return e.dev.Requests()
}
