package fdw

// bufferView is what a scan reads of the transaction's buffered changes: a
// snapshot (Buffer.Snapshot) that later writes do not change. *changeSet is
// one (a buffer that did not spill); spillView reads spilled runs too.
type bufferView interface {
	// Len is the number of keys with a final state; for a spilled buffer
	// an upper bound (the scan uses it only to choose a path and to size a
	// LIMIT, where more is safe).
	Len() int
	// Get returns the final state of key (false when none, or cleared).
	Get(key []byte) (Change, bool)
	// Has reports whether key has a final state.
	Has(key []byte) bool
	// Each calls fn for every key with a final state until it returns
	// false; fn may keep the slices.
	Each(fn func(key []byte, c Change) bool)
}

// spillView is the snapshot of a spilled buffer: copies of its levels
// (the sets and runs they hold are never modified, only replaced).
type spillView struct {
	levels []level
	upper  int
}

// spillView returns the buffer's snapshot; share marks the in-memory sets
// shared, so the next write clones them instead.
func (b *Buffer) spillView(share bool) *spillView {
	v := &spillView{levels: b.levelCopies()}
	for i, l := range b.levels {
		if share && l.changes.Len() > 0 {
			l.shared = true
			v.levels[i].shared = true
		}
		v.upper += l.changes.Len()
		for _, sg := range l.segs {
			if sg.mem != nil {
				v.upper += sg.mem.Len()
			} else {
				v.upper += sg.run.n
			}
		}
	}
	return v
}

func (v *spillView) Len() int { return v.upper }

func (v *spillView) Get(key []byte) (Change, bool) {
	var h keyHash
	for i := len(v.levels) - 1; i >= 0; i-- {
		c, found, cleared := v.levels[i].find(key, &h)
		if found {
			return c, true
		}
		if cleared {
			return Change{}, false
		}
	}
	return Change{}, false
}

func (v *spillView) Has(key []byte) bool {
	_, ok := v.Get(key)
	return ok
}

// Each walks the keys in key order. A read failure panics (spillPanic).
func (v *spillView) Each(fn func(key []byte, c Change) bool) {
	m := newMerger(v.levels)
	var a arena
	for {
		key, c, stable, ok := m.next()
		if !ok {
			break
		}
		if !stable {
			key, c = a.stableCopy(key, c)
		}
		if !fn(key, c) {
			return
		}
	}
	if m.err != nil {
		panic(spillPanic{m.err})
	}
}
