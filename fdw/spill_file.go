package fdw

// Spill files: where a write buffer's sorted runs (spill_run.go) live.
//
// In a backend the current directory is the data directory, so the files go
// to base/pgsql_tmp (made when missing) and are named pgsql_tmpktfdw<pid>.<n>:
// PostgreSQL removes files with the pgsql_tmp prefix there when it starts,
// so a crash leaves nothing behind for long. Elsewhere (Go tests, the CLI)
// they go to os.TempDir(), unlinked at once (open until the run is
// dropped). A file is removed when its run is dropped:
// ROLLBACK TO of its level, transaction end (Buffer.Release), or, as a last
// resort, when the run becomes unreachable (runtime.AddCleanup).

import (
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"

	"github.com/cockroachdb/errors"
	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
)

// spillDir returns the directory for new spill files. A variable so tests
// can point it at an unwritable directory.
var spillDir = defaultSpillDir

func defaultSpillDir() (string, error) {
	if _, err := os.Stat("PG_VERSION"); err != nil {
		return os.TempDir(), nil // not in a data directory
	}
	dir := filepath.Join("base", "pgsql_tmp")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", &spillError{op: "create directory", path: dir, err: err}
	}
	return dir, nil
}

var spillSeq atomic.Uint64

// createSpillFile makes a new, empty spill file.
func createSpillFile() (*os.File, error) {
	dir, err := spillDir()
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, fmt.Sprintf("pgsql_tmpktfdw%d.%d", os.Getpid(), spillSeq.Add(1)))
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, &spillError{op: "create", path: path, err: err}
	}
	if dir == os.TempDir() {
		// not a backend: nothing cleans up after a process that ends
		// without Release (a test, a killed CLI), so the file lives only
		// as long as it is open
		_ = os.Remove(path)
	}
	return f, nil
}

// spillError is a failed spill file operation.
type spillError struct {
	op, path string
	err      error
}

func (e *spillError) Error() string {
	return fmt.Sprintf("could not %s kt_fdw write buffer spill file \"%s\": %v", e.op, e.path, e.err)
}

func (e *spillError) Unwrap() error { return e.err }

// spillStatus turns a spill failure into the Status the transaction fails
// with: 53100 when the disk (or quota) is full, 58030 otherwise.
func spillStatus(err error) *fdwtype.Status {
	if err == nil {
		return nil
	}
	var st *fdwtype.Status
	if errors.As(err, &st) {
		return st
	}
	state := fdwtype.SQLStateIOError
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		state = fdwtype.SQLStateDiskFull
	}
	return &fdwtype.Status{
		SQLState: state,
		Message:  err.Error(),
		Detail:   "The transaction's buffered KT writes beyond the server option buffer_memory are kept in temporary files; nothing was sent to KT.",
		Hint:     "Free disk space in the data directory's base/pgsql_tmp, or raise buffer_memory.",
	}
}

// spillPanic is what a read of a spill file panics with: reads (Lookup,
// scan snapshots) have no error return, and a file the backend wrote itself
// failing to read back is an I/O error of the machine.
type spillPanic struct{ err error }

func (p spillPanic) String() string { return p.err.Error() }
