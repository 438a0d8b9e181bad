package main

import (
	"bytes"
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/test/pgcluster"
)

// TestBenchShort runs `ktfdw bench` with tiny sizes: every measurement
// runs and the table comes out. Figures are not checked (no timing asserts).
func TestBenchShort(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a cluster and runs pgbench")
	}
	ok, where, err := pgcluster.ExtensionInstalled("kt_fdw")
	require.NoError(t, err)
	if !ok {
		t.Skipf("kt_fdw is not installed in %s: run `make install` first", where)
	}
	bin, err := pgcluster.BinDir()
	require.NoError(t, err)
	if _, err := exec.LookPath(bin + "/pgbench"); err != nil {
		t.Skipf("pgbench not found in %s", bin)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	var out bytes.Buffer
	err = runBench(ctx, &out, []string{"-rows", "3000", "-runs", "1", "-pgbench-time", "1s",
		"-in-queries", "2", "-sync-rows", "50"})
	t.Log(out.String())
	require.NoError(t, err)
	for _, want := range []string{
		"1. bulk load", "apply auto with kt_fdw.lua (atomic)", "apply bulk", "raw client binary set_bulk", "local UNLOGGED table",
		"2. full scan count(*)", "sum(length(value))", "ordered table (tree DB)",
		"3. point lookups", "raw binary get of one key", "the bound: local lookup + 1 binary round trip", "4. IN-list of 1000 keys",
		"5. sync: UPDATE with the kt_fdw_sync() trigger", "no trigger", "hand-written PL/pgSQL trigger",
		"raw binary set of one record", "raw binary ktfdwapply of one record", "the bound: local UPDATE + 1 binary write round trip",
		"5. sync, durable (fsync, synchronous_commit on)", "load average",
		"RSS added by loading kt_fdw", "3000-row scan", "3000-row INSERT", "machine: ",
	} {
		assert.Contains(t, out.String(), want)
	}
}

func TestParseBenchConfig(t *testing.T) {
	c, err := parseBenchConfig([]string{"-rows", "10", "-runs", "2"})
	require.NoError(t, err)
	assert.Equal(t, 10, c.Rows)
	assert.Equal(t, 2, c.Runs)
	assert.Equal(t, 10, c.InKeys, "an IN list cannot ask for more keys than exist")
	assert.True(t, c.runs("load") && c.runs("memory"), "no -only: every section")
	_, err = parseBenchConfig([]string{"-runs", "0"})
	assert.Error(t, err)
	c, err = parseBenchConfig([]string{"-only", "lookups,sync"})
	require.NoError(t, err)
	assert.True(t, c.runs("lookups") && c.runs("sync"))
	assert.False(t, c.runs("load") || c.runs("scan") || c.runs("inlist") || c.runs("memory"))
	_, err = parseBenchConfig([]string{"-only", "lookup"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown section "lookup"`)
	assert.InDelta(t, 2.0, median([]float64{3, 1, 2}), 0)
	assert.InDelta(t, 2.5, median([]float64{4, 1, 2, 3}), 0)
}
