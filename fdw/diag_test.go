package fdw

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/kt-fdw/kt_fdw/kt/ktscript"
)

// kt_fdw_diag asks every host of a failover list, each on its own
// connection: a host that cannot be reached says why, one with kt_fdw.lua
// reports its protocol, one without reports none.
func TestDiagAsksEveryHost(t *testing.T) {
	withScript, _, _ := devTable(t, true, fdwtype.XactOptions{})
	noScript, _, _ := devTable(t, false, fdwtype.XactOptions{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := l.Addr().String()
	require.NoError(t, l.Close())

	srv := withScript.Server
	srv.Opts.Host = closed + "," + withScript.Server.Opts.Addr() + "," + noScript.Server.Opts.Addr()
	d := StartDiag(srv)
	defer d.Close()
	finished, st := d.Wait(10 * time.Second)
	require.True(t, finished)
	require.Nil(t, st)
	hosts := d.Hosts()
	require.Len(t, hosts, 3)

	assert.Equal(t, closed, hosts[0].Addr)
	assert.Contains(t, hosts[0].Error, `could not connect to KT server "kt" at `+closed)
	assert.Empty(t, hosts[0].KTVersion)

	for i, h := range hosts[1:] {
		assert.Empty(t, h.Error, "host %d", i+1)
		assert.NotEmpty(t, h.KTVersion)
		assert.Equal(t, "0 (*), 1 (%)", h.Databases)
	}
	assert.Equal(t, withScript.Server.Opts.Addr(), hosts[1].Addr)
	assert.Equal(t, ktscript.Version, hosts[1].Protocol)
	assert.Equal(t, "", hosts[2].Protocol, "no kt_fdw.lua")
}
