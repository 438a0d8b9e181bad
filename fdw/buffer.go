package fdw

import "github.com/kt-fdw/kt_fdw/fdw/fdwtype"

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
	// segs are the level's older changes, oldest first, below changes:
	// spilled runs, or sets a released savepoint froze in memory until the
	// next spill (spill.go). Copy-on-write: snapshots share the slice, so
	// an element is never modified in place (appending is fine).
	segs []segment
	// frozen is the memBytes of the in-memory sets among segs, so the
	// budget check after every write does not walk the segments
	frozen int64
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
// never modified, so snapshots may share them. Beyond a memory budget the
// levels' changes are spilled to sorted runs on disk (spill.go).
type Buffer struct {
	levels []*level
	snap   bufferView // the final state as of the last Snapshot, until the next write
	budget int64      // in-memory bytes before spilling; 0 = DefaultBufferMemory
	err    error      // the first spill failure: the commit fails with it
	n      int        // Len of a spilled buffer, when nOK
	nOK    bool
	filter keyFilter // every key ever spilled (spill_filter.go)
}

// Lookup reports the buffered state of key, if any.
func (b *Buffer) Lookup(key []byte) (Change, bool) {
	var h keyHash
	if len(b.filter.parts) > 0 {
		h.notSpilled = !b.filter.mayHave(h.of(key))
	}
	for i := len(b.levels) - 1; i >= 0; i-- {
		c, found, cleared := b.levels[i].find(key, &h)
		if found {
			return c, true
		}
		if cleared {
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
	b.checkBudget()
}

// Remove buffers the removal of key at nesting level nest.
func (b *Buffer) Remove(nest int, key []byte) {
	b.top(nest).writable().Put(key, Change{Removed: true})
	b.checkBudget()
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
	b.changed()
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
	b.changed()
	for len(b.levels) > 0 && b.levels[len(b.levels)-1].nest >= nest {
		b.levels[len(b.levels)-1].closeRuns()
		b.levels = b.levels[:len(b.levels)-1]
	}
}

// CommitSub merges the changes of level nest (and deeper) into nest-1 (RELEASE SAVEPOINT).
func (b *Buffer) CommitSub(nest int) {
	b.changed()
	defer b.checkBudget()
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
			if len(l.segs) > 0 {
				// l's runs are newer than the parent's changes: freeze
				// those below them and carry on with l's
				if parent.changes.Len() > 0 {
					parent.segs = append(parent.segs, segment{mem: parent.changes})
					parent.frozen += parent.changes.memBytes()
				}
				parent.segs = append(parent.segs, l.segs...)
				parent.frozen += l.frozen
				parent.changes, parent.shared = l.changes, l.shared
			} else {
				into := parent.writable()
				l.changes.Each(func(k []byte, c Change) bool {
					into.Put(k, c)
					return true
				})
			}
			b.levels = b.levels[:n-1]
			continue
		}
		l.nest = nest - 1
		return
	}
}

// Snapshot returns the final state of every key, for a scan (empty when
// nothing is buffered). It copies nothing while the buffer has one level
// (the level is shared, and cloned by the next write) and is reused until
// the next write, so scan (re)starts cost O(1) after the first. A spilled
// buffer's snapshot reads the runs (spill_view.go). The result must not be
// modified.
func (b *Buffer) Snapshot() bufferView {
	switch {
	case b.snap != nil:
	case len(b.levels) == 0:
		return (*changeSet)(nil)
	case b.spilled():
		b.snap = b.spillView(true)
	case len(b.levels) == 1:
		b.levels[0].shared = true
		b.snap = b.levels[0].changes
	default:
		b.snap = b.flat()
	}
	return b.snap
}

// view is Snapshot of a buffer that did not spill, without sharing or
// caching anything: it does not modify the buffer (Final runs in the commit
// goroutine).
func (b *Buffer) view() *changeSet {
	if s, ok := b.snap.(*changeSet); ok && s != nil {
		return s
	}
	switch len(b.levels) {
	case 0:
		return nil
	case 1:
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

// Len is the number of distinct keys with a buffered change. A spilled
// buffer counts them with a pass over its runs (cached until the next write).
func (b *Buffer) Len() int {
	if b.spilled() {
		return b.spilledLen()
	}
	if len(b.levels) == 1 {
		return b.levels[0].changes.Len()
	}
	return b.Snapshot().Len()
}

// Empty reports whether nothing is buffered.
func (b *Buffer) Empty() bool {
	for _, l := range b.levels {
		if l.changes.Len() > 0 || len(l.clears) > 0 || len(l.segs) > 0 {
			return false
		}
	}
	return true
}

// Final splits the final state into records to set and keys to remove,
// sorted by key. The slices share the buffer's stored bytes.
// A spilled buffer reads its runs back (a read failure panics): the commit
// uses FinalIter, which streams.
func (b *Buffer) Final() (sets []fdwtype.Record, removes [][]byte) {
	if b.spilled() {
		it := b.FinalIter()
		defer it.Close()
		for {
			s, r, st := it.Next(1 << 30)
			if st != nil {
				panic(spillPanic{st})
			}
			if len(s) == 0 && len(r) == 0 {
				return sets, removes
			}
			sets, removes = append(sets, s...), append(removes, r...)
		}
	}
	flat := b.view()
	if flat == nil {
		return nil, nil
	}
	order := flat.sortedOrder()
	nsets := 0
	for i := range flat.ents {
		if !flat.ents[i].removed {
			nsets++
		}
	}
	sets = make([]fdwtype.Record, 0, nsets)
	for _, i := range order {
		e := &flat.ents[i]
		if e.removed {
			removes = append(removes, flat.key(e))
		} else {
			c := flat.change(e)
			sets = append(sets, fdwtype.Record{Key: flat.key(e), Value: c.Value, XT: c.XT})
		}
	}
	return sets, removes
}
