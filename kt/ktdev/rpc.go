package ktdev

import (
	"bytes"
	"sort"
	"strconv"
	"time"

	"github.com/kt-fdw/kt_fdw/kt/wire"
)

// KT's procedure results (RPCClient::ReturnValue) as HTTP status codes.
const (
	rvSuccess  = 200
	rvInvalid  = 400
	rvLogic    = 450
	rvInternal = 500
	rvNoImpl   = 501
	rvTimeout  = 503
)

// call is one TSV-RPC invocation.
type call struct {
	sess *session
	srv  *Server
	in   map[string]string
	out  map[string]string
	db   *DB     // nil if the DB parameter names no database
	cur  *Cursor // nil without a usable CUR
}

type procedure func(c *call) int

// procedures maps RPC names to their implementation (filled by init
// functions of the rpc_*.go files).
var procedures = map[string]procedure{}

func (c *call) param(name string) (string, bool) {
	v, ok := c.in[name]
	return v, ok
}

func (c *call) flag(name string) bool {
	_, ok := c.in[name]
	return ok
}

// xtParam returns the request xt (XTAbsent when not given).
func (c *call) xtParam() int64 {
	if v, ok := c.in["xt"]; ok {
		return atoi(v)
	}
	return XTAbsent
}

func (c *call) fail(code int, msg string) int {
	c.out["ERROR"] = msg
	return code
}

func (c *call) invalid() int { return c.fail(rvInvalid, "invalid parameters") }

func (c *call) noDB() int { return c.fail(rvInvalid, "no such database") }

func (c *call) count(op opCounter, n int) { c.srv.counters.add(op, n) }

// dbError reports a database error: 450 for the given logical errors, 500
// otherwise.
func (c *call) dbError(err error) int {
	if e, ok := err.(*KCError); ok {
		c.out["ERROR"] = e.Error()
		switch e {
		case ErrNoRecord, ErrDuplicate, ErrStatusConflict, ErrLogic, ErrRegex:
			return rvLogic
		case ErrNotImpl:
			return rvNoImpl
		}
		return rvInternal
	}
	c.out["ERROR"] = err.Error()
	return rvInternal
}

func (c *call) setXTOutput(xt int64) {
	if xt < XTNever {
		c.out["xt"] = strconv.FormatInt(xt, 10)
	}
}

// serveRPC runs a TSV-RPC procedure like ktserver's Worker::process: WAIT,
// DB and CUR resolution, the procedure, SIGNAL.
func (sess *session) serveRPC(name string, req *httpRequest, query []byte) *httpResponse {
	c := &call{sess: sess, srv: sess.srv, in: rpcInput(req, query), out: map[string]string{}}
	code := c.run(name)
	return rpcResponse(code, c.out)
}

func (c *call) run(name string) int {
	if cond, ok := c.in["WAIT"]; ok {
		wsec := 0.0
		if v, ok := c.in["WAITTIME"]; ok {
			wsec = atof(v)
		}
		if wsec <= 0 {
			wsec = 30
		}
		_ = c.sess.bw.Flush()
		_ = c.sess.conn.SetDeadline(time.Time{})
		ok := c.srv.conds.wait(cond, time.Duration(wsec*float64(time.Second)), c.srv.done)
		_ = c.sess.conn.SetDeadline(time.Now().Add(c.srv.cfg.IOTimeout))
		if !ok {
			return c.fail(rvTimeout, "the condition timed out")
		}
	}
	c.db = c.srv.DB(c.in["DB"])
	if v, ok := c.in["CUR"]; ok && v != "" && v[0] >= '0' && v[0] <= '9' {
		id := atoi(v)
		if c.sess.cursors == nil {
			c.sess.cursors = map[int64]*Cursor{}
		}
		if cur, ok := c.sess.cursors[id]; ok {
			if name == "cur_delete" {
				delete(c.sess.cursors, id)
				return rvSuccess
			}
			c.cur = cur
		} else if c.db != nil {
			c.cur = c.db.NewCursor()
			c.sess.cursors[id] = c.cur
		}
	}
	var code int
	// cur_delete only succeeds above, for a known id; otherwise KT falls
	// through to "not implemented" (after creating the cursor)
	if proc, ok := procedures[name]; ok {
		code = proc(c)
	} else {
		code = c.fail(rvNoImpl, "not implemented: "+name)
	}
	if cond, ok := c.in["SIGNAL"]; ok {
		n := c.srv.conds.signal(cond, c.flag("SIGNALBROAD"))
		c.out["SIGNALED"] = strconv.Itoa(n)
	}
	return code
}

// rpcResponse encodes an output map as a TSV reply: colenc chosen like KT,
// lines sorted by the encoded key bytes (KT fills a std::map with the
// encoded pairs).
func rpcResponse(code int, out map[string]string) *httpResponse {
	var choose wire.ReplyEncoding
	for k, v := range out {
		choose.AddPair([]byte(k), []byte(v))
	}
	enc := choose.Encoding()
	lines := make([][]byte, 0, len(out))
	size := 0
	for k, v := range out {
		line := wire.AppendTSVPair(nil, enc, []byte(k), []byte(v))
		lines = append(lines, line)
		size += len(line)
	}
	// a line starts with its encoded key, which contains no TAB
	sort.Slice(lines, func(i, j int) bool {
		return bytes.Compare(keyOfLine(lines[i]), keyOfLine(lines[j])) < 0
	})
	body := make([]byte, 0, size)
	for _, l := range lines {
		body = append(body, l...)
	}
	resp := newResponse(code)
	resp.headers["content-type"] = wire.ContentType(enc)
	resp.body = body
	return resp
}

func keyOfLine(line []byte) []byte {
	if i := bytes.IndexByte(line, '\t'); i >= 0 {
		return line[:i]
	}
	return line
}
