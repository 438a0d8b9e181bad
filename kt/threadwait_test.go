package kt

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt/ktdev"
)

// countPolls counts the thread waits of the test (pollIn is a variable for this).
func countPolls(t *testing.T) *atomic.Int64 {
	var n atomic.Int64
	orig := pollIn
	pollIn = func(fd uintptr, d time.Duration) {
		n.Add(1)
		orig(fd, d)
	}
	t.Cleanup(func() { pollIn = orig })
	return &n
}

func TestWithThreadWait(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("thread waits use ppoll(2): linux only")
	}
	c, _ := newTestClient(t)
	ctx := context.Background()
	require.NoError(t, c.Set(ctx, "", b("k"), b("v")))
	polls := countPolls(t)

	rec, err := c.Get(ctx, "", b("k"))
	require.NoError(t, err)
	assert.Equal(t, "v", string(rec.Value))
	assert.Zero(t, polls.Load(), "without WithThreadWait reads park in Go's poller")

	rec, err = c.Get(WithThreadWait(ctx), "", b("k"))
	require.NoError(t, err)
	assert.Equal(t, "v", string(rec.Value))
	assert.Positive(t, polls.Load(), "the reply was awaited in poll(2)")

	before := polls.Load()
	v, _, found, err := c.BinGet(WithThreadWait(ctx), 0, b("k"))
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, "v", string(v))
	assert.Greater(t, polls.Load(), before, "the binary reply was awaited in poll(2) too")
}

func TestWithThreadWaitKeepsTheDeadline(t *testing.T) {
	c, target := newTestClient(t)
	if target.Dev == nil {
		t.Skip("needs the dev server's fault injection (KT_TEST_ADDR is set)")
	}
	target.Dev.SetFault(ktdev.Fault{Kind: ktdev.FaultStall, Proc: "get"})
	defer target.Dev.SetFault(ktdev.Fault{})
	ctx, cancel := context.WithTimeout(WithThreadWait(context.Background()), 50*time.Millisecond)
	defer cancel()
	_, err := c.Get(ctx, "", b("k"))
	require.Error(t, err)
	var ne *NetError
	require.ErrorAs(t, err, &ne)
	assert.Equal(t, Timeout, ne.Kind)
}
