package fdw

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"strings"

	"github.com/cockroachdb/errors"

	"github.com/kt-fdw/kt_fdw/kt"
)

// tlsRejected reports a connection the server's TLS layer refused after the
// client's side of the handshake was done: with TLS 1.3 a missing or unknown
// client certificate shows up as a TLS alert on the first read. The KT
// server never saw a request then, so this is a failure to connect.
func tlsRejected(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "remote error" {
		return true
	}
	var alert tls.AlertError
	return errors.As(err, &alert)
}

// tlsCause describes a TLS failure for "could not connect ...: <cause>", or
// returns "" when err is not one.
func tlsCause(err error) string {
	var ne *kt.NetError
	if !errors.As(err, &ne) || (ne.Kind != kt.TLSFailure && !tlsRejected(err)) {
		return ""
	}
	var (
		unknownAuth x509.UnknownAuthorityError
		hostErr     x509.HostnameError
		invalid     x509.CertificateInvalidError
		verify      *tls.CertificateVerificationError
	)
	cause := ne.Err
	switch {
	case errors.As(err, &unknownAuth):
		return "TLS handshake failed: " + unknownAuth.Error()
	case errors.As(err, &hostErr):
		return "TLS handshake failed: " + hostErr.Error()
	case errors.As(err, &invalid):
		return "TLS handshake failed: " + invalid.Error()
	case errors.As(err, &verify):
		return "TLS handshake failed: " + verify.Err.Error()
	case tlsRejected(err):
		return "the server refused the TLS connection: " + strings.TrimPrefix(cause.Error(), "remote error: ")
	}
	if cause == nil {
		return "TLS handshake failed"
	}
	return "TLS handshake failed: " + cause.Error()
}
