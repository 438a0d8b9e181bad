package fdw

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/kt-fdw/kt_fdw/kt/ktdev"
)

func TestPointGetOnCallingGoroutine(t *testing.T) {
	tbl, srv := ktTable(t)
	be := NewBackend(DialKT)
	defer be.Conns.CloseAll()
	r, err := DialKT(tbl.Server.Opts)
	require.NoError(t, err)
	require.NoError(t, r.SetBulk(context.Background(), tbl.DB, []fdwtype.Record{{Key: []byte("k"), Value: []byte("v")}}))
	require.NoError(t, r.Close())
	budget := generousGetNowBudget(t)

	// getNow answered in Start: the first poll, without waiting, has the row
	for _, tc := range []struct {
		key  string
		want []string
	}{{"k", []string{"v"}}, {"missing", nil}} {
		s := NewScan(be, tbl)
		require.Nil(t, s.Start(true, []byte(tc.key)))
		res, rows, st := s.Next(0)
		require.Nil(t, st)
		var got []string
		if len(tc.want) > 0 {
			require.Equal(t, ScanRows, res, tc.key)
			for _, r := range rows {
				got = append(got, string(r.Value))
			}
			res, _, _ = s.Next(0)
		}
		assert.Equal(t, tc.want, got, tc.key)
		assert.Equal(t, ScanEOF, res, tc.key)
		s.Close()
	}

	if srv == nil {
		t.Skip("the slow-reply case needs the dev server's fault injection (KT_TEST_ADDR is set)")
	}
	getNowBudget = budget
	// a reply slower than the budget: the goroutine reads the reply to the
	// request the attempt on the thread sent, without sending it again
	srv.SetFault(ktdev.Fault{Kind: ktdev.FaultStall, Proc: "bin_get_bulk", Stall: 3 * getNowBudget, Times: 1})
	defer srv.SetFault(ktdev.Fault{})
	before := srv.Requests()
	got, st := scanAll(t, be, tbl, true, []byte("k"))
	require.Nil(t, st)
	assert.Equal(t, map[string]string{"k": "v"}, got)
	assert.Equal(t, uint64(1), srv.Requests()-before, "one get: the goroutine resumed the handed-off one")

	// a garbage reply started within the budget: nothing to resume, the
	// goroutine sends the get again and reports its answer
	srv.SetFault(ktdev.Fault{Kind: ktdev.FaultGarbage, Proc: "bin_get_bulk", Times: 1})
	before = srv.Requests()
	got, st = scanAll(t, be, tbl, true, []byte("k"))
	require.Nil(t, st)
	assert.Equal(t, map[string]string{"k": "v"}, got)
	assert.Equal(t, uint64(2), srv.Requests()-before, "the garbled attempt and the goroutine's get")
}

func TestPointGetShortTimeoutStaysInGoroutine(t *testing.T) {
	if os.Getenv("KT_TEST_ADDR") != "" {
		t.Skip("needs the dev server's fault injection (KT_TEST_ADDR is set)")
	}
	tbl, srv := ktTable(t)
	be := NewBackend(DialKT)
	defer be.Conns.CloseAll()
	tbl.Server.Opts.Timeout = getNowBudget / 2
	srv.SetFault(ktdev.Fault{Kind: ktdev.FaultStall, Proc: "bin_get_bulk", Stall: time.Second, Times: 1})
	defer srv.SetFault(ktdev.Fault{})
	before := srv.Requests()
	_, st := scanAll(t, be, tbl, true, []byte("k"))
	require.NotNil(t, st)
	assert.Contains(t, st.Message, "timed out after 10ms")
	assert.Equal(t, uint64(1), srv.Requests()-before, "one get, no attempt on the calling goroutine")
}

// generousGetNowBudget raises getNowBudget for the rest of the test, so a
// loaded machine does not turn "served on the calling goroutine" into
// "handed to the goroutine"; it returns the real budget, restored at cleanup.
func generousGetNowBudget(t *testing.T) time.Duration {
	budget := getNowBudget
	getNowBudget = time.Second // below ktTable's 5s timeout
	t.Cleanup(func() { getNowBudget = budget })
	return budget
}
