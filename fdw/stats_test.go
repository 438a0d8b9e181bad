package fdw

import (
	"context"
	"testing"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func statOf(t *testing.T, be *Backend, oid uint32) ServerStat {
	t.Helper()
	for _, s := range be.Conns.ServerStats() {
		if s.OID == oid {
			return s
		}
	}
	return ServerStat{OID: oid}
}

func TestServerStatsCountsRoundTripsAndErrors(t *testing.T) {
	f := newFake()
	be := newTestBackend(f)
	tbl := testTable("")
	tbl.Server.OID = 4242
	before := statOf(t, be, 4242)
	op := func(errs ...error) *fdwtype.Status {
		fn, _ := seq(errs...)
		return call(context.Background(), opContext(tbl, "get"), fn)
	}

	_, st := be.remote(tbl.Server) // a cached client
	require.Nil(t, st)
	require.Nil(t, op())
	s := statOf(t, be, 4242)
	assert.Equal(t, before.RoundTrips+1, s.RoundTrips, "one get")
	assert.Equal(t, before.Errors, s.Errors)
	assert.True(t, s.Connected)
	assert.Equal(t, "s", s.Name)
	assert.Equal(t, "127.0.0.1:1978", s.Hosts)

	require.NotNil(t, op(errRefused))
	s = statOf(t, be, 4242)
	assert.Equal(t, before.RoundTrips+2, s.RoundTrips)
	assert.Equal(t, before.Errors+1, s.Errors)

	require.NotNil(t, op(errBroken, errBroken)) // retried once: two round trips, one error
	s = statOf(t, be, 4242)
	assert.Equal(t, before.RoundTrips+4, s.RoundTrips)
	assert.Equal(t, before.Errors+2, s.Errors)

	assert.True(t, be.Conns.Disconnect(4242))
	assert.False(t, be.Conns.Disconnect(4242), "nothing left to close")
	assert.True(t, f.closed)
	s = statOf(t, be, 4242)
	assert.False(t, s.Connected)
	assert.Equal(t, before.RoundTrips+4, s.RoundTrips, "counters survive a disconnect")
}

func TestServerStatsFailoverState(t *testing.T) {
	f, a, _, _ := twoHosts(t)
	be := NewBackend(func(fdwtype.ServerOptions) (Remote, error) { return f, nil })
	tbl := testTable("")
	tbl.Server.OID = 4343
	tbl.Server.Opts.Host = "a,b"
	a.err = errRefused
	_, st := scanAll(t, be, tbl, true, []byte("k"))
	require.Nil(t, st)
	s := statOf(t, be, 4343)
	assert.Equal(t, "b:1978", s.Current)
	assert.EqualValues(t, 1, s.Failovers)
	assert.Equal(t, "a:1978 (down),b:1978", s.Hosts)

	assert.True(t, be.Conns.DisconnectAll())
	assert.False(t, be.Conns.DisconnectAll())
}
