// Package kt is a Kyoto Tycoon client: the HTTP TSV-RPC procedures and the
// binary protocol, over keep-alive connections written by hand on a
// buffered net.Conn (net/http costs tens of microseconds per call).
//
// Codecs live in kt/wire; this package handles connections, the pool,
// requests and errors. A Client is safe for concurrent use.
package kt

import (
	"crypto/tls"
	"net"
	"sync"
	"time"

	"github.com/cockroachdb/errors"

	"github.com/kt-fdw/kt_fdw/kt/wire"
)

// Config of a Client.
type Config struct {
	Addr           string        // "host:port"
	ConnectTimeout time.Duration // default 2s
	OpTimeout      time.Duration // per operation (request write + reply read); 0 = none beyond ctx
	TLS            *tls.Config   // nil = plain TCP
	MaxIdleConns   int           // default 4
}

// Record is one KT record. XT is the absolute expiration time in Unix
// seconds; 0 = never.
type Record struct {
	Key, Value []byte
	XT         int64
}

// KV is a key/value pair (script inputs and outputs).
type KV = wire.Pair

// BinRecord is a record of the binary protocol: DB by index, XT as on the
// wire (requests: >= 0 relative, < 0 absolute, XTNever for never; get_bulk
// replies: absolute, XTNeverStored for never).
type BinRecord = wire.BinRecord

// XTNever and XTNeverStored are the binary protocol's "never expires".
const (
	XTNever       = wire.XTNever
	XTNeverStored = wire.XTNeverStored
)

// ErrClientClosed is the cause of errors from a closed Client.
var ErrClientClosed = errors.New("client closed")

// Client talks to one KT server through a pool of keep-alive connections.
type Client struct {
	cfg       Config
	host      string // Host header
	tlsConfig *tls.Config
	pool      pool

	dbMu    sync.Mutex
	dbIndex map[string]uint16
	dbCount int // databases the report listed; 0 until a report was read (dbindex.go)
}

// NewClient validates cfg; connections are made lazily.
func NewClient(cfg Config) (*Client, error) {
	if cfg.Addr == "" {
		return nil, errors.New("kt: address is empty")
	}
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, errors.Wrapf(err, "kt: invalid address %q", cfg.Addr)
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = 2 * time.Second
	}
	if cfg.MaxIdleConns <= 0 {
		cfg.MaxIdleConns = 4
	}
	c := &Client{cfg: cfg, host: cfg.Addr, dbIndex: map[string]uint16{}}
	c.pool.max = cfg.MaxIdleConns
	if cfg.TLS != nil {
		c.tlsConfig = cfg.TLS.Clone()
		if c.tlsConfig.ServerName == "" && !c.tlsConfig.InsecureSkipVerify {
			c.tlsConfig.ServerName = host
		}
	}
	return c, nil
}

// Close closes the idle connections; connections in use (and cursors) are
// closed when they are returned.
func (c *Client) Close() error {
	c.pool.closeAll()
	return nil
}

// Addr is the configured "host:port".
func (c *Client) Addr() string { return c.cfg.Addr }

// WriteOption modifies a write.
type WriteOption struct {
	xt    int64
	hasXT bool
}

// WithXT sets the expiration with KT's semantics: seconds from now if >= 0,
// the absolute Unix time -xt if < 0. Without it a write makes the record
// never expire (KT resets the expiration on every write).
func WithXT(xt int64) WriteOption { return WriteOption{xt: xt, hasXT: true} }

func xtOf(opts []WriteOption) (int64, bool) {
	var xt int64
	var has bool
	for _, o := range opts {
		if o.hasXT {
			xt, has = o.xt, true
		}
	}
	return xt, has
}
