package kt

import (
	"context"
	"sync"

	"github.com/cockroachdb/errors"
)

// pool keeps up to max idle keep-alive connections. Connections in use are
// not counted: any number of operations may run at once.
type pool struct {
	mu     sync.Mutex
	idle   []*conn
	max    int
	closed bool
}

// take returns an idle connection or nil.
func (p *pool) take() *conn {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(p.idle)
	if n == 0 || p.closed {
		return nil
	}
	cn := p.idle[n-1]
	p.idle[n-1] = nil
	p.idle = p.idle[:n-1]
	cn.reused = true
	return cn
}

// put returns a connection after use; broken ones and the surplus are closed.
func (p *pool) put(cn *conn) {
	if !cn.broken {
		p.mu.Lock()
		if !p.closed && len(p.idle) < p.max {
			p.idle = append(p.idle, cn)
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
	}
	_ = cn.close()
}

// closeAll closes the idle connections and refuses further puts.
func (p *pool) closeAll() {
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.closed = true
	p.mu.Unlock()
	for _, cn := range idle {
		_ = cn.close()
	}
}

func (p *pool) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// acquire returns a pooled connection or dials a new one.
func (c *Client) acquire(ctx context.Context, op string) (*conn, error) {
	if c.pool.isClosed() {
		return nil, &NetError{Addr: c.cfg.Addr, Op: op, Kind: ConnBroken, Err: ErrClientClosed}
	}
	if cn := c.pool.take(); cn != nil {
		return cn, nil
	}
	return c.dial(ctx, op)
}

// do runs fn on a connection from the pool. An idempotent operation that
// fails because a reused idle connection turned out to be closed is retried
// once on a fresh connection.
func (c *Client) do(ctx context.Context, op string, idempotent bool, fn func(*conn) error) error {
	for attempt := 0; ; attempt++ {
		var cn *conn
		var err error
		if attempt == 0 {
			if h := resumeOf(ctx); h != nil {
				cn = h.take(c, op)
			}
			if cn != nil {
				cn.resuming = true
			} else {
				cn, err = c.acquire(ctx, op)
			}
		} else {
			cn, err = c.dial(ctx, op) // the other idle ones may be stale too
		}
		if err != nil {
			if attempt > 0 {
				// the stale connection may have carried the request
				return errors.Mark(err, ErrMaybeSent)
			}
			return err
		}
		err = cn.run(ctx, c.cfg.OpTimeout, fn)
		if errors.Is(err, errHandoffNow) {
			handoffOf(ctx).park(c, cn, op)
			return &NetError{Addr: c.cfg.Addr, Op: op, Kind: Timeout, Err: ErrHandedOff}
		}
		if cn.resuming {
			// a resumed reply not read to its end leaves the stream unusable
			cn.resuming = false
			if err != nil {
				cn.broken = true
			}
		}
		c.pool.put(cn)
		if err == nil {
			return nil
		}
		if idempotent && attempt == 0 && cn.broken && cn.stale(err) && ctx.Err() == nil {
			continue
		}
		return c.netError(ctx, op, err)
	}
}
