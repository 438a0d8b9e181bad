package fdw

import (
	"bytes"
	"context"
)

// TRUNCATE is a buffered "clear" of a key prefix of one KT database ("" =
// the whole database). Like every write it is applied at commit, before the
// transaction's sets and removes, and dropped by ROLLBACK (TO SAVEPOINT).
// A clear at one nesting level hides every change of outer levels under its
// prefix; later changes at the same or deeper levels are kept on top of it.

// Clear buffers the removal of every key under prefix at nesting level nest.
func (b *Buffer) Clear(nest int, prefix []byte) {
	b.top(nest).clear(prefix)
}

// clear records prefix on the level and forgets the level's own changes under it.
func (l *level) clear(prefix []byte) {
	dropCleared(l.changes, [][]byte{prefix})
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

// dropCleared deletes from changes every key under one of prefixes.
func dropCleared(changes map[string]Change, prefixes [][]byte) {
	if len(prefixes) == 0 {
		return
	}
	for k := range changes {
		if coveredBy([]byte(k), prefixes) {
			delete(changes, k)
		}
	}
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
func (b *Backend) cleared(t Table) [][]byte {
	if buf, ok := b.buffers[t.Target()]; ok {
		return buf.Clears()
	}
	return nil
}

// Truncate buffers TRUNCATE of tables at nesting level nest. It does no I/O:
// KT is cleared when the transaction commits. A readonly table refuses it
// (55000) before anything of the statement is buffered.
func (b *Backend) Truncate(nest int, tables []Table) *Status {
	for _, t := range tables {
		if st := t.CheckWritable("TRUNCATE"); st != nil {
			return st
		}
	}
	for _, t := range tables {
		b.writeBuffer(t).Clear(nest, nil)
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

// applyClears runs a transaction's clears of one KT database at commit.
func applyClears(ctx context.Context, t Table, r Remote, prefixes [][]byte) *Status {
	for _, p := range prefixes {
		p := p
		if st := call(ctx, t.opContext("clear"), func(ctx context.Context) error {
			return r.Clear(ctx, t.DB, p)
		}); st != nil {
			return st
		}
	}
	return nil
}
