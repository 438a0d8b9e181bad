package kt

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt/ktdev"
)

// deadlineOnly has a deadline but no Done channel, as a caller that
// cannot be interrupted mid-call uses (fdw's on-thread calls).
type deadlineOnly struct {
	context.Context
	at time.Time
}

func (c deadlineOnly) Deadline() (time.Time, bool) { return c.at, true }

func handoffCtx(h *Handoff, d time.Duration) context.Context {
	return WithHandoff(WithThreadWait(deadlineOnly{context.Background(), time.Now().Add(d)}), h)
}

// TestHandoff: an operation whose reply has not started by its deadline
// hands its connection over; the same operation under WithResume reads
// that reply without sending the request again, and the connection is
// usable afterwards. A resume that fails, or a Close, drops the connection.
func TestHandoff(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("thread waits use ppoll(2): linux only")
	}
	c, target := newTestClient(t)
	if target.Dev == nil {
		t.Skip("needs the dev server's fault injection (KT_TEST_ADDR is set)")
	}
	dev := target.Dev
	ctx := context.Background()
	stallOnce := func(proc string) {
		dev.SetFault(ktdev.Fault{Kind: ktdev.FaultStall, Proc: proc, Stall: 200 * time.Millisecond, Times: 1})
	}
	t.Cleanup(dev.ClearFault)

	t.Run("HTTP set resumed", func(t *testing.T) {
		var h Handoff
		defer h.Close()
		stallOnce("set")
		before := dev.Requests()
		err := c.Set(handoffCtx(&h, 20*time.Millisecond), "", b("k"), b("v1"))
		require.ErrorIs(t, err, ErrHandedOff)
		var ne *NetError
		require.ErrorAs(t, err, &ne)
		assert.Equal(t, Timeout, ne.Kind)
		require.True(t, h.Pending())

		require.NoError(t, c.Set(WithResume(ctx, &h), "", b("k"), b("v1")))
		assert.False(t, h.Pending())
		assert.EqualValues(t, 1, dev.Requests()-before, "the request was sent once")
		rec, err := c.Get(ctx, "", b("k"))
		require.NoError(t, err)
		assert.Equal(t, "v1", string(rec.Value))
	})

	t.Run("binary set_bulk resumed", func(t *testing.T) {
		var h Handoff
		defer h.Close()
		stallOnce("bin_set_bulk")
		before := dev.Requests()
		recs := []BinRecord{{Key: b("bk"), Value: b("bv"), XT: XTNever}}
		_, err := c.BinSetBulk(handoffCtx(&h, 20*time.Millisecond), recs, false)
		require.ErrorIs(t, err, ErrHandedOff)
		// another operation first: it does not take the held connection
		require.NoError(t, c.Set(WithResume(ctx, &h), "", b("other"), b("x")))
		require.True(t, h.Pending())
		n, err := c.BinSetBulk(WithResume(ctx, &h), recs, false)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		assert.EqualValues(t, 2, dev.Requests()-before, "set_bulk once, set once")
	})

	t.Run("binary get resumed", func(t *testing.T) {
		var h Handoff
		defer h.Close()
		require.NoError(t, c.Set(ctx, "", b("gk"), b("gv")))
		stallOnce("bin_get_bulk")
		before := dev.Requests()
		_, _, _, err := c.BinGet(handoffCtx(&h, 20*time.Millisecond), 0, b("gk"))
		require.ErrorIs(t, err, ErrHandedOff)
		require.True(t, h.Pending())
		v, _, found, err := c.BinGet(WithResume(ctx, &h), 0, b("gk"))
		require.NoError(t, err)
		assert.True(t, found)
		assert.Equal(t, "gv", string(v))
		assert.False(t, h.Pending())
		assert.EqualValues(t, 1, dev.Requests()-before, "the request was sent once")
	})

	t.Run("binary play_script resumed", func(t *testing.T) {
		var h Handoff
		defer h.Close()
		stallOnce("bin_play_script")
		before := dev.Requests()
		in := []KV{{Key: b("key"), Value: b("pk")}, {Key: b("value"), Value: b("pv")}}
		_, err := c.BinPlayScript(handoffCtx(&h, 20*time.Millisecond), "put", in, false)
		require.ErrorIs(t, err, ErrHandedOff)
		out, err := c.BinPlayScript(WithResume(ctx, &h), "put", in, false)
		require.NoError(t, err)
		assert.Equal(t, []KV{{Key: b("ok"), Value: b("1")}}, out)
		assert.EqualValues(t, 1, dev.Requests()-before, "the script ran once")
		rec, err := c.Get(ctx, "", b("pk"))
		require.NoError(t, err)
		assert.Equal(t, "pv", string(rec.Value))
	})

	t.Run("a resume that fails drops the connection", func(t *testing.T) {
		var h Handoff
		defer h.Close()
		stallOnce("set")
		err := c.Set(handoffCtx(&h, 20*time.Millisecond), "", b("k2"), b("v2"))
		require.ErrorIs(t, err, ErrHandedOff)
		canceled, cancel := context.WithCancel(ctx)
		cancel()
		require.Error(t, c.Set(WithResume(canceled, &h), "", b("k2"), b("v2")))
		assert.False(t, h.Pending())
		// the pool holds no connection with a reply still coming
		for i := 0; i < 3; i++ {
			rec, err := c.Get(ctx, "", b("k"))
			require.NoError(t, err)
			assert.Equal(t, "v1", string(rec.Value))
		}
	})

	t.Run("close", func(t *testing.T) {
		var h Handoff
		stallOnce("set")
		err := c.Set(handoffCtx(&h, 20*time.Millisecond), "", b("k3"), b("v3"))
		require.ErrorIs(t, err, ErrHandedOff)
		h.Close()
		assert.False(t, h.Pending())
		rec, err := c.Get(ctx, "", b("k"))
		require.NoError(t, err)
		assert.Equal(t, "v1", string(rec.Value))
	})

	t.Run("a reply in time is not handed off", func(t *testing.T) {
		var h Handoff
		require.NoError(t, c.Set(handoffCtx(&h, time.Second), "", b("k4"), b("v4")))
		assert.False(t, h.Pending())
	})
}
