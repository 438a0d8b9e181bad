package pgcluster_test

import (
	"context"
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/errors"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/test/pgcluster"
)

func TestStartConnectStop(t *testing.T) {
	c, err := pgcluster.Start(pgcluster.Config{Settings: map[string]string{"max_prepared_transactions": "3"}})
	if errors.Is(err, pgcluster.ErrNoPostgres) {
		t.Skipf("no PostgreSQL installation: %v", err)
	}
	require.NoError(t, err)
	stopped := false
	defer func() {
		if !stopped {
			_ = c.Stop()
		}
	}()

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, c.ConnString())
	require.NoError(t, err)
	var mpt, listen, enc string
	require.NoError(t, conn.QueryRow(ctx,
		"select current_setting('max_prepared_transactions'), current_setting('listen_addresses'), current_setting('server_encoding')").
		Scan(&mpt, &listen, &enc))
	require.Equal(t, "3", mpt)
	require.Equal(t, "127.0.0.1", listen)
	require.Equal(t, "UTF8", enc)
	require.NoError(t, conn.Close(ctx))

	require.FileExists(t, c.LogFile)
	require.Empty(t, c.Crashes(0))

	require.NoError(t, c.Stop())
	stopped = true
	_, err = os.Stat(c.Dir)
	require.True(t, os.IsNotExist(err), "cluster directory removed")
}

func TestStartFailureReportsLog(t *testing.T) {
	_, err := pgcluster.Start(pgcluster.Config{Settings: map[string]string{"no_such_setting_xyz": "1"}})
	if errors.Is(err, pgcluster.ErrNoPostgres) {
		t.Skipf("no PostgreSQL installation: %v", err)
	}
	require.Error(t, err)
	require.Contains(t, err.Error(), "no_such_setting_xyz")
}

// Crashes finds the postmaster's report of a backend killed by a signal,
// which pgtest turns into a test failure.
func TestCrashesReportsKilledBackend(t *testing.T) {
	c, err := pgcluster.Start(pgcluster.Config{})
	if errors.Is(err, pgcluster.ErrNoPostgres) {
		t.Skipf("no PostgreSQL installation: %v", err)
	}
	require.NoError(t, err)
	defer func() { _ = c.Stop() }()

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, c.ConnString())
	require.NoError(t, err)
	defer conn.Close(ctx)
	var pid int
	require.NoError(t, conn.QueryRow(ctx, "select pg_backend_pid()").Scan(&pid))
	off := c.LogSize()
	require.Empty(t, c.Crashes(off))

	if err := syscall.Kill(pid, syscall.SIGABRT); err != nil {
		t.Skipf("cannot signal the backend: %v", err)
	}
	require.Eventually(t, func() bool { return len(c.Crashes(off)) > 0 }, 30*time.Second, 50*time.Millisecond)
	require.Contains(t, c.Crashes(off)[0], fmt.Sprintf("PID %d", pid))
}
