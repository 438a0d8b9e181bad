package ktdev

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt/ktscript"
)

func TestKTFDWScriptsOffByDefault(t *testing.T) {
	srv := NewTestServer(t)
	assert.False(t, srv.scriptsEnabled(), "a plain dev server is a KT without -scr")
	srv = NewTestServer(t, WithKTFDWScripts())
	out, rv := srv.runScript(ktscript.ProcVersion, nil)
	require.Equal(t, ScriptSuccess, rv)
	assert.Equal(t, ktscript.Version, string(out[ktscript.FieldVersion]))
}

// TestKTFDWApply covers the native procedure directly (the shared cases in
// kt/ktscript run it through the network).
func TestKTFDWApply(t *testing.T) {
	srv := NewTestServer(t, WithKTFDWScripts())
	db := srv.DB("0")
	db.set("a", "1", XTAbsent)
	db.set("gone", "x", XTAbsent)

	apply := func(req ktscript.Request) ktscript.Reply {
		out, rv := srv.runScript(ktscript.ProcApply, req.Map())
		require.Equal(t, ScriptSuccess, rv)
		rep, err := ktscript.DecodeReplyMap(out)
		require.NoError(t, err)
		return rep
	}

	rep := apply(ktscript.Request{
		Writes: []ktscript.Write{{Key: []byte("a"), Value: []byte("2")}, {Key: []byte("b"), Value: []byte("3")}},
		Checks: []ktscript.Check{{Key: []byte("a"), Value: []byte("stale")}},
	})
	assert.Equal(t, ktscript.StatusConflict, rep.Status)
	assert.Equal(t, []ktscript.Conflict{{Key: []byte("a"), Exists: true, Value: []byte("1")}}, rep.Conflicts)
	_, _, ok := db.get("b")
	assert.False(t, ok, "a conflict writes nothing")

	rep = apply(ktscript.Request{
		Writes: []ktscript.Write{{Key: []byte("a"), Value: []byte("2")}, {Key: []byte("gone"), Remove: true}, {Key: []byte("never"), Remove: true}},
		Checks: []ktscript.Check{{Key: []byte("a"), Value: []byte("1")}, {Key: []byte("b"), Absent: true}},
	})
	assert.Equal(t, ktscript.Reply{Status: ktscript.StatusOK, Set: 1, Removed: 1, Tran: true}, rep)
	v, _, _ := db.get("a")
	assert.Equal(t, "2", v)

	rep = apply(ktscript.Request{DB: "nosuch", Writes: []ktscript.Write{{Key: []byte("a"), Value: []byte("x")}}})
	assert.Equal(t, ktscript.StatusError, rep.Status)
	assert.Contains(t, rep.Error, "no such database")
}

// TestKTFDWApplyFailureIsAReply: a failure inside the native procedure is
// answered like the Lua script's (status=error with the text, written=0
// before any write, maybe after one), never as a failed call, which the
// binary protocol would report as a bare 0xBF.
func TestKTFDWApplyFailureIsAReply(t *testing.T) {
	srv := NewTestServer(t, WithKTFDWScripts())
	db := srv.DB("0")
	req := ktscript.Request{Writes: []ktscript.Write{{Key: []byte("a"), Value: []byte("1")}, {Key: []byte("b"), Value: []byte("2")}}}
	for _, tt := range []struct {
		at      int64
		written bool
	}{{1, false}, {2, true}} {
		srv.ktfdwPanicAt.Store(tt.at)
		out, rv := srv.runScript(ktscript.ProcApply, req.Map())
		require.Equal(t, ScriptSuccess, rv)
		rep, err := ktscript.DecodeReplyMap(out)
		require.NoError(t, err)
		assert.Equal(t, ktscript.StatusError, rep.Status)
		assert.Contains(t, rep.Error, "ktfdwapply raised: injected failure")
		assert.Equal(t, tt.written, rep.MaybeWritten, "panic before write %d", tt.at)
		_, _, ok := db.get("a")
		assert.Equal(t, tt.written, ok)
	}
	srv.ktfdwPanicAt.Store(0)
}
