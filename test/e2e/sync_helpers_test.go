package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/cockroachdb/errors"
	"github.com/stretchr/testify/require"
)

var ktfdwBin struct {
	once sync.Once
	path string
	err  error
}

// ktfdwCommand builds cmd/ktfdw once per test binary.
func ktfdwCommand(t *testing.T) string {
	t.Helper()
	ktfdwBin.once.Do(func() {
		dir, err := os.MkdirTemp("", "ktfdw-e2e-bin")
		if err != nil {
			ktfdwBin.err = err
			return
		}
		ktfdwBin.path = filepath.Join(dir, "ktfdw")
		out, err := exec.Command("go", "build", "-o", ktfdwBin.path, "github.com/kt-fdw/kt_fdw/cmd/ktfdw").CombinedOutput()
		if err != nil {
			ktfdwBin.err = errors.Wrapf(err, "go build ./cmd/ktfdw: %s", out)
		}
	})
	require.NoError(t, ktfdwBin.err)
	return ktfdwBin.path
}

// reconcileRun is one `ktfdw reconcile` run.
type reconcileRun struct {
	stdout, stderr string
	exit           int
	json           map[string]any // -json: the summary object
	sourceRows     int
	ktKeys         int
	missing        int
	extra          int
	differing      int
	repaired       int
}

var reconcileSummary = regexp.MustCompile(`(\d+) source rows, (\d+) KT keys: (\d+) missing, (\d+) extra, (\d+) differing(?:; (\d+) repaired)?`)

// reconcile runs `ktfdw reconcile -d <e's database> args...`.
func (e *env) reconcile(args ...string) reconcileRun {
	e.t.Helper()
	return runReconcileCmd(e.t, ctx(e.t), e.pg.ConnStringDB(e.db), args...)
}

func runReconcileCmd(t *testing.T, c context.Context, conn string, args ...string) reconcileRun {
	t.Helper()
	cmd := exec.CommandContext(c, ktfdwCommand(t), append([]string{"reconcile", "-d", conn}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := reconcileRun{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.exit = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	if slices.Contains(args, "-json") {
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &r.json), "-json output: %s\nstderr:\n%s", r.stdout, r.stderr)
		return r
	}
	if m := reconcileSummary.FindStringSubmatch(r.stdout); m != nil {
		n := func(i int) int { v, _ := strconv.Atoi(m[i]); return v }
		r.sourceRows, r.ktKeys, r.missing, r.extra, r.differing = n(1), n(2), n(3), n(4), n(5)
		if m[6] != "" {
			r.repaired = n(6)
		}
	} else if r.exit == 0 {
		require.Failf(t, "no reconcile summary", "exit %d\nstdout:\n%s\nstderr:\n%s", r.exit, r.stdout, r.stderr)
	}
	return r
}

// ktAll is every record of KT DB 0, read with the kt client.
func (e *env) ktAll() map[string]string {
	e.t.Helper()
	keys, err := e.kt.MatchPrefix(ctx(e.t), "", nil, -1)
	require.NoError(e.t, err)
	out := make(map[string]string, len(keys))
	for i := 0; i < len(keys); i += 1000 {
		recs, err := e.kt.GetBulk(ctx(e.t), "", keys[i:min(i+1000, len(keys))], false)
		require.NoError(e.t, err)
		for _, r := range recs {
			out[string(r.Key)] = string(r.Value)
		}
	}
	return out
}

// pgPairs runs a query returning (key, value) text pairs.
func (e *env) pgPairs(sql string) map[string]string {
	e.t.Helper()
	rows, err := e.conn.Query(ctx(e.t), sql)
	require.NoError(e.t, err)
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		require.NoError(e.t, rows.Scan(&k, &v))
		out[k] = v
	}
	require.NoError(e.t, rows.Err())
	return out
}
