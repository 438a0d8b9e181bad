package fdw

import (
	"bytes"
	"slices"
)

// Change is the final state of one key in a transaction: set to Value
// (expiring at XT, absolute Unix seconds, 0 = never), or removed.
type Change struct {
	Value   []byte
	Removed bool
	XT      int64
}

// level holds the changes made at one subtransaction nesting level.
type level struct {
	nest    int
	changes *changeSet
	shared  bool     // a scan snapshot holds changes: clone before writing
	clears  [][]byte // key prefixes cleared at this level before its changes (clear.go)
}

// writable returns the level's changes, cloning them first when a scan
// snapshot shares them (copy-on-write).
func (l *level) writable() *changeSet {
	if l.shared {
		l.changes = l.changes.clone()
		l.shared = false
	}
	return l.changes
}

// Buffer is one transaction's writes to one KT database, as a stack of levels
// (one per subtransaction nesting level that wrote something). Lookups see the
// innermost change of a key. Keys and values are copied in; stored slices are
// never modified, so snapshots may share them.
type Buffer struct {
	levels []*level
	snap   *changeSet // the final state as of the last Snapshot, until the next write
}

// Lookup reports the buffered state of key, if any.
func (b *Buffer) Lookup(key []byte) (Change, bool) {
	for i := len(b.levels) - 1; i >= 0; i-- {
		if c, ok := b.levels[i].changes.Get(key); ok {
			return c, true
		}
		if b.levels[i].clearedKey(key) {
			return Change{Removed: true}, true
		}
	}
	return Change{}, false
}

// Set buffers key=value at nesting level nest.
func (b *Buffer) Set(nest int, key, value []byte) { b.SetXT(nest, key, value, 0) }

// SetXT buffers key=value expiring at xt (0 = never) at nesting level nest.
func (b *Buffer) SetXT(nest int, key, value []byte, xt int64) {
	b.top(nest).writable().Put(key, Change{Value: value, XT: xt})
}

// Remove buffers the removal of key at nesting level nest.
func (b *Buffer) Remove(nest int, key []byte) {
	b.top(nest).writable().Put(key, Change{Removed: true})
}

func nonNil(v []byte) []byte {
	if v == nil {
		return []byte{}
	}
	return v
}

// top returns the level for nest, pushing one when the transaction went
// deeper. Every write goes through it, so it also drops the snapshot.
func (b *Buffer) top(nest int) *level {
	b.snap = nil
	if n := len(b.levels); n > 0 && b.levels[n-1].nest >= nest {
		return b.levels[n-1]
	}
	l := &level{nest: nest, changes: newChangeSet()}
	b.levels = append(b.levels, l)
	return l
}

// RollbackTo discards every change made at nesting level nest or deeper
// (ROLLBACK TO SAVEPOINT, or abort of a subtransaction).
func (b *Buffer) RollbackTo(nest int) {
	b.snap = nil
	for len(b.levels) > 0 && b.levels[len(b.levels)-1].nest >= nest {
		b.levels = b.levels[:len(b.levels)-1]
	}
}

// CommitSub merges the changes of level nest (and deeper) into nest-1 (RELEASE SAVEPOINT).
func (b *Buffer) CommitSub(nest int) {
	b.snap = nil
	for len(b.levels) > 0 {
		n := len(b.levels)
		l := b.levels[n-1]
		if l.nest < nest {
			return
		}
		if n >= 2 && b.levels[n-2].nest >= nest-1 {
			parent := b.levels[n-2]
			for _, p := range l.clears {
				parent.clear(p)
			}
			into := parent.writable()
			l.changes.Each(func(k []byte, c Change) bool {
				into.Put(k, c)
				return true
			})
			b.levels = b.levels[:n-1]
			continue
		}
		l.nest = nest - 1
		return
	}
}

// Snapshot returns the final state of every key, for a scan: nil when
// nothing is buffered. It copies nothing while the buffer has one level
// (the level is shared, and cloned by the next write) and is reused until
// the next write, so scan (re)starts cost O(1) after the first. The result
// must not be modified.
func (b *Buffer) Snapshot() *changeSet {
	switch {
	case b.snap != nil:
	case len(b.levels) == 0:
		return nil
	case len(b.levels) == 1:
		b.levels[0].shared = true
		b.snap = b.levels[0].changes
	default:
		b.snap = b.flat()
	}
	return b.snap
}

// view is Snapshot without sharing or caching anything: it does not modify
// the buffer (Final runs in the commit goroutine).
func (b *Buffer) view() *changeSet {
	switch {
	case b.snap != nil:
		return b.snap
	case len(b.levels) == 0:
		return nil
	case len(b.levels) == 1:
		return b.levels[0].changes
	}
	return b.flat()
}

// flat merges the levels into a new changeSet, clears applied.
func (b *Buffer) flat() *changeSet {
	out := newChangeSet()
	for _, l := range b.levels {
		if len(l.clears) > 0 && out.Len() > 0 {
			out = out.without(func(k []byte) bool { return coveredBy(k, l.clears) })
		}
		l.changes.Each(func(k []byte, c Change) bool {
			out.Put(k, c)
			return true
		})
	}
	return out
}

// Flatten returns the final state of every key as a map (tests, small buffers).
func (b *Buffer) Flatten() map[string]Change {
	out := map[string]Change{}
	b.Snapshot().Each(func(k []byte, c Change) bool {
		out[string(k)] = c
		return true
	})
	return out
}

// Len is the number of distinct keys with a buffered change.
func (b *Buffer) Len() int {
	if len(b.levels) == 1 {
		return b.levels[0].changes.Len()
	}
	return b.Snapshot().Len()
}

// Empty reports whether nothing is buffered.
func (b *Buffer) Empty() bool {
	for _, l := range b.levels {
		if l.changes.Len() > 0 || len(l.clears) > 0 {
			return false
		}
	}
	return true
}

// Final splits the final state into records to set and keys to remove,
// sorted by key. The slices share the buffer's stored bytes.
func (b *Buffer) Final() (sets []Record, removes [][]byte) {
	flat := b.view()
	if flat == nil {
		return nil, nil
	}
	order := make([]uint32, len(flat.ents))
	for i := range order {
		order[i] = uint32(i)
	}
	slices.SortFunc(order, func(x, y uint32) int {
		return bytes.Compare(flat.key(&flat.ents[x]), flat.key(&flat.ents[y]))
	})
	nsets := 0
	for i := range flat.ents {
		if !flat.ents[i].removed {
			nsets++
		}
	}
	sets = make([]Record, 0, nsets)
	for _, i := range order {
		e := &flat.ents[i]
		if e.removed {
			removes = append(removes, flat.key(e))
		} else {
			c := flat.change(e)
			sets = append(sets, Record{Key: flat.key(e), Value: c.Value, XT: c.XT})
		}
	}
	return sets, removes
}
