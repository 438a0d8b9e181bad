package fdw

import (
	"context"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/errors"
	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/stretchr/testify/assert"
)

func TestKTStatus(t *testing.T) {
	oc := OpContext{Server: "s", Addr: "127.0.0.1:1978", Op: "get", Timeout: 2 * time.Second, ConnectTimeout: time.Second}
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	dialTimeout := &net.OpError{Op: "dial", Net: "tcp", Err: context.DeadlineExceeded}
	tests := []struct {
		name  string
		err   error
		state string
		msg   string
	}{
		{"refused", errors.Wrap(refused, "kt get"), fdwtype.SQLStateUnableToConnect,
			`could not connect to KT server "s" at 127.0.0.1:1978: connection refused`},
		{"dial timeout", dialTimeout, fdwtype.SQLStateUnableToConnect,
			`could not connect to KT server "s" at 127.0.0.1:1978: timed out after 1s`},
		{"dns", &net.OpError{Op: "dial", Err: &net.DNSError{Name: "nohost", Err: "no such host"}}, fdwtype.SQLStateUnableToConnect,
			`could not connect to KT server "s" at 127.0.0.1:1978: could not resolve host "nohost"`},
		{"op timeout", errors.Wrap(context.DeadlineExceeded, "read"), fdwtype.SQLStateFDWError,
			`KT operation get on server "s" (127.0.0.1:1978) timed out after 2s`},
		{"broken", errors.Wrap(syscall.ECONNRESET, "read"), fdwtype.SQLStateFDWError,
			`KT operation get on server "s" (127.0.0.1:1978) failed: connection lost`},
		{"canceled", context.Canceled, fdwtype.SQLStateQueryCanceled,
			`KT operation get on server "s" (127.0.0.1:1978) was canceled`},
		{"other", errors.New("boom"), fdwtype.SQLStateFDWError,
			`KT operation get on server "s" (127.0.0.1:1978) failed: boom`},
		{"status passes through", &fdwtype.Status{SQLState: fdwtype.SQLStateUniqueViolation, Message: "dup"}, fdwtype.SQLStateUniqueViolation, "dup"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := KTStatus(oc, tt.err)
			assert.Equal(t, tt.state, st.SQLState)
			assert.Equal(t, tt.msg, st.Message)
		})
	}
	assert.Nil(t, KTStatus(oc, nil))
}

func TestPanicStatus(t *testing.T) {
	st := fdwtype.PanicStatus("index out of range")
	assert.Equal(t, fdwtype.SQLStateInternal, st.SQLState)
	assert.Contains(t, st.Message, "index out of range")
}
