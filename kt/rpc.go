package kt

import (
	"context"
	"strconv"
	"strings"

	"github.com/cockroachdb/errors"

	"github.com/kt-fdw/kt_fdw/kt/wire"
)

// rpcArg is one input pair. Key and value are each a string part followed
// by a byte part (e.g. "_" + record key), encoded without concatenation.
type rpcArg struct {
	ks string
	kb []byte
	vs string
	vb []byte
}

// rpcRequest is a TSV-RPC call being built.
type rpcRequest struct {
	proc string
	args []rpcArg
	num  []byte // storage for formatted numbers
}

func newRequest(proc, db string) *rpcRequest {
	r := &rpcRequest{proc: proc}
	if db != "" {
		r.args = append(r.args, rpcArg{ks: "DB", vs: db})
	}
	return r
}

func (r *rpcRequest) param(name string, v []byte) *rpcRequest {
	r.args = append(r.args, rpcArg{ks: name, vb: v})
	return r
}

func (r *rpcRequest) paramStr(name, v string) *rpcRequest {
	r.args = append(r.args, rpcArg{ks: name, vs: v})
	return r
}

func (r *rpcRequest) paramInt(name string, v int64) *rpcRequest {
	start := len(r.num)
	r.num = strconv.AppendInt(r.num, v, 10)
	// a later append may move r.num; the old array keeps these bytes
	r.args = append(r.args, rpcArg{ks: name, vb: r.num[start:len(r.num):len(r.num)]})
	return r
}

func (r *rpcRequest) flag(name string) *rpcRequest {
	r.args = append(r.args, rpcArg{ks: name})
	return r
}

// record adds "_"+key = value (bulk and script records).
func (r *rpcRequest) record(key, value []byte) {
	r.args = append(r.args, rpcArg{ks: "_", kb: key, vb: value})
}

func (r *rpcRequest) xt(opts []WriteOption) *rpcRequest {
	if xt, ok := xtOf(opts); ok {
		r.paramInt("xt", xt)
	}
	return r
}

func (r *rpcRequest) encoding() wire.Encoding {
	var e wire.RequestEncoding
	for i := range r.args {
		a := &r.args[i]
		e.AddJoin(a.ks, a.kb)
		e.AddJoin(a.vs, a.vb)
	}
	return e.Encoding()
}

func (r *rpcRequest) appendBody(dst []byte, enc wire.Encoding) []byte {
	for i := range r.args {
		a := &r.args[i]
		dst = wire.AppendEncodedJoin(dst, enc, a.ks, a.kb)
		dst = append(dst, '\t')
		dst = wire.AppendEncodedJoin(dst, enc, a.vs, a.vb)
		dst = append(dst, '\n')
	}
	return dst
}

// call sends req and reads the reply; a non-200 status becomes a
// *ServerError. fn, if set, consumes the reply while it is valid (reply
// pairs alias a buffer that is reused by the next call on the connection,
// but the byte slices inside them stay valid).
//
// KT's 400 "no such database" becomes a *NoSuchDBError listing the
// databases the server has.
func (c *Client) call(ctx context.Context, req *rpcRequest, idempotent bool, fn func(*reply) error) error {
	err := c.do(ctx, req.proc, idempotent, func(cn *conn) error {
		return c.exchange(cn, req, fn)
	})
	return c.dbError(ctx, req, err)
}

// dbError turns KT's 400 "no such database" to req into a *NoSuchDBError.
func (c *Client) dbError(ctx context.Context, req *rpcRequest, err error) error {
	var se *ServerError
	if err != nil && len(req.args) > 0 && req.args[0].ks == "DB" &&
		errors.As(err, &se) && se.Status == 400 && strings.HasPrefix(se.Message, "no such database") {
		return c.noSuchDB(ctx, req.args[0].vs)
	}
	return err
}

// exchange is one request/reply on cn.
func (c *Client) exchange(cn *conn, req *rpcRequest, fn func(*reply) error) error {
	if err := cn.writeRPC(c.host, req); err != nil {
		return err
	}
	var rp reply
	if err := cn.readReply(&rp); err != nil {
		return err
	}
	if rp.Status != 200 {
		return c.serverError(req.proc, &rp)
	}
	if fn != nil {
		return fn(&rp)
	}
	return nil
}

func (c *Client) serverError(op string, rp *reply) error {
	msg, ok := rp.get("ERROR")
	text := string(msg)
	if !ok {
		text = string(rp.Body)
		if len(text) > 200 {
			text = text[:200]
		}
	}
	return &ServerError{Addr: c.cfg.Addr, Op: op, Status: rp.Status, Message: text,
		sentinel: sentinelFor(rp.Status, text)}
}
