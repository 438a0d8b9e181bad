package e2e_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Signals PostgreSQL handles on the backend's main thread; a Go thread that
// takes one of them breaks latches and interrupts (EXT_NOTES.md).
var backendSignals = []syscall.Signal{
	syscall.SIGURG, syscall.SIGINT, syscall.SIGTERM,
	syscall.SIGALRM, syscall.SIGUSR1, syscall.SIGQUIT,
}

func TestGoThreadsBlockBackendSignals(t *testing.T) {
	e := newEnv(t)
	e.exec("INSERT INTO kv VALUES ('s', '1')")
	e.rows(e.conn)
	pid := backendPID(t, e.conn)

	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		t.Skipf("cannot read the backend's threads: %v", err)
	}
	others := 0
	for _, task := range tasks {
		tid, _ := strconv.Atoi(task.Name())
		if tid == pid {
			continue
		}
		others++
		blocked, err := sigBlk(filepath.Join("/proc", strconv.Itoa(pid), "task", task.Name(), "status"))
		if err != nil {
			t.Skipf("cannot read thread status: %v", err)
		}
		for _, sig := range backendSignals {
			assert.True(t, blocked&(1<<(uint(sig)-1)) != 0,
				"thread %d of backend %d does not block %v (SigBlk %016x)", tid, pid, sig, blocked)
		}
	}
	require.Positive(t, others, "a backend that used kt_fdw runs Go threads besides the main one")
	// GOMAXPROCS is kept low inside a backend; a few more threads for sysmon
	// and blocking syscalls are normal, dozens are not.
	t.Logf("backend %d runs %d threads", pid, len(tasks))
	assert.LessOrEqual(t, len(tasks), 16, "threads in a backend that used kt_fdw")
}

func sigBlk(statusFile string) (uint64, error) {
	b, err := os.ReadFile(statusFile)
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "SigBlk:"); ok {
			return strconv.ParseUint(strings.TrimSpace(rest), 16, 64)
		}
	}
	return 0, fmt.Errorf("no SigBlk in %s", statusFile)
}

// A backend that loaded kt_fdw still gets its latch set when a lock it waits
// for is released (SetLatch is SIGURG, which a Go thread must not eat).
func TestLockWaitWakesBackendUsingFDW(t *testing.T) {
	e := newEnv(t)
	e.exec("CREATE TABLE lockme (id int PRIMARY KEY, n int)")
	e.exec("INSERT INTO lockme VALUES (1, 0)")
	e.exec("INSERT INTO kv VALUES ('w', '1')")
	e.rows(e.conn) // the waiter has used the FDW: Go runtime is up

	holder := e.pg.ConnDB(t, e.db)
	_, err := holder.Exec(ctx(t), "BEGIN")
	require.NoError(t, err)
	_, err = holder.Exec(ctx(t), "UPDATE lockme SET n = n + 1 WHERE id = 1")
	require.NoError(t, err)

	e.exec("SET statement_timeout = '30s'") // a lost wakeup fails instead of hanging
	waiterPID := backendPID(t, e.conn)
	done := make(chan error, 1)
	go func() {
		_, err := e.conn.Exec(ctx(t), "UPDATE lockme SET n = n + 10 WHERE id = 1")
		done <- err
	}()
	// wait until the waiter really waits on the lock
	require.Eventually(t, func() bool {
		var waiting bool
		err := holder.QueryRow(ctx(t),
			"SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1", waiterPID).Scan(&waiting)
		return err == nil && waiting
	}, 10*time.Second, 20*time.Millisecond)

	released := time.Now()
	_, err = holder.Exec(ctx(t), "COMMIT")
	require.NoError(t, err)
	select {
	case err := <-done:
		require.NoError(t, err)
		t.Logf("lock waiter woke %v after the holder committed", time.Since(released))
	case <-time.After(interruptBound):
		t.Fatalf("lock waiter still blocked %v after the holder committed (lost latch wakeup)", interruptBound)
	}
	var n int
	require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT n FROM lockme WHERE id = 1").Scan(&n))
	assert.Equal(t, 11, n)
}

// Interrupts reach a backend that loaded kt_fdw while it sleeps outside the
// FDW: SIGINT (pg_cancel_backend) and SIGALRM (statement_timeout) must run
// PostgreSQL's handlers, which set the latch the sleep waits on.
func TestInterruptsWakeSleepingBackend(t *testing.T) {
	e := newEnv(t)
	e.rows(e.conn) // the Go runtime is up in this backend
	admin := e.pg.ConnDB(t, e.db)
	pid := backendPID(t, e.conn)

	t.Run("statement_timeout", func(t *testing.T) {
		_, err := e.conn.Exec(ctx(t), "SET statement_timeout = '200ms'")
		require.NoError(t, err)
		start := time.Now()
		_, err = e.conn.Exec(ctx(t), "SELECT pg_sleep(30)")
		_, resetErr := e.conn.Exec(ctx(t), "RESET statement_timeout")
		require.NoError(t, resetErr)
		requireSQLState(t, err, "57014")
		t.Logf("statement_timeout=200ms ended pg_sleep after %v", time.Since(start))
		assert.Less(t, time.Since(start), interruptBound)
	})
	t.Run("pg_cancel_backend", func(t *testing.T) {
		cancelled := cancelAfter(t, admin, pid, 200*time.Millisecond)
		_, err := e.conn.Exec(ctx(t), "SELECT pg_sleep(30)")
		returned := time.Now()
		requireSQLState(t, err, "57014")
		latency := returned.Sub(<-cancelled)
		t.Logf("pg_cancel_backend ended pg_sleep %v after the cancel", latency)
		assert.Less(t, latency, interruptBound)
	})
}
