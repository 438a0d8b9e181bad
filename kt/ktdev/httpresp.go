package ktdev

import (
	"sort"
	"strconv"
	"strings"
	"time"
)

// httpResponse is one response before framing.
type httpResponse struct {
	code    int
	headers map[string]string // lower-cased names; written sorted
	body    []byte
	// contentLength overrides len(body) when >= 0 (HEAD replies).
	contentLength int
	close         bool
}

func newResponse(code int) *httpResponse {
	return &httpResponse{code: code, headers: map[string]string{}, contentLength: -1}
}

var statusText = map[int]string{
	200: "OK",
	201: "Created",
	204: "No Content",
	400: "Bad Request",
	404: "Not Found",
	413: "Request Entity Too Large",
	450: "Logical Inconsistency",
	500: "Internal Server Error",
	501: "Not Implemented",
	503: "Service Unavailable",
}

// httpDate formats t like KT's Date and X-Kt-Xt headers (RFC 1123, GMT).
func httpDate(t time.Time) string {
	return t.UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT")
}

// capitalizeHeader turns "x-kt-xt" into "X-Kt-Xt" as KT does.
func capitalizeHeader(name string) string {
	b := []byte(name)
	up := true
	for i, c := range b {
		if up && c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
		up = c == '-'
	}
	return string(b)
}

// appendResponse frames resp in KT's header order: Server, Date,
// Connection: close (only when closing), Content-Length, then the other
// headers sorted by lower-cased name.
func appendResponse(dst []byte, now time.Time, resp *httpResponse) []byte {
	text, ok := statusText[resp.code]
	if !ok {
		text = "Unknown Status"
	}
	dst = append(dst, "HTTP/1.1 "...)
	dst = strconv.AppendInt(dst, int64(resp.code), 10)
	dst = append(dst, ' ')
	dst = append(dst, text...)
	dst = append(dst, "\r\nServer: KyotoTycoon/0.9.56b\r\nDate: "...)
	dst = append(dst, httpDate(now)...)
	dst = append(dst, "\r\n"...)
	if resp.close {
		dst = append(dst, "Connection: close\r\n"...)
	}
	n := resp.contentLength
	if n < 0 {
		n = len(resp.body)
	}
	dst = append(dst, "Content-Length: "...)
	dst = strconv.AppendInt(dst, int64(n), 10)
	dst = append(dst, "\r\n"...)
	if len(resp.headers) > 0 {
		names := make([]string, 0, len(resp.headers))
		for name := range resp.headers {
			names = append(names, strings.ToLower(name))
		}
		sort.Strings(names)
		for _, name := range names {
			dst = append(dst, capitalizeHeader(name)...)
			dst = append(dst, ": "...)
			dst = append(dst, resp.headers[name]...)
			dst = append(dst, "\r\n"...)
		}
	}
	dst = append(dst, "\r\n"...)
	return append(dst, resp.body...)
}
