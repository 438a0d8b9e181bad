package kt

import (
	"fmt"
	"strings"

	"github.com/cockroachdb/errors"
)

// Sentinels for errors.Is. A *ServerError wraps the one that applies.
var (
	// ErrNoRecord: KT 450 "DB: 7: no record" (missing or expired record).
	ErrNoRecord = errors.New("no record")
	// ErrDuplicate: KT 450 "DB: 6: record duplication" (add on an existing key).
	ErrDuplicate = errors.New("record duplication")
	// ErrCASMismatch: KT 450 "DB: 8: ... status conflict" (cas compare failed).
	ErrCASMismatch = errors.New("cas status conflict")
	// ErrLogic: any other 450 (incompatible increment, bad regex, script
	// returned RVELOGIC, cursor off the end, ...).
	ErrLogic = errors.New("logical inconsistency")
	// ErrInvalid: KT 400 (missing parameter, no such database, no such cursor).
	ErrInvalid = errors.New("invalid request")
	// ErrNotImplemented: KT 501 (unknown procedure or script, backward cursor
	// on a hash DB, scripting disabled).
	ErrNotImplemented = errors.New("not implemented")
	// ErrBinary: the binary protocol answered with its error byte 0xBF.
	ErrBinary = errors.New("binary protocol error reply")
)

// ErrMaybeSent marks a failure to connect that followed an attempt on a
// pooled connection which broke before any reply: that attempt may have
// delivered the request, so the operation may have been applied although
// the error says the connection was refused.
var ErrMaybeSent = errors.New("request may have been sent on a broken pooled connection")

// ServerError is any answer of the server that is not a success: a non-2xx
// HTTP status (Message is the ERROR text) or the binary error byte (Status 0).
type ServerError struct {
	Addr, Op string
	Status   int
	Message  string
	sentinel error
}

func (e *ServerError) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("kt %s on %s: %s", e.Op, e.Addr, e.Message)
	}
	return fmt.Sprintf("kt %s on %s: server returned %d: %s", e.Op, e.Addr, e.Status, e.Message)
}

// Unwrap returns the sentinel the error corresponds to, if any.
func (e *ServerError) Unwrap() error { return e.sentinel }

// sentinelFor maps a status and ERROR message to a sentinel (nil if none).
func sentinelFor(status int, msg string) error {
	switch status {
	case 450:
		switch {
		case strings.HasPrefix(msg, "DB: 7:"):
			return ErrNoRecord
		case strings.HasPrefix(msg, "DB: 6:"):
			return ErrDuplicate
		case strings.HasPrefix(msg, "DB: 8:") && strings.HasSuffix(msg, "status conflict"):
			return ErrCASMismatch
		}
		return ErrLogic
	case 400:
		return ErrInvalid
	case 501:
		return ErrNotImplemented
	}
	return nil
}

// NetErrorKind classifies a failure to talk to the server.
type NetErrorKind int

const (
	// ConnRefused: the connection could not be established.
	ConnRefused NetErrorKind = iota + 1
	// Timeout: connect, OpTimeout or the context deadline expired.
	Timeout
	// ConnBroken: the connection was closed or reset mid-operation.
	ConnBroken
	// MalformedReply: the server's bytes are not a valid reply.
	MalformedReply
	// TLSFailure: the TLS handshake failed.
	TLSFailure
	// Canceled: the context was canceled (the connection was closed).
	Canceled
)

func (k NetErrorKind) String() string {
	switch k {
	case ConnRefused:
		return "connection refused"
	case Timeout:
		return "timeout"
	case ConnBroken:
		return "connection broken"
	case MalformedReply:
		return "malformed reply"
	case TLSFailure:
		return "tls handshake failed"
	case Canceled:
		return "canceled"
	}
	return "network error"
}

// NetError is a transport failure. Err is the cause (a net error,
// io.ErrUnexpectedEOF, context.Canceled, ...).
type NetError struct {
	Addr, Op string
	Kind     NetErrorKind
	Err      error
}

func (e *NetError) Error() string {
	s := fmt.Sprintf("kt %s on %s: %s", e.Op, e.Addr, e.Kind)
	if e.Err != nil && e.Kind != ConnRefused && e.Kind != Canceled {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *NetError) Unwrap() error { return e.Err }

// Timeout reports whether the error is a timeout (net.Error compatible).
func (e *NetError) Timeout() bool { return e.Kind == Timeout }

// errMalformed marks reply parse failures inside the package.
var errMalformed = errors.New("malformed reply")

func malformedf(format string, args ...any) error {
	return errors.Mark(errors.Newf(format, args...), errMalformed)
}
