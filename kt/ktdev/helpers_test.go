package ktdev_test

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// rawConn is a test client speaking raw bytes to the server.
type rawConn struct {
	t  testing.TB
	c  net.Conn
	br *bufio.Reader
}

func dialRaw(t testing.TB, addr string) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return &rawConn{t: t, c: c, br: bufio.NewReader(c)}
}

func (rc *rawConn) write(s string) {
	rc.t.Helper()
	_, err := rc.c.Write([]byte(s))
	require.NoError(rc.t, err)
}

// get sends GET /rpc/<proc>?<query>.
func (rc *rawConn) get(proc, query string) {
	rc.write("GET /rpc/" + proc + "?" + query + " HTTP/1.1\r\nHost: x\r\n\r\n")
}

// response reads one HTTP response within timeout.
func (rc *rawConn) response(timeout time.Duration) (*http.Response, string, error) {
	_ = rc.c.SetReadDeadline(time.Now().Add(timeout))
	resp, err := http.ReadResponse(rc.br, nil)
	if err != nil {
		return nil, "", err
	}
	var sb strings.Builder
	_, err = bufioCopy(&sb, resp)
	return resp, sb.String(), err
}

func bufioCopy(sb *strings.Builder, resp *http.Response) (int64, error) {
	defer resp.Body.Close()
	buf := make([]byte, 4096)
	var n int64
	for {
		m, err := resp.Body.Read(buf)
		sb.Write(buf[:m])
		n += int64(m)
		if err != nil {
			if err.Error() == "EOF" {
				return n, nil
			}
			return n, err
		}
	}
}

// call sends a GET RPC and requires a response.
func (rc *rawConn) call(proc, query string) (int, string) {
	rc.t.Helper()
	rc.get(proc, query)
	resp, body, err := rc.response(10 * time.Second)
	require.NoError(rc.t, err)
	return resp.StatusCode, body
}
