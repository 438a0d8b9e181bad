package e2e_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Loading kt_fdw must not take over the signals Postgres handles itself.
// Go's runtime installs a SIGURG handler even in a shared library (and drops
// SIGURGs other processes send), which on PostgreSQL 14 is the latch wakeup;
// _PG_init hands SIGURG back. Checked on a fresh backend: which of these
// signals have a handler (SigCgt) before and after it loads kt_fdw.
func TestLoadingKeepsPostgresSignalHandlers(t *testing.T) {
	e := newEnv(t)
	conn := e.pg.ConnDB(t, e.db) // a new backend: kt_fdw not loaded yet
	pid := backendPID(t, conn)
	before, err := sigCgt(pid)
	if err != nil {
		t.Skipf("cannot read the backend's signal handlers: %v", err)
	}
	_, err = conn.Exec(ctx(t), "SELECT * FROM kv")
	require.NoError(t, err)
	after, err := sigCgt(pid)
	require.NoError(t, err)
	t.Logf("backend %d SigCgt %016x before kt_fdw, %016x after", pid, before, after)
	for _, sig := range backendSignals {
		bit := uint64(1) << (uint(sig) - 1)
		assert.Equal(t, before&bit != 0, after&bit != 0,
			"loading kt_fdw changed whether %v has a handler (SigCgt %016x -> %016x)", sig, before, after)
	}
}

func sigCgt(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "SigCgt:"); ok {
			return strconv.ParseUint(strings.TrimSpace(rest), 16, 64)
		}
	}
	return 0, fmt.Errorf("no SigCgt in /proc/%d/status", pid)
}
