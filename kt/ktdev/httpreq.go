package ktdev

import (
	"bufio"
	"bytes"
	"io"
	"strings"

	"github.com/cockroachdb/errors"
)

const (
	// maxLineSize is KT's limit for the request line and each header line.
	maxLineSize = 8191
	// maxBodySize is KT's request body limit (256 MiB).
	maxBodySize = 1 << 28
)

var (
	// errDropConn: KT closes the connection without answering.
	errDropConn = errors.New("malformed request: connection dropped")
	// errBodyTooLarge: KT answers 413 and closes.
	errBodyTooLarge = errors.New("request entity too large")
)

// httpRequest is one parsed HTTP request.
type httpRequest struct {
	method    string
	target    string // request-target as sent
	http11    bool
	headers   map[string]string // lower-cased names
	body      []byte
	keepAlive bool
}

// readLine reads one line without its line end, with every CR removed
// (KT drops CR anywhere). Lines longer than maxLineSize drop the connection.
func readLine(br *bufio.Reader) (string, error) {
	var buf []byte
	for {
		frag, err := br.ReadSlice('\n')
		buf = append(buf, frag...)
		if len(buf) > maxLineSize+2 {
			return "", errDropConn
		}
		if err == nil {
			break
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if len(buf) > 0 && errors.Is(err, io.EOF) {
			return "", io.ErrUnexpectedEOF
		}
		return "", err
	}
	buf = buf[:len(buf)-1]
	if bytes.IndexByte(buf, '\r') >= 0 {
		buf = bytes.ReplaceAll(buf, []byte{'\r'}, nil)
	}
	if len(buf) > maxLineSize {
		return "", errDropConn
	}
	return string(buf), nil
}

// readHTTPRequest reads one request with KT's rules: "METHOD SP target SP
// HTTP/1.0|HTTP/1.1" or the connection is dropped; bodies only for POST, PUT
// and unknown methods, by Content-Length or chunked encoding.
func readHTTPRequest(br *bufio.Reader) (*httpRequest, error) {
	line, err := readLine(br)
	if err != nil {
		return nil, err
	}
	method, rest, ok1 := strings.Cut(line, " ")
	target, version, ok2 := strings.Cut(rest, " ")
	if !ok1 || !ok2 || method == "" {
		return nil, errDropConn
	}
	req := &httpRequest{method: method, target: target, headers: map[string]string{}}
	switch version {
	case "HTTP/1.1":
		req.http11 = true
	case "HTTP/1.0":
	default:
		return nil, errDropConn
	}
	for {
		line, err := readLine(br)
		if err != nil {
			return nil, err
		}
		if line == "" {
			break
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		req.headers[strings.ToLower(name)] = strings.TrimLeft(value, " \t")
	}
	req.keepAlive = req.http11
	if conn, ok := req.headers["connection"]; ok {
		switch strings.ToLower(conn) {
		case "close":
			req.keepAlive = false
		case "keep-alive":
			req.keepAlive = true
		}
	}
	switch method {
	case "GET", "HEAD", "DELETE":
		return req, nil
	}
	if cl, ok := req.headers["content-length"]; ok {
		n := atoi(cl)
		if n > maxBodySize {
			return req, errBodyTooLarge
		}
		if n > 0 {
			body, err := readBody(br, n)
			if err != nil {
				return nil, err
			}
			req.body = body
		}
		return req, nil
	}
	if strings.EqualFold(req.headers["transfer-encoding"], "chunked") {
		body, err := readChunked(br)
		if err != nil {
			return req, err
		}
		req.body = body
	}
	return req, nil
}

// readBody reads n bytes, growing the buffer with the data that actually
// arrives (a lying Content-Length cannot make us allocate 256 MiB).
func readBody(br *bufio.Reader, n int64) ([]byte, error) {
	const prealloc = 1 << 20
	body := make([]byte, 0, min(n, prealloc))
	for int64(len(body)) < n {
		if len(body) == cap(body) {
			body = append(body, 0)[:len(body)]
		}
		end := min(int64(cap(body)), n)
		m, err := br.Read(body[len(body):end])
		body = body[:len(body)+m]
		if err != nil && int64(len(body)) < n {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, errors.Wrap(err, "read body")
		}
	}
	return body, nil
}

func readChunked(br *bufio.Reader) ([]byte, error) {
	var body []byte
	for {
		line, err := readLine(br)
		if err != nil {
			return nil, err
		}
		if i := strings.IndexByte(line, ';'); i >= 0 {
			line = line[:i]
		}
		n := hexAtoi(strings.TrimSpace(line))
		if n < 0 {
			return nil, errDropConn
		}
		if n == 0 {
			// trailer lines until the empty line
			for {
				l, err := readLine(br)
				if err != nil {
					return nil, err
				}
				if l == "" {
					return body, nil
				}
			}
		}
		if int64(len(body))+n > maxBodySize {
			return nil, errBodyTooLarge
		}
		chunk, err := readBody(br, n)
		if err != nil {
			return nil, err
		}
		body = append(body, chunk...)
		if _, err := readLine(br); err != nil {
			return nil, err
		}
	}
}

// hexAtoi parses a chunk size; -1 if it is not hex or absurdly large.
func hexAtoi(s string) int64 {
	if s == "" {
		return -1
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return -1
		}
		n = n<<4 | int64(d)
		if n > maxBodySize {
			return maxBodySize + 1
		}
	}
	return n
}
