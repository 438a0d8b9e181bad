package fdw

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/errors"
	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// concurrentBinary is a fake whose binary set_bulk counts the calls in
// flight; failAt makes that call (from 1) fail with a definite error, and
// the calls after it wait for the apply to cancel them.
type concurrentBinary struct {
	*fakeRemote
	mu        sync.Mutex
	calls     int
	inFlight  int
	maxFlight int
	failAt    int
	both      chan struct{} // closed once two calls were in flight together
}

func (c *concurrentBinary) BinSetBulk(ctx context.Context, db string, recs []fdwtype.Record) error {
	c.mu.Lock()
	c.calls++
	n := c.calls
	c.inFlight++
	c.maxFlight = max(c.maxFlight, c.inFlight)
	if c.inFlight == 2 {
		select {
		case <-c.both:
		default:
			close(c.both)
		}
	}
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.inFlight--
		c.mu.Unlock()
	}()
	// wait (bounded) for a second call, so the test sees the overlap
	select {
	case <-c.both:
	case <-time.After(2 * time.Second):
	case <-ctx.Done():
		return ctx.Err()
	}
	if n == c.failAt {
		return errors.New("DB: 8: logical inconsistency") // an answer, not retried
	}
	if c.failAt > 0 && n > c.failAt {
		// a call sent beside or after the failing one answers only when
		// the failure cancels it, so how many calls were sent does not
		// depend on how fast the goroutines ran
		<-ctx.Done()
		return ctx.Err()
	}
	return c.fakeRemote.BinSetBulk(ctx, db, recs)
}

func TestApplyBinaryPipelined(t *testing.T) {
	sets := make([]fdwtype.Record, 10)
	for i := range sets {
		sets[i] = fdwtype.Record{Key: fmt.Appendf(nil, "k%02d", i), Value: []byte("v")}
	}
	tbl := testTable("db")

	t.Run("two calls in flight, never more", func(t *testing.T) {
		f := &concurrentBinary{fakeRemote: newFake(), both: make(chan struct{})}
		require.Nil(t, applyBinary(context.Background(), tbl, f, sets, nil, 2))
		assert.Equal(t, 5, f.calls)
		assert.Equal(t, applyInFlight, f.maxFlight)
		assert.Len(t, f.contents("db"), 10)
	})
	t.Run("a failing call fails the apply and stops the sending", func(t *testing.T) {
		f := &concurrentBinary{fakeRemote: newFake(), both: make(chan struct{}), failAt: 2}
		st := applyBinary(context.Background(), tbl, f, sets, nil, 2)
		require.NotNil(t, st)
		assert.Contains(t, st.Message, "logical inconsistency")
		assert.LessOrEqual(t, f.calls, 2+applyInFlight, "no chunk sent once the failure was seen, but those in flight")
	})
	t.Run("cancel", func(t *testing.T) {
		f := &concurrentBinary{fakeRemote: newFake(), both: make(chan struct{})}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		st := applyBinary(ctx, tbl, f, sets, nil, 2)
		require.NotNil(t, st)
		assert.Less(t, len(f.contents("db")), 10)
	})
}

// TestAtomicApplyPipelined: against the dev server, a commit of many
// ktfdwapply chunks (2 in flight) applies every record.
func TestAtomicApplyPipelined(t *testing.T) {
	tbl, srv, c := devTable(t, true, fdwtype.XactOptions{Apply: fdwtype.ApplyAtomic, ApplyBatch: 7})
	be := NewBackend(DialKT)
	defer be.Conns.CloseAll()
	want := map[string]string{}
	for i := 0; i < 100; i++ {
		k, v := fmt.Sprintf("k%03d", i), fmt.Sprint("v", i)
		be.writeBuffer(tbl).Set(1, []byte(k), []byte(v))
		want[k] = v
	}
	be.writeBuffer(tbl).Remove(1, []byte("k050"))
	delete(want, "k050")
	before := srv.Counts()["cnt_script"]
	require.Nil(t, commit(t, be))
	assert.Equal(t, want, ktContents(t, c, tbl.DB))
	assert.EqualValues(t, 1+(100+6)/7, srv.Counts()["cnt_script"]-before, "the probe and one call per chunk")
}
