package ktscript_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// repoRoot is the repository root seen from this package's directory.
const repoRoot = "../.."

func needTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not found on PATH (Debian package lua5.1; test/deps.sh installs it)", name)
	}
	return path
}

// TestLuaScriptCompiles checks sql/kt_fdw.lua and the harness with luac5.1 -p.
func TestLuaScriptCompiles(t *testing.T) {
	luac := needTool(t, "luac5.1")
	files, err := filepath.Glob(filepath.Join(repoRoot, "test/lua/*.lua"))
	require.NoError(t, err)
	files = append(files, filepath.Join(repoRoot, "sql/kt_fdw.lua"))
	out, err := exec.Command(luac, append([]string{"-p"}, files...)...).CombinedOutput()
	require.NoError(t, err, "luac5.1 -p: %s", out)
}

// TestLuaHarness runs sql/kt_fdw.lua under the mock KT of test/lua with the
// shared cases (testdata/apply_cases.json) and the mock-only checks.
func TestLuaHarness(t *testing.T) {
	lua := needTool(t, "lua5.1")
	cmd := exec.Command(lua, "test/lua/run.lua", ".")
	cmd.Dir = repoRoot
	out, err := cmd.CombinedOutput()
	text := string(out)
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		if strings.HasPrefix(line, "not ok") {
			t.Error(line)
		}
	}
	require.NoError(t, err, "lua5.1 test/lua/run.lua:\n%s", text)
	assert.Contains(t, text, " passed, 0 failed")
	assert.NotContains(t, text, "not ok")
	assert.GreaterOrEqual(t, strings.Count(text, "ok - case: "), 20, "the shared cases ran")
}

// TestKyotoCabinetAcceptBulk checks, with the Kyoto Cabinet library itself,
// the accept_bulk behaviour sql/kt_fdw.lua relies on (test/lua/kc_accept_bulk.cc):
// list order with duplicates, second-pass writes, records locked for the
// whole call, for every database type.
func TestKyotoCabinetAcceptBulk(t *testing.T) {
	if testing.Short() {
		t.Skip("compiling against Kyoto Cabinet takes tens of seconds: skipped with -short")
	}
	gxx := needTool(t, "g++")
	if _, err := os.Stat("/usr/include/kcpolydb.h"); err != nil {
		t.Skip("Kyoto Cabinet headers not installed (Debian package libkyotocabinet-dev)")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "kc_accept_bulk")
	out, err := exec.Command(gxx, "-std=c++11", "-O0", "-o", bin,
		filepath.Join(repoRoot, "test/lua/kc_accept_bulk.cc"), "-lkyotocabinet", "-lpthread").CombinedOutput()
	require.NoError(t, err, "g++: %s", out)
	out, err = exec.Command(bin, dir).CombinedOutput()
	t.Logf("%s", out)
	require.NoError(t, err, "kc_accept_bulk reported failures")
	assert.Contains(t, string(out), "0 failures")
}
