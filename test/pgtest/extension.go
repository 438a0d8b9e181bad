package pgtest

import (
	"os"
	"testing"

	"github.com/kt-fdw/kt_fdw/test/pgcluster"
)

// Extension is the name of the extension under test.
const Extension = "kt_fdw"

// RequireInstalledEnv, when set to 1, turns the skips of RequireExtension
// into failures: `make test` installs first, so a skip there would hide a
// broken install.
const RequireInstalledEnv = "KT_FDW_REQUIRE_INSTALLED"

// RequireExtension skips t when kt_fdw is not installed in the PostgreSQL
// that pg_config describes (run `make install` first).
func RequireExtension(t testing.TB) {
	t.Helper()
	skip := skipper(t)
	ok, missing, err := pgcluster.ExtensionInstalled(Extension)
	if err != nil {
		skip("PostgreSQL not installed (set PG_CONFIG): %v", err)
		return
	}
	if !ok {
		skip("kt_fdw is not installed (%s is missing): run `make install` first", missing)
	}
}

// skipper is t.Skipf, or t.Fatalf when $KT_FDW_REQUIRE_INSTALLED=1.
func skipper(t testing.TB) func(format string, args ...any) {
	if os.Getenv(RequireInstalledEnv) == "1" {
		return t.Fatalf
	}
	return t.Skipf
}
