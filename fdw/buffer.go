package fdw

import (
	"bytes"
	"sort"
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
	changes map[string]Change
	clears  [][]byte // key prefixes cleared at this level before its changes (clear.go)
}

// Buffer is one transaction's writes to one KT database, as a stack of levels
// (one per subtransaction nesting level that wrote something). Lookups see the
// innermost change of a key. Keys and values are copied in; stored slices are
// never modified, so snapshots may share them.
type Buffer struct {
	levels []*level
}

// Lookup reports the buffered state of key, if any.
func (b *Buffer) Lookup(key []byte) (Change, bool) {
	for i := len(b.levels) - 1; i >= 0; i-- {
		if c, ok := b.levels[i].changes[string(key)]; ok {
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
	b.top(nest).changes[string(key)] = Change{Value: bytes.Clone(nonNil(value)), XT: xt}
}

// Remove buffers the removal of key at nesting level nest.
func (b *Buffer) Remove(nest int, key []byte) {
	b.top(nest).changes[string(key)] = Change{Removed: true}
}

func nonNil(v []byte) []byte {
	if v == nil {
		return []byte{}
	}
	return v
}

// top returns the level for nest, pushing one when the transaction went deeper.
func (b *Buffer) top(nest int) *level {
	if n := len(b.levels); n > 0 && b.levels[n-1].nest >= nest {
		return b.levels[n-1]
	}
	l := &level{nest: nest, changes: map[string]Change{}}
	b.levels = append(b.levels, l)
	return l
}

// RollbackTo discards every change made at nesting level nest or deeper
// (ROLLBACK TO SAVEPOINT, or abort of a subtransaction).
func (b *Buffer) RollbackTo(nest int) {
	for len(b.levels) > 0 && b.levels[len(b.levels)-1].nest >= nest {
		b.levels = b.levels[:len(b.levels)-1]
	}
}

// CommitSub merges the changes of level nest (and deeper) into nest-1 (RELEASE SAVEPOINT).
func (b *Buffer) CommitSub(nest int) {
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
			for k, c := range l.changes {
				parent.changes[k] = c
			}
			b.levels = b.levels[:n-1]
			continue
		}
		l.nest = nest - 1
		return
	}
}

// Flatten returns the final state of every key.
func (b *Buffer) Flatten() map[string]Change {
	out := map[string]Change{}
	for _, l := range b.levels {
		dropCleared(out, l.clears)
		for k, c := range l.changes {
			out[k] = c
		}
	}
	return out
}

// Len is the number of distinct keys with a buffered change.
func (b *Buffer) Len() int {
	if len(b.levels) == 1 {
		return len(b.levels[0].changes)
	}
	return len(b.Flatten())
}

// Empty reports whether nothing is buffered.
func (b *Buffer) Empty() bool {
	for _, l := range b.levels {
		if len(l.changes) > 0 || len(l.clears) > 0 {
			return false
		}
	}
	return true
}

// Final splits the final state into records to set and keys to remove, sorted by key.
func (b *Buffer) Final() (sets []Record, removes [][]byte) {
	flat := b.Flatten()
	keys := make([]string, 0, len(flat))
	for k := range flat {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		c := flat[k]
		if c.Removed {
			removes = append(removes, []byte(k))
		} else {
			sets = append(sets, Record{Key: []byte(k), Value: c.Value, XT: c.XT})
		}
	}
	return sets, removes
}
