package fdw

import (
	"context"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/errors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/kt-fdw/kt_fdw/kt"
)

var (
	errRefused   = &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	errBroken    = errors.Wrap(io.ErrUnexpectedEOF, "reading reply")
	errMaybeSent = errors.Mark(&kt.NetError{Kind: kt.ConnRefused, Err: syscall.ECONNREFUSED}, kt.ErrMaybeSent)
	errServer    = &kt.ServerError{Status: 400, Message: "bad"}
)

// twoHosts is a failover Remote over fakes a and b with a settable clock.
func twoHosts(t *testing.T) (*failoverRemote, *fakeRemote, *fakeRemote, *time.Time) {
	t.Helper()
	a, b := newFake(), newFake()
	fakes := map[string]*fakeRemote{"a:1978": a, "b:1978": b}
	f, err := newFailover([]string{"a:1978", "b:1978"}, func(addr string) (Remote, error) { return fakes[addr], nil })
	require.NoError(t, err)
	now := time.Unix(1000, 0)
	f.now = func() time.Time { return now }
	f.startProbe = f.probeHost // synchronous: the test sees its outcome
	return f, a, b, &now
}

func TestFailoverReads(t *testing.T) {
	for _, tc := range []struct {
		name      string
		err       error
		failsOver bool
	}{
		{"refused", errRefused, true},
		{"broken", errBroken, true},
		{"server error", errServer, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, a, b, now := twoHosts(t)
			b.put("", "k", "from b")
			a.err = tc.err
			v, found, err := f.Get(context.Background(), "", []byte("k"))
			if !tc.failsOver {
				require.Error(t, err)
				assert.Equal(t, 0, b.count("get"), "a KT error reply is not a reason to fail over")
				return
			}
			require.NoError(t, err)
			assert.True(t, found)
			assert.Equal(t, "from b", string(v))
			cur, n, hosts := f.FailoverState()
			assert.Equal(t, "b:1978", cur)
			assert.EqualValues(t, 1, n)
			assert.True(t, hosts[0].Down)

			// a is in back-off: the next read goes straight to b
			_, _, err = f.Get(context.Background(), "", []byte("k"))
			require.NoError(t, err)
			assert.Equal(t, 1, a.count("get"))

			// after the back-off a is first again
			a.err = nil
			*now = now.Add(failoverBackoffMin)
			_, _, err = f.Get(context.Background(), "", []byte("k"))
			require.NoError(t, err)
			assert.Equal(t, 2, a.count("get"))
			cur, _, _ = f.FailoverState()
			assert.Equal(t, "a:1978", cur)
		})
	}
}

func TestFailoverReadRetriesOnlyOnce(t *testing.T) {
	fakes := map[string]*fakeRemote{"a:1": newFake(), "b:1": newFake(), "c:1": newFake()}
	f, err := newFailover([]string{"a:1", "b:1", "c:1"}, func(addr string) (Remote, error) { return fakes[addr], nil })
	require.NoError(t, err)
	fakes["a:1"].err, fakes["b:1"].err = errRefused, errRefused
	_, err = f.AllKeys(context.Background(), "")
	require.Error(t, err)
	assert.Equal(t, 0, fakes["c:1"].count("match_prefix"))
}

func TestFailoverBackoffGrows(t *testing.T) {
	f, a, b, now := twoHosts(t)
	a.err, b.err = errRefused, errRefused
	for i, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
		_, err := f.GetBulk(context.Background(), "", [][]byte{[]byte("k")})
		require.Error(t, err)
		assert.Equal(t, now.Add(want), f.hosts[0].downUntil, "round %d", i)
		*now = now.Add(want)
	}
	f.hosts[0].fails = 100
	f.markDown(f.hosts[0], errRefused)
	assert.Equal(t, now.Add(failoverBackoffMax), f.hosts[0].downUntil)
}

