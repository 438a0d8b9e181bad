package fdw

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/kt-fdw/kt_fdw/kt/ktdev"
	"github.com/kt-fdw/kt_fdw/test/testcerts"
)

func TestValidateTLSOptions(t *testing.T) {
	tests := []struct {
		name  string
		opts  []fdwtype.Option
		state string
		inMsg string
	}{
		{"tls on", []fdwtype.Option{{Name: "tls", Value: "on"}}, "", ""},
		{"tls true", []fdwtype.Option{{Name: "tls", Value: "true"}}, "", ""},
		{"full mutual tls", []fdwtype.Option{{Name: "tls", Value: "on"}, {Name: "tls_ca_file", Value: "/ca.pem"}, {Name: "tls_cert_file", Value: "c.pem"}, {Name: "tls_key_file", Value: "k.pem"}, {Name: "tls_server_name", Value: "kt.example"}}, "", ""},
		{"files kept with tls off", []fdwtype.Option{{Name: "tls", Value: "off"}, {Name: "tls_ca_file", Value: "/ca.pem"}}, "", ""},
		{"bad bool", []fdwtype.Option{{Name: "tls", Value: "maybe"}}, fdwtype.SQLStateInvalidParameterValue, `"tls": "maybe"`},
		{"cert without key", []fdwtype.Option{{Name: "tls", Value: "on"}, {Name: "tls_cert_file", Value: "c.pem"}}, fdwtype.SQLStateInvalidParameterValue, "together"},
		{"key without cert", []fdwtype.Option{{Name: "tls", Value: "on"}, {Name: "tls_key_file", Value: "k.pem"}}, fdwtype.SQLStateInvalidParameterValue, "together"},
		{"ca without tls", []fdwtype.Option{{Name: "tls_ca_file", Value: "/ca.pem"}}, fdwtype.SQLStateInvalidParameterValue, `needs option "tls"`},
		{"server name without tls", []fdwtype.Option{{Name: "tls_server_name", Value: "x"}}, fdwtype.SQLStateInvalidParameterValue, `needs option "tls"`},
		{"empty path", []fdwtype.Option{{Name: "tls", Value: "on"}, {Name: "tls_ca_file", Value: " "}}, fdwtype.SQLStateInvalidParameterValue, `"tls_ca_file"`},
		{"server name with space", []fdwtype.Option{{Name: "tls", Value: "on"}, {Name: "tls_server_name", Value: "a b"}}, fdwtype.SQLStateInvalidParameterValue, `"tls_server_name"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := fdwtype.Validate(fdwtype.CatalogServer, tt.opts)
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
	files := []fdwtype.Option{{Name: "tls", Value: "on"}, {Name: "tls_cert_file", Value: "c"}, {Name: "tls_key_file", Value: "k"}}
	st := fdwtype.CheckOptionPrivileges(fdwtype.CatalogServer, files, false)
	require.NotNil(t, st)
	assert.Equal(t, fdwtype.SQLStateInsufficientPrivilege, st.SQLState)
	assert.Contains(t, st.Message, `"tls_cert_file"`)
	assert.Nil(t, fdwtype.CheckOptionPrivileges(fdwtype.CatalogServer, files, true), "superuser")
	assert.Nil(t, fdwtype.CheckOptionPrivileges(fdwtype.CatalogServer, []fdwtype.Option{{Name: "tls", Value: "on"}, {Name: "tls_server_name", Value: "x"}}, false), "no file option")
	st = fdwtype.CheckOptionPrivileges(fdwtype.CatalogServer, []fdwtype.Option{{Name: "tls_ca_file", Value: "/etc/passwd"}}, false)
	require.NotNil(t, st)
	assert.Contains(t, st.Message, `"tls_ca_file"`)
}

func TestParseServerOptionsTLS(t *testing.T) {
	so, st := fdwtype.ParseServerOptions([]fdwtype.Option{{Name: "tls", Value: "on"}, {Name: "tls_ca_file", Value: " /ca.pem"}, {Name: "tls_cert_file", Value: "c"}, {Name: "tls_key_file", Value: "k"}, {Name: "tls_server_name", Value: "kt"}})
	require.Nil(t, st)
	assert.True(t, so.TLS)
	assert.Equal(t, "/ca.pem", so.TLSCAFile)
	assert.Equal(t, "c", so.TLSCertFile)
	assert.Equal(t, "k", so.TLSKeyFile)
	assert.Equal(t, "kt", so.TLSServerName)
	so, st = fdwtype.ParseServerOptions(nil)
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

func tlsTable(srv *ktdev.Server, so fdwtype.ServerOptions) fdwtype.Table {
	so.Host, so.Port, so.Timeout, so.ConnectTimeout = "127.0.0.1", srv.Port(), 5*time.Second, 2*time.Second
	return fdwtype.Table{Server: fdwtype.Server{OID: 1, Name: "tls", Opts: so}, Name: "kv", KeyCol: "key"}
}

func tlsRoundTrip(t *testing.T, tbl fdwtype.Table) *fdwtype.Status {
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

	require.Nil(t, tlsRoundTrip(t, tlsTable(srv, fdwtype.ServerOptions{TLS: true, TLSCAFile: ca})), "CA file trusts the server")
	require.Nil(t, tlsRoundTrip(t, tlsTable(srv, fdwtype.ServerOptions{TLS: true, TLSCAFile: ca, TLSServerName: "kt.test"})), "name in the certificate")

	st := tlsRoundTrip(t, tlsTable(srv, fdwtype.ServerOptions{TLS: true}))
	require.NotNil(t, st, "system roots do not trust the test CA")
	assert.Equal(t, fdwtype.SQLStateUnableToConnect, st.SQLState)
	assert.Contains(t, st.Message, "TLS handshake failed")
	assert.Contains(t, st.Message, "unknown authority")

	st = tlsRoundTrip(t, tlsTable(srv, fdwtype.ServerOptions{TLS: true, TLSCAFile: ca, TLSServerName: "other.example"}))
	require.NotNil(t, st)
	assert.Equal(t, fdwtype.SQLStateUnableToConnect, st.SQLState)
	assert.Contains(t, st.Message, "other.example")

	st = tlsRoundTrip(t, tlsTable(srv, fdwtype.ServerOptions{TLS: true, TLSCAFile: filepath.Join(dir, "missing.crt")}))
	require.NotNil(t, st)
	assert.Equal(t, fdwtype.SQLStateUnableToConnect, st.SQLState)
	assert.Contains(t, st.Message, "missing.crt")
	assert.Contains(t, st.Message, "no such file")

	st = tlsRoundTrip(t, tlsTable(srv, fdwtype.ServerOptions{}))
	require.NotNil(t, st, "plain TCP to a TLS server")
}

func TestMutualTLSConnect(t *testing.T) {
	_, srv, dir := tlsServer(t, true)
	ca := filepath.Join(dir, "ca.crt")
	cert, key := filepath.Join(dir, "client.crt"), filepath.Join(dir, "client.key")

	require.Nil(t, tlsRoundTrip(t, tlsTable(srv, fdwtype.ServerOptions{TLS: true, TLSCAFile: ca, TLSCertFile: cert, TLSKeyFile: key})))

	st := tlsRoundTrip(t, tlsTable(srv, fdwtype.ServerOptions{TLS: true, TLSCAFile: ca}))
	require.NotNil(t, st, "no client certificate")
	assert.Equal(t, fdwtype.SQLStateUnableToConnect, st.SQLState, "%s", st.Message)
	assert.Contains(t, st.Message, "refused the TLS connection")

	st = tlsRoundTrip(t, tlsTable(srv, fdwtype.ServerOptions{TLS: true, TLSCAFile: ca, TLSCertFile: key, TLSKeyFile: cert}))
	require.NotNil(t, st, "swapped certificate and key")
	assert.Equal(t, fdwtype.SQLStateUnableToConnect, st.SQLState)
	assert.Contains(t, st.Message, "tls_cert_file")
}

func TestTLSRejectedNotRetriedAsBroken(t *testing.T) {
	// a TLS alert on the first read counts as a failure to connect
	_, srv, dir := tlsServer(t, true)
	r, err := DialKT(tlsTable(srv, fdwtype.ServerOptions{TLS: true, TLSCAFile: filepath.Join(dir, "ca.crt")}).Server.Opts)
	require.NoError(t, err)
	defer r.Close()
	_, _, err = r.Get(context.Background(), "", []byte("k"))
	require.Error(t, err)
	assert.Equal(t, FailConnect, Classify(err), "%v", err)
}
