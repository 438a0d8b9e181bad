package ktdev

import (
	"strings"

	"github.com/cockroachdb/errors"
	"github.com/kt-fdw/kt_fdw/kt/wire"
)

// body413 is KT's text for a body above 256 MiB.
const body413 = "413 Request Entity Too Large (request entity too large)\n"

// serveHTTP answers one HTTP request; false ends the connection.
func (sess *session) serveHTTP() bool {
	req, err := readHTTPRequest(sess.br)
	if errors.Is(err, errBodyTooLarge) {
		resp := newResponse(413)
		resp.headers["content-type"] = "text/plain"
		resp.body = []byte(body413)
		resp.close = true
		sess.reply = appendResponse(sess.reply[:0], sess.srv.clock(), resp)
		sess.send(sess.reply)
		return false
	}
	if err != nil {
		return false
	}
	target := req.target
	if len(target) >= 7 && strings.EqualFold(target[:7], "http://") {
		// absolute form: drop scheme and authority
		if i := strings.IndexByte(target[7:], '/'); i >= 0 {
			target = target[7+i:]
		} else {
			target = "/"
		}
	}
	path, query := wire.SplitTarget([]byte(target))
	var resp *httpResponse
	if strings.HasPrefix(string(path), "/rpc/") {
		name := string(wire.AppendDecoded(nil, wire.URL, path[5:]))
		if !sess.beforeExecute(name) {
			return false
		}
		resp = sess.serveRPC(name, req, query)
	} else {
		if !sess.beforeExecute("rest_" + strings.ToLower(req.method)) {
			return false
		}
		resp = sess.serveREST(req, string(path))
	}
	resp.close = !req.keepAlive
	sess.reply = appendResponse(sess.reply[:0], sess.srv.clock(), resp)
	if !sess.send(sess.reply) {
		return false
	}
	return req.keepAlive
}

// rpcInput merges the query string and the body into KT's input map:
// query first, body pairs override, colenc decodes every pair.
func rpcInput(req *httpRequest, query []byte) map[string]string {
	pairs := wire.DecodeForm(nil, query)
	kind, enc := wire.ParseContentType([]byte(req.headers["content-type"]))
	switch kind {
	case wire.BodyTSV:
		pairs = wire.DecodeTSV(pairs, req.body, wire.Raw)
	case wire.BodyForm:
		pairs = wire.DecodeForm(pairs, req.body)
	}
	in := make(map[string]string, len(pairs))
	for _, p := range pairs {
		k, v := p.Key, p.Value
		if enc != wire.Raw {
			k = wire.AppendDecoded(nil, enc, k)
			v = wire.AppendDecoded(nil, enc, v)
		}
		in[string(k)] = string(v)
	}
	return in
}
