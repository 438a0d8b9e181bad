package kt

import (
	"context"
	"strconv"
)

// Single-record procedures and server/DB information (protocol §3).

// Void does nothing on the server (a round trip).
func (c *Client) Void(ctx context.Context) error {
	return c.call(ctx, newRequest("void", ""), true, nil)
}

// Echo returns its input as the server saw it.
func (c *Client) Echo(ctx context.Context, in map[string][]byte) (map[string][]byte, error) {
	req := newRequest("echo", "")
	for k, v := range in {
		req.args = append(req.args, rpcArg{ks: k, vb: v})
	}
	var out map[string][]byte
	err := c.call(ctx, req, true, func(rp *reply) error {
		out = make(map[string][]byte, len(rp.Pairs))
		for _, p := range rp.Pairs {
			out[string(p.Key)] = p.Value
		}
		return nil
	})
	return out, err
}

func (c *Client) stringMap(ctx context.Context, req *rpcRequest) (map[string]string, error) {
	var out map[string]string
	err := c.call(ctx, req, true, func(rp *reply) error {
		out = make(map[string]string, len(rp.Pairs))
		for _, p := range rp.Pairs {
			out[string(p.Key)] = string(p.Value)
		}
		return nil
	})
	return out, err
}

// Report returns the server report (§4.3).
func (c *Client) Report(ctx context.Context) (map[string]string, error) {
	return c.stringMap(ctx, newRequest("report", ""))
}

// Status returns the status of a DB (count, size, path, type, ...).
func (c *Client) Status(ctx context.Context, db string) (map[string]string, error) {
	return c.stringMap(ctx, newRequest("status", db))
}

// Clear removes every record of a DB.
func (c *Client) Clear(ctx context.Context, db string) error {
	return c.call(ctx, newRequest("clear", db), true, nil)
}

func (c *Client) write(ctx context.Context, proc, db string, key, value []byte, idempotent bool, opts []WriteOption) error {
	req := newRequest(proc, db).param("key", key).param("value", value).xt(opts)
	return c.call(ctx, req, idempotent, nil)
}

// Set stores a record.
func (c *Client) Set(ctx context.Context, db string, key, value []byte, opts ...WriteOption) error {
	return c.write(ctx, "set", db, key, value, true, opts)
}

// Add stores a record that must not exist yet (ErrDuplicate otherwise).
func (c *Client) Add(ctx context.Context, db string, key, value []byte, opts ...WriteOption) error {
	return c.write(ctx, "add", db, key, value, false, opts)
}

// Replace overwrites a record that must exist (ErrNoRecord otherwise).
func (c *Client) Replace(ctx context.Context, db string, key, value []byte, opts ...WriteOption) error {
	return c.write(ctx, "replace", db, key, value, false, opts)
}

// Append appends value to a record, creating it when missing.
func (c *Client) Append(ctx context.Context, db string, key, value []byte, opts ...WriteOption) error {
	return c.write(ctx, "append", db, key, value, false, opts)
}

// Increment adds n to an 8-byte big-endian integer record (created as 0
// when missing) and returns the new value.
func (c *Client) Increment(ctx context.Context, db string, key []byte, n int64, opts ...WriteOption) (int64, error) {
	req := newRequest("increment", db).param("key", key).paramInt("num", n).xt(opts)
	var out int64
	err := c.call(ctx, req, false, func(rp *reply) error {
		v, ok := rp.get("num")
		if !ok {
			return malformedf("increment reply without num")
		}
		var err error
		if out, err = strconv.ParseInt(string(v), 10, 64); err != nil {
			return malformedf("increment reply num %q", v)
		}
		return nil
	})
	return out, err
}

// IncrementDouble adds n to a 16-byte fixed-point record and returns the
// new value.
func (c *Client) IncrementDouble(ctx context.Context, db string, key []byte, n float64, opts ...WriteOption) (float64, error) {
	req := newRequest("increment_double", db).param("key", key).
		paramStr("num", strconv.FormatFloat(n, 'f', -1, 64)).xt(opts)
	var out float64
	err := c.call(ctx, req, false, func(rp *reply) error {
		v, ok := rp.get("num")
		if !ok {
			return malformedf("increment_double reply without num")
		}
		var err error
		if out, err = strconv.ParseFloat(string(v), 64); err != nil {
			return malformedf("increment_double reply num %q", v)
		}
		return nil
	})
	return out, err
}

// CAS replaces oldValue by newValue atomically. A nil oldValue means the
// record must be absent; a nil newValue removes the record. ErrCASMismatch
// when the current state differs.
func (c *Client) CAS(ctx context.Context, db string, key, oldValue, newValue []byte, opts ...WriteOption) error {
	req := newRequest("cas", db).param("key", key)
	if oldValue != nil {
		req.param("oval", oldValue)
	}
	if newValue != nil {
		req.param("nval", newValue)
	}
	req.xt(opts)
	return c.call(ctx, req, false, nil)
}

// Remove deletes a record (ErrNoRecord when missing).
func (c *Client) Remove(ctx context.Context, db string, key []byte) error {
	return c.call(ctx, newRequest("remove", db).param("key", key), false, nil)
}

// Get reads a record (ErrNoRecord when missing).
func (c *Client) Get(ctx context.Context, db string, key []byte) (Record, error) {
	return c.getLike(ctx, "get", db, key, true)
}

// Seize reads and removes a record.
func (c *Client) Seize(ctx context.Context, db string, key []byte) (Record, error) {
	return c.getLike(ctx, "seize", db, key, false)
}

func (c *Client) getLike(ctx context.Context, proc, db string, key []byte, idempotent bool) (Record, error) {
	rec := Record{Key: key}
	err := c.call(ctx, newRequest(proc, db).param("key", key), idempotent, func(rp *reply) error {
		v, ok := rp.get("value")
		if !ok {
			return malformedf("%s reply without value", proc)
		}
		rec.Value = v
		var err error
		rec.XT, err = xtFromReply(rp)
		return err
	})
	return rec, err
}

// Check returns the value size and expiration of a record.
func (c *Client) Check(ctx context.Context, db string, key []byte) (size int, xt int64, err error) {
	err = c.call(ctx, newRequest("check", db).param("key", key), true, func(rp *reply) error {
		v, ok := rp.get("vsiz")
		if !ok {
			return malformedf("check reply without vsiz")
		}
		n, err := strconv.Atoi(string(v))
		if err != nil {
			return malformedf("check reply vsiz %q", v)
		}
		size = n
		xt, err = xtFromReply(rp)
		return err
	})
	return size, xt, err
}

// xtFromReply reads the absolute xt of a reply; absent = 0 = never.
func xtFromReply(rp *reply) (int64, error) {
	v, ok := rp.get("xt")
	if !ok {
		return 0, nil
	}
	xt, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil {
		return 0, malformedf("bad xt %q", v)
	}
	return xt, nil
}
