package fdw

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/kt-fdw/kt_fdw/kt/ktdev"
)

// TestApplyOneKey: a commit of one key without expectations is one binary
// set_bulk or remove_bulk in every apply mode (never ktfdwapply nor HTTP:
// those are stalled here, so using them would time the commit out); with
// an expectation it stays a ktfdwapply call; mode atomic still refuses a
// server without the script.
func TestApplyOneKey(t *testing.T) {
	for _, tc := range []struct {
		name    string
		scripts bool
		mode    fdwtype.ApplyMode
	}{
		{"auto with script", true, fdwtype.ApplyAuto},
		{"auto without script", false, fdwtype.ApplyAuto},
		{"atomic", true, fdwtype.ApplyAtomic},
		{"bulk", true, fdwtype.ApplyBulk},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tbl, srv, c := devTable(t, tc.scripts, fdwtype.XactOptions{Apply: tc.mode})
			tbl.Server.Opts.Timeout = 500 * time.Millisecond
			be := NewBackend(DialKT)
			defer be.Conns.CloseAll()
			be.writeBuffer(tbl).Set(1, []byte("warm"), []byte("1")) // the probe
			require.Nil(t, commit(t, be))

			for _, step := range []struct {
				write func()
				stall string // the HTTP call the old path would have made
				want  map[string]string
			}{
				{func() { be.writeBuffer(tbl).Set(1, []byte("a"), []byte("1")) }, "set_bulk", map[string]string{"warm": "1", "a": "1"}},
				{func() { be.writeBuffer(tbl).Remove(1, []byte("warm")) }, "remove_bulk", map[string]string{"a": "1"}},
			} {
				step.write()
				srv.SetFault(ktdev.Fault{Kind: ktdev.FaultStall, Proc: step.stall})
				before, scripts := srv.Requests(), srv.Counts()["cnt_script"]
				st := commit(t, be)
				srv.ClearFault()
				require.Nil(t, st)
				assert.EqualValues(t, 1, srv.Requests()-before, "one request")
				assert.Equal(t, scripts, srv.Counts()["cnt_script"], "no script call")
				assert.Equal(t, step.want, ktContents(t, c, tbl.DB))
			}
		})
	}

	t.Run("with an expectation: ktfdwapply", func(t *testing.T) {
		tbl, srv, c := devTable(t, true, fdwtype.XactOptions{Apply: fdwtype.ApplyAtomic})
		be := NewBackend(DialKT)
		defer be.Conns.CloseAll()
		be.writeBuffer(tbl).Set(1, []byte("a"), []byte("1"))
		be.expectationsFor(tbl).add(1, []byte("a"), nil, true)
		scripts := srv.Counts()["cnt_script"]
		require.Nil(t, commit(t, be))
		assert.EqualValues(t, 2, srv.Counts()["cnt_script"]-scripts, "the probe and the apply")
		assert.Equal(t, map[string]string{"a": "1"}, ktContents(t, c, tbl.DB))
	})

	t.Run("atomic without the script", func(t *testing.T) {
		tbl, _, c := devTable(t, false, fdwtype.XactOptions{Apply: fdwtype.ApplyAtomic})
		be := NewBackend(DialKT)
		defer be.Conns.CloseAll()
		be.writeBuffer(tbl).Set(1, []byte("a"), []byte("1"))
		st := commit(t, be)
		require.NotNil(t, st)
		assert.Contains(t, st.Message, "does not run kt_fdw.lua")
		assert.Empty(t, ktContents(t, c, tbl.DB))
	})
}
