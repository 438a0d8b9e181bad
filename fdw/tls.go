package fdw

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
)

// tlsConfig builds the client TLS configuration of a server (nil when TLS is
// off). It reads the CA and certificate files; their errors are reported as
// failures to connect, naming the option and the file.
func tlsConfig(so fdwtype.ServerOptions) (*tls.Config, *fdwtype.Status) {
	if !so.TLS {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: so.TLSServerName}
	if so.TLSCAFile != "" {
		pem, err := os.ReadFile(so.TLSCAFile)
		if err != nil {
			return nil, tlsFileStatus("tls_ca_file", so.TLSCAFile, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, tlsFileStatus("tls_ca_file", so.TLSCAFile, fmt.Errorf("no PEM certificate found"))
		}
		cfg.RootCAs = pool
	}
	if so.TLSCertFile != "" {
		cert, err := tls.LoadX509KeyPair(so.TLSCertFile, so.TLSKeyFile)
		if err != nil {
			return nil, tlsFileStatus("tls_cert_file", so.TLSCertFile+"\", \""+so.TLSKeyFile, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

func tlsFileStatus(opt, file string, err error) *fdwtype.Status {
	return &fdwtype.Status{
		SQLState: fdwtype.SQLStateUnableToConnect,
		Message:  fmt.Sprintf("could not load TLS file \"%s\" (option %s): %s", file, opt, unwrapPathError(err)),
		Hint:     "The file must be PEM and readable by the database server's OS user; relative paths start at the data directory.",
	}
}

func unwrapPathError(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err.Error()
	}
	return err.Error()
}
