package kt

import (
	"bytes"
	"context"
	"slices"
	"strconv"

	"github.com/cockroachdb/errors"

	"github.com/kt-fdw/kt_fdw/kt/wire"
)

// KT has no bulk cursor read, but it answers the HTTP/1.1 requests of one
// connection in order, so n cur_get calls can be pipelined: written at
// once, answered at once. That reads n records in one round trip instead
// of n, which makes an ordered or memory-bounded scan affordable.

// GetBatch returns up to n records from the cursor's position on, stepping
// past each (cur_get with step), in one round trip. Fewer than n records
// means the cursor ran off the end of the database. A cursor that was
// never positioned (Jump) has no records.
func (cur *Cursor) GetBatch(ctx context.Context, n int) ([]Record, error) {
	const op = "cur_get"
	if n <= 0 {
		return nil, nil
	}
	if cur.cn == nil {
		return nil, &NetError{Addr: cur.c.cfg.Addr, Op: op, Kind: ConnBroken, Err: errCursorGone}
	}
	one := appendRPC(nil, cur.c.host, stepFlag(cur.request(op), true))
	reqs := bytes.Repeat(one, n)
	var out []Record
	err := cur.cn.run(ctx, cur.c.cfg.OpTimeout, func(cn *conn) error {
		// Write and read at once: n replies may not fit the socket buffers
		// while the requests are still being written.
		wrote := make(chan error, 1)
		go func() { wrote <- cn.write(reqs) }()
		var firstErr error
		end := false
		for i := 0; i < n; i++ {
			var rp reply
			if err := cn.readReply(&rp); err != nil {
				_ = cn.nc.SetDeadline(aLongTimeAgo) // unblock the writer
				<-wrote
				return err
			}
			switch {
			case end || firstErr != nil:
				// drain the replies of requests already sent
			case rp.Status == 200:
				k, ok1 := rp.get("key")
				v, ok2 := rp.get("value")
				if !ok1 || !ok2 {
					firstErr = malformedf("cur_get reply without key or value")
					continue
				}
				xt, err := xtFromReply(&rp)
				if err != nil {
					firstErr = err
					continue
				}
				out = append(out, Record{Key: k, Value: v, XT: xt})
			default:
				if err := cur.c.serverError(op, &rp); errors.Is(err, ErrNoRecord) {
					end = true
				} else {
					firstErr = err
				}
			}
		}
		if err := <-wrote; err != nil {
			return err
		}
		return firstErr
	})
	cur.used = true
	if cur.cn.broken {
		_ = cur.cn.close()
		cur.cn = nil
	}
	if err != nil {
		return out, cur.c.netError(ctx, op, err)
	}
	return out, nil
}

// appendRPC appends req as one HTTP request, as writeRPC sends it.
func appendRPC(dst []byte, host string, req *rpcRequest) []byte {
	enc := req.encoding()
	body := req.appendBody(nil, enc)
	dst = append(dst, "POST /rpc/"...)
	dst = append(dst, req.proc...)
	dst = append(dst, " HTTP/1.1\r\nHost: "...)
	dst = append(dst, host...)
	dst = append(dst, "\r\nContent-Type: "...)
	dst = append(dst, wire.ContentType(enc)...)
	dst = append(dst, "\r\nContent-Length: "...)
	dst = strconv.AppendInt(dst, int64(len(body)), 10)
	dst = append(dst, "\r\n\r\n"...)
	return slices.Concat(dst, body)
}
