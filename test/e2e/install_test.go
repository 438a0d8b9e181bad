package e2e_test

import (
	"debug/elf"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/fdw"
	"github.com/kt-fdw/kt_fdw/kt/ktscript"
	"github.com/kt-fdw/kt_fdw/test/pgcluster"
	"github.com/kt-fdw/kt_fdw/test/pgtest"
)

// unstrippedSections lists what a stripped ELF file has no more: the
// symbol table and DWARF (plain or compressed).
func unstrippedSections(t *testing.T, path string) []string {
	t.Helper()
	f, err := elf.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var found []string
	for _, s := range f.Sections {
		if s.Name == ".symtab" || strings.HasPrefix(s.Name, ".debug_") || strings.HasPrefix(s.Name, ".zdebug_") {
			found = append(found, s.Name)
		}
	}
	return found
}

// make install (and the Debian package) install a stripped kt_fdw.so: the
// debug info stays in the build tree's kt_fdw.so.debug.
func TestInstalledLibraryIsStripped(t *testing.T) {
	pgtest.RequireExtension(t)
	libdir, err := pgcluster.ConfigValue("--pkglibdir")
	require.NoError(t, err)
	assert.Empty(t, unstrippedSections(t, filepath.Join(libdir, pgtest.Extension+".so")))
}

// make install puts the ktfdw command in pg_config --bindir, stripped,
// answering --version and -h.
func TestInstalledCommand(t *testing.T) {
	pgtest.RequireExtension(t)
	bindir, err := pgcluster.ConfigValue("--bindir")
	require.NoError(t, err)
	bin := filepath.Join(bindir, "ktfdw")
	assert.Empty(t, unstrippedSections(t, bin))

	out, err := exec.Command(bin, "--version").Output()
	require.NoError(t, err)
	assert.Equal(t, "ktfdw "+fdw.Version+" (kt_fdw.lua protocol "+ktscript.Version+")\n", string(out))

	out, err = exec.Command(bin, "-h").Output()
	require.NoError(t, err, "-h exits 0")
	for _, cmd := range []string{"demo", "reconcile", "bench"} {
		assert.Contains(t, string(out), "\n  "+cmd+" ")
	}
}
