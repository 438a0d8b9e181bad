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
