package pgtest

import (
	"net"
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt/ktdev"
)

// KTAddrEnv names the variable that points tests at a real KT server.
const KTAddrEnv = "KT_TEST_ADDR"

// RealKT returns $KT_TEST_ADDR ("" when tests use the dev server).
func RealKT() string { return os.Getenv(KTAddrEnv) }

// KT returns host and port of the KT server t talks to: $KT_TEST_ADDR when
// set, else a fresh in-process dev server closed at the end of t.
func KT(t testing.TB) (host string, port int) {
	t.Helper()
	host, port, _ = KTServer(t)
	return host, port
}

// KTServer is KT that also returns the dev server (nil for a real KT), so
// tests can make checks stricter where its counters are available. This is
// the one place that decides which KT tests use.
func KTServer(t testing.TB) (host string, port int, dev *ktdev.Server) {
	t.Helper()
	if addr := RealKT(); addr != "" {
		h, p, err := net.SplitHostPort(addr)
		require.NoError(t, err, "%s=%q", KTAddrEnv, addr)
		n, err := strconv.Atoi(p)
		require.NoError(t, err, "%s=%q", KTAddrEnv, addr)
		return h, n, nil
	}
	dev = ktdev.NewTestServer(t)
	return "127.0.0.1", dev.Port(), dev
}

// DevKT starts an in-process dev server for tests that need what only it
// offers (fault injection, restarts, request counters); it skips t when
// $KT_TEST_ADDR points the suite at a real KT.
func DevKT(t testing.TB) *ktdev.Server {
	t.Helper()
	if addr := RealKT(); addr != "" {
		t.Skipf("needs the dev server's fault injection/counters; %s=%s is a real KT", KTAddrEnv, addr)
	}
	return ktdev.NewTestServer(t)
}

// StartDevKT starts a dev server on addr (a restart test passes the
// address of a server it closed), closed at the end of t.
func StartDevKT(t testing.TB, addr string) *ktdev.Server {
	t.Helper()
	return ktdev.NewTestServer(t, ktdev.WithConfig(func(c *ktdev.Config) { c.Addr = addr }))
}
