package e2e_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt/ktdev"
	"github.com/kt-fdw/kt_fdw/test/pgtest"
	"github.com/kt-fdw/kt_fdw/test/testcerts"
)

// certDir writes the CA and client certificate where the Postgres server's
// OS user can read them (the cluster runs as postgres when tests run as root).
func certDir(t *testing.T, certs *testcerts.Set) (ca, cert, key string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "kt_fdw_certs")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o755))
	ca = filepath.Join(dir, "ca.crt")
	require.NoError(t, os.WriteFile(ca, certs.CA.CertPEM, 0o644))
	cert, key, err = certs.Client.Write(dir, "client")
	require.NoError(t, err)
	return ca, cert, key
}

func TestTLSServerOptions(t *testing.T) {
	e := newDevEnv(t) // only for the database; TLS servers are made below
	certs, err := testcerts.New()
	require.NoError(t, err)
	ca, cert, key := certDir(t, certs)
	plain := ktdev.NewTestServer(t, ktdev.WithTLS(certs.ServerConfig(false)))
	mutual := ktdev.NewTestServer(t, ktdev.WithTLS(certs.ServerConfig(true)))

	server := func(name string, port int, opts string) {
		e.exec(fmt.Sprintf("CREATE SERVER %s FOREIGN DATA WRAPPER kt_fdw OPTIONS (host '127.0.0.1', port '%d', timeout '5s'%s)", name, port, opts))
		e.exec(fmt.Sprintf("CREATE USER MAPPING FOR PUBLIC SERVER %s", name))
		e.exec(fmt.Sprintf("CREATE FOREIGN TABLE %s_kv (key text, value text) SERVER %s", name, name))
	}
	server("tls_ok", plain.Port(), fmt.Sprintf(", tls 'on', tls_ca_file '%s'", ca))
	server("mtls_ok", mutual.Port(), fmt.Sprintf(", tls 'on', tls_ca_file '%s', tls_cert_file '%s', tls_key_file '%s', tls_server_name 'kt.test'", ca, cert, key))
	server("tls_untrusted", plain.Port(), ", tls 'on'")
	server("mtls_nocert", mutual.Port(), fmt.Sprintf(", tls 'on', tls_ca_file '%s'", ca))
	server("tls_badname", plain.Port(), fmt.Sprintf(", tls 'on', tls_ca_file '%s', tls_server_name 'wrong.example'", ca))
	server("tls_nofile", plain.Port(), ", tls 'on', tls_ca_file '/nonexistent/ca.crt'")

	t.Run("TLS and mutual TLS round trips", func(t *testing.T) {
		for _, tbl := range []string{"tls_ok_kv", "mtls_ok_kv"} {
			e.exec(fmt.Sprintf("INSERT INTO %s VALUES ('k', '%s')", tbl, tbl))
			var v string
			require.NoError(t, e.conn.QueryRow(ctx(t), fmt.Sprintf("SELECT value FROM %s WHERE key = 'k'", tbl)).Scan(&v))
			assert.Equal(t, tbl, v)
		}
	})

	t.Run("certificate errors are HV00N naming the TLS problem", func(t *testing.T) {
		for tbl, want := range map[string]string{
			"tls_untrusted_kv": "unknown authority",
			"mtls_nocert_kv":   "refused the TLS connection",
			"tls_badname_kv":   "wrong.example",
			"tls_nofile_kv":    "/nonexistent/ca.crt",
		} {
			for _, sql := range []string{"SELECT * FROM " + tbl, "INSERT INTO " + tbl + " VALUES ('x', 'y')"} {
				pe := pgErr(t, e.conn, sql)
				assert.Equal(t, "HV00N", pe.Code, "%s: %s", sql, pe.Message)
				assert.Contains(t, pe.Message, want, sql)
				t.Logf("%s: %s", sql, pe.Message)
			}
		}
	})

	t.Run("file options are superuser-only", func(t *testing.T) {
		e.exec("CREATE ROLE kt_tls_user LOGIN")
		t.Cleanup(func() {
			_, _ = e.conn.Exec(ctx(t), "DROP OWNED BY kt_tls_user")
			_, _ = e.conn.Exec(ctx(t), "DROP ROLE kt_tls_user")
		})
		e.exec("GRANT USAGE ON FOREIGN DATA WRAPPER kt_fdw TO kt_tls_user")
		e.exec("SET ROLE kt_tls_user")
		defer e.exec("RESET ROLE")
		for _, opt := range []string{"tls_ca_file", "tls_cert_file", "tls_key_file"} {
			extra := ""
			if opt == "tls_cert_file" {
				extra = ", tls_key_file '/k'"
			} else if opt == "tls_key_file" {
				extra = ", tls_cert_file '/c'"
			}
			pe := pgErr(t, e.conn, fmt.Sprintf("CREATE SERVER u_%s FOREIGN DATA WRAPPER kt_fdw OPTIONS (tls 'on', %s '/etc/passwd'%s)", opt, opt, extra))
			assert.Equal(t, "42501", pe.Code, pe.Message)
		}
		e.exec("CREATE SERVER u_ok FOREIGN DATA WRAPPER kt_fdw OPTIONS (tls 'on', tls_server_name 'kt.test')")
		pe := pgErr(t, e.conn, "ALTER SERVER u_ok OPTIONS (ADD tls_ca_file '/etc/passwd')")
		assert.Equal(t, "42501", pe.Code, pe.Message)
	})
}

func TestTLSOptionValidation(t *testing.T) {
	pgtest.RequireExtension(t)
	e := newDevEnv(t)
	for sql, code := range map[string]string{
		"CREATE SERVER v1 FOREIGN DATA WRAPPER kt_fdw OPTIONS (tls 'sometimes')":                       "22023",
		"CREATE SERVER v2 FOREIGN DATA WRAPPER kt_fdw OPTIONS (tls_ca_file '/ca')":                     "22023",
		"CREATE SERVER v3 FOREIGN DATA WRAPPER kt_fdw OPTIONS (tls 'on', tls_cert_file '/c')":          "22023",
		"CREATE SERVER v4 FOREIGN DATA WRAPPER kt_fdw OPTIONS (tls 'on', tls_server_name 'has space')": "22023",
		"CREATE FOREIGN TABLE v5 (key text, value text) SERVER kt OPTIONS (tls 'on')":                  "HV00D",
	} {
		pe := pgErr(t, e.conn, sql)
		assert.Equal(t, code, pe.Code, "%s: %s", sql, pe.Message)
	}
}
