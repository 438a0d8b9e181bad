package fdw

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt/ktdev"
	"github.com/kt-fdw/kt_fdw/test/testcerts"
)

func TestValidateTLSOptions(t *testing.T) {
	tests := []struct {
		name  string
		opts  []Option
		state string
		inMsg string
	}{
		{"tls on", []Option{{"tls", "on"}}, "", ""},
		{"tls true", []Option{{"tls", "true"}}, "", ""},
		{"full mutual tls", []Option{{"tls", "on"}, {"tls_ca_file", "/ca.pem"}, {"tls_cert_file", "c.pem"}, {"tls_key_file", "k.pem"}, {"tls_server_name", "kt.example"}}, "", ""},
		{"files kept with tls off", []Option{{"tls", "off"}, {"tls_ca_file", "/ca.pem"}}, "", ""},
		{"bad bool", []Option{{"tls", "maybe"}}, SQLStateInvalidParameterValue, `"tls": "maybe"`},
		{"cert without key", []Option{{"tls", "on"}, {"tls_cert_file", "c.pem"}}, SQLStateInvalidParameterValue, "together"},
		{"key without cert", []Option{{"tls", "on"}, {"tls_key_file", "k.pem"}}, SQLStateInvalidParameterValue, "together"},
		{"ca without tls", []Option{{"tls_ca_file", "/ca.pem"}}, SQLStateInvalidParameterValue, `needs option "tls"`},
		{"server name without tls", []Option{{"tls_server_name", "x"}}, SQLStateInvalidParameterValue, `needs option "tls"`},
		{"empty path", []Option{{"tls", "on"}, {"tls_ca_file", " "}}, SQLStateInvalidParameterValue, `"tls_ca_file"`},
		{"server name with space", []Option{{"tls", "on"}, {"tls_server_name", "a b"}}, SQLStateInvalidParameterValue, `"tls_server_name"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := Validate(CatalogServer, tt.opts)
			if tt.state == "" {
				require.Nil(t, st)
				return
			}
			require.NotNil(t, st)
			assert.Equal(t, tt.state, st.SQLState)
			assert.Contains(t, st.Message, tt.inMsg)
		})
	}
}

func TestCheckOptionPrivileges(t *testing.T) {
	files := []Option{{"tls", "on"}, {"tls_cert_file", "c"}, {"tls_key_file", "k"}}
	st := CheckOptionPrivileges(CatalogServer, files, false)
	require.NotNil(t, st)
	assert.Equal(t, SQLStateInsufficientPrivilege, st.SQLState)
	assert.Contains(t, st.Message, `"tls_cert_file"`)
	assert.Nil(t, CheckOptionPrivileges(CatalogServer, files, true), "superuser")
	assert.Nil(t, CheckOptionPrivileges(CatalogServer, []Option{{"tls", "on"}, {"tls_server_name", "x"}}, false), "no file option")
	st = CheckOptionPrivileges(CatalogServer, []Option{{"tls_ca_file", "/etc/passwd"}}, false)
	require.NotNil(t, st)
	assert.Contains(t, st.Message, `"tls_ca_file"`)
}

func TestParseServerOptionsTLS(t *testing.T) {
	so, st := ParseServerOptions([]Option{{"tls", "on"}, {"tls_ca_file", " /ca.pem"}, {"tls_cert_file", "c"}, {"tls_key_file", "k"}, {"tls_server_name", "kt"}})
	require.Nil(t, st)
	assert.True(t, so.TLS)
	assert.Equal(t, "/ca.pem", so.TLSCAFile)
	assert.Equal(t, "c", so.TLSCertFile)
	assert.Equal(t, "k", so.TLSKeyFile)
	assert.Equal(t, "kt", so.TLSServerName)
	so, st = ParseServerOptions(nil)
	require.Nil(t, st)
	assert.False(t, so.TLS)
}

// tlsServer is a dev server speaking TLS (mutual: client certificates required).
func tlsServer(t *testing.T, mutual bool) (*testcerts.Set, *ktdev.Server, string) {
	t.Helper()
	if os.Getenv("KT_TEST_ADDR") != "" {
		t.Skip("needs the dev server's TLS; KT_TEST_ADDR is a real KT")
	}
	certs, err := testcerts.New()
	require.NoError(t, err)
	srv := ktdev.NewTestServer(t, ktdev.WithTLS(certs.ServerConfig(mutual)))
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "ca.crt"), certs.CA.CertPEM, 0o644))
	_, _, err = certs.Client.Write(dir, "client")
	require.NoError(t, err)
	return certs, srv, dir
}

func tlsTable(srv *ktdev.Server, so ServerOptions) Table {
	so.Host, so.Port, so.Timeout, so.ConnectTimeout = "127.0.0.1", srv.Port(), 5*time.Second, 2*time.Second
	return Table{Server: Server{OID: 1, Name: "tls", Opts: so}, Name: "kv", KeyCol: "key"}
}

func tlsRoundTrip(t *testing.T, tbl Table) *Status {
	t.Helper()
	be := NewBackend(DialKT)
	defer be.Conns.CloseAll()
	got, st := scanAll(t, be, tbl, true, []byte("k"))
	if st == nil {
		assert.Empty(t, got)
	}
	return st
}

func TestTLSConnect(t *testing.T) {
	_, srv, dir := tlsServer(t, false)
	ca := filepath.Join(dir, "ca.crt")

	require.Nil(t, tlsRoundTrip(t, tlsTable(srv, ServerOptions{TLS: true, TLSCAFile: ca})), "CA file trusts the server")
	require.Nil(t, tlsRoundTrip(t, tlsTable(srv, ServerOptions{TLS: true, TLSCAFile: ca, TLSServerName: "kt.test"})), "name in the certificate")

	st := tlsRoundTrip(t, tlsTable(srv, ServerOptions{TLS: true}))
	require.NotNil(t, st, "system roots do not trust the test CA")
	assert.Equal(t, SQLStateUnableToConnect, st.SQLState)
	assert.Contains(t, st.Message, "TLS handshake failed")
	assert.Contains(t, st.Message, "unknown authority")

	st = tlsRoundTrip(t, tlsTable(srv, ServerOptions{TLS: true, TLSCAFile: ca, TLSServerName: "other.example"}))
	require.NotNil(t, st)
	assert.Equal(t, SQLStateUnableToConnect, st.SQLState)
	assert.Contains(t, st.Message, "other.example")

	st = tlsRoundTrip(t, tlsTable(srv, ServerOptions{TLS: true, TLSCAFile: filepath.Join(dir, "missing.crt")}))
	require.NotNil(t, st)
	assert.Equal(t, SQLStateUnableToConnect, st.SQLState)
	assert.Contains(t, st.Message, "missing.crt")
	assert.Contains(t, st.Message, "no such file")

	st = tlsRoundTrip(t, tlsTable(srv, ServerOptions{}))
	require.NotNil(t, st, "plain TCP to a TLS server")
}

func TestMutualTLSConnect(t *testing.T) {
	_, srv, dir := tlsServer(t, true)
	ca := filepath.Join(dir, "ca.crt")
	cert, key := filepath.Join(dir, "client.crt"), filepath.Join(dir, "client.key")

	require.Nil(t, tlsRoundTrip(t, tlsTable(srv, ServerOptions{TLS: true, TLSCAFile: ca, TLSCertFile: cert, TLSKeyFile: key})))

	st := tlsRoundTrip(t, tlsTable(srv, ServerOptions{TLS: true, TLSCAFile: ca}))
	require.NotNil(t, st, "no client certificate")
	assert.Equal(t, SQLStateUnableToConnect, st.SQLState, "%s", st.Message)
	assert.Contains(t, st.Message, "refused the TLS connection")

	st = tlsRoundTrip(t, tlsTable(srv, ServerOptions{TLS: true, TLSCAFile: ca, TLSCertFile: key, TLSKeyFile: cert}))
	require.NotNil(t, st, "swapped certificate and key")
	assert.Equal(t, SQLStateUnableToConnect, st.SQLState)
	assert.Contains(t, st.Message, "tls_cert_file")
}

func TestTLSRejectedNotRetriedAsBroken(t *testing.T) {
	// a TLS alert on the first read counts as a failure to connect
	_, srv, dir := tlsServer(t, true)
	r, err := DialKT(tlsTable(srv, ServerOptions{TLS: true, TLSCAFile: filepath.Join(dir, "ca.crt")}).Server.Opts)
	require.NoError(t, err)
	defer r.Close()
	_, _, err = r.Get(context.Background(), "", []byte("k"))
	require.Error(t, err)
	assert.Equal(t, FailConnect, Classify(err), "%v", err)
}