func TestFailoverWrites(t *testing.T) {
	recs := []fdwtype.Record{{Key: []byte("k"), Value: []byte("v")}}
	t.Run("refused: applied on the other host", func(t *testing.T) {
		f, a, b, _ := twoHosts(t)
		a.err = errRefused
		require.Nil(t, call(context.Background(), OpContext{Op: "set_bulk", Timeout: 200 * time.Millisecond}, func(ctx context.Context) error {
			return f.SetBulk(ctx, "", recs)
		}))
		assert.Equal(t, map[string]string{"k": "v"}, b.contents(""))
	})
	t.Run("broken: retried on the same host only", func(t *testing.T) {
		f, a, b, _ := twoHosts(t)
		a.err = errBroken
		st := call(context.Background(), OpContext{Op: "set_bulk", Timeout: 200 * time.Millisecond}, func(ctx context.Context) error {
			return f.SetBulk(ctx, "", recs)
		})
		require.NotNil(t, st)
		assert.GreaterOrEqual(t, a.count("set_bulk"), 2, "retried on the same host (ambiguous.go)")
		assert.Equal(t, 0, b.count("set_bulk"), "a write that may have applied never moves")
	})
	t.Run("broken, then refused on retry: still not moved", func(t *testing.T) {
		f, a, b, _ := twoHosts(t)
		a.err = errBroken
		first := true
		st := call(context.Background(), OpContext{Op: "remove_bulk", Timeout: 200 * time.Millisecond}, func(ctx context.Context) error {
			if !first {
				a.err = errRefused
			}
			first = false
			return f.RemoveBulk(ctx, "", [][]byte{[]byte("k")})
		})
		require.NotNil(t, st)
		assert.Equal(t, fdwtype.SQLStateUnableToConnect, st.SQLState)
		assert.Equal(t, 0, b.count("remove_bulk"))
	})
	t.Run("refused after a stale pooled connection: not moved", func(t *testing.T) {
		f, a, b, _ := twoHosts(t)
		a.err = errMaybeSent
		defer func() { assert.GreaterOrEqual(t, a.count("set_bulk"), 2) }()
		st := call(context.Background(), OpContext{Op: "set_bulk", Timeout: 200 * time.Millisecond}, func(ctx context.Context) error {
			return f.SetBulk(ctx, "", recs)
		})
		require.NotNil(t, st)
		assert.Equal(t, 0, b.count("set_bulk"))
	})
	t.Run("all refused", func(t *testing.T) {
		f, a, b, _ := twoHosts(t)
		a.err, b.err = errRefused, errRefused
		st := call(context.Background(), OpContext{Op: "set_bulk", Timeout: 200 * time.Millisecond}, func(ctx context.Context) error {
			return f.SetBulk(ctx, "", recs)
		})
		require.NotNil(t, st)
		assert.Equal(t, fdwtype.SQLStateUnableToConnect, st.SQLState)
		assert.Equal(t, 1, a.count("set_bulk"))
		assert.Equal(t, 1, b.count("set_bulk"))
	})
}

func TestDialKTHostList(t *testing.T) {
	r, err := DialKT(fdwtype.ServerOptions{Host: "127.0.0.1,127.0.0.2", Port: 1978})
	require.NoError(t, err)
	defer r.Close()
	f, ok := r.(*failoverRemote)
	require.True(t, ok, "%T", r)
	_, _, hosts := f.FailoverState()
	assert.Equal(t, []HostState{{Addr: "127.0.0.1:1978"}, {Addr: "127.0.0.2:1978"}}, hosts)
}

func TestFailoverMoreOperations(t *testing.T) {
	f, a, b, _ := twoHosts(t)
	b.put("", "k", "v")
	a.err = errRefused
	n, err := f.Count(context.Background(), "")
	require.NoError(t, err)
	assert.EqualValues(t, 1, n, "count read from the second host")
	require.NoError(t, f.Clear(context.Background(), "", nil), "clear moves: a refused it")
	assert.Empty(t, b.contents(""))

	// a write that may have reached a host fails (its retries in call()
	// are pinned there) and marks the host down: the next transaction's
	// write goes to the second host
	f2, a2, b2, _ := twoHosts(t)
	a2.err = errBroken
	require.Error(t, f2.SetBulk(context.Background(), "", []fdwtype.Record{{Key: []byte("k"), Value: []byte("v")}}))
	_, _, hosts := f2.FailoverState()
	assert.True(t, hosts[0].Down)
	require.NoError(t, f2.SetBulk(context.Background(), "", []fdwtype.Record{{Key: []byte("k"), Value: []byte("v")}}))
	assert.Equal(t, 1, a2.count("set_bulk"))
	assert.Equal(t, 1, b2.count("set_bulk"))
}
