package fdw

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// drainServerLog empties the queue (other tests fill it too).
func drainServerLog() []string {
	var out []string
	for {
		line, ok := TakeServerLog()
		if !ok {
			return out
		}
		out = append(out, line)
	}
}

// A failover, the back-off of the failed host and its recovery each give a
// LOG line naming the server, the host and the reason; the same event
// again within logInterval is held back and counted in the next line.
func TestServerLogFailoverBackoffRecovery(t *testing.T) {
	f, a, b, now := twoHosts(t)
	f.SetServerName("logged")
	clock := *now
	serverLog.mu.Lock()
	serverLog.now = func() time.Time { return clock }
	serverLog.mu.Unlock()
	t.Cleanup(func() { serverLog.now = time.Now })
	drainServerLog()
	flagged := 0
	OnServerLog = func() { flagged++ }
	t.Cleanup(func() { OnServerLog = func() {} })

	b.put("", "k", "from b")
	a.err = errRefused
	_, _, err := f.Get(context.Background(), "", []byte("k"))
	require.NoError(t, err)
	assert.Equal(t, []string{
		`kt_fdw: server "logged": host a:1978 is skipped for 1s after a failure: connection refused (failure 1 in a row)`,
		`kt_fdw: server "logged": failed over from host a:1978 to host b:1978: connection refused`,
	}, drainServerLog())
	assert.Equal(t, 2, flagged, "the C side is told of each line")

	// a is in back-off: b serves without a failover; once the back-off is
	// over a fails again (held back: within logInterval), then recovers
	*now = now.Add(2 * time.Second)
	clock = clock.Add(2 * time.Second)
	_, _, err = f.Get(context.Background(), "", []byte("k"))
	require.NoError(t, err)
	assert.Empty(t, drainServerLog(), "the same events within the interval are held back")

	clock = clock.Add(logInterval)
	*now = now.Add(logInterval)
	a.err = nil
	a.put("", "k", "from a")
	_, _, err = f.Get(context.Background(), "", []byte("k"))
	require.NoError(t, err)
	assert.Equal(t, []string{`kt_fdw: server "logged": host a:1978 answers again after 2 failures`}, drainServerLog())

	// the next back-off line counts those held back
	a.err = errRefused
	_, _, err = f.Get(context.Background(), "", []byte("k"))
	require.NoError(t, err)
	lines := drainServerLog()
	require.Len(t, lines, 2)
	assert.Contains(t, lines[0], `host a:1978 is skipped for 1s after a failure: connection refused (failure 1 in a row) (1 more like it in the last 32s)`)
}

// A commit write whose outcome stays unknown is logged: KT may hold writes
// of a transaction that Postgres rolls back.
func TestServerLogCommitOutcomeUnknown(t *testing.T) {
	drainServerLog()
	oc := OpContext{Server: "unknown_outcome", Addr: "a:1978", Op: "set_bulk", Timeout: 50 * time.Millisecond}
	err, _ := callErr(context.Background(), oc, func(ctx context.Context) error { return errBroken })
	require.Error(t, err)
	lines := drainServerLog()
	require.Len(t, lines, 1)
	assert.Contains(t, lines[0], `kt_fdw: server "unknown_outcome" (a:1978): the outcome of a commit is unknown: set_bulk failed after`)
	assert.Contains(t, lines[0], "(connection lost)")

	// a read that fails is no commit: nothing logged
	oc.Op = "get"
	_, _ = callErr(context.Background(), oc, func(ctx context.Context) error { return errBroken })
	assert.Empty(t, drainServerLog())
}

// The queue is bounded; what did not fit is counted in one line.
func TestServerLogQueueBounded(t *testing.T) {
	drainServerLog()
	for i := range logQueueMax + 5 {
		logEvent(string(rune('A'+i%26))+time.Duration(i).String(), "line %d", i)
	}
	lines := drainServerLog()
	require.Len(t, lines, logQueueMax+1)
	assert.Equal(t, "kt_fdw: 5 log lines were dropped (more than 100 waited)", lines[logQueueMax])
}
