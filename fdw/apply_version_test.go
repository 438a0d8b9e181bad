package fdw

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/kt-fdw/kt_fdw/kt/ktdev"
	"github.com/kt-fdw/kt_fdw/kt/ktscript"
)

// TestApplyOldScript: a server running an older kt_fdw.lua (protocol 2,
// whose failures the binary protocol would report without a message)
// fails the commit in modes auto and atomic with both versions named and
// what to do; nothing is written. Mode bulk does not ask.
func TestApplyOldScript(t *testing.T) {
	for _, mode := range []fdwtype.ApplyMode{fdwtype.ApplyAuto, fdwtype.ApplyAtomic, fdwtype.ApplyBulk} {
		t.Run(mode.String(), func(t *testing.T) {
			tbl, srv, c := devTable(t, true, fdwtype.XactOptions{Apply: mode})
			srv.RegisterScript(ktscript.ProcVersion, func(map[string][]byte) (map[string][]byte, ktdev.ScriptResult) {
				return map[string][]byte{"version": []byte("2"), "impl": []byte("lua"), "procs": []byte("ktfdwapply ktfdwversion")}, ktdev.ScriptSuccess
			})
			be := NewBackend(DialKT)
			defer be.Conns.CloseAll()
			be.writeBuffer(tbl).Set(1, []byte("a"), []byte("1"))
			st := commit(t, be)
			if mode == fdwtype.ApplyBulk {
				require.Nil(t, st)
				assert.Equal(t, map[string]string{"a": "1"}, ktContents(t, c, tbl.DB))
				return
			}
			require.NotNil(t, st)
			assert.Equal(t, fdwtype.SQLStateFDWError, st.SQLState)
			assert.Contains(t, st.Message, `KT server "kt"`)
			assert.Contains(t, st.Message, "runs kt_fdw.lua protocol version 2, this kt_fdw speaks 3")
			assert.Contains(t, st.Hint, "kt_fdw.lua shipped with this kt_fdw")
			assert.Contains(t, st.Hint, "apply to 'bulk'")
			assert.Empty(t, ktContents(t, c, tbl.DB), "nothing written")
		})
	}
}

// TestApplyScriptFailedDuringWrites: a ktfdwapply that answers an error
// after it may have written (written=maybe) fails the commit with the
// script's message and says that some writes may be in KT.
func TestApplyScriptFailedDuringWrites(t *testing.T) {
	tbl, srv, _ := devTable(t, true, fdwtype.XactOptions{Apply: fdwtype.ApplyAtomic})
	srv.RegisterScript(ktscript.ProcApply, func(map[string][]byte) (map[string][]byte, ktdev.ScriptResult) {
		rep := ktscript.Reply{Status: ktscript.StatusError, Error: "accept_bulk failed: disk full", MaybeWritten: true}
		return rep.Map(), ktdev.ScriptSuccess
	})
	be := NewBackend(DialKT)
	defer be.Conns.CloseAll()
	be.writeBuffer(tbl).Set(1, []byte("a"), []byte("1"))
	be.writeBuffer(tbl).Set(1, []byte("b"), []byte("2"))
	st := commit(t, be)
	require.NotNil(t, st)
	assert.Equal(t, fdwtype.SQLStateFDWError, st.SQLState)
	assert.Contains(t, st.Message, `KT operation ktfdwapply on server "kt"`)
	assert.Contains(t, st.Message, "accept_bulk failed: disk full")
	assert.Contains(t, st.Message, "some of them may have been applied")
}

// TestApplyProbeRetried: the script probe, a binary play_script now, is
// retried like the apply when its reply is cut or garbled (it only reads
// the version), so such a fault does not fail the commit.
func TestApplyProbeRetried(t *testing.T) {
	for _, kind := range []ktdev.FaultKind{ktdev.FaultCloseMidReply, ktdev.FaultGarbage} {
		t.Run(kind.String(), func(t *testing.T) {
			tbl, srv, c := devTable(t, true, fdwtype.XactOptions{Apply: fdwtype.ApplyAtomic})
			be := NewBackend(DialKT)
			defer be.Conns.CloseAll()
			srv.SetFault(ktdev.Fault{Kind: kind, Proc: "bin_play_script", Times: 2}) // the probe and its first retry
			defer srv.ClearFault()
			scripts := srv.Counts()["cnt_script"]
			be.writeBuffer(tbl).Set(1, []byte("a"), []byte("1"))
			be.writeBuffer(tbl).Set(1, []byte("b"), []byte("2"))
			require.Nil(t, commit(t, be))
			assert.EqualValues(t, 4, srv.Counts()["cnt_script"]-scripts, "three probes, one apply")
			assert.Equal(t, map[string]string{"a": "1", "b": "2"}, ktContents(t, c, tbl.DB))
		})
	}
}
