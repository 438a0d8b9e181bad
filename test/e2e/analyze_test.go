package e2e_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt"
)

func TestAnalyzeGivesPlannerStatistics(t *testing.T) {
	e := newEnv(t)
	recs := make([]kt.Record, 0, 3000)
	for i := 0; i < 3000; i++ {
		recs = append(recs, kt.Record{Key: []byte(fmt.Sprintf("k%05d", i)), Value: []byte(fmt.Sprintf("v%d", i%4))})
	}
	_, err := e.kt.SetBulk(ctx(t), "", recs, false)
	require.NoError(t, err)

	e.exec("SET default_statistics_target = 10") // 3000-row sample: all of them
	e.exec("ANALYZE kv")

	var reltuples float64
	require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT reltuples FROM pg_class WHERE relname = 'kv'").Scan(&reltuples))
	assert.EqualValues(t, 3000, reltuples, "reltuples is KT's record count")
	var nd float64
	require.NoError(t, e.conn.QueryRow(ctx(t),
		"SELECT n_distinct FROM pg_stats WHERE tablename = 'kv' AND attname = 'value'").Scan(&nd))
	assert.EqualValues(t, 4, nd)

	e.exec("SET default_statistics_target = 1") // 300-row sample of 3000
	e.exec("ANALYZE kv")
	require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT reltuples FROM pg_class WHERE relname = 'kv'").Scan(&reltuples))
	assert.EqualValues(t, 3000, reltuples)
	if e.dev != nil {
		// one get_bulk of the 300 sampled keys, not of all 3000
		before := e.dev.Counts()["cnt_get"]
		e.exec("ANALYZE kv")
		assert.LessOrEqual(t, e.dev.Counts()["cnt_get"]-before, uint64(300))
	}
}

// ANALYZE and IMPORT FOREIGN SCHEMA wait for KT in short polls: a stalled KT
// does not hold off statement_timeout, and their Go handles are released.
func TestAnalyzeAndImportHonourStatementTimeout(t *testing.T) {
	e := newDevEnv(t)
	e.ktSet("a", "1")
	e.dev.SetStall(true)
	t.Cleanup(func() { e.dev.SetStall(false) })
	e.exec("SET statement_timeout = '300ms'")
	for _, sql := range []string{"ANALYZE kv", "IMPORT FOREIGN SCHEMA kt FROM SERVER kt INTO public"} {
		pe := pgErr(t, e.conn, sql)
		assert.Equal(t, "57014", pe.Code, sql)
	}
	e.exec("RESET statement_timeout")
	var open int64
	require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT open_handles FROM kt_fdw_stats()").Scan(&open))
	assert.Zero(t, open, "handles left open after cancelled ANALYZE/IMPORT")
}
