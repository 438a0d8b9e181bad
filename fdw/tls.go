package fdw

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strings"
)

// TLS options of a foreign server. The file options name files on the
// database server's file system, read by the backend's OS user, so only
// superusers may set them (as postgres_fdw's sslcert/sslkey): see
// CheckOptionPrivileges.
const (
	optTLS           = "tls"
	optTLSCAFile     = "tls_ca_file"
	optTLSCertFile   = "tls_cert_file"
	optTLSKeyFile    = "tls_key_file"
	optTLSServerName = "tls_server_name"
)

// superuserOnlyOptions name files the backend reads.
var superuserOnlyOptions = map[string]bool{
	optTLSCAFile:   true,
	optTLSCertFile: true,
	optTLSKeyFile:  true,
}

// SQLStateInsufficientPrivilege: a non-superuser set a superuser-only option.
const SQLStateInsufficientPrivilege = "42501"

// CheckOptionPrivileges refuses the options naming files unless the user
// running CREATE/ALTER is a superuser. The validator sees the whole option
// list, so a non-superuser cannot ALTER a server that carries such an option
// at all (the same limit postgres_fdw has for sslcert/sslkey).
func CheckOptionPrivileges(c Catalog, opts []Option, superuser bool) *Status {
	if superuser || c != CatalogServer {
		return nil
	}
	for _, o := range opts {
		if superuserOnlyOptions[o.Name] {
			return &Status{
				SQLState: SQLStateInsufficientPrivilege,
				Message:  fmt.Sprintf("permission denied to set option \"%s\"", o.Name),
				Detail:   "Options naming files on the database server (tls_ca_file, tls_cert_file, tls_key_file) are superuser-only.",
				Hint:     "Ask a superuser to create or alter the server.",
			}
		}
	}
	return nil
}

// parseBool accepts Postgres' boolean spellings (on/off, true/false, yes/no, 1/0).
func parseBool(v string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "on", "true", "yes", "1", "t", "y":
		return true, true
	case "off", "false", "no", "0", "f", "n":
		return false, true
	}
	return false, false
}

func checkBool(v string) (bool, string) {
	_, ok := parseBool(v)
	return ok, "Use 'on' or 'off' ('true'/'false' also work)."
}

func checkPath(v string) (bool, string) {
	return strings.TrimSpace(v) != "" && !strings.ContainsAny(v, "\x00\r\n"),
		"Give the path of a PEM file readable by the database server (relative paths start at its data directory)."
}

func checkServerName(v string) (bool, string) {
	return strings.TrimSpace(v) != "" && !strings.ContainsAny(v, " \t\r\n\x00,"),
		"The server name is the host name the KT server's certificate is issued for."
}

// checkTLSCombination checks the TLS options together: a certificate needs
// its key and the other way round, and the tls_* options need tls present,
// so that forgetting tls 'on' does not silently leave the connection plain.
func checkTLSCombination(opts []Option) *Status {
	has := map[string]bool{}
	for _, o := range opts {
		has[o.Name] = true
	}
	if has[optTLSCertFile] != has[optTLSKeyFile] {
		return &Status{
			SQLState: SQLStateInvalidParameterValue,
			Message:  "options \"tls_cert_file\" and \"tls_key_file\" must be given together",
			Hint:     "A client certificate (mutual TLS) needs both the certificate and its private key.",
		}
	}
	if !has[optTLS] {
		for _, n := range []string{optTLSCAFile, optTLSCertFile, optTLSKeyFile, optTLSServerName} {
			if has[n] {
				return &Status{
					SQLState: SQLStateInvalidParameterValue,
					Message:  fmt.Sprintf("option \"%s\" needs option \"tls\"", n),
					Hint:     "Add tls 'on' to connect to KT over TLS.",
				}
			}
		}
	}
	return nil
}

// parseTLSOption fills the TLS fields of so from one (valid) option; it
// reports whether the option was a TLS option.
func (so *ServerOptions) parseTLSOption(o Option) bool {
	switch o.Name {
	case optTLS:
		so.TLS, _ = parseBool(o.Value)
	case optTLSCAFile:
		so.TLSCAFile = strings.TrimSpace(o.Value)
	case optTLSCertFile:
		so.TLSCertFile = strings.TrimSpace(o.Value)
	case optTLSKeyFile:
		so.TLSKeyFile = strings.TrimSpace(o.Value)
	case optTLSServerName:
		so.TLSServerName = strings.TrimSpace(o.Value)
	default:
		return false
	}
	return true
}

// tlsConfig builds the client TLS configuration of a server (nil when TLS is
// off). It reads the CA and certificate files; their errors are reported as
// failures to connect, naming the option and the file.
func (so ServerOptions) tlsConfig() (*tls.Config, *Status) {
	if !so.TLS {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: so.TLSServerName}
	if so.TLSCAFile != "" {
		pem, err := os.ReadFile(so.TLSCAFile)
		if err != nil {
			return nil, tlsFileStatus(optTLSCAFile, so.TLSCAFile, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, tlsFileStatus(optTLSCAFile, so.TLSCAFile, fmt.Errorf("no PEM certificate found"))
		}
		cfg.RootCAs = pool
	}
	if so.TLSCertFile != "" {
		cert, err := tls.LoadX509KeyPair(so.TLSCertFile, so.TLSKeyFile)
		if err != nil {
			return nil, tlsFileStatus(optTLSCertFile, so.TLSCertFile+"\", \""+so.TLSKeyFile, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

func tlsFileStatus(opt, file string, err error) *Status {
	return &Status{
		SQLState: SQLStateUnableToConnect,
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
