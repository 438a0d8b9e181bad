package ktdev

import (
	"crypto/tls"
	"testing"
	"time"
)

// Option adjusts the Config of NewTestServer.
type Option func(*Config)

// WithDBs sets the databases (see Config.DBs).
func WithDBs(dbs ...string) Option { return func(c *Config) { c.DBs = dbs } }

// WithTestScripts enables the golden test.lua procedures.
func WithTestScripts() Option { return func(c *Config) { c.TestScripts = true } }

// WithTLS serves TLS with cfg.
func WithTLS(cfg *tls.Config) Option { return func(c *Config) { c.TLS = cfg } }

// WithClock replaces the clock (expiration and Date headers).
func WithClock(clock func() time.Time) Option { return func(c *Config) { c.Clock = clock } }

// WithFault injects a fault from the start.
func WithFault(f Fault) Option { return func(c *Config) { c.Fault = f } }

// WithConfig lets a test change any other field.
func WithConfig(fn func(*Config)) Option { return fn }

// NewTestServer starts a dev server on 127.0.0.1 (free port) and closes it
// when the test ends, like httptest.NewServer.
func NewTestServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cfg := Config{Addr: "127.0.0.1:0", Logf: t.Logf}
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := Start(cfg)
	if err != nil {
		t.Fatalf("start ktdev server: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}
