package main

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kt-fdw/kt_fdw/fdw"
	"github.com/kt-fdw/kt_fdw/kt/ktscript"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// buildKtfdw builds the command as `make install` does and returns its path.
func buildKtfdw(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ktfdw")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

type cmdResult struct {
	stdout, stderr string
	exit           int
}

func runKtfdw(t *testing.T, bin string, args ...string) cmdResult {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := cmdResult{stdout: stdout.String(), stderr: stderr.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.exit = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return r
}

// The command's help and version, as a packager and a DBA call them.
func TestCommandHelpAndVersion(t *testing.T) {
	bin := buildKtfdw(t)

	for _, arg := range []string{"--version", "-version", "version"} {
		r := runKtfdw(t, bin, arg)
		assert.Equal(t, 0, r.exit, arg)
		assert.Equal(t, "ktfdw "+fdw.Version+" (kt_fdw.lua protocol "+ktscript.Version+")\n", r.stdout, arg)
	}

	for _, arg := range []string{"-h", "--help", "help"} {
		r := runKtfdw(t, bin, arg)
		assert.Equal(t, 0, r.exit, arg)
		assert.True(t, strings.HasPrefix(r.stdout, "usage: ktfdw <command>"), r.stdout)
	}

	// every command the help lists is one the command accepts, and each
	// answers -h with its own usage and exit status 0
	help := runKtfdw(t, bin, "-h").stdout
	listed := regexp.MustCompile(`(?m)^  ([a-z]+) `).FindAllStringSubmatch(help, -1)
	var names []string
	for _, m := range listed {
		names = append(names, m[1])
	}
	assert.Equal(t, []string{"demo", "reconcile", "sync", "bench", "version", "help"}, names)
	for _, name := range []string{"demo", "reconcile", "sync", "bench"} {
		r := runKtfdw(t, bin, name, "-h")
		assert.Equal(t, 0, r.exit, "%s -h: %s", name, r.stderr)
		assert.Contains(t, r.stderr, "usage: ktfdw "+name, name)
	}
}

// Usage errors exit 2, like an unknown command, without starting anything.
func TestCommandUsageErrors(t *testing.T) {
	bin := buildKtfdw(t)
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"demo", "extra"},
		{"bench", "-rows", "0"},
		{"bench", "-no-such-flag"},
		{"reconcile"},
		{"reconcile", "-source", "t", "-batch", "0"},
		{"sync"},
		{"sync", "-publication", "p", "-batch", "0"},
		{"sync", "status", "-no-such-flag"},
	} {
		r := runKtfdw(t, bin, args...)
		assert.Equal(t, 2, r.exit, "%q: %s", args, r.stderr)
		assert.Contains(t, r.stderr, "usage: ktfdw", "%q", args)
	}
}
