package kt

import (
	"context"

	"github.com/cockroachdb/errors"

	"github.com/kt-fdw/kt_fdw/kt/wire"
)

// Binary protocol calls (protocol §6). They share the pooled connections
// with HTTP; the server tells them apart by the first byte.

// binError turns the 0xBF reply into a *ServerError. For the bulk
// operations the server closes the connection after it.
func (c *Client) binError(cn *conn, op string, err error, closes bool) error {
	if !errors.Is(err, wire.ErrServer) {
		return err
	}
	if closes {
		cn.broken = true
	}
	return &ServerError{Addr: c.cfg.Addr, Op: op, Message: "binary error reply (0xBF)", sentinel: ErrBinary}
}

func flags(noReply bool) uint32 {
	if noReply {
		return wire.FlagNoReply
	}
	return 0
}

// BinSetBulk stores records; returns the number stored (records with a DB
// index the server does not have are skipped). With noReply it returns 0
// without waiting.
func (c *Client) BinSetBulk(ctx context.Context, recs []BinRecord, noReply bool) (int, error) {
	const op = "bin_set_bulk"
	n := 0
	err := c.do(ctx, op, false, func(cn *conn) error {
		m := wire.SetBulkRequest{Flags: flags(noReply), Records: recs}
		cn.wbuf = m.Append(cn.wbuf[:0])
		if err := cn.write(cn.wbuf); err != nil || noReply {
			return err
		}
		hits, err := wire.ReadCountReply(cn.br, wire.MagicSetBulk)
		cn.gotAny = true
		n = int(hits)
		return c.binError(cn, op, err, true)
	})
	return n, err
}

// BinRemoveBulk removes the records named by DB and Key of keys; returns
// how many existed.
func (c *Client) BinRemoveBulk(ctx context.Context, keys []BinRecord, noReply bool) (int, error) {
	const op = "bin_remove_bulk"
	n := 0
	err := c.do(ctx, op, false, func(cn *conn) error {
		m := wire.KeysRequest{Magic: wire.MagicRemoveBulk, Flags: flags(noReply), Keys: keys}
		cn.wbuf = m.Append(cn.wbuf[:0])
		if err := cn.write(cn.wbuf); err != nil || noReply {
			return err
		}
		hits, err := wire.ReadCountReply(cn.br, wire.MagicRemoveBulk)
		cn.gotAny = true
		n = int(hits)
		return c.binError(cn, op, err, true)
	})
	return n, err
}

// BinGetBulk reads the records named by DB and Key of keys; found ones come
// back in request order with their absolute XT (XTNeverStored = never).
func (c *Client) BinGetBulk(ctx context.Context, keys []BinRecord) ([]BinRecord, error) {
	const op = "bin_get_bulk"
	var out []BinRecord
	err := c.do(ctx, op, true, func(cn *conn) error {
		m := wire.KeysRequest{Magic: wire.MagicGetBulk, Keys: keys}
		cn.wbuf = m.Append(cn.wbuf[:0])
		if err := cn.write(cn.wbuf); err != nil {
			return err
		}
		if _, err := cn.br.Peek(1); err != nil {
			return err
		}
		cn.gotAny = true
		recs, err := wire.ReadGetBulkReply(cn.br, make([]BinRecord, 0, min(len(keys), 1024)))
		out = recs
		return c.binError(cn, op, err, true)
	})
	return out, err
}

// BinPlayScript calls a Lua procedure; keys are passed verbatim. A failing
// or unknown procedure gives a *ServerError wrapping ErrBinary (the
// connection stays usable).
func (c *Client) BinPlayScript(ctx context.Context, name string, in []KV, noReply bool) ([]KV, error) {
	const op = "bin_play_script"
	var out []KV
	err := c.do(ctx, op, false, func(cn *conn) error {
		m := wire.PlayScriptRequest{Flags: flags(noReply), Name: []byte(name), Pairs: in}
		cn.wbuf = m.Append(cn.wbuf[:0])
		if err := cn.write(cn.wbuf); err != nil || noReply {
			return err
		}
		pairs, err := wire.ReadPlayScriptReply(cn.br)
		cn.gotAny = true
		out = pairs
		return c.binError(cn, op, err, false)
	})
	return out, err
}

// BinGet reads one record with a binary get_bulk of one key, the cheapest
// read KT offers (a real KT answers it in about a third of an HTTP get's
// time). found is false for a missing or expired record. xt is the stored
// absolute expiration (XTNeverStored = never). It supports WithThreadWait,
// WithHandoff and WithResume like every operation; a failure is a
// *NetError, or a *ServerError wrapping ErrBinary (the server then closes
// the connection). A DB index the server does not have also reads as
// missing (get_bulk skips it): resolve indexes with DBIndex, which checks them.
func (c *Client) BinGet(ctx context.Context, db uint16, key []byte) (value []byte, xt int64, found bool, err error) {
	const op = "bin_get_bulk"
	err = c.do(ctx, op, true, func(cn *conn) error {
		cn.wbuf = wire.AppendGetOneRequest(cn.wbuf[:0], db, key)
		if err := cn.write(cn.wbuf); err != nil {
			return err
		}
		if _, err := cn.br.Peek(1); err != nil {
			return err
		}
		cn.gotAny = true
		var err error
		value, xt, found, err = wire.ReadGetOneReply(cn.br, key)
		return c.binError(cn, op, err, true)
	})
	return value, xt, found, err
}
