package fdw

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/cockroachdb/errors"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/kt-fdw/kt_fdw/kt"
	"github.com/kt-fdw/kt_fdw/kt/ktscript"
	"github.com/kt-fdw/kt_fdw/kt/wire"
)

// The commit-time apply of one KT database's final states (doc/design.md
// "Transactions"). Mode atomic sends chunks of apply_batch records to the
// kt_fdw.lua procedure ktfdwapply; each chunk reaches KT all-or-nothing,
// with the conflict checks in the same locked step. Mode bulk sends
// set_bulk and remove_bulk chunks. Mode auto asks the server once per
// connection whether it has the script.

// ApplyRemote is a Remote that can call kt_fdw's play_script procedures.
type ApplyRemote interface {
	// ScriptVersion calls ktfdwversion; found=false when the server has no
	// such procedure or no scripting at all.
	ScriptVersion(ctx context.Context) (version string, found bool, err error)
	// ApplyScript calls ktfdwapply with encoded inputs.
	ApplyScript(ctx context.Context, in []wire.Pair) ([]wire.Pair, error)
}

// scriptProbes remembers per foreign server whether the server behind its
// current Remote (connection) has a compatible script. A new Remote (ALTER
// SERVER, reconnect) is asked again, and an apply failure forgets the
// answer, so a restarted server is asked again too. Keyed by server, so
// closed Remotes are not kept alive.
type scriptProbe struct {
	remote Remote
	has    bool
}

var scriptProbes = struct {
	sync.Mutex
	m map[uint32]scriptProbe
}{m: map[uint32]scriptProbe{}}

func forgetProbe(r Remote) {
	scriptProbes.Lock()
	defer scriptProbes.Unlock()
	for oid, p := range scriptProbes.m {
		if p.remote == r {
			delete(scriptProbes.m, oid)
		}
	}
}

// hasScript reports whether the server behind r runs kt_fdw.lua.
func hasScript(ctx context.Context, t fdwtype.Table, r Remote) (bool, *fdwtype.Status) {
	ar, ok := r.(ApplyRemote)
	if !ok {
		return false, nil
	}
	scriptProbes.Lock()
	p, known := scriptProbes.m[t.Server.OID]
	scriptProbes.Unlock()
	if known && p.remote == r {
		return p.has, nil
	}
	var version string
	var found bool
	st := call(ctx, opContext(t, ktscript.ProcVersion), func(ctx context.Context) error {
		var err error
		version, found, err = ar.ScriptVersion(ctx)
		return err
	})
	if st != nil {
		return false, st
	}
	if found && version != ktscript.Version {
		return false, &fdwtype.Status{
			SQLState: fdwtype.SQLStateFDWError,
			Message: fmt.Sprintf("KT server \"%s\" (%s) runs kt_fdw.lua protocol version %s, this kt_fdw speaks %s",
				t.Server.Name, t.Server.Opts.Addr(), version, ktscript.Version),
			Hint: "Start ktserver with the kt_fdw.lua shipped with this kt_fdw, or set the server option apply to 'bulk'.",
		}
	}
	scriptProbes.Lock()
	scriptProbes.m[t.Server.OID] = scriptProbe{remote: r, has: found}
	scriptProbes.Unlock()
	return found, nil
}

func noScriptStatus(t fdwtype.Table) *fdwtype.Status {
	return &fdwtype.Status{
		SQLState: fdwtype.SQLStateFDWError,
		Message: fmt.Sprintf("KT server \"%s\" (%s) does not run kt_fdw.lua, which the server option apply 'atomic' requires",
			t.Server.Name, t.Server.Opts.Addr()),
		Hint: "Start ktserver with -scr /path/to/kt_fdw.lua (shipped in the extension's share directory), or set apply to 'bulk' or 'auto'.",
	}
}

// applyTarget writes one KT database's final states at commit. exps are the
// conflict_check expectations (nil when none).
func applyTarget(ctx context.Context, t fdwtype.Table, r Remote, sets []fdwtype.Record, removes [][]byte, exps map[string]expectation) *fdwtype.Status {
	xo := t.Server.Opts.Xact
	batch := xo.ApplyBatch
	if batch < 1 {
		batch = fdwtype.DefaultApplyBatch
	}
	one, oneKey := oneKeyWrite(r, sets, removes, exps) // apply_binary.go
	if xo.Apply != fdwtype.ApplyBulk {
		has, st := hasScript(ctx, t, r)
		if st != nil {
			return st
		}
		if has && !oneKey {
			st, refused := applyAtomic(ctx, t, r.(ApplyRemote), r, sets, removes, exps, batch)
			if !refused {
				return st
			}
			// The server refused the first call: it may have been restarted
			// without the script (its binary error reply does not say). Ask
			// again; without the script nothing was applied.
			if has, pst := hasScript(ctx, t, r); pst != nil || has {
				return st
			}
			if xo.Apply == fdwtype.ApplyAtomic {
				return noScriptStatus(t)
			}
		} else if !has && xo.Apply == fdwtype.ApplyAtomic {
			return noScriptStatus(t)
		}
	}
	if oneKey {
		return applyOneKey(ctx, t, one, sets, removes)
	}
	return applyBulk(ctx, t, r, sets, removes, exps, batch)
}

