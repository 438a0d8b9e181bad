package ktdev

import (
	"io"
	"unsafe"

	"github.com/cockroachdb/errors"
	"github.com/kt-fdw/kt_fdw/kt/wire"
)

var binaryProcNames = map[byte]string{
	wire.MagicSetBulk:    "bin_set_bulk",
	wire.MagicRemoveBulk: "bin_remove_bulk",
	wire.MagicGetBulk:    "bin_get_bulk",
	wire.MagicPlayScript: "bin_play_script",
}

// serveBinary answers one binary-protocol request (protocol §6); false ends
// the connection.
func (sess *session) serveBinary() bool {
	first, _ := sess.br.Peek(1)
	magic := first[0]
	if magic == wire.MagicReplication {
		// no update log: KT reads the header, answers 0xBF and closes
		var hdr [1 + 4 + 8 + 2]byte
		if _, err := io.ReadFull(sess.br, hdr[:]); err == nil {
			sess.send([]byte{wire.MagicError})
		}
		return false
	}
	req, err := wire.ReadRequest(sess.br)
	if err != nil {
		if errors.Is(err, wire.ErrUnknownMagic) || magic == wire.MagicPlayScript {
			return false // no reply, close
		}
		if !noReply(req) {
			sess.send([]byte{wire.MagicError})
		}
		return false
	}
	if !sess.beforeExecute(binaryProcNames[magic]) {
		return false
	}
	var reply []byte
	switch m := req.(type) {
	case *wire.SetBulkRequest:
		reply = wire.AppendCountReply(sess.reply[:0], wire.MagicSetBulk, sess.srv.binSetBulk(m.Records))
	case *wire.KeysRequest:
		if m.Magic == wire.MagicRemoveBulk {
			reply = wire.AppendCountReply(sess.reply[:0], wire.MagicRemoveBulk, sess.srv.binRemoveBulk(m.Keys))
		} else {
			reply = wire.AppendGetBulkReply(sess.reply[:0], sess.srv.binGetBulk(m.Keys))
		}
	case *wire.PlayScriptRequest:
		reply = sess.srv.binPlayScript(sess.reply[:0], m)
	}
	sess.reply = reply
	if noReply(req) && magic != wire.MagicGetBulk {
		if sess.pendingFault.Kind != FaultNone {
			sess.pendingFault = Fault{}
			return false
		}
		return true
	}
	return sess.send(reply)
}

func noReply(req wire.Request) bool {
	switch m := req.(type) {
	case *wire.SetBulkRequest:
		return m != nil && m.Flags&wire.FlagNoReply != 0
	case *wire.KeysRequest:
		return m != nil && m.Magic != wire.MagicGetBulk && m.Flags&wire.FlagNoReply != 0
	case *wire.PlayScriptRequest:
		return m != nil && m.Flags&wire.FlagNoReply != 0
	}
	return false
}

// binSetBulk stores records one by one (records naming a missing database
// are skipped, not counted), holding a DB's lock across consecutive records.
func (s *Server) binSetBulk(recs []wire.BinRecord) uint32 {
	var hits uint32
	var locked *DB
	var tx Tx
	for i := range recs {
		r := &recs[i]
		if int(r.DB) >= len(s.dbs) {
			continue
		}
		db := s.dbs[r.DB]
		if db != locked {
			if locked != nil {
				locked.mu.Unlock()
			}
			db.mu.Lock()
			locked = db
			tx = Tx{db: db, now: db.now()}
		}
		tx.Set(string(r.Key), string(r.Value), r.XT)
		hits++
	}
	if locked != nil {
		locked.mu.Unlock()
	}
	s.counters.add(cntSet, int(hits))
	return hits
}

func (s *Server) binRemoveBulk(keys []wire.BinRecord) uint32 {
	var hits, tried uint32
	for i := range keys {
		r := &keys[i]
		if int(r.DB) >= len(s.dbs) {
			continue
		}
		tried++
		if s.dbs[r.DB].remove(string(r.Key)) {
			hits++
		}
	}
	s.counters.add(cntRemove, int(tried))
	s.counters.add(cntRemoveMiss, int(tried-hits))
	return hits
}

// binGetBulk returns the found records in request order with their stored
// absolute xt (XTNever = never).
func (s *Server) binGetBulk(keys []wire.BinRecord) []wire.BinRecord {
	out := make([]wire.BinRecord, 0, len(keys))
	tried := 0
	for i := range keys {
		r := &keys[i]
		if int(r.DB) >= len(s.dbs) {
			continue
		}
		tried++
		value, xt, ok := s.dbs[r.DB].get(string(r.Key))
		if !ok {
			continue
		}
		// the reply only reads the value, so it may share the stored string
		v := unsafe.Slice(unsafe.StringData(value), len(value))
		out = append(out, wire.BinRecord{DB: r.DB, Key: r.Key, Value: v, XT: xt})
	}
	s.counters.add(cntGet, tried)
	s.counters.add(cntGetMiss, tried-len(out))
	return out
}

// binPlayScript runs a procedure with the inputs verbatim; failures (and a
// server without procedures) answer 0xBF and keep the connection.
func (s *Server) binPlayScript(dst []byte, m *wire.PlayScriptRequest) []byte {
	if !s.scriptsEnabled() {
		return wire.AppendErrorReply(dst)
	}
	in := make(map[string][]byte, len(m.Pairs))
	for _, p := range m.Pairs {
		in[string(p.Key)] = p.Value
	}
	out, rv := s.runScript(string(m.Name), in)
	if rv != ScriptSuccess {
		return wire.AppendErrorReply(dst)
	}
	pairs := make([]wire.Pair, 0, len(out))
	for _, k := range sortedKeys(out) {
		pairs = append(pairs, wire.Pair{Key: []byte(k), Value: out[k]})
	}
	return wire.AppendPlayScriptReply(dst, pairs)
}
