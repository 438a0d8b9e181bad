package ktdev

import (
	"sort"
)

// ScriptResult is what a play_script procedure returns: KT's Lua return
// values (kt.RVSUCCESS ...).
type ScriptResult int

const (
	ScriptSuccess  ScriptResult = 0 // 200
	ScriptNoImpl   ScriptResult = 1 // 501
	ScriptInvalid  ScriptResult = 2 // 400
	ScriptLogic    ScriptResult = 3 // 450
	ScriptTimeout  ScriptResult = 4 // 503
	ScriptInternal ScriptResult = 5 // 500
)

// ScriptFunc is a native play_script procedure, standing in for a Lua
// function of ktserver's -scr file. in holds the inputs (over HTTP the '_'
// prefix already removed); out is returned only on ScriptSuccess. A panic
// counts as a Lua runtime error (500). Procedures that need the databases
// capture the *Server (see Server.DB) and use DB.Update for atomicity.
type ScriptFunc func(in map[string][]byte) (out map[string][]byte, rv ScriptResult)

// RegisterScript adds (or replaces) a play_script procedure; a nil fn
// removes it.
func (s *Server) RegisterScript(name string, fn ScriptFunc) {
	s.scriptMu.Lock()
	defer s.scriptMu.Unlock()
	if fn == nil {
		delete(s.scripts, name)
		return
	}
	s.scripts[name] = fn
}

// scriptsEnabled tells whether any procedure is registered (KT without -scr
// answers "the scripting extention is disabled").
func (s *Server) scriptsEnabled() bool {
	s.scriptMu.RLock()
	defer s.scriptMu.RUnlock()
	return len(s.scripts) > 0
}

// runScript calls a procedure; ScriptNoImpl when it does not exist.
func (s *Server) runScript(name string, in map[string][]byte) (out map[string][]byte, rv ScriptResult) {
	s.scriptMu.RLock()
	fn := s.scripts[name]
	s.scriptMu.RUnlock()
	if fn == nil {
		return nil, ScriptNoImpl
	}
	s.counters.add(cntScript, 1)
	defer func() {
		if p := recover(); p != nil {
			s.logf("ktdev: script %s panicked: %v", name, p)
			out, rv = nil, ScriptInternal
		}
	}()
	out, rv = fn(in)
	return out, rv
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

var scriptStatus = map[ScriptResult]int{
	ScriptNoImpl: rvNoImpl, ScriptInvalid: rvInvalid, ScriptLogic: rvLogic,
	ScriptTimeout: rvTimeout, ScriptInternal: rvInternal,
}

func init() { procedures["play_script"] = procPlayScript }

func procPlayScript(c *call) int {
	if !c.srv.scriptsEnabled() {
		return c.fail(rvNoImpl, "the scripting extention is disabled")
	}
	name, ok := c.param("name")
	if !ok || name == "" || !isAlnum(name) {
		return c.invalid()
	}
	in := map[string][]byte{}
	for k, v := range c.in {
		if len(k) > 0 && k[0] == '_' {
			in[k[1:]] = []byte(v)
		}
	}
	out, rv := c.srv.runScript(name, in)
	switch rv {
	case ScriptSuccess:
		for k, v := range out {
			c.out["_"+k] = string(v)
		}
		return rvSuccess
	case ScriptNoImpl:
		return c.fail(rvNoImpl, "no such scripting procedure")
	}
	code, ok := scriptStatus[rv]
	if !ok {
		code = rvInternal
	}
	return c.fail(code, "the scripting procedure failed")
}

// sortedKeys returns the keys of a script output in KT's reply order.
func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// registerTestScripts installs native versions of the golden transcripts'
// test.lua: echo, put, fail, noret, boom.
func registerTestScripts(s *Server) {
	s.RegisterScript("echo", func(in map[string][]byte) (map[string][]byte, ScriptResult) {
		out := make(map[string][]byte, len(in)+1)
		for k, v := range in {
			out[k] = v
		}
		out["thid"] = []byte("0")
		return out, ScriptSuccess
	})
	s.RegisterScript("put", func(in map[string][]byte) (map[string][]byte, ScriptResult) {
		key, okK := in["key"]
		value, okV := in["value"]
		if !okK || !okV {
			return nil, ScriptInvalid
		}
		xt := XTAbsent
		if v, ok := in["xt"]; ok {
			xt = atoi(string(v))
		}
		s.dbs[0].set(string(key), string(value), xt)
		return map[string][]byte{"ok": []byte("1")}, ScriptSuccess
	})
	s.RegisterScript("fail", func(map[string][]byte) (map[string][]byte, ScriptResult) {
		return map[string][]byte{"reason": []byte("nope")}, ScriptLogic
	})
	s.RegisterScript("noret", func(map[string][]byte) (map[string][]byte, ScriptResult) {
		return map[string][]byte{"x": []byte("y")}, ScriptSuccess
	})
	s.RegisterScript("boom", func(map[string][]byte) (map[string][]byte, ScriptResult) {
		panic("kaboom")
	})
}