// applyItem is one key of the apply: its final state and what KT must hold.
type applyItem struct {
	key    []byte
	write  *ktscript.Write
	expect *expectation
}

// applyItems merges writes and expectations into one list sorted by key.
// sets and removes come sorted from Buffer.Final, so this is a merge: no
// per-key map entry or allocation (1,000,000 keys at commit). A key in both
// sets and removes is removed.
func applyItems(sets []fdwtype.Record, removes [][]byte, exps map[string]expectation) []applyItem {
	sets, removes = sortedWrites(sets, removes)
	items, _, _ := mergeItems(sets, removes, exps, -1)
	return items
}

// sortedWrites returns sets and removes sorted by key (as they are when
// they come from Buffer.Final: then without copying).
func sortedWrites(sets []fdwtype.Record, removes [][]byte) ([]fdwtype.Record, [][]byte) {
	cmpRecord := func(a, b fdwtype.Record) int { return bytes.Compare(a.Key, b.Key) }
	if !slices.IsSortedFunc(sets, cmpRecord) {
		sets = slices.Clone(sets)
		slices.SortStableFunc(sets, cmpRecord)
	}
	if !slices.IsSortedFunc(removes, bytes.Compare) {
		removes = slices.Clone(removes)
		slices.SortFunc(removes, bytes.Compare)
	}
	return sets, removes
}

// mergeItems merges the first limit keys (< 0: all) of the sorted sets and
// removes and of exps into items, and returns the sets and removes left.
func mergeItems(sets []fdwtype.Record, removes [][]byte, exps map[string]expectation, limit int) ([]applyItem, []fdwtype.Record, [][]byte) {
	ekeys := make([]string, 0, len(exps))
	for k := range exps {
		ekeys = append(ekeys, k)
	}
	sort.Strings(ekeys)
	nwrites := len(sets) + len(removes)
	if limit >= 0 {
		nwrites = min(nwrites, limit)
	}
	// one backing array each; items point into them (capacity never exceeded)
	writes := make([]ktscript.Write, 0, nwrites)
	expects := make([]expectation, 0, len(ekeys))
	out := make([]applyItem, 0, max(nwrites, len(ekeys)))
	i, j, k := 0, 0, 0
	for (i < len(sets) || j < len(removes) || k < len(ekeys)) && (limit < 0 || len(out) < limit) {
		var key []byte
		have := false
		if i < len(sets) {
			key, have = sets[i].Key, true
		}
		if j < len(removes) && (!have || bytes.Compare(removes[j], key) < 0) {
			key, have = removes[j], true
		}
		if k < len(ekeys) && (!have || bytes.Compare([]byte(ekeys[k]), key) < 0) {
			key = []byte(ekeys[k])
		}
		it := applyItem{key: key}
		write := func(w ktscript.Write) {
			if it.write == nil {
				writes = append(writes, w)
				it.write = &writes[len(writes)-1]
			} else {
				*it.write = w
			}
		}
		for ; i < len(sets) && bytes.Equal(sets[i].Key, key); i++ {
			write(ktscript.Write{Key: sets[i].Key, Value: sets[i].Value, XT: sets[i].XT})
		}
		for ; j < len(removes) && bytes.Equal(removes[j], key); j++ {
			write(ktscript.Write{Key: removes[j], Remove: true})
		}
		if k < len(ekeys) && ekeys[k] == string(key) {
			expects = append(expects, exps[ekeys[k]])
			it.expect = &expects[len(expects)-1]
			k++
		}
		out = append(out, it)
	}
	return out, sets[i:], removes[j:]
}

func (it applyItem) check() ktscript.Check {
	return ktscript.Check{Key: it.key, Value: it.expect.value, Absent: it.expect.absent}
}

