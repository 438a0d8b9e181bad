package e2e_test

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt"
)

// A full scan streams in batches: scanning 100 MB of values must not make
// the backend hold them all at once (peak RSS, VmHWM, grows far less).
func TestFullScanStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 100 MB into KT; skipped with -short")
	}
	e := newEnv(t)
	const rows, size = 50000, 2048
	value := bytes.Repeat([]byte("v"), size)
	for start := 0; start < rows; start += 5000 {
		recs := make([]kt.Record, 5000)
		for i := range recs {
			recs[i] = kt.Record{Key: []byte(fmt.Sprintf("s%06d", start+i)), Value: value}
		}
		_, err := e.kt.SetBulk(ctx(t), "", recs, false)
		require.NoError(t, err)
	}
	// load the library and connect with a point lookup (not a scan)
	var v string
	require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT value FROM kv WHERE key = 's000000'").Scan(&v))
	pid := backendPID(t, e.conn)
	before, err := procStatusKB(pid, "VmHWM")
	if err != nil {
		t.Skipf("cannot read the backend's memory: %v", err)
	}
	// the count forces every row through the scan
	var n, total int64
	require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT count(*), sum(length(value)) FROM kv").Scan(&n, &total))
	require.EqualValues(t, rows, n)
	require.EqualValues(t, rows*size, total)
	after, err := procStatusKB(pid, "VmHWM")
	require.NoError(t, err)
	t.Logf("backend peak RSS %d kB before, %d kB after scanning %d MB", before, after, rows*size>>20)
	assert.Less(t, after-before, int64(40*1024), "peak RSS grew by %d kB for a 100 MB scan", after-before)
}

// procStatusKB reads a "<field>: N kB" line of /proc/<pid>/status.
func procStatusKB(pid int, field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, field+":"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}
