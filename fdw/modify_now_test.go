package fdw

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/kt-fdw/kt_fdw/kt/ktdev"
)

// A small INSERT's duplicate check runs on the calling goroutine: Finish (and
// a single-row Insert) answers without going pending; a KT slower than the
// budget makes the goroutine repeat the read.
func TestInsertCheckOnCallingGoroutine(t *testing.T) {
	tbl, srv := ktTable(t)
	be := NewBackend(DialKT)
	defer be.Conns.CloseAll()
	r, err := DialKT(tbl.Server.Opts)
	require.NoError(t, err)
	require.NoError(t, r.SetBulk(context.Background(), tbl.DB, []fdwtype.Record{{Key: []byte("kt"), Value: []byte("v")}}))
	require.NoError(t, r.Close())
	budget := generousGetNowBudget(t)

	for _, tc := range []struct {
		name string
		keys []string
		dup  string
	}{
		{"all new", []string{"n1", "n2"}, ""},
		{"one in KT", []string{"n3", "kt"}, "kt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewModify(be, tbl, false)
			m.DeferDuplicateChecks()
			defer m.Close()
			ks, vs := rows(tc.keys...)
			res, st := m.InsertBatch(1, ks, vs)
			require.Equal(t, ModifyDone, res, "%v", st)
			res, st = m.Finish()
			if tc.dup == "" {
				assert.Equal(t, ModifyDone, res, "answered without going pending: %v", st)
				return
			}
			require.Equal(t, ModifyError, res, "answered without going pending")
			assert.Equal(t, fdwtype.SQLStateUniqueViolation, st.SQLState)
			assert.Contains(t, st.Message, `"kt"`)
		})
	}
	t.Run("single row", func(t *testing.T) {
		m := NewModify(be, tbl, false)
		defer m.Close()
		res, st := m.Insert(1, []byte("kt"), []byte("x"))
		require.Equal(t, ModifyError, res, "answered without going pending")
		assert.Equal(t, fdwtype.SQLStateUniqueViolation, st.SQLState)
		res, st = m.Insert(1, []byte("n9"), []byte("x"))
		assert.Equal(t, ModifyDone, res, "%v", st)
	})
	t.Run("on conflict do nothing batch", func(t *testing.T) {
		m := NewModify(be, tbl, true)
		defer m.Close()
		ks, vs := rows("n7", "kt", "n8")
		res, st := m.InsertBatch(1, ks, vs)
		require.Equal(t, ModifyDone, res, "answered without going pending: %v", st)
		assert.Equal(t, []bool{false, true, false}, m.Skipped())
	})
	be.EndXact()

	if srv == nil {
		t.Skip("the slow-reply case needs the dev server's fault injection (KT_TEST_ADDR is set)")
	}
	getNowBudget = budget
	srv.SetFault(ktdev.Fault{Kind: ktdev.FaultStall, Proc: "bin_get_bulk", Stall: 3 * getNowBudget, Times: 1})
	defer srv.SetFault(ktdev.Fault{})
	m := NewModify(be, tbl, false)
	m.DeferDuplicateChecks()
	defer m.Close()
	ks, vs := rows("n5", "kt")
	res, _ := m.InsertBatch(1, ks, vs)
	require.Equal(t, ModifyDone, res)
	before := srv.Requests()
	res, st := m.Finish()
	require.Equal(t, ModifyPending, res, "the budget ran out: the goroutine takes over")
	res, st = settle(t, m)(res, st)
	require.Equal(t, ModifyError, res)
	assert.Contains(t, st.Message, `"kt"`)
	assert.Equal(t, uint64(2), srv.Requests()-before, "the timed-out attempt and the goroutine's get_bulk")
}