// applyAtomic sends the items in chunks of batch keys to ktfdwapply. With
// several chunks and expectations, a first check-only pass makes a conflict
// fail the commit before any chunk is written. refused reports that the
// very first call got an error reply from the server (nothing applied).
func applyAtomic(ctx context.Context, t fdwtype.Table, ar ApplyRemote, r Remote, sets []fdwtype.Record, removes [][]byte, exps map[string]expectation, batch int) (st *fdwtype.Status, refused bool) {
	if len(exps) == 0 {
		return applyAtomicWrites(ctx, t, ar, r, sets, removes, batch)
	}
	items := applyItems(sets, removes, exps)
	var chunks [][]applyItem
	for i := 0; i < len(items); i += batch {
		chunks = append(chunks, items[i:min(i+batch, len(items))])
	}
	first := true
	if len(chunks) > 1 && len(exps) > 0 {
		for _, chunk := range chunks {
			req := ktscript.Request{DB: t.DB}
			for _, it := range chunk {
				if it.expect != nil {
					req.Checks = append(req.Checks, it.check())
				}
			}
			if len(req.Checks) == 0 {
				continue
			}
			st, refused := applyChunk(ctx, t, ar, r, req, chunk, 0, len(chunks))
			if st != nil {
				return st, refused && first
			}
			first = false
		}
	}
	for i, chunk := range chunks {
		req := ktscript.Request{DB: t.DB}
		for _, it := range chunk {
			if it.write != nil {
				req.Writes = append(req.Writes, *it.write)
			}
			if it.expect != nil {
				req.Checks = append(req.Checks, it.check())
			}
		}
		st, refused := applyChunk(ctx, t, ar, r, req, chunk, i, len(chunks))
		if st != nil {
			return st, refused && first
		}
		first = false
	}
	return nil, false
}

// applyAtomicWrites is applyAtomic without expectations: the same chunks,
// merged one at a time, so a large commit does not hold an item per key.
func applyAtomicWrites(ctx context.Context, t fdwtype.Table, ar ApplyRemote, r Remote, sets []fdwtype.Record, removes [][]byte, batch int) (st *fdwtype.Status, refused bool) {
	sets, removes = sortedWrites(sets, removes)
	total := (len(sets) + len(removes) + batch - 1) / batch
	next := func() ([]applyItem, ktscript.Request) {
		var chunk []applyItem
		chunk, sets, removes = mergeItems(sets, removes, nil, batch)
		req := ktscript.Request{DB: t.DB, Writes: make([]ktscript.Write, len(chunk))}
		for i, it := range chunk {
			req.Writes[i] = *it.write
		}
		return chunk, req
	}
	// the first chunk alone: a refusal of it means nothing was applied
	chunk, req := next()
	if st, refused := applyChunk(ctx, t, ar, r, req, chunk, 0, total); st != nil {
		return st, refused
	}
	p := newPipeline(ctx) // apply_pipeline.go
	for index := 1; len(sets) > 0 || len(removes) > 0; index++ {
		chunk, req := next()
		if !p.send(func(ctx context.Context) *fdwtype.Status {
			st, _ := applyChunk(ctx, t, ar, r, req, chunk, index, total)
			return st
		}) {
			break
		}
	}
	return p.wait(opContext(t, ktscript.ProcApply)), false
}

// applyChunk makes one ktfdwapply call through call (call.go), so a chunk
// whose outcome is unknown (connection broken after sending, garbage reply,
// refusal right after a pooled connection died) is retried on the same host
// until an attempt gets a definite answer, within the server's timeout
// (ambiguous.go), like set_bulk and remove_bulk: writing final states twice
// is harmless. If an earlier attempt had been applied, a retry's conflict
// checks fail on exactly the keys that now hold this chunk's final states,
// which counts as success. (A timeout is not retried: the server may still
// be working on the call.)
func applyChunk(ctx context.Context, t fdwtype.Table, ar ApplyRemote, r Remote, req ktscript.Request, chunk []applyItem, index, total int) (st *fdwtype.Status, refused bool) {
	oc := opContext(t, ktscript.ProcApply)
	pairs := req.Pairs()
	var rep ktscript.Reply
	err, attempts := callErr(ctx, oc, func(ctx context.Context) error {
		out, err := ar.ApplyScript(ctx, pairs)
		if err != nil {
			return err
		}
		rep, err = ktscript.DecodeReply(out)
		return err
	})
	if err != nil {
		if !errors.Is(err, kt.ErrHandedOff) { // a slow reply is not a restart
			forgetProbe(r)
		}
		return callStatus(ctx, oc, err), Classify(err) == FailServer
	}
	switch rep.Status {
	case ktscript.StatusOK:
		return nil, false
	case ktscript.StatusConflict:
		if attempts > 1 && ownWrites(rep.Conflicts, req.Writes) {
			return nil, false
		}
		return conflictStatus(t, rep.Conflicts, chunk, index, total), false
	}
	forgetProbe(r)
	return KTStatus(oc, rep.Err()), false
}

