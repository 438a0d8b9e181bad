package kt

import (
	"context"
	"time"

	"github.com/cockroachdb/errors"
)

// Cursor is a server-side cursor. KT keeps cursors per connection, so a
// Cursor pins one connection until Close. Not safe for concurrent use.
type Cursor struct {
	c    *Client
	cn   *conn // nil once lost or closed
	id   int64
	db   string
	used bool // an operation has reached the server
}

// Cursor creates a cursor on db. It is created on the server by its first
// operation (normally Jump or JumpBack), on the DB given here.
func (c *Client) Cursor(ctx context.Context, db string) (*Cursor, error) {
	cn, err := c.acquire(ctx, "cursor")
	if err != nil {
		return nil, err
	}
	cn.cursor++
	return &Cursor{c: c, cn: cn, id: cn.cursor, db: db}, nil
}

// request starts a cursor procedure; DB is repeated on every call (the
// server only looks at it when the cursor is created).
func (cur *Cursor) request(proc string) *rpcRequest {
	return newRequest(proc, cur.db).paramInt("CUR", cur.id)
}

func (cur *Cursor) call(ctx context.Context, req *rpcRequest, fn func(*reply) error) error {
	if cur.cn == nil {
		return &NetError{Addr: cur.c.cfg.Addr, Op: req.proc, Kind: ConnBroken, Err: errCursorGone}
	}
	err := cur.cn.run(ctx, cur.c.cfg.OpTimeout, func(cn *conn) error { return cur.c.exchange(cn, req, fn) })
	if err != nil && !cur.used && cur.cn.broken && cur.cn.stale(err) && ctx.Err() == nil {
		// the pooled connection had died before the cursor existed on the
		// server: nothing is lost by starting over on a fresh one
		_ = cur.cn.close()
		cn, derr := cur.c.dial(ctx, req.proc)
		if derr != nil {
			cur.cn = nil
			return derr
		}
		cn.cursor = cur.id
		cur.cn = cn
		err = cur.cn.run(ctx, cur.c.cfg.OpTimeout, func(cn *conn) error { return cur.c.exchange(cn, req, fn) })
	}
	cur.used = true
	if cur.cn.broken {
		// the server forgets the cursor with its connection
		_ = cur.cn.close()
		cur.cn = nil
	}
	if err != nil {
		return cur.c.netError(ctx, req.proc, err)
	}
	return nil
}

var errCursorGone = errors.New("cursor closed or its connection lost")

func stepFlag(req *rpcRequest, step bool) *rpcRequest {
	if step {
		req.flag("step")
	}
	return req
}

// Jump positions the cursor at the first record (nil key) or, on tree DBs,
// at the first record >= key (hash DBs: exactly key).
func (cur *Cursor) Jump(ctx context.Context, key []byte) error {
	req := cur.request("cur_jump")
	if key != nil {
		req.param("key", key)
	}
	return cur.call(ctx, req, nil)
}

// JumpBack positions the cursor at the last record (nil key) or at the
// last record <= key. ErrNotImplemented on hash DBs.
func (cur *Cursor) JumpBack(ctx context.Context, key []byte) error {
	req := cur.request("cur_jump_back")
	if key != nil {
		req.param("key", key)
	}
	return cur.call(ctx, req, nil)
}

// Step moves to the next record (ErrNoRecord past the end).
func (cur *Cursor) Step(ctx context.Context) error {
	return cur.call(ctx, cur.request("cur_step"), nil)
}

// StepBack moves to the previous record.
func (cur *Cursor) StepBack(ctx context.Context) error {
	return cur.call(ctx, cur.request("cur_step_back"), nil)
}

// Get returns the current record, then steps if step is set.
func (cur *Cursor) Get(ctx context.Context, step bool) (Record, error) {
	var rec Record
	err := cur.call(ctx, stepFlag(cur.request("cur_get"), step), func(rp *reply) error {
		k, ok1 := rp.get("key")
		v, ok2 := rp.get("value")
		if !ok1 || !ok2 {
			return malformedf("cur_get reply without key or value")
		}
		rec.Key, rec.Value = k, v
		var err error
		rec.XT, err = xtFromReply(rp)
		return err
	})
	return rec, err
}

// GetKey returns the current key, then steps if step is set.
func (cur *Cursor) GetKey(ctx context.Context, step bool) ([]byte, error) {
	var key []byte
	err := cur.call(ctx, stepFlag(cur.request("cur_get_key"), step), func(rp *reply) error {
		k, ok := rp.get("key")
		if !ok {
			return malformedf("cur_get_key reply without key")
		}
		key = k
		return nil
	})
	return key, err
}

// SetValue overwrites the current record's value, then steps if step is set.
func (cur *Cursor) SetValue(ctx context.Context, value []byte, step bool, opts ...WriteOption) error {
	req := cur.request("cur_set_value").param("value", value).xt(opts)
	return cur.call(ctx, stepFlag(req, step), nil)
}

// Remove deletes the current record; the cursor moves to the next one.
func (cur *Cursor) Remove(ctx context.Context) error {
	return cur.call(ctx, cur.request("cur_remove"), nil)
}

// Close deletes the cursor on the server (its 501 for an unknown cursor is
// harmless) and returns the connection to the pool.
func (cur *Cursor) Close() error {
	if cur.cn == nil {
		return nil
	}
	timeout := cur.c.cfg.OpTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := cur.call(ctx, cur.request("cur_delete"), nil)
	if errors.Is(err, ErrNotImplemented) {
		err = nil
	}
	if cur.cn != nil {
		cur.c.pool.put(cur.cn)
		cur.cn = nil
	}
	return err
}
