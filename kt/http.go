package kt

import (
	"bufio"
	"bytes"
	"io"
	"slices"
	"strconv"

	"github.com/kt-fdw/kt_fdw/kt/wire"
)

// HTTP/1.1 framing of TSV-RPC requests and replies (protocol §1, §10):
// POST /rpc/<proc>, Host, Content-Type with the chosen colenc,
// Content-Length, keep-alive, no Expect, no query string.

const (
	maxHeaderLines = 64
	maxReplyBody   = 1 << 30 // a 256 MiB get_bulk grows by a third in base64
)

// writeRPC encodes req and sends it in one write. The body is built after a
// gap reserved for the header, which is then copied in front of it.
func (cn *conn) writeRPC(host string, req *rpcRequest) error {
	enc := req.encoding()
	ct := wire.ContentType(enc)
	const fixed = len("POST /rpc/ HTTP/1.1\r\nHost: \r\nContent-Type: \r\nContent-Length: \r\n\r\n") + 20
	reserve := fixed + len(req.proc) + len(host) + len(ct)
	buf := slices.Grow(cn.wbuf[:0], reserve+4096)[:reserve]
	buf = req.appendBody(buf, enc)

	h := cn.hdr[:0]
	h = append(h, "POST /rpc/"...)
	h = append(h, req.proc...)
	h = append(h, " HTTP/1.1\r\nHost: "...)
	h = append(h, host...)
	h = append(h, "\r\nContent-Type: "...)
	h = append(h, ct...)
	h = append(h, "\r\nContent-Length: "...)
	h = strconv.AppendInt(h, int64(len(buf)-reserve), 10)
	h = append(h, "\r\n\r\n"...)
	cn.hdr = h
	start := reserve - len(h)
	copy(buf[start:], h)
	cn.wbuf = buf
	return cn.write(buf[start:])
}

// reply is a decoded TSV-RPC reply. Pairs alias Body (or a decode arena).
type reply struct {
	Status int
	Enc    wire.Encoding
	Body   []byte
	Pairs  []wire.Pair
	Close  bool // the server will close the connection
}

// get returns the value of the last pair named name.
func (r *reply) get(name string) ([]byte, bool) {
	for i := len(r.Pairs) - 1; i >= 0; i-- {
		if string(r.Pairs[i].Key) == name {
			return r.Pairs[i].Value, true
		}
	}
	return nil, false
}

// readReply reads one HTTP response from br and decodes its TSV body.
func (cn *conn) readReply(rp *reply) error {
	if err := readResponse(cn.br, rp, &cn.gotAny); err != nil {
		return err
	}
	rp.Pairs = wire.DecodeTSV(cn.pairs[:0], rp.Body, rp.Enc)
	cn.pairs = rp.Pairs
	if rp.Close {
		cn.broken = true // do not reuse; the answer itself is fine
	}
	return nil
}

// readResponse parses status line, headers and body. gotAny is set once
// the first byte has arrived (a failure before that may be a stale
// keep-alive connection).
func readResponse(br *bufio.Reader, rp *reply, gotAny *bool) error {
	contentLength, err := readHead(br, rp, gotAny)
	if err != nil {
		return err
	}
	if contentLength < 0 {
		// not something KT does: the body then runs to the end of the stream
		rp.Close = true
		body, err := io.ReadAll(io.LimitReader(br, maxReplyBody+1))
		if err != nil {
			return err
		}
		if len(body) > maxReplyBody {
			return malformedf("reply body too large")
		}
		rp.Body = body
		return nil
	}
	rp.Body, err = readBody(br, int(contentLength))
	return err
}

// readHead parses the status line and headers into rp and returns the
// Content-Length (-1 when absent); the body is left unread in br.
func readHead(br *bufio.Reader, rp *reply, gotAny *bool) (int64, error) {
	first, err := br.Peek(1)
	if err != nil {
		return 0, err
	}
	*gotAny = true
	if first[0] != 'H' {
		return 0, malformedf("reply starts with byte 0x%02x, not an HTTP status line", first[0])
	}
	line, err := readLine(br)
	if err != nil {
		return 0, err
	}
	// "HTTP/1.1 200 OK"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' ||
		(len(line) > 12 && line[12] != ' ') {
		return 0, malformedf("bad status line %.40q", line)
	}
	status := 0
	for _, c := range line[9:12] {
		if c < '0' || c > '9' {
			return 0, malformedf("bad status line %.40q", line)
		}
		status = status*10 + int(c-'0')
	}
	*rp = reply{Status: status}
	contentLength := int64(-1)
	for n := 0; ; n++ {
		if n > maxHeaderLines {
			return 0, malformedf("too many header lines")
		}
		line, err = readLine(br)
		if err != nil {
			return 0, err
		}
		if len(line) == 0 {
			break
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			return 0, malformedf("bad header line %.40q", line)
		}
		name, value := line[:colon], bytes.TrimSpace(line[colon+1:])
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			v, err := strconv.ParseInt(string(value), 10, 64)
			if err != nil || v < 0 || v > maxReplyBody {
				return 0, malformedf("bad Content-Length %.40q", value)
			}
			contentLength = v
		case bytes.EqualFold(name, []byte("Content-Type")):
			_, rp.Enc = wire.ParseContentType(value)
		case bytes.EqualFold(name, []byte("Connection")):
			if bytes.EqualFold(value, []byte("close")) {
				rp.Close = true
			}
		}
	}
	return contentLength, nil
}

// readLine returns one header line without CRLF; lines longer than the
// reader's buffer are malformed.
func readLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		if err == bufio.ErrBufferFull {
			return nil, malformedf("header line too long")
		}
		if err == io.EOF && len(line) > 0 {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// readBody reads n bytes into a fresh buffer that grows with the data
// received, so a lying Content-Length cannot force a huge allocation.
func readBody(r io.Reader, n int) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	const chunk = 1 << 20
	if n <= chunk {
		b := make([]byte, n)
		_, err := io.ReadFull(r, b)
		return b, eofIsUnexpected(err)
	}
	var b []byte
	for len(b) < n {
		step := min(n-len(b), max(len(b), chunk))
		start := len(b)
		b = slices.Grow(b, step)[:start+step]
		if _, err := io.ReadFull(r, b[start:]); err != nil {
			return nil, eofIsUnexpected(err)
		}
	}
	return b, nil
}

func eofIsUnexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
