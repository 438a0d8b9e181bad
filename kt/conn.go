package kt

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/cockroachdb/errors"

	"github.com/kt-fdw/kt_fdw/kt/wire"
)

const (
	readBufferSize = 64 << 10
	// buffers bigger than this are dropped after use so idle pooled
	// connections do not pin the memory of one huge bulk call
	keepBufferCap = 4 << 20
)

// conn is one connection to the server. It is used by one operation at a
// time (the pool or a cursor owns it).
type conn struct {
	nc     net.Conn
	br     *bufio.Reader
	wbuf   []byte      // request being written
	hdr    []byte      // HTTP header scratch
	pairs  []wire.Pair // decoded reply scratch
	broken bool        // must not be reused
	reused bool        // came from the idle pool (may be stale)
	gotAny bool        // some reply bytes arrived in the current operation
	cursor int64       // last cursor id handed out on this connection
	// deadline last set on nc (zero: none), to skip needless resets
	deadline time.Time
	raw      syscall.RawConn // the TCP socket (nil for TLS), for thread waits
	// the current operation waits for replies on its thread (WithThreadWait)
	threadWait bool
	// the current operation may hand the connection off (WithHandoff), and
	// whether it read any reply byte yet
	handoff, readAny bool
	// the current operation resumes a handed-off one: its request was sent
	resuming bool
}

var aLongTimeAgo = time.Unix(1, 0)

// dial opens a connection honouring ConnectTimeout, ctx and TLS.
func (c *Client) dial(ctx context.Context, op string) (*conn, error) {
	d := net.Dialer{Timeout: c.cfg.ConnectTimeout, KeepAlive: 30 * time.Second}
	nc, err := d.DialContext(ctx, "tcp", c.cfg.Addr)
	if err != nil {
		return nil, c.dialError(ctx, op, err)
	}
	if c.cfg.TLS != nil {
		tc := tls.Client(nc, c.tlsConfig)
		hctx, cancel := context.WithTimeout(ctx, c.cfg.ConnectTimeout)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			_ = nc.Close()
			if ctx.Err() != nil {
				return nil, c.netError(ctx, op, err)
			}
			var ne net.Error
			if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
				return nil, &NetError{Addr: c.cfg.Addr, Op: op, Kind: Timeout, Err: err}
			}
			return nil, &NetError{Addr: c.cfg.Addr, Op: op, Kind: TLSFailure, Err: err}
		}
		nc = tc
	}
	cn := &conn{nc: nc, raw: rawConn(nc)}
	cn.br = bufio.NewReaderSize(connReader{cn}, readBufferSize)
	return cn, nil
}

func (c *Client) dialError(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return c.netError(ctx, op, err)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return &NetError{Addr: c.cfg.Addr, Op: op, Kind: Timeout, Err: err}
	}
	return &NetError{Addr: c.cfg.Addr, Op: op, Kind: ConnRefused, Err: err}
}

// run executes one operation on the connection with the deadline of ctx and
// OpTimeout; a cancellation of ctx interrupts the I/O and condemns the
// connection. Any error other than a server's answer marks it broken.
func (cn *conn) run(ctx context.Context, opTimeout time.Duration, fn func(*conn) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var deadline time.Time
	if d, ok := ctx.Deadline(); ok {
		deadline = d
	}
	if opTimeout > 0 {
		if t := time.Now().Add(opTimeout); deadline.IsZero() || t.Before(deadline) {
			deadline = t
		}
	}
	if !(deadline.IsZero() && cn.deadline.IsZero()) {
		if err := cn.nc.SetDeadline(deadline); err != nil {
			cn.broken = true
			return err
		}
		cn.deadline = deadline
	}
	var stop func() bool
	if ctx.Done() != nil {
		stop = context.AfterFunc(ctx, func() { _ = cn.nc.SetDeadline(aLongTimeAgo) })
	}
	cn.gotAny = false
	cn.threadWait = threadWait(ctx)
	cn.handoff, cn.readAny = handoffOf(ctx) != nil, false
	err := fn(cn)
	cn.threadWait, cn.handoff = false, false
	if err != nil && errors.Is(err, errHandoffNow) && !cn.broken {
		return err // the reply is still to come: do() parks the connection
	}
	if stop != nil && !stop() {
		cn.broken = true // the interrupt fired; the stream state is unknown
		if err == nil {
			err = ctx.Err()
		}
	}
	if err != nil {
		var se *ServerError
		if !errors.As(err, &se) {
			cn.broken = true
		}
	}
	cn.trimBuffers()
	return err
}

func (cn *conn) trimBuffers() {
	if cap(cn.wbuf) > keepBufferCap {
		cn.wbuf = nil
	}
	if cap(cn.pairs) > 4096 {
		cn.pairs = nil
	} else {
		clear(cn.pairs) // do not pin reply bodies (only the used part holds any)
		cn.pairs = cn.pairs[:0]
	}
}

func (cn *conn) close() error { return cn.nc.Close() }

// write sends b completely.
func (cn *conn) write(b []byte) error {
	if cn.resuming {
		return nil // sent by the operation this one resumes (handoff.go)
	}
	_, err := cn.nc.Write(b)
	return err
}

// stale reports whether err means a reused idle connection had been closed
// by the server before our request reached it, so a retry is safe.
func (cn *conn) stale(err error) bool {
	if !cn.reused || cn.gotAny {
		return false
	}
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// netError turns a transport error into a *NetError of the right kind.
func (c *Client) netError(ctx context.Context, op string, err error) error {
	var ne *NetError
	if errors.As(err, &ne) {
		return err
	}
	var se *ServerError
	if errors.As(err, &se) {
		return err
	}
	mk := func(kind NetErrorKind, cause error) error {
		return &NetError{Addr: c.cfg.Addr, Op: op, Kind: kind, Err: cause}
	}
	switch ctxErr := ctx.Err(); {
	case errors.Is(ctxErr, context.Canceled):
		return mk(Canceled, ctxErr)
	case errors.Is(ctxErr, context.DeadlineExceeded):
		return mk(Timeout, ctxErr)
	}
	var nerr net.Error
	switch {
	case errors.Is(err, errMalformed), errors.Is(err, wire.ErrMalformed), errors.Is(err, wire.ErrTooLarge):
		return mk(MalformedReply, err)
	case errors.As(err, &nerr) && nerr.Timeout():
		if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
			// the socket deadline was the context's; ctx.Err may lag a moment
			return mk(Timeout, context.DeadlineExceeded)
		}
		return mk(Timeout, err)
	case errors.Is(err, io.EOF):
		return mk(ConnBroken, io.ErrUnexpectedEOF)
	}
	return mk(ConnBroken, err)
}
