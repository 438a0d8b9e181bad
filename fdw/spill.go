package fdw

// Spilling a write buffer to disk. A transaction's writes are buffered until
// COMMIT, and 1,000,000 110-byte records are 110 MB before any overhead, so
// when a buffer's in-memory changes pass its budget (the server option
// buffer_memory, DefaultBufferMemory) every level's in-memory changes are
// sorted and written to a spill run (spill_run.go), and the level starts
// again in memory. A level is then: its clears, its segments (runs, oldest
// first, each with the prefixes its level cleared after it was written)
// and its in-memory changes, newest. Lookups read levels newest first and
// within a level memory, then runs newest first (a bloom filter per run
// keeps absent keys off the disk); scans and COMMIT merge everything in key
// order (spill_merge.go), COMMIT one apply_batch chunk at a time
// (spill_final.go). ROLLBACK TO drops a level's runs with it, RELEASE moves
// them to the parent level above the parent's own changes, and the end of
// the transaction removes them all (Release).
//
// A spill that fails (disk full, unwritable directory) keeps the changes in
// memory, stops spilling, and makes the commit fail with the error (Err):
// nothing is lost and nothing half-written reaches KT.

import (
	"hash/maphash"
	"slices"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
)

// DefaultBufferMemory is the default budget of a write buffer's in-memory
// changes (key and value bytes plus about 36 bytes a key).
const DefaultBufferMemory = 8 << 20

// segment is part of a level's older changes: a spilled run, or an
// in-memory set frozen by RELEASE SAVEPOINT (spilled at the next spill).
type segment struct {
	run    *spillRun
	mem    *changeSet
	hidden [][]byte // prefixes the level cleared after the segment was made
}

// keyHash is a key's spillSeed hash, computed at most once per lookup.
type keyHash struct {
	h  uint64
	ok bool
	// notSpilled: the buffer's keyFilter says no run has the key
	notSpilled bool
}

func (k *keyHash) of(key []byte) uint64 {
	if !k.ok {
		k.h, k.ok = maphash.Bytes(spillSeed, key), true
	}
	return k.h
}

func (sg *segment) get(key []byte, h *keyHash) (Change, bool) {
	if coveredBy(key, sg.hidden) {
		return Change{}, false
	}
	if sg.mem != nil {
		return sg.mem.Get(key)
	}
	if h.notSpilled {
		return Change{}, false // the buffer's keyFilter: no run has key
	}
	return sg.run.get(key, h.of(key))
}

// find returns the level's change of key, or whether the level cleared it.
func (l *level) find(key []byte, h *keyHash) (c Change, found, cleared bool) {
	if c, ok := l.changes.Get(key); ok {
		return c, true, false
	}
	if h.notSpilled && l.frozen == 0 {
		return Change{}, false, l.clearedKey(key) // only runs, none has key
	}
	for i := len(l.segs) - 1; i >= 0; i-- {
		if c, ok := l.segs[i].get(key, h); ok {
			return c, true, false
		}
	}
	return Change{}, false, l.clearedKey(key)
}

func (l *level) closeRuns() {
	for _, sg := range l.segs {
		if sg.run != nil {
			sg.run.close()
		}
	}
}

// changed drops what a write makes stale: the snapshot and the count.
func (b *Buffer) changed() {
	b.snap = nil
	b.nOK = false
}

// spilled reports whether the buffer has segments (runs or frozen sets):
// then reads and the commit merge them.
func (b *Buffer) spilled() bool {
	for _, l := range b.levels {
		if len(l.segs) > 0 {
			return true
		}
	}
	return false
}

// SetBudget sets the in-memory bytes beyond which the buffer spills (0:
// DefaultBufferMemory).
func (b *Buffer) SetBudget(n int64) { b.budget = n }

// memBytes is what the budget limits: in-memory changes and frozen sets.
func (b *Buffer) memBytes() int64 {
	var n int64
	for _, l := range b.levels {
		n += l.changes.memBytes() + l.frozen
	}
	return n
}

func (b *Buffer) checkBudget() {
	limit := b.budget
	if limit <= 0 {
		limit = DefaultBufferMemory
	}
	if b.err == nil && b.memBytes() > limit {
		b.spill()
	}
}

// spill writes every in-memory set of every level to a run. On failure the
// sets stay in memory (b.err; spilling stops).
func (b *Buffer) spill() {
	b.changed()
	for _, l := range b.levels {
		cloned := false
		for i, sg := range l.segs {
			if sg.mem == nil {
				continue
			}
			r, err := writeRun(sg.mem, &b.filter)
			if err != nil {
				b.err = err
				return
			}
			if !cloned {
				l.segs, cloned = slices.Clone(l.segs), true // copy-on-write
			}
			l.segs[i] = segment{run: r, hidden: sg.hidden}
			l.frozen -= sg.mem.memBytes()
		}
		if l.changes.Len() == 0 {
			continue
		}
		r, err := writeRun(l.changes, &b.filter)
		if err != nil {
			b.err = err
			return
		}
		l.segs = append(l.segs, segment{run: r})
		if l.shared {
			l.changes, l.shared = newChangeSet(), false
		} else {
			l.changes.reset()
		}
	}
}

// Err is the spill failure that makes the commit fail, if any.
func (b *Buffer) Err() *fdwtype.Status { return spillStatus(b.err) }

// spilledLen counts the keys of a spilled buffer.
func (b *Buffer) spilledLen() int {
	if !b.nOK {
		m := newMerger(b.levelCopies())
		n := 0
		for {
			_, _, _, ok := m.next()
			if !ok {
				break
			}
			n++
		}
		if m.err != nil {
			panic(spillPanic{m.err})
		}
		b.n, b.nOK = n, true
	}
	return b.n
}

// levelCopies copies the levels' state for a merge or a snapshot (clears
// are modified in place by clear, so they are copied too; an empty
// in-memory set is left out, as it is written to without a clone).
func (b *Buffer) levelCopies() []level {
	out := make([]level, len(b.levels))
	for i, l := range b.levels {
		out[i] = *l
		out[i].clears = slices.Clone(l.clears)
		if l.changes.Len() == 0 {
			out[i].changes = nil // later writes may fill the empty set
		}
	}
	return out
}

// Release closes and removes the buffer's spill files (transaction end).
// It does not modify the buffer otherwise: an apply still running after a
// cancel only fails to read.
func (b *Buffer) Release() {
	for _, l := range b.levels {
		l.closeRuns()
	}
}

// MaxLen is an upper bound of Len in O(levels + runs): exact for a buffer
// of one level that did not spill (the commit's small-transaction check).
func (b *Buffer) MaxLen() int {
	n := 0
	for _, l := range b.levels {
		n += l.changes.Len()
		for _, sg := range l.segs {
			if sg.mem != nil {
				n += sg.mem.Len()
			} else {
				n += sg.run.n
			}
		}
	}
	return n
}

// releaseBuffers removes the spill files of every buffer of the
// transaction (EndXact, Reset).
func (b *Backend) releaseBuffers() {
	for _, buf := range b.buffers {
		buf.Release()
	}
}
