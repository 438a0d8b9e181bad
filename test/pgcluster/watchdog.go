package pgcluster

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// startWatchdog starts a detached shell that stops the server and removes
// the cluster directory once this process is gone without calling Stop
// (a test binary that panicked, timed out or was killed), so clusters do
// not pile up. Stop kills the watchdog first. Best effort: without sh the
// cluster simply has no watchdog.
func (c *Cluster) startWatchdog() {
	pgctl := fmt.Sprintf("%q -D %q -m immediate -w -t 30 stop", filepath.Join(c.bin, "pg_ctl"), c.DataDir)
	if c.owner.asUser {
		pgctl = "runuser -u " + ServerUser + " -- " + pgctl
	}
	script := fmt.Sprintf(`trap 'exit 0' TERM
while kill -0 %d 2>/dev/null; do sleep 1; done
%s >/dev/null 2>&1
rm -rf %q`, os.Getpid(), pgctl, c.Dir)
	cmd := exec.Command("sh", "-c", script)
	cmd.Dir = "/"
	// its own session: a Ctrl-C to the test's process group must not end it
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return
	}
	c.watchdog = cmd.Process
	go func() { _ = cmd.Wait() }() // reap it
}

func (c *Cluster) stopWatchdog() {
	if c.watchdog != nil {
		_ = c.watchdog.Signal(syscall.SIGTERM)
		c.watchdog = nil
	}
}
