package fdw

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/kt-fdw/kt_fdw/kt/ktdev"
)

// ktTable is a table on a real KT ($KT_TEST_ADDR) or on a dev server; it
// returns the dev server (nil for a real KT) and clears the database used.
func ktTable(t *testing.T) (fdwtype.Table, *ktdev.Server) {
	t.Helper()
	var (
		srv  *ktdev.Server
		addr = os.Getenv("KT_TEST_ADDR")
	)
	if addr == "" {
		srv = ktdev.NewTestServer(t)
		addr = srv.Addr()
	}
	host, portStr, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	port, err := strconv.Atoi(portStr)
	require.NoError(t, err)
	tbl := fdwtype.Table{
		Server: fdwtype.Server{OID: 7, Name: "kt", Opts: fdwtype.ServerOptions{Host: host, Port: port, Timeout: 5 * time.Second, ConnectTimeout: time.Second}},
		Name:   "kv", KeyCol: "key", DB: "",
	}
	r, err := DialKT(tbl.Server.Opts)
	require.NoError(t, err)
	keys, err := r.AllKeys(context.Background(), tbl.DB)
	require.NoError(t, err)
	require.NoError(t, r.RemoveBulk(context.Background(), tbl.DB, keys))
	require.NoError(t, r.Close())
	return tbl, srv
}

func scanAll(t *testing.T, be *Backend, tbl fdwtype.Table, pointGet bool, key []byte) (map[string]string, *fdwtype.Status) {
	t.Helper()
	s := NewScan(be, tbl)
	defer s.Close()
	if st := s.Start(pointGet, key); st != nil {
		return nil, st
	}
	got, _, st := drain(t, s)
	return got, st
}

func TestKTRoundTrip(t *testing.T) {
	tbl, _ := ktTable(t)
	be := NewBackend(DialKT)
	defer be.Conns.CloseAll()

	m := NewModify(be, tbl, false)
	var keys, vals [][]byte
	want := map[string]string{}
	for i := 0; i < 1500; i++ {
		k, v := fmt.Sprintf("k%04d", i), fmt.Sprintf("v\x00%d", i)
		keys, vals = append(keys, []byte(k)), append(vals, []byte(v))
		want[k] = v
	}
	res, st := settle(t, m)(m.InsertBatch(1, keys, vals))
	require.Nil(t, st)
	require.Equal(t, ModifyDone, res)
	require.Nil(t, commit(t, be))

	got, st := scanAll(t, be, tbl, false, nil)
	require.Nil(t, st)
	assert.Equal(t, want, got)

	got, st = scanAll(t, be, tbl, true, []byte("k0042"))
	require.Nil(t, st)
	assert.Equal(t, map[string]string{"k0042": "v\x0042"}, got)

	res, st = settle(t, m)(m.Insert(1, []byte("k0001"), []byte("x")))
	assert.Equal(t, ModifyError, res)
	require.NotNil(t, st)
	assert.Equal(t, fdwtype.SQLStateUniqueViolation, st.SQLState)
	assert.Contains(t, st.Detail, "in KT server")
}

func TestKTErrors(t *testing.T) {
	if os.Getenv("KT_TEST_ADDR") != "" {
		t.Skip("needs the dev server's fault injection (KT_TEST_ADDR is set)")
	}
	tbl, srv := ktTable(t)
	be := NewBackend(DialKT)
	defer be.Conns.CloseAll()

	t.Run("no such database", func(t *testing.T) {
		bad := tbl
		bad.DB = "nosuch.kch"
		_, st := scanAll(t, be, bad, false, nil)
		require.NotNil(t, st)
		assert.Equal(t, fdwtype.SQLStateFDWTableNotFound, st.SQLState)
		assert.Equal(t, fmt.Sprintf(`KT server "kt" (%s) has no database "nosuch.kch"`, srv.Addr()), st.Message)
		assert.Contains(t, st.Hint, "The server's databases are 0 (")
		assert.Contains(t, st.Detail, "option db is 'nosuch.kch'")
	})

	t.Run("no such database index, binary protocol", func(t *testing.T) {
		bad := tbl
		bad.DB = "99"
		s := NewScan(be, bad)
		defer s.Close()
		st := s.StartSpec(ScanSpec{Kind: ScanKeys, Keys: [][]byte{[]byte("a"), []byte("b")}})
		if st == nil {
			_, _, st = drain(t, s)
		}
		require.NotNil(t, st, "get_bulk in a database the server does not have found nothing, silently")
		assert.Equal(t, fdwtype.SQLStateFDWTableNotFound, st.SQLState)
		assert.Equal(t, fmt.Sprintf(`KT server "kt" (%s) has no database "99"`, srv.Addr()), st.Message)
	})

	t.Run("stalled server times out", func(t *testing.T) {
		srv.SetStall(true)
		defer srv.SetStall(false)
		slow := tbl
		slow.Server.Opts.Timeout = 100 * time.Millisecond
		slow.Server.OID = 8
		_, st := scanAll(t, be, slow, true, []byte("k"))
		require.NotNil(t, st)
		assert.Equal(t, fmt.Sprintf(`KT operation get on server "kt" (%s) timed out after 100ms`, srv.Addr()), st.Message)
	})

	t.Run("connection refused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := ln.Addr().(*net.TCPAddr)
		require.NoError(t, ln.Close())
		dead := tbl
		dead.Server.OID = 9
		dead.Server.Opts.Port = addr.Port
		_, st := scanAll(t, be, dead, false, nil)
		require.NotNil(t, st)
		assert.Equal(t, fdwtype.SQLStateUnableToConnect, st.SQLState)
		assert.Equal(t, fmt.Sprintf(`could not connect to KT server "kt" at 127.0.0.1:%d: connection refused`, addr.Port), st.Message)
	})
}

func TestKTRestartIsRecovered(t *testing.T) {
	if os.Getenv("KT_TEST_ADDR") != "" {
		t.Skip("restarts the dev server (KT_TEST_ADDR is set)")
	}
	tbl, srv := ktTable(t)
	be := NewBackend(DialKT)
	defer be.Conns.CloseAll()
	_, st := scanAll(t, be, tbl, false, nil) // leaves a pooled connection
	require.Nil(t, st)

	addr := srv.Addr()
	require.NoError(t, srv.Close())
	srv2, err := ktdev.Start(ktdev.Config{Addr: addr})
	require.NoError(t, err)
	defer srv2.Close()

	_, st = scanAll(t, be, tbl, true, []byte("k"))
	assert.Nil(t, st, "a broken pooled connection is redialled")
}
