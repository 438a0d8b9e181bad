// Package kttest chooses the server the kt tests run against: a real
// Kyoto Tycoon when KT_TEST_ADDR=host:port is set, else an in-process
// ktdev server. Keeping the choice here lets every test run on both.
package kttest

import (
	"os"
	"testing"

	"github.com/kt-fdw/kt_fdw/kt/ktdev"
)

// EnvAddr names the environment variable with a real server's address.
const EnvAddr = "KT_TEST_ADDR"

// Target is the server of one test.
type Target struct {
	Addr string
	// Dev is the in-process dev server, nil for a real KT.
	Dev *ktdev.Server
}

// DBs is the dev server's layout, the golden transcripts' one: 0 ':'
// (stash, hash), 1 '%' (cache tree), 2 '*' (cache hash). The tests name the
// databases they use ('%' and '*'), so a real KT may be started this way
// (ktserver ... ':' '%' '*') or as README says (ktserver ... '*' '%'): the
// kt tests then skip clearing the ':' it lacks.
var DBs = []string{":", "%", "*"}

// Tree and Hash are DB selectors of an ordered and an unordered DB.
const (
	Tree = "%"
	Hash = "*"
)

// Start returns the server for t (a dev server closes with the test).
func Start(t testing.TB) Target {
	t.Helper()
	if addr := os.Getenv(EnvAddr); addr != "" {
		return Target{Addr: addr}
	}
	srv := ktdev.NewTestServer(t, ktdev.WithDBs(DBs...), ktdev.WithTestScripts())
	return Target{Addr: srv.Addr(), Dev: srv}
}

// Addr is Start(t).Addr.
func Addr(t testing.TB) string {
	t.Helper()
	return Start(t).Addr
}

// RequireDev skips t when it runs against a real KT.
func RequireDev(t testing.TB, why string) {
	t.Helper()
	if os.Getenv(EnvAddr) != "" {
		t.Skipf("needs the dev server (%s); %s is set", why, EnvAddr)
	}
}

// Real reports whether the tests run against a real KT.
func Real() bool { return os.Getenv(EnvAddr) != "" }
