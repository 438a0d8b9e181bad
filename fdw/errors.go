package fdw

import (
	"context"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/cockroachdb/errors"
)

// SQLSTATEs kt_fdw raises (PostgreSQL Appendix A).
const (
	SQLStateInternal              = "XX000" // internal_error: a Go panic or bug
	SQLStateFDWError              = "HV000" // fdw_error
	SQLStateUnableToConnect       = "HV00N" // fdw_unable_to_establish_connection
	SQLStateInvalidOptionName     = "HV00D" // fdw_invalid_option_name
	SQLStateInvalidParameterValue = "22023" // invalid_parameter_value
	SQLStateUniqueViolation       = "23505" // unique_violation
	SQLStateNotNullViolation      = "23502" // not_null_violation
	SQLStateFeatureNotSupported   = "0A000" // feature_not_supported
	SQLStateQueryCanceled         = "57014" // query_canceled
	SQLStateDatatypeMismatch      = "42804" // datatype_mismatch
)

// Status is an error as Postgres reports it. pgext copies it into ereport.
type Status struct {
	SQLState string
	Message  string
	Detail   string
	Hint     string
}

func (s *Status) Error() string { return s.SQLState + ": " + s.Message }

// Errorf builds a Status without detail or hint.
func Errorf(sqlstate, format string, args ...any) *Status {
	return &Status{SQLState: sqlstate, Message: fmt.Sprintf(format, args...)}
}

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
func KTStatus(oc OpContext, err error) *Status {
	if err == nil {
		return nil
	}
	var st *Status
	if errors.As(err, &st) {
		return st
	}
	switch Classify(err) {
	case FailConnect:
		return &Status{
			SQLState: SQLStateUnableToConnect,
			Message:  fmt.Sprintf("could not connect to KT server \"%s\" at %s: %s", oc.Server, oc.Addr, connectCause(err, oc)),
			Hint:     "Check that the KT server is running and that the server's host and port options are right.",
		}
	case FailTimeout:
		return &Status{
			SQLState: SQLStateFDWError,
			Message:  fmt.Sprintf("KT operation %s on server \"%s\" (%s) timed out after %s", oc.Op, oc.Server, oc.Addr, oc.Timeout),
			Hint:     "The server's timeout option bounds each KT operation.",
		}
	case FailCanceled:
		return &Status{
			SQLState: SQLStateQueryCanceled,
			Message:  fmt.Sprintf("KT operation %s on server \"%s\" (%s) was canceled", oc.Op, oc.Server, oc.Addr),
		}
	case FailBroken:
		return &Status{
			SQLState: SQLStateFDWError,
			Message:  fmt.Sprintf("KT operation %s on server \"%s\" (%s) failed: connection lost", oc.Op, oc.Server, oc.Addr),
			Detail:   err.Error(),
		}
	case FailServer:
		msg := fmt.Sprintf("KT operation %s on server \"%s\" (%s) failed", oc.Op, oc.Server, oc.Addr)
		if m := serverMessage(err); m != "" {
			msg += ": " + m
		}
		return &Status{SQLState: SQLStateFDWError, Message: msg, Detail: err.Error()}
	case FailProtocol:
		return &Status{
			SQLState: SQLStateFDWError,
			Message:  fmt.Sprintf("KT operation %s on server \"%s\" (%s) failed: malformed reply", oc.Op, oc.Server, oc.Addr),
			Detail:   err.Error(),
		}
	}
	return &Status{
		SQLState: SQLStateFDWError,
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

// PanicStatus reports a recovered Go panic: a bug ends the statement, never the backend.
func PanicStatus(v any) *Status {
	return &Status{
		SQLState: SQLStateInternal,
		Message:  fmt.Sprintf("kt_fdw internal error: %v", v),
		Hint:     "This is a bug in kt_fdw; please report it.",
	}
}
