package ktdev

import (
	"crypto/tls"
	"time"
)

// DefaultDBs are the databases of a server whose Config names none: a cache
// hash DB (index 0) and a cache tree DB (index 1).
var DefaultDBs = []string{"*", "%"}

// GoldenDBs is the layout the golden transcripts were captured with.
var GoldenDBs = []string{":", "%", "*", "/srv/ktdb1/casket.kct", "/srv/ktdb1/casket.kch"}

// Config configures a dev server.
type Config struct {
	// Addr is the listen address; "" means "127.0.0.1:0" (a free port).
	Addr string
	// DBs are database arguments like ktserver's positional arguments:
	// ":" stash, "*" cache hash, "%" cache tree, "-"/"+" prototype hash/tree,
	// or names ending in .kch/.kcd (hash) or .kct/.kcf (tree), optionally with
	// a directory ("/srv/casket.kch": DB name "casket.kch") and "#" tuning
	// parameters (accepted, mostly ignored). All are kept in memory.
	// Empty means DefaultDBs.
	DBs []string
	// TLS, when set, makes the server speak TLS (set ClientAuth and ClientCAs
	// for mutual TLS).
	TLS *tls.Config
	// TestScripts enables the native versions of the golden transcripts'
	// test.lua procedures: echo, put, fail, noret, boom.
	TestScripts bool
	// KTFDWScripts enables kt_fdw's procedures (ktfdwapply, ktfdwversion),
	// as on a KT started with -scr sql/kt_fdw.lua (see ktfdw_script.go).
	KTFDWScripts bool
	// Scripts are play_script procedures registered at start.
	Scripts map[string]ScriptFunc
	// Fault is injected from the start (see SetFault).
	Fault Fault
	// Clock replaces time.Now (expiration, Date headers); nil = time.Now.
	Clock func() time.Time
	// IOTimeout bounds each read or write inside a request (KT's -tout);
	// 0 = 30s. Idle keep-alive connections are never closed.
	IOTimeout time.Duration
	// Logf receives one line per connection-level problem; nil = silent.
	Logf func(format string, args ...any)
}
