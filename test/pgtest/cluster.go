// Package pgtest is the testing.T face of test/pgcluster: a throwaway
// cluster of the PostgreSQL $PG_CONFIG names (15 to 18) per test or per
// package, the KT server tests talk to, and checks that skip when kt_fdw is
// not installed.
package pgtest

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/errors"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/test/pgcluster"
)

// Cluster is a running cluster owned by a test or a test package.
type Cluster struct {
	*pgcluster.Cluster
}

// Option adjusts the cluster configuration.
type Option func(*pgcluster.Config)

// Setting sets one postgresql.conf parameter (value written verbatim).
func Setting(name, value string) Option {
	return func(c *pgcluster.Config) {
		if c.Settings == nil {
			c.Settings = map[string]string{}
		}
		c.Settings[name] = value
	}
}

func config(opts []Option) pgcluster.Config {
	var cfg pgcluster.Config
	for _, o := range opts {
		o(&cfg)
	}
	return cfg
}

// Start starts a cluster for one test; it is stopped and removed in
// t.Cleanup. Skips when PostgreSQL is not installed.
func Start(t testing.TB, opts ...Option) *Cluster {
	t.Helper()
	pc, err := pgcluster.Start(config(opts))
	if errors.Is(err, pgcluster.ErrNoPostgres) {
		skipper(t)("PostgreSQL not installed (set PG_CONFIG): %v", err)
	}
	require.NoError(t, err)
	c := &Cluster{pc}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Logf("stopping cluster: %v", err)
		}
	})
	c.Watch(t)
	return c
}

// Watch checks the server log while t runs: at the end of t, a backend
// "terminated by signal" fails the test, and a failed test gets the log
// lines written during it.
func (c *Cluster) Watch(t testing.TB) {
	off := c.LogSize()
	t.Cleanup(func() {
		if crashes := c.Crashes(off); len(crashes) > 0 {
			t.Errorf("a backend crashed during the test:\n%s", strings.Join(crashes, "\n"))
		}
		if t.Failed() {
			t.Logf("server log during the test (tail):\n%s", pgcluster.Tail(c.LogSince(off), 40))
		}
	})
}

// Conn connects to the postgres database; closed in t.Cleanup.
func (c *Cluster) Conn(t testing.TB) *pgx.Conn { return c.ConnDB(t, "postgres") }

// ConnDB connects to database db; closed in t.Cleanup.
func (c *Cluster) ConnDB(t testing.TB, db string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.ConnStringDB(db))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

var dbSeq atomic.Int64

var nonIdent = regexp.MustCompile(`[^a-z0-9_]+`)

// CreateDB creates a fresh database named after the test and returns its
// name; it is dropped (forcing out sessions) in t.Cleanup.
func (c *Cluster) CreateDB(t testing.TB) string {
	t.Helper()
	name := nonIdent.ReplaceAllString(strings.ToLower(t.Name()), "_")
	if len(name) > 40 {
		name = name[:40]
	}
	name = fmt.Sprintf("t%d_%s", dbSeq.Add(1), name)
	admin := c.Conn(t)
	ctx := context.Background()
	_, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	require.NoError(t, err)
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, c.ConnString())
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	})
	return name
}

// Main runs a test package against one shared cluster: call it from
// TestMain. Tests get the cluster with Shared(t). On failure the end of
// the server log is printed.
func Main(m *testing.M, opts ...Option) {
	pc, err := pgcluster.Start(config(opts))
	if err != nil {
		sharedErr = err
		os.Exit(m.Run()) // tests skip or fail through Shared
	}
	shared = &Cluster{pc}
	code := m.Run()
	if code != 0 {
		fmt.Fprintf(os.Stderr, "--- server log (tail) ---\n%s\n", pc.LogTail(60))
	}
	if crashes := pc.Crashes(0); len(crashes) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: backends terminated by signal:\n%s\n", strings.Join(crashes, "\n"))
		code = 1
	}
	if err := pc.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "stopping cluster: %v\n", err)
	}
	os.Exit(code)
}

var (
	shared    *Cluster
	sharedErr error
)

// Shared returns the package's cluster started by Main, watching its log
// for the duration of t.
func Shared(t testing.TB) *Cluster {
	t.Helper()
	if shared == nil {
		if errors.Is(sharedErr, pgcluster.ErrNoPostgres) {
			skipper(t)("PostgreSQL not installed (set PG_CONFIG): %v", sharedErr)
		}
		if sharedErr == nil {
			t.Fatal("pgtest.Shared needs pgtest.Main in TestMain")
		}
		t.Fatalf("shared cluster did not start: %v", sharedErr)
	}
	shared.Watch(t)
	return shared
}
