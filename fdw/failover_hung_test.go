package fdw

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
)

// errHung is what a host that accepts and never answers gives: the
// operation's deadline passes.
var errHung = context.DeadlineExceeded

func getVia(t *testing.T, f *failoverRemote) error {
	t.Helper()
	err, _ := callErr(context.Background(), OpContext{Op: "get", Timeout: time.Minute}, func(ctx context.Context) error {
		_, _, err := f.Get(ctx, "", []byte("k"))
		return err
	})
	return err
}

func setVia(t *testing.T, f *failoverRemote) error {
	t.Helper()
	err, _ := callErr(context.Background(), OpContext{Op: "set_bulk", Timeout: time.Minute}, func(ctx context.Context) error {
		return f.SetBulk(ctx, "", []fdwtype.Record{{Key: []byte("k"), Value: []byte("v")}})
	})
	return err
}

func TestFailoverHungHostReads(t *testing.T) {
	f, a, b, _ := twoHosts(t)
	b.put("", "k", "from b")
	a.err = errHung

	// the read that met the hang is retried once on the second host
	require.NoError(t, getVia(t, f))
	assert.Equal(t, 1, a.count("get"))
	assert.Equal(t, 1, b.count("get"))
	_, _, hosts := f.FailoverState()
	assert.True(t, hosts[0].Down, "a timeout marks the host down")

	// within the back-off nothing goes to the hung host
	for i := 0; i < 5; i++ {
		require.NoError(t, getVia(t, f))
		require.NoError(t, setVia(t, f))
	}
	assert.Equal(t, 1, a.count("get"))
	assert.Equal(t, 0, a.count("set_bulk"))
	assert.Equal(t, 5, b.count("set_bulk"))
}

func TestFailoverHungHostCommitInFlight(t *testing.T) {
	f, a, b, _ := twoHosts(t)
	a.err = errHung
	// the write that met the hang may have been applied: it fails, and is
	// sent nowhere else
	err := setVia(t, f)
	require.Error(t, err)
	assert.Equal(t, FailTimeout, Classify(err))
	assert.Equal(t, 1, a.count("set_bulk"))
	assert.Equal(t, 0, b.count("set_bulk"))

	// the next transaction's write goes to the second host at once
	require.NoError(t, setVia(t, f))
	assert.Equal(t, 1, a.count("set_bulk"))
	assert.Equal(t, 1, b.count("set_bulk"))
}

func TestFailoverHungHostRecoveryByProbe(t *testing.T) {
	f, a, b, now := twoHosts(t)
	a.err = errHung
	require.NoError(t, getVia(t, f))

	// back-off over, a still hangs: the probe pays, no user operation does,
	// and the back-off doubles
	*now = now.Add(failoverBackoffMin)
	require.NoError(t, getVia(t, f))
	assert.Equal(t, 1, a.count("status"), "one probe")
	assert.Equal(t, 1, a.count("get"), "no user read went to the hung host")
	assert.Equal(t, now.Add(2*failoverBackoffMin), f.hosts[0].downUntil)

	// a answers again: after the back-off the probe finds it, and new
	// operations return to the first host of the list
	a.err = nil
	*now = now.Add(2 * failoverBackoffMin)
	require.NoError(t, setVia(t, f))
	assert.Equal(t, 2, a.count("status"))
	assert.Equal(t, 1, a.count("set_bulk"))
	assert.Equal(t, 0, b.count("set_bulk"))
	cur, _, hosts := f.FailoverState()
	assert.Equal(t, "a:1978", cur)
	assert.False(t, hosts[0].Down)
}

func TestFailoverProbeOncePerWindow(t *testing.T) {
	f, a, _, now := twoHosts(t)
	a.err = errHung
	require.NoError(t, getVia(t, f))
	var started []*failoverHost
	f.startProbe = func(h *failoverHost) { started = append(started, h) } // a probe still running
	*now = now.Add(failoverBackoffMin)
	for i := 0; i < 3; i++ {
		require.NoError(t, getVia(t, f))
	}
	assert.Len(t, started, 1, "one probe at a time")
	assert.Equal(t, 1, a.count("get"), "a host being probed gets no user operation")
}

func TestFailoverAlreadyDownNotExtended(t *testing.T) {
	f, a, b, now := twoHosts(t)
	a.err, b.err = errHung, errHung
	require.Error(t, getVia(t, f))
	until := f.hosts[0].downUntil
	assert.Equal(t, now.Add(failoverBackoffMin), until)
	// every host is down: operations still try them, and a failure seen
	// again inside the window does not grow the back-off
	require.Error(t, getVia(t, f))
	assert.Equal(t, until, f.hosts[0].downUntil)
	assert.Equal(t, 1, f.hosts[0].fails)
}
