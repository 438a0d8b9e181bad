package fdw

import (
	"context"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/cockroachdb/errors"
	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
)

// FailKind is what went wrong in a KT call, as far as the error mapping cares.
type FailKind int

const (
	FailOther    FailKind = iota
	FailConnect           // no connection could be established
	FailTimeout           // the operation did not finish in time
	FailBroken            // the connection broke during the operation
	FailServer            // the server answered with an error
	FailCanceled          // we cancelled it ourselves (abort, rescan)
	FailProtocol          // the reply could not be parsed
)

// classifiers lets the KT client adapter teach Classify its error types.
var classifiers []func(error) (FailKind, bool)

// statusHooks turn errors that need more than a FailKind (remote_kt.go,
// nosuchdb.go) into their Status; the first non-nil answer wins.
var statusHooks []func(OpContext, error) *fdwtype.Status

// serverMessage extracts the KT server's own error text, when it sent one.
var serverMessage = func(error) string { return "" }

// Classify sorts a KT call's error. Dial errors win over everything: a connect
// timeout is a failure to connect, not an operation timeout.
func Classify(err error) FailKind {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return FailConnect
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return FailConnect
	}
	for _, c := range classifiers {
		if k, ok := c(err); ok {
			return k
		}
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return FailTimeout
	case errors.Is(err, context.Canceled):
		return FailCanceled
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, net.ErrClosed):
		return FailBroken
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return FailTimeout
	}
	return FailOther
}

// OpContext names a KT call for error messages.
type OpContext struct {
	ServerOID      uint32 // for per-server statistics (stats.go)
	Server         string // Postgres server name
	Addr           string // host:port
	Op             string // KT operation, e.g. "get", "set_bulk"
	Timeout        time.Duration
	ConnectTimeout time.Duration
}

// KTStatus turns a KT call's error into the Postgres error to raise.
func KTStatus(oc OpContext, err error) *fdwtype.Status {
	if err == nil {
		return nil
	}
	var st *fdwtype.Status
	if errors.As(err, &st) {
		return st
	}
	for _, h := range statusHooks {
		if st := h(oc, err); st != nil {
			return st
		}
	}
	switch Classify(err) {
	case FailConnect:
		return &fdwtype.Status{
			SQLState: fdwtype.SQLStateUnableToConnect,
			Message:  fmt.Sprintf("could not connect to KT server \"%s\" at %s: %s", oc.Server, oc.Addr, connectCause(err, oc)),
			Hint:     "Check that the KT server is running and that the server's host and port options are right.",
		}
	case FailTimeout:
		return &fdwtype.Status{
			SQLState: fdwtype.SQLStateFDWError,
			Message:  fmt.Sprintf("KT operation %s on server \"%s\" (%s) timed out after %s", oc.Op, oc.Server, oc.Addr, oc.Timeout),
			Hint:     "The server's timeout option bounds each KT operation.",
		}
	case FailCanceled:
		return &fdwtype.Status{
			SQLState: fdwtype.SQLStateQueryCanceled,
			Message:  fmt.Sprintf("KT operation %s on server \"%s\" (%s) was canceled", oc.Op, oc.Server, oc.Addr),
		}
	case FailBroken:
		return &fdwtype.Status{
			SQLState: fdwtype.SQLStateFDWError,
			Message:  fmt.Sprintf("KT operation %s on server \"%s\" (%s) failed: connection lost", oc.Op, oc.Server, oc.Addr),
			Detail:   err.Error(),
		}
	case FailServer:
		msg := fmt.Sprintf("KT operation %s on server \"%s\" (%s) failed", oc.Op, oc.Server, oc.Addr)
		if m := serverMessage(err); m != "" {
			msg += ": " + m
		}
		return &fdwtype.Status{SQLState: fdwtype.SQLStateFDWError, Message: msg, Detail: err.Error()}
	case FailProtocol:
		return &fdwtype.Status{
			SQLState: fdwtype.SQLStateFDWError,
			Message:  fmt.Sprintf("KT operation %s on server \"%s\" (%s) failed: malformed reply", oc.Op, oc.Server, oc.Addr),
			Detail:   err.Error(),
		}
	}
	return &fdwtype.Status{
		SQLState: fdwtype.SQLStateFDWError,
		Message:  fmt.Sprintf("KT operation %s on server \"%s\" (%s) failed: %s", oc.Op, oc.Server, oc.Addr, err.Error()),
	}
}

func connectCause(err error, oc OpContext) string {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return fmt.Sprintf("timed out after %s", oc.ConnectTimeout)
	case errors.Is(err, syscall.EHOSTUNREACH):
		return "no route to host"
	case errors.Is(err, syscall.ENETUNREACH):
		return "network is unreachable"
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return fmt.Sprintf("could not resolve host \"%s\"", dns.Name)
	}
	if cause := tlsCause(err); cause != "" {
		return cause
	}
	return err.Error()
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
