package pgtest

import (
	"testing"

	"github.com/kt-fdw/kt_fdw/test/pgcluster"
)

// Extension is the name of the extension under test.
const Extension = "kt_fdw"

// RequireExtension skips t when kt_fdw is not installed in the PostgreSQL
// that pg_config describes (run `make install` first).
func RequireExtension(t testing.TB) {
	t.Helper()
	ok, missing, err := pgcluster.ExtensionInstalled(Extension)
	if err != nil {
		t.Skipf("PostgreSQL not installed (set PG_CONFIG): %v", err)
	}
	if !ok {
		t.Skipf("kt_fdw is not installed (%s is missing): run `make install` first", missing)
	}
}
