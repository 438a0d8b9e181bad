package ktdev

import (
	"strconv"
	"strings"
	"time"

	"github.com/kt-fdw/kt_fdw/kt/wire"
)

// serveREST handles the RESTful interface (any path outside /rpc/):
// "/<key>" or "/<db>/<key>", URL-decoded.
func (sess *session) serveREST(req *httpRequest, path string) *httpResponse {
	s := sess.srv
	p := strings.TrimPrefix(path, "/")
	db := s.dbs[0]
	if i := strings.IndexByte(p, '/'); i >= 0 {
		expr := string(wire.AppendDecoded(nil, wire.URL, []byte(p[:i])))
		p = strings.TrimPrefix(p[i+1:], "/")
		if expr != "" {
			db = s.DB(expr)
		}
	}
	if db == nil {
		resp := newResponse(400)
		resp.body = []byte("no such database\n")
		return resp
	}
	key := string(wire.AppendDecoded(nil, wire.URL, []byte(p)))
	switch req.method {
	case "GET", "HEAD":
		s.counters.add(cntGet, 1)
		value, xt, ok := db.get(key)
		if !ok {
			s.counters.add(cntGetMiss, 1)
			resp := restError(404, ErrNoRecord)
			if req.method == "HEAD" {
				resp.contentLength = 0
			}
			return resp
		}
		resp := newResponse(200)
		if xt < XTNever {
			resp.headers["x-kt-xt"] = httpDate(time.Unix(xt, 0))
		}
		if req.method == "HEAD" {
			resp.contentLength = len(value)
		} else {
			resp.body = []byte(value)
		}
		return resp
	case "PUT":
		return sess.restPut(req, db, key)
	case "DELETE":
		s.counters.add(cntRemove, 1)
		if !db.remove(key) {
			s.counters.add(cntRemoveMiss, 1)
			return restError(404, ErrNoRecord)
		}
		return newResponse(204)
	}
	return newResponse(501)
}

func (sess *session) restPut(req *httpRequest, db *DB, key string) *httpResponse {
	s := sess.srv
	xt := XTAbsent
	if v, ok := req.headers["x-kt-xt"]; ok {
		if abs := parseKTTime(v); abs > 0 && abs < XTNever {
			xt = -abs
		}
	}
	value := string(req.body)
	s.counters.add(cntSet, 1)
	err := db.Update(func(tx *Tx) error {
		switch strings.ToLower(req.headers["x-kt-mode"]) {
		case "add":
			return tx.Add(key, value, xt)
		case "replace":
			return tx.Replace(key, value, xt)
		}
		tx.Set(key, value, xt)
		return nil
	})
	if err != nil {
		s.counters.add(cntSetMiss, 1)
		return restError(450, err)
	}
	resp := newResponse(201)
	resp.headers["location"] = s.locationPrefix() + req.target
	return resp
}

func restError(code int, err error) *httpResponse {
	resp := newResponse(code)
	resp.headers["x-kt-error"] = err.Error()
	return resp
}

// parseKTTime parses an X-Kt-Xt value like KT's strmktime: decimal epoch
// seconds, RFC 1123 or W3CDTF. It returns -1 when the value is unusable.
func parseKTTime(v string) int64 {
	v = strings.TrimSpace(v)
	if v == "" {
		return -1
	}
	if c := v[0]; c >= '0' && c <= '9' || c == '-' || c == '+' {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n
		}
	}
	for _, layout := range []string{
		time.RFC1123, time.RFC1123Z, time.RFC850, time.ANSIC,
		time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02",
	} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.Unix()
		}
	}
	if c := v[0]; c >= '0' && c <= '9' || c == '-' || c == '+' {
		return atoi(v)
	}
	return -1
}
