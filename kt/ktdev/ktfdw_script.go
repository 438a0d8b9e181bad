package ktdev

import (
	"fmt"

	"github.com/kt-fdw/kt_fdw/kt/ktscript"
)

// Native versions of sql/kt_fdw.lua's procedures (contract: package
// kt/ktscript), so the dev server behaves like a KT started with
// -scr sql/kt_fdw.lua. They are off by default, as on a KT without -scr:
// enable them with Config.KTFDWScripts (WithKTFDWScripts, cmd/ktdev
// -scr-ktfdw) or Server.RegisterKTFDWScripts.

// WithKTFDWScripts registers kt_fdw's procedures (ktfdwapply, ktfdwversion).
func WithKTFDWScripts() Option { return func(c *Config) { c.KTFDWScripts = true } }

// RegisterKTFDWScripts adds kt_fdw's procedures to a running server.
func (s *Server) RegisterKTFDWScripts() {
	s.RegisterScript(ktscript.ProcVersion, func(map[string][]byte) (map[string][]byte, ScriptResult) {
		return map[string][]byte{
			ktscript.FieldVersion: []byte(ktscript.Version),
			ktscript.FieldImpl:    []byte("ktdev"),
			ktscript.FieldProcs:   []byte(ktscript.ProcApply + " " + ktscript.ProcVersion),
		}, ScriptSuccess
	})
	s.RegisterScript(ktscript.ProcApply, s.ktfdwApply)
}

// ktfdwApply checks every precondition and makes every write under the
// database's lock, so other clients see all of the batch or none; a failed
// precondition writes nothing. Like the Lua script (protocol 3), a failure
// inside the procedure (here a panic) is answered as status=error with its
// text, written=maybe once a write was made, never as a failed call.
func (s *Server) ktfdwApply(in map[string][]byte) (out map[string][]byte, rv ScriptResult) {
	var rep ktscript.Reply
	defer func() {
		if p := recover(); p != nil {
			s.logf("ktdev: %s raised: %v", ktscript.ProcApply, p)
			fail := ktscript.Reply{Status: ktscript.StatusError, Error: fmt.Sprintf("%s raised: %v", ktscript.ProcApply, p),
				MaybeWritten: rep.Set+rep.Removed > 0}
			out, rv = fail.Map(), ScriptSuccess
		}
	}()
	return s.ktfdwApplyTo(in, &rep)
}

// ktfdwApplyTo is ktfdwApply's work; rep counts the writes made so far.
func (s *Server) ktfdwApplyTo(in map[string][]byte, rep *ktscript.Reply) (map[string][]byte, ScriptResult) {
	req, err := ktscript.DecodeRequest(in)
	if err != nil {
		rep := ktscript.Reply{Status: ktscript.StatusError, Error: err.Error()}
		return rep.Map(), ScriptSuccess
	}
	db := s.DB(req.DB)
	if db == nil {
		rep := ktscript.Reply{Status: ktscript.StatusError, Error: "no such database: " + req.DB}
		return rep.Map(), ScriptSuccess
	}
	// like the Lua script: a request with records runs in a KT transaction
	*rep = ktscript.Reply{Status: ktscript.StatusOK, Tran: len(req.Writes)+len(req.Checks) > 0}
	_ = db.Update(func(tx *Tx) error {
		for _, c := range req.Checks {
			value, _, ok := tx.Get(string(c.Key))
			switch {
			case !ok && !c.Absent:
				rep.Conflicts = append(rep.Conflicts, ktscript.Conflict{Key: c.Key})
			case ok && (c.Absent || value != string(c.Value)):
				rep.Conflicts = append(rep.Conflicts, ktscript.Conflict{Key: c.Key, Exists: true, Value: []byte(value)})
			}
		}
		if len(rep.Conflicts) > 0 {
			rep.Status = ktscript.StatusConflict
			return nil
		}
		for _, w := range req.Writes {
			if n := s.ktfdwPanicAt.Load(); n > 0 && int64(rep.Set+rep.Removed) >= n-1 {
				panic(fmt.Sprintf("injected failure before write %d", n))
			}
			if w.Remove {
				if tx.Remove(string(w.Key)) == nil {
					rep.Removed++
				}
				continue
			}
			xt := XTAbsent
			if w.XT != 0 {
				xt = -w.XT // KT's request rule: negative = absolute
			}
			tx.Set(string(w.Key), string(w.Value), xt)
			rep.Set++
		}
		return nil
	})
	return rep.Map(), ScriptSuccess
}
