// Package e2e_test drives kt_fdw end to end: a throwaway PostgreSQL cluster
// with the installed extension, a KT server (the in-process dev server, or
// $KT_TEST_ADDR), SQL through pgx, and checks of what actually reached KT
// through the kt client.
package e2e_test

import (
	"testing"

	"github.com/kt-fdw/kt_fdw/test/pgtest"
)

// One cluster for the package; every test gets its own database.
func TestMain(m *testing.M) {
	pgtest.Main(m, pgtest.Setting("max_prepared_transactions", "2"),
		pgtest.Setting("wal_level", "logical")) // ktfdw sync's tests (cdc_*_test.go) read slots
}
