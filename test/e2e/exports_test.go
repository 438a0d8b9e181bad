package e2e_test

import (
	"debug/elf"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/test/pgcluster"
	"github.com/kt-fdw/kt_fdw/test/pgtest"
)

// The installed library exports only what PostgreSQL looks up (doc/design.md
// rule 8): Pg_magic_func, _PG_init and SQL-callable functions with their
// pg_finfo_ records, so no Go symbol can collide with another Go extension.
func TestLibraryExportsOnlyPostgresSymbols(t *testing.T) {
	pgtest.RequireExtension(t)
	libdir, err := pgcluster.ConfigValue("--pkglibdir")
	require.NoError(t, err)
	f, err := elf.Open(filepath.Join(libdir, pgtest.Extension+".so"))
	require.NoError(t, err)
	defer f.Close()
	syms, err := f.DynamicSymbols()
	require.NoError(t, err)

	defined := map[string]bool{}
	for _, s := range syms {
		if s.Section != elf.SHN_UNDEF && elf.ST_BIND(s.Info) != elf.STB_LOCAL && s.Name != "" {
			defined[s.Name] = true
		}
	}
	require.True(t, defined["Pg_magic_func"], "Pg_magic_func exported")
	require.True(t, defined["_PG_init"], "_PG_init exported")
	for name := range defined {
		switch {
		case name == "Pg_magic_func" || name == "_PG_init":
		case strings.HasPrefix(name, "pg_finfo_"):
			assert.True(t, defined[strings.TrimPrefix(name, "pg_finfo_")], "%s without its function", name)
		default:
			assert.True(t, defined["pg_finfo_"+name], "exported symbol %q is not a SQL-callable function", name)
		}
	}
	t.Logf("%d exported symbols", len(defined))
}
