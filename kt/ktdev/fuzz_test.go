package ktdev

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"testing"
	"time"

	"github.com/kt-fdw/kt_fdw/kt/internal/golden"
	"github.com/kt-fdw/kt_fdw/kt/wire"
)

// addGoldenSeeds adds every recorded request as a seed.
func addGoldenSeeds(f *testing.F) {
	dir := golden.FindDir()
	if dir == "" {
		return
	}
	trs, err := golden.LoadDir(dir)
	if err != nil {
		f.Fatalf("load golden transcripts: %v", err)
	}
	for _, tr := range trs {
		for _, ex := range tr.Exchanges {
			f.Add(ex.Request)
		}
	}
}

func FuzzReadHTTPRequest(f *testing.F) {
	addGoldenSeeds(f)
	f.Add([]byte("POST /rpc/set HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"))
	f.Add([]byte("PUT /k HTTP/1.0\r\nContent-Length: 99999999999\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		br := bufio.NewReader(bytes.NewReader(data))
		for i := 0; i < 10; i++ {
			req, err := readHTTPRequest(br)
			if err != nil {
				return
			}
			if req.method == "" || len(req.body) > maxBodySize {
				t.Fatalf("bad request parsed: %+v", req)
			}
			_ = rpcInput(req, []byte(req.target))
		}
	})
}

// fakeConn feeds fixed input to a connection handler and collects output.
type fakeConn struct {
	in  *bytes.Reader
	out bytes.Buffer
}

func (c *fakeConn) Read(p []byte) (int, error)       { return c.in.Read(p) }
func (c *fakeConn) Write(p []byte) (int, error)      { return c.out.Write(p) }
func (c *fakeConn) Close() error                     { return nil }
func (c *fakeConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (c *fakeConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (c *fakeConn) SetDeadline(time.Time) error      { return nil }
func (c *fakeConn) SetReadDeadline(time.Time) error  { return nil }
func (c *fakeConn) SetWriteDeadline(time.Time) error { return nil }

var _ io.ReadWriter = (*fakeConn)(nil)

// FuzzServeConn runs arbitrary bytes (HTTP and binary requests) through the
// whole request handling of one connection; it must end without panicking.
func FuzzServeConn(f *testing.F) {
	addGoldenSeeds(f)
	// seeds that do not depend on the shared transcripts
	setReq := &wire.SetBulkRequest{Records: []wire.BinRecord{{DB: 1, Key: []byte("k"), Value: []byte("v"), XT: wire.XTNever}}}
	getReq := &wire.KeysRequest{Magic: wire.MagicGetBulk, Keys: []wire.BinRecord{{DB: 1, Key: []byte("k")}}}
	scrReq := &wire.PlayScriptRequest{Name: []byte("echo"), Pairs: []wire.Pair{{Key: []byte("a"), Value: []byte("1")}}}
	f.Add(append(setReq.Append(nil), getReq.Append(nil)...))
	f.Add(append(scrReq.Append(nil), "GET /rpc/get?key=k&DB=1 HTTP/1.1\r\n\r\n"...))
	f.Add([]byte("POST /rpc/cur_jump HTTP/1.1\r\nContent-Type: text/tab-separated-values; colenc=U\r\nContent-Length: 11\r\n\r\nDB\t1\nCUR\t1\n" +
		"GET /rpc/cur_get?CUR=1&step= HTTP/1.1\r\n\r\nPUT /1/k HTTP/1.0\r\nContent-Length: 1\r\n\r\nx"))
	// a closed server: its listener is gone and WAIT returns at once, but the
	// connection handler works on the databases as usual
	srv, err := Start(Config{DBs: GoldenDBs, TestScripts: true})
	if err != nil {
		f.Fatal(err)
	}
	_ = srv.Close()
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &fakeConn{in: bytes.NewReader(data)}
		srv.serveConn(c)
	})
}
