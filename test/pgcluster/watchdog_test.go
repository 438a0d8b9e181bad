package pgcluster_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/errors"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/test/pgcluster"
)

// TestWatchdogHelper is the process that gets killed: it starts a cluster,
// prints its directory and waits to die.
func TestWatchdogHelper(t *testing.T) {
	if os.Getenv("PGCLUSTER_WATCHDOG_HELPER") != "1" {
		t.Skip("helper process of TestWatchdogStopsOrphanedCluster")
	}
	c, err := pgcluster.Start(pgcluster.Config{})
	require.NoError(t, err)
	fmt.Printf("dir=%s\n", c.Dir)
	time.Sleep(time.Minute)
}

// A killed test binary cannot run Stop; its cluster must go away anyway.
func TestWatchdogStopsOrphanedCluster(t *testing.T) {
	if _, err := pgcluster.BinDir(); errors.Is(err, pgcluster.ErrNoPostgres) {
		t.Skipf("no PostgreSQL installation: %v", err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestWatchdogHelper$", "-test.v")
	cmd.Env = append(os.Environ(), "PGCLUSTER_WATCHDOG_HELPER=1")
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	killed := false
	defer func() {
		if !killed {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()

	var dir string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "dir="); ok {
			dir = d
			break
		}
	}
	require.NotEmpty(t, dir, "helper printed its cluster directory")
	require.DirExists(t, dir)
	pidFile := dir + "/data/postmaster.pid"
	require.FileExists(t, pidFile)

	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait() // reap it, or it lingers as a zombie that kill -0 still finds
	killed = true
	require.Eventually(t, func() bool {
		_, err := os.Stat(dir)
		return os.IsNotExist(err)
	}, 30*time.Second, 100*time.Millisecond, "orphaned cluster %s removed", dir)
}
