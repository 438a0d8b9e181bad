package kt

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/errors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt/internal/kttest"
	"github.com/kt-fdw/kt_fdw/kt/ktdev"
)

// fakeServer accepts connections on loopback and hands each to handle.
func fakeServer(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				handle(c)
			}()
		}
	}()
	return ln.Addr().String()
}

// readRequest consumes one HTTP request (head and Content-Length body).
func readRequest(br *bufio.Reader) error {
	n := 0
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return err
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			break
		}
		if v, ok := strings.CutPrefix(strings.ToLower(line), "content-length: "); ok {
			for _, c := range v {
				n = n*10 + int(c-'0')
			}
		}
	}
	_, err := io.CopyN(io.Discard, br, int64(n))
	return err
}

func requireNetError(t *testing.T, err error, kind NetErrorKind, op, addr string) *NetError {
	t.Helper()
	var ne *NetError
	require.True(t, errors.As(err, &ne), "want *NetError, got %T %v", err, err)
	assert.Equal(t, kind, ne.Kind, "%v", err)
	assert.Equal(t, op, ne.Op)
	assert.Equal(t, addr, ne.Addr)
	assert.True(t, strings.HasPrefix(err.Error(), "kt "+op+" on "+addr+": "+kind.String()), err.Error())
	return ne
}

func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

func TestConnectionRefused(t *testing.T) {
	addr := closedPort(t)
	c, err := NewClient(Config{Addr: addr})
	require.NoError(t, err)
	_, err = c.Get(context.Background(), "", b("k"))
	requireNetError(t, err, ConnRefused, "get", addr)
	assert.Equal(t, "kt get on "+addr+": connection refused", err.Error())
}

func TestTimeoutNoAnswer(t *testing.T) {
	addr := fakeServer(t, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
	c, err := NewClient(Config{Addr: addr, OpTimeout: 100 * time.Millisecond})
	require.NoError(t, err)
	_, err = c.Get(context.Background(), "", b("k"))
	ne := requireNetError(t, err, Timeout, "get", addr)
	assert.True(t, ne.Timeout())

	// the same through a context deadline, without OpTimeout
	c2, err := NewClient(Config{Addr: addr})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err = c2.Set(ctx, "", b("k"), b("v"))
	requireNetError(t, err, Timeout, "set", addr)
	assert.True(t, errors.Is(err, context.DeadlineExceeded))
}

func TestConnectTimeoutDuringTLSHandshake(t *testing.T) {
	addr := fakeServer(t, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
	c, err := NewClient(Config{Addr: addr, ConnectTimeout: 100 * time.Millisecond, TLS: &tls.Config{}})
	require.NoError(t, err)
	err = c.Void(context.Background())
	requireNetError(t, err, Timeout, "void", addr)
}

func TestCancelClosesConnection(t *testing.T) {
	accepted := make(chan net.Conn, 4)
	addr := fakeServer(t, func(c net.Conn) {
		// hand the connection over once the request is in: the client is
		// then waiting for the reply
		_ = readRequest(bufio.NewReader(c))
		accepted <- c
	})
	c, err := NewClient(Config{Addr: addr})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- c.Void(ctx) }()
	srvSide := <-accepted
	cancel()
	err = <-done
	requireNetError(t, err, Canceled, "void", addr)
	assert.True(t, errors.Is(err, context.Canceled))
	// the client closed its end: the server's read ends
	_ = srvSide.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, rerr := srvSide.Read(make([]byte, 1))
	assert.ErrorIs(t, rerr, io.EOF)

	// an already canceled context does no I/O
	err = c.Void(ctx)
	requireNetError(t, err, Canceled, "void", addr)
}

func TestBrokenConnection(t *testing.T) {
	addr := fakeServer(t, func(c net.Conn) {
		_ = readRequest(bufio.NewReader(c))
		_ = c.Close()
	})
	c, err := NewClient(Config{Addr: addr})
	require.NoError(t, err)
	_, err = c.Get(context.Background(), "", b("k"))
	requireNetError(t, err, ConnBroken, "get", addr)

	// closed in the middle of a reply
	addr2 := fakeServer(t, func(c net.Conn) {
		_ = readRequest(bufio.NewReader(c))
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\nvalue\tab")
		_ = c.Close()
	})
	c2, err := NewClient(Config{Addr: addr2})
	require.NoError(t, err)
	_, err = c2.Get(context.Background(), "", b("k"))
	requireNetError(t, err, ConnBroken, "get", addr2)
}

func TestMalformedReply(t *testing.T) {
	replies := map[string]string{
		"garbage":              "garbage garbage garbage\r\n\r\n",
		"bad status":           "HTTP/1.1 2x0 OK\r\n\r\n",
		"bad content-length":   "HTTP/1.1 200 OK\r\nContent-Length: -3\r\n\r\n",
		"header without colon": "HTTP/1.1 200 OK\r\nbogus\r\n\r\n",
		"get without value":    "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nx\ty\n",
		"binary on http":       "\xbf",
	}
	for name, reply := range replies {
		t.Run(name, func(t *testing.T) {
			addr := fakeServer(t, func(c net.Conn) {
				_ = readRequest(bufio.NewReader(c))
				_, _ = io.WriteString(c, reply)
				time.Sleep(50 * time.Millisecond)
				_ = c.Close()
			})
			c, err := NewClient(Config{Addr: addr, OpTimeout: 5 * time.Second})
			require.NoError(t, err)
			_, err = c.Get(context.Background(), "", b("k"))
			requireNetError(t, err, MalformedReply, "get", addr)
		})
	}
}

func TestBinaryMalformedAndErrorReply(t *testing.T) {
	addr := fakeServer(t, func(c net.Conn) {
		buf := make([]byte, 64)
		_, _ = c.Read(buf)
		_, _ = c.Write([]byte{0xba, 0, 0, 0, 1, 0, 0, 0x7f, 0xff, 0xff, 0xff})
		time.Sleep(50 * time.Millisecond)
		_ = c.Close()
	})
	c, err := NewClient(Config{Addr: addr})
	require.NoError(t, err)
	_, err = c.BinGetBulk(context.Background(), []BinRecord{{Key: b("k")}})
	requireNetError(t, err, MalformedReply, "bin_get_bulk", addr)
	_, _, _, err = c.BinGet(context.Background(), 0, b("k"))
	requireNetError(t, err, MalformedReply, "bin_get_bulk", addr)

	// 0xBF on a bulk call: a ServerError, and the connection is not reused
	var accepts int
	var mu sync.Mutex
	addr2 := fakeServer(t, func(c net.Conn) {
		mu.Lock()
		accepts++
		mu.Unlock()
		buf := make([]byte, 64)
		for {
			if _, err := c.Read(buf); err != nil {
				return
			}
			_, _ = c.Write([]byte{0xbf})
		}
	})
	c2, err := NewClient(Config{Addr: addr2})
	require.NoError(t, err)
	for range 2 {
		_, err = c2.BinSetBulk(context.Background(), []BinRecord{{Key: b("k"), XT: XTNever}}, false)
		assert.True(t, errors.Is(err, ErrBinary), "%v", err)
		var se *ServerError
		assert.True(t, errors.As(err, &se))
	}
	for range 2 {
		_, _, _, err = c2.BinGet(context.Background(), 0, b("k"))
		assert.True(t, errors.Is(err, ErrBinary), "%v", err)
		var se *ServerError
		require.True(t, errors.As(err, &se))
		assert.Equal(t, "bin_get_bulk", se.Op)
	}
	mu.Lock()
	assert.Equal(t, 4, accepts, "a binary bulk or get error closes the connection")
	mu.Unlock()
	for range 2 {
		_, err = c2.BinPlayScript(context.Background(), "p", nil, false)
		assert.True(t, errors.Is(err, ErrBinary), "%v", err)
	}
	mu.Lock()
	assert.Equal(t, 5, accepts, "a play_script error keeps the connection")
	mu.Unlock()
}

func TestStaleIdleConnectionIsRetried(t *testing.T) {
	kttest.RequireDev(t, "restarts the server")
	srv := ktdev.NewTestServer(t)
	c, err := NewClient(Config{Addr: srv.Addr()})
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, c.Set(ctx, "", b("k"), b("v")))
	addr := srv.Addr()
	require.NoError(t, srv.Close())
	srv2, err := ktdev.Start(ktdev.Config{Addr: addr})
	require.NoError(t, err)
	defer srv2.Close()
	// the pooled connection died with the old server; get is retried
	_, err = c.Get(ctx, "", b("k"))
	assert.True(t, errors.Is(err, ErrNoRecord), "fresh server, fresh connection: %v", err)

	// the same for a cursor's first operation
	require.NoError(t, c.Set(ctx, "", b("k"), b("v")))
	require.NoError(t, srv2.Close())
	srv3, err := ktdev.Start(ktdev.Config{Addr: addr})
	require.NoError(t, err)
	defer srv3.Close()
	cur, err := c.Cursor(ctx, "")
	require.NoError(t, err)
	err = cur.Jump(ctx, nil)
	assert.True(t, errors.Is(err, ErrNoRecord), "empty DB on a fresh connection: %v", err)
	require.NoError(t, cur.Close())
}

