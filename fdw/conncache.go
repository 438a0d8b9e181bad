package fdw

import (
	"sync"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
)

// ConnCache keeps one Remote per foreign server for the life of the backend.
// An entry whose server options changed (ALTER SERVER) is closed and replaced.
type ConnCache struct {
	mu    sync.Mutex
	dial  Dialer
	conns map[uint32]*cachedConn
}

type cachedConn struct {
	opts   fdwtype.ServerOptions
	remote Remote
}

// NewConnCache makes an empty cache that uses dial for new servers.
func NewConnCache(dial Dialer) *ConnCache {
	return &ConnCache{dial: dial, conns: map[uint32]*cachedConn{}}
}

// Get returns the Remote for a server, making it (without I/O) when needed.
func (c *ConnCache) Get(serverOID uint32, opts fdwtype.ServerOptions) (Remote, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cc, ok := c.conns[serverOID]; ok {
		if cc.opts == opts {
			return cc.remote, nil
		}
		_ = cc.remote.Close()
		delete(c.conns, serverOID)
	}
	r, err := c.dial(opts)
	if err != nil {
		return nil, err
	}
	c.conns[serverOID] = &cachedConn{opts: opts, remote: r}
	return r, nil
}

// Drop closes and forgets a server's Remote (server altered or dropped).
func (c *ConnCache) Drop(serverOID uint32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cc, ok := c.conns[serverOID]; ok {
		_ = cc.remote.Close()
		delete(c.conns, serverOID)
	}
}

// Len is the number of cached servers.
func (c *ConnCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.conns)
}

// CloseAll closes every Remote.
func (c *ConnCache) CloseAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for oid, cc := range c.conns {
		_ = cc.remote.Close()
		delete(c.conns, oid)
	}
}