// ownWrites reports whether every conflicting key holds the final state the
// request writes (the conflicts are this transaction's own earlier attempt).
// A check-only request (no writes) never found its own writes.
func ownWrites(conflicts []ktscript.Conflict, writes []ktscript.Write) bool {
	if len(conflicts) == 0 || len(writes) == 0 {
		return false
	}
	byKey := make(map[string]*ktscript.Write, len(writes))
	for i := range writes {
		byKey[string(writes[i].Key)] = &writes[i]
	}
	for _, c := range conflicts {
		w := byKey[string(c.Key)]
		if w == nil {
			return false
		}
		if w.Remove != !c.Exists || (!w.Remove && !bytes.Equal(w.Value, c.Value)) {
			return false
		}
	}
	return true
}

func conflictStatus(t fdwtype.Table, conflicts []ktscript.Conflict, chunk []applyItem, index, total int) *fdwtype.Status {
	c := conflicts[0]
	var exp expectation
	for _, it := range chunk {
		if it.expect != nil && bytes.Equal(it.key, c.Key) {
			exp = *it.expect
		}
	}
	written := "nothing was written"
	if index > 0 {
		written = fmt.Sprintf("%d of %d apply_batch chunks were already written", index, total)
	}
	return serializationFailure(t, c.Key, exp, c.Exists, len(conflicts)-1, written)
}

// applyBulk sends set_bulk and remove_bulk chunks (each call atomic, the
// calls together not); a commit of more than one chunk goes over the binary
// protocol instead (apply_binary.go). Expectations are checked with get_bulk first: a
// writer between that check and the writes goes unnoticed.
func applyBulk(ctx context.Context, t fdwtype.Table, r Remote, sets []fdwtype.Record, removes [][]byte, exps map[string]expectation, batch int) *fdwtype.Status {
	if len(exps) > 0 {
		if st := checkBulk(ctx, t, r, exps, batch); st != nil {
			return st
		}
	}
	if br, ok := binaryBulk(r, len(sets)+len(removes), batch); ok {
		return applyBinary(ctx, t, br, sets, removes, max(batch, binaryApplyChunk))
	}
	for i := 0; i < len(sets); i += batch {
		chunk := sets[i:min(i+batch, len(sets))]
		if st := call(ctx, opContext(t, "set_bulk"), func(ctx context.Context) error {
			return r.SetBulk(ctx, t.DB, chunk)
		}); st != nil {
			return st
		}
	}
	for i := 0; i < len(removes); i += batch {
		chunk := removes[i:min(i+batch, len(removes))]
		if st := call(ctx, opContext(t, "remove_bulk"), func(ctx context.Context) error {
			return r.RemoveBulk(ctx, t.DB, chunk)
		}); st != nil {
			return st
		}
	}
	return nil
}

func checkBulk(ctx context.Context, t fdwtype.Table, r Remote, exps map[string]expectation, batch int) *fdwtype.Status {
	keys := make([][]byte, 0, len(exps))
	for k := range exps {
		keys = append(keys, []byte(k))
	}
	sort.Slice(keys, func(i, j int) bool { return bytes.Compare(keys[i], keys[j]) < 0 })
	for i := 0; i < len(keys); i += batch {
		chunk := keys[i:min(i+batch, len(keys))]
		var recs []fdwtype.Record
		if st := call(ctx, opContext(t, "get_bulk"), func(ctx context.Context) error {
			var err error
			recs, err = r.GetBulk(ctx, t.DB, chunk)
			return err
		}); st != nil {
			return st
		}
		now := make(map[string][]byte, len(recs))
		for _, rec := range recs {
			now[string(rec.Key)] = rec.Value
		}
		var failed []ktscript.Conflict
		for _, k := range chunk {
			ex := exps[string(k)]
			v, exists := now[string(k)]
			if (ex.absent && exists) || (!ex.absent && (!exists || !bytes.Equal(v, ex.value))) {
				failed = append(failed, ktscript.Conflict{Key: k, Exists: exists, Value: v})
			}
		}
		if len(failed) > 0 {
			return serializationFailure(t, failed[0].Key, exps[string(failed[0].Key)], failed[0].Exists, len(failed)-1, "nothing was written")
		}
	}
	return nil
}
