package e2e_test

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/errors"
	"github.com/stretchr/testify/require"
)

// cdcEnv is an env with a publication and a slot for `ktfdw sync`.
type cdcEnv struct {
	*env
	slot, pub string
}

// newCDCEnv: dev=true needs the dev server (fault injection), else the
// test also runs against $KT_TEST_ADDR. The dev server gets kt_fdw.lua's
// procedures (a real KT must run with -scr kt_fdw.lua).
func newCDCEnv(t *testing.T, dev bool) *cdcEnv {
	var e *env
	if dev {
		e = newDevEnv(t)
	} else {
		e = newEnv(t)
	}
	if e.dev != nil {
		e.dev.RegisterKTFDWScripts()
	}
	se := &cdcEnv{env: e, slot: "s_" + e.db, pub: "p_" + e.db}
	t.Cleanup(func() { // before the database is dropped: a slot holds it
		_, _ = e.pg.Conn(t).Exec(ctx(t), `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1`, se.slot)
	})
	return se
}

// syncBuffer collects a process's stderr while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// syncProc is one running `ktfdw sync`.
type syncProc struct {
	t      *testing.T
	cmd    *exec.Cmd
	log    *syncBuffer
	done   chan struct{}
	exit   int
	exited bool
}

func (e *cdcEnv) syncArgs(args ...string) []string {
	return append([]string{"sync", "-d", e.pg.ConnStringDB(e.db), "-slot", e.slot, "-publication", e.pub}, args...)
}

// startSync starts `ktfdw sync` in the background; it is killed at the
// end of the test if still running.
func (e *cdcEnv) startSync(args ...string) *syncProc {
	e.t.Helper()
	p := &syncProc{t: e.t, log: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(ktfdwCommand(e.t), e.syncArgs(args...)...)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	require.NoError(e.t, p.cmd.Start())
	go func() {
		err := p.cmd.Wait()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			p.exit = ee.ExitCode()
		}
		close(p.done)
	}()
	e.t.Cleanup(func() {
		p.kill()
		if e.t.Failed() {
			e.t.Logf("ktfdw sync output:\n%s", p.log.String())
		}
	})
	return p
}

// runSync runs `ktfdw sync` to its end (a refusal) and returns exit and output.
func (e *cdcEnv) runSync(args ...string) (int, string) {
	e.t.Helper()
	p := e.startSync(args...)
	select {
	case <-p.done:
	case <-time.After(60 * time.Second):
		p.kill()
		e.t.Fatalf("ktfdw sync did not stop:\n%s", p.log.String())
	}
	return p.exit, p.log.String()
}

func (p *syncProc) kill() {
	if p.cmd.Process != nil {
		_ = p.cmd.Process.Kill()
	}
	<-p.done
}

// stop sends SIGTERM and returns the exit status.
func (p *syncProc) stop() int {
	p.t.Helper()
	require.NoError(p.t, p.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.t.Fatalf("ktfdw sync did not stop on SIGTERM:\n%s", p.log.String())
	}
	return p.exit
}

// waitLog waits until the output contains s.
func (p *syncProc) waitLog(s string) {
	p.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(p.log.String(), s) {
		select {
		case <-p.done:
			p.t.Fatalf("ktfdw sync exited (%d) before logging %q:\n%s", p.exit, s, p.log.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("ktfdw sync did not log %q:\n%s", s, p.log.String())
		}
	}
}

// caughtUp waits until the slot is confirmed past every change committed
// so far: KT then holds all of them.
func (e *cdcEnv) caughtUp(p *syncProc) {
	e.t.Helper()
	var target string
	require.NoError(e.t, e.conn.QueryRow(ctx(e.t), `SELECT pg_current_wal_lsn()::text`).Scan(&target))
	deadline := time.Now().Add(60 * time.Second)
	for {
		var ok bool
		require.NoError(e.t, e.conn.QueryRow(ctx(e.t),
			`SELECT coalesce(confirmed_flush_lsn >= $2::pg_lsn, false) FROM pg_replication_slots WHERE slot_name = $1`, e.slot, target).Scan(&ok))
		if ok {
			return
		}
		if p != nil {
			select {
			case <-p.done:
				e.t.Fatalf("ktfdw sync exited (%d):\n%s", p.exit, p.log.String())
			default:
			}
		}
		if time.Now().After(deadline) {
			out := ""
			if p != nil {
				out = p.log.String()
			}
			e.t.Fatalf("the slot did not reach %s within 60s:\n%s", target, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ktRecords is KT DB 0 without sync position records.
func (e *cdcEnv) ktRecords() map[string]string {
	all := e.ktAll()
	for k := range all {
		if strings.HasPrefix(k, "__kt_fdw_sync__:") {
			delete(all, k)
		}
	}
	return all
}

// reconciled checks each source against KT with `ktfdw reconcile`.
func (e *cdcEnv) reconciled(sources ...string) {
	e.t.Helper()
	for _, s := range sources {
		r := e.reconcile("-source", s)
		require.Equal(e.t, 0, r.exit, "reconcile %s:\n%s\n%s", s, r.stdout, r.stderr)
		require.Zero(e.t, r.missing+r.extra+r.differing, "reconcile %s:\n%s", s, r.stdout)
	}
}

// triggerRewrite has each source's (disabled) kt_fdw_sync trigger write
// every row again, for comparing the trigger's records with the sync's.
func (e *cdcEnv) triggerRewrite(table, trigger, set string) {
	e.t.Helper()
	e.exec(fmt.Sprintf("ALTER TABLE %s ENABLE TRIGGER %s", table, trigger))
	e.exec(fmt.Sprintf("UPDATE %s SET %s", table, set))
	e.exec(fmt.Sprintf("ALTER TABLE %s DISABLE TRIGGER %s", table, trigger))
}
