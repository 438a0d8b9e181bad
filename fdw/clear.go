package fdw

import (
	"bytes"
	"context"
	"sort"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
)

// TRUNCATE is a buffered "clear" of a key prefix of one KT database ("" =
// the whole database). Like every write it is applied at commit, with the
// transaction's sets and removes (applyClears), and dropped by ROLLBACK (TO
// SAVEPOINT).
// A clear at one nesting level hides every change of outer levels under its
// prefix; later changes at the same or deeper levels are kept on top of it.

// Clear buffers the removal of every key under prefix at nesting level nest.
func (b *Buffer) Clear(nest int, prefix []byte) {
	// top drops the snapshot; clear replaces (never modifies) the changes
	b.top(nest).clear(prefix)
}

// clear records prefix on the level and forgets the level's own changes under it.
func (l *level) clear(prefix []byte) {
	if l.changes.Len() > 0 {
		l.changes = l.changes.without(func(k []byte) bool { return bytes.HasPrefix(k, prefix) })
		l.shared = false
	}
	if len(l.segs) > 0 {
		// the level's older segments are immutable: hide the prefix in them
		segs := make([]segment, len(l.segs))
		for i, sg := range l.segs {
			sg.hidden = append(sg.hidden[:len(sg.hidden):len(sg.hidden)], bytes.Clone(nonNil(prefix)))
			segs[i] = sg
		}
		l.segs = segs
	}
	kept := l.clears[:0]
	for _, p := range l.clears {
		if !bytes.HasPrefix(p, prefix) { // a wider clear makes a narrower one redundant
			kept = append(kept, p)
		}
	}
	l.clears = append(kept, bytes.Clone(nonNil(prefix)))
}

// clearedKey reports whether a clear of this level covers key.
func (l *level) clearedKey(key []byte) bool {
	return coveredBy(key, l.clears)
}

func coveredBy(key []byte, prefixes [][]byte) bool {
	for _, p := range prefixes {
		if bytes.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// Clears returns the prefixes the transaction cleared, outermost first,
// without those a wider one covers. The commit applies them before the
// sets and removes of Final.
func (b *Buffer) Clears() [][]byte {
	var out [][]byte
	for _, l := range b.levels {
		for _, p := range l.clears {
			if coveredBy(p, out) {
				continue
			}
			kept := out[:0]
			for _, q := range out {
				if !bytes.HasPrefix(q, p) {
					kept = append(kept, q)
				}
			}
			out = append(kept, p)
		}
	}
	return out
}

// cleared reports the prefixes a table's buffer cleared (for scans).
func (b *Backend) cleared(t fdwtype.Table) [][]byte {
	if buf, ok := b.buffers[t.Target()]; ok {
		return buf.Clears()
	}
	return nil
}

// Truncate buffers TRUNCATE of tables at nesting level nest. It does no I/O:
// KT is cleared when the transaction commits. A readonly table refuses it
// (55000) before anything of the statement is buffered.
func (b *Backend) Truncate(nest int, tables []fdwtype.Table) *fdwtype.Status {
	for _, t := range tables {
		if st := t.CheckWritable("TRUNCATE"); st != nil {
			return st
		}
	}
	for _, t := range tables {
		b.writeBuffer(t).Clear(nest, t.Prefix) // nil: the whole DB
	}
	return nil
}

// withoutCleared drops the conflict_check expectations of keys a clear
// covers: a TRUNCATE replaces whatever the transaction read there, and the
// check runs after the clear, so comparing would only report the clear
// itself as a concurrent change. (Expectations outside a prefix clear are
// still checked, after the clear.)
func withoutCleared(exps map[string]expectation, clears [][]byte) map[string]expectation {
	if len(clears) == 0 {
		return exps
	}
	for k := range exps {
		if coveredBy([]byte(k), clears) {
			delete(exps, k)
		}
	}
	return exps
}

// truncateListMax bounds the keys a commit lists to apply a clear as
// removes. A variable so tests can lower it.
var truncateListMax = 100000

// applyClears turns a transaction's clears of one KT database into writes at
// commit. Each cleared prefix is listed (match_prefix), and its keys that the
// transaction does not set again are added to the removes, so the clear is
// applied together with the other writes: in one atomic call when they fit
// in one apply chunk, and never leaving the database empty in between (bulk
// mode sets before it removes), which replicas serving the data would see.
// Records other clients create after the listing survive. A prefix with more
// than truncateListMax keys (or a remote without match_prefix) is cleared
// with KT's clear before the writes instead.
func applyClears(ctx context.Context, t fdwtype.Table, r Remote, prefixes [][]byte, sets []fdwtype.Record, removes [][]byte) ([][]byte, *fdwtype.Status) {
	if len(prefixes) == 0 {
		return removes, nil
	}
	kept := map[string]bool{}
	for _, rec := range sets {
		kept[string(rec.Key)] = true
	}
	for _, k := range removes {
		kept[string(k)] = true // removed already
	}
	extra, st := listCleared(ctx, t, r, prefixes, func(k []byte) bool { return kept[string(k)] })
	if st != nil || len(extra) == 0 {
		return removes, st
	}
	out := append(append([][]byte(nil), removes...), extra...)
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i], out[j]) < 0 })
	return out, nil
}

// listCleared lists the keys under the cleared prefixes that the commit
// must remove: those KT has and the transaction has no final state for
// (known), each once, in no particular order. A prefix with more than
// truncateListMax keys (or a remote without match_prefix) is cleared with
// KT's clear right away instead.
func listCleared(ctx context.Context, t fdwtype.Table, r Remote, prefixes [][]byte, known func(key []byte) bool) ([][]byte, *fdwtype.Status) {
	sr, listable := r.(ScanRemote)
	listed := map[string]bool{}
	var extra [][]byte
	for _, p := range prefixes {
		p := p
		var keys [][]byte
		if listable {
			if st := call(ctx, opContext(t, "match_prefix"), func(ctx context.Context) error {
				var err error
				keys, err = sr.MatchPrefix(ctx, t.DB, p, truncateListMax+1)
				return err
			}); st != nil {
				return nil, st
			}
		}
		if !listable || len(keys) > truncateListMax {
			if st := call(ctx, opContext(t, "clear"), func(ctx context.Context) error {
				return r.Clear(ctx, t.DB, p)
			}); st != nil {
				return nil, st
			}
			continue
		}
		for _, k := range keys {
			if !listed[string(k)] && !known(k) {
				listed[string(k)] = true
				extra = append(extra, k)
			}
		}
	}
	return extra, nil
}