func TestTLS(t *testing.T) {
	kttest.RequireDev(t, "serves TLS with a test certificate")
	cert, pool := selfSignedCert(t)
	srv := ktdev.NewTestServer(t, ktdev.WithTLS(&tls.Config{Certificates: []tls.Certificate{cert}}))
	c, err := NewClient(Config{Addr: srv.Addr(), TLS: &tls.Config{RootCAs: pool}})
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, c.Set(ctx, "", b("k"), b("v")))
	rec, err := c.Get(ctx, "", b("k"))
	require.NoError(t, err)
	assert.Equal(t, "v", string(rec.Value))
	n, err := c.BinSetBulk(ctx, []BinRecord{{Key: b("b"), Value: b("1"), XT: XTNever}}, false)
	require.NoError(t, err)
	assert.Equal(t, 1, n)

	// a client that does not trust the certificate
	bad, err := NewClient(Config{Addr: srv.Addr(), TLS: &tls.Config{}})
	require.NoError(t, err)
	err = bad.Void(ctx)
	requireNetError(t, err, TLSFailure, "void", srv.Addr())
}

func TestConcurrentUse(t *testing.T) {
	c, _ := newTestClient(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := []byte{byte('a' + g)}
			for i := range 50 {
				if _, err := c.Increment(ctx, "", key, 1); err != nil {
					errs <- err
					return
				}
				_ = i
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	for g := range 8 {
		n, err := c.Increment(ctx, "", []byte{byte('a' + g)}, 0)
		require.NoError(t, err)
		assert.EqualValues(t, 50, n)
	}
	assert.LessOrEqual(t, len(c.pool.idle), c.cfg.MaxIdleConns)
}
