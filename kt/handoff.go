package kt

import (
	"context"
	"sync"

	"github.com/cockroachdb/errors"
)

// A caller on a thread that must not block for long (a Postgres backend,
// WithThreadWait) can give an operation a short deadline and, when the
// reply has not started by then, hand the connection over instead of
// abandoning the request: the request was sent and KT will answer it, so a
// later call of the same operation under WithResume reads that answer
// instead of sending the request again. A write sent twice could otherwise
// be applied twice, the first copy late, after somebody else's write.

// ErrHandedOff marks the error of an operation whose connection a Handoff
// took (wrapped in a *NetError of kind Timeout).
var ErrHandedOff = errors.New("kt: deadline passed before the reply started; connection handed off")

// errHandoffNow is what connReader returns to end the operation.
var errHandoffNow = errors.New("kt: hand off the connection")

// Handoff holds at most one connection whose reply is still to be read.
// The zero value is ready to use; Close it when done.
type Handoff struct {
	mu sync.Mutex
	c  *Client
	cn *conn
	op string
}

type handoffKey struct{}
type resumeKey struct{}

// WithHandoff makes the operations under ctx hand their connection to h
// when ctx's deadline passes, in a thread wait (WithThreadWait, plain TCP),
// before any byte of the reply was read. The operation then fails with
// ErrHandedOff.
func WithHandoff(ctx context.Context, h *Handoff) context.Context {
	return context.WithValue(ctx, handoffKey{}, h)
}

// WithResume makes the first operation under ctx on the same client with
// the same name as the one h holds read that operation's reply on h's
// connection, without sending its request again (it still encodes it).
func WithResume(ctx context.Context, h *Handoff) context.Context {
	return context.WithValue(ctx, resumeKey{}, h)
}

// Pending reports whether h holds a connection.
func (h *Handoff) Pending() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cn != nil
}

// Close closes a connection h still holds.
func (h *Handoff) Close() {
	h.mu.Lock()
	cn := h.cn
	h.cn = nil
	h.mu.Unlock()
	if cn != nil {
		_ = cn.close()
	}
}

func (h *Handoff) park(c *Client, cn *conn, op string) {
	h.mu.Lock()
	old := h.cn
	h.c, h.cn, h.op = c, cn, op
	h.mu.Unlock()
	if old != nil {
		_ = old.close()
	}
}

// take returns the held connection for op on c, once.
func (h *Handoff) take(c *Client, op string) *conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cn == nil || h.c != c || h.op != op {
		return nil
	}
	cn := h.cn
	h.cn = nil
	return cn
}

func handoffOf(ctx context.Context) *Handoff {
	h, _ := ctx.Value(handoffKey{}).(*Handoff)
	return h
}

func resumeOf(ctx context.Context) *Handoff {
	h, _ := ctx.Value(resumeKey{}).(*Handoff)
	return h
}
