package kt

import (
	"context"
	"errors"
	"net"
	"os"
	"syscall"
	"time"
)

// threadWaitMax caps one wait in poll(2) (see WithThreadWait).
const threadWaitMax = 20 * time.Millisecond

type threadWaitKey struct{}

// WithThreadWait asks the operations under ctx to wait for the server's
// reply in poll(2) on the calling thread (at most 20 ms per read, then the
// usual wait) instead of parking the goroutine in Go's network poller.
// For a caller on a locked thread (a cgo callback inside a Postgres
// backend) a park costs two thread hand-offs per read; a short blocking
// wait on its own thread costs none. Plain TCP only; TLS reads park as usual.
func WithThreadWait(ctx context.Context) context.Context {
	return context.WithValue(ctx, threadWaitKey{}, true)
}

func threadWait(ctx context.Context) bool {
	v, _ := ctx.Value(threadWaitKey{}).(bool)
	return v
}

// connReader is what the conn's bufio.Reader reads from: nc, after a
// thread wait when the current operation asked for one.
type connReader struct{ cn *conn }

func (r connReader) Read(p []byte) (int, error) {
	cn := r.cn
	if cn.threadWait && cn.raw != nil {
		wait := threadWaitMax
		if !cn.deadline.IsZero() {
			wait = min(wait, time.Until(cn.deadline))
		}
		if wait > 0 {
			_ = cn.raw.Control(func(fd uintptr) { pollIn(fd, wait) })
		}
		if cn.handoff && !cn.readAny && !cn.deadline.IsZero() && !time.Now().Before(cn.deadline) {
			return 0, errHandoffNow // nothing of the reply yet (handoff.go)
		}
	}
	n, err := cn.nc.Read(p)
	if n > 0 {
		cn.readAny = true
	} else if err != nil && cn.handoff && cn.raw != nil && !cn.readAny && errors.Is(err, os.ErrDeadlineExceeded) {
		return 0, errHandoffNow // the poll ended early (a signal); still nothing
	}
	return n, err
}

// rawConn is the socket of a plain TCP connection, nil for TLS.
func rawConn(nc net.Conn) syscall.RawConn {
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		return nil
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return nil
	}
	return raw
}
