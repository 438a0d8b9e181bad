package fdw

// The merge of a buffer's levels into final states in key order: every
// level's spilled runs and in-memory sets are sorted sources; for each key
// the newest source that has it (and does not hide it: a clear of its level
// after it was written) decides, unless a newer level cleared the key, in
// which case the key has no final state (Clears carries the clear). The
// same rule as Buffer.Lookup, which reads levels newest first. Used by
// commit (FinalIter), by scan snapshots of a spilled buffer (Each) and to
// count keys (Len).

import "bytes"

// mergeSource is one sorted source with its current record.
type mergeSource struct {
	level  int
	hidden [][]byte
	stable bool // cur's bytes are never overwritten (in-memory sources)

	// in-memory source
	set   *changeSet
	order []uint32
	pos   int
	// spilled source
	run *runCursor

	key []byte
	ch  Change
}

func (s *mergeSource) next() bool {
	if s.set != nil {
		if s.pos >= len(s.order) {
			return false
		}
		e := &s.set.ents[s.order[s.pos]]
		s.pos++
		s.key, s.ch = s.set.key(e), s.set.change(e)
		return true
	}
	if !s.run.next() {
		return false
	}
	s.key, s.ch = s.run.cur.key, s.run.cur.change()
	return true
}

// merger yields the final state of each key in order.
type merger struct {
	levelClears [][][]byte
	srcs        []*mergeSource // with a current record; newest last
	pending     []*mergeSource // to advance before the next key
	runs        []*runCursor
	err         error
}

// newMerger merges levels (oldest first). It reads nothing yet.
func newMerger(levels []level) *merger {
	m := &merger{levelClears: make([][][]byte, len(levels))}
	var all []*mergeSource
	for i := range levels {
		l := &levels[i]
		m.levelClears[i] = l.clears
		for _, sg := range l.segs {
			src := &mergeSource{level: i, hidden: sg.hidden}
			if sg.mem != nil {
				src.set, src.order, src.stable = sg.mem, sg.mem.sortedOrder(), true
			} else {
				src.run = sg.run.cursor()
				m.runs = append(m.runs, src.run)
			}
			all = append(all, src)
		}
		if l.changes.Len() > 0 {
			all = append(all, &mergeSource{level: i, set: l.changes, order: l.changes.sortedOrder(), stable: true})
		}
	}
	m.pending = all
	return m
}

// next returns the next key that has a final state. key and c are valid
// until the following call unless stable. ok=false at the end or on a read
// error (m.err).
func (m *merger) next() (key []byte, c Change, stable, ok bool) {
	for {
		if !m.advance() {
			return nil, Change{}, false, false
		}
		if len(m.srcs) == 0 {
			return nil, Change{}, false, false
		}
		// the smallest current key
		min := m.srcs[0].key
		for _, s := range m.srcs[1:] {
			if bytes.Compare(s.key, min) < 0 {
				min = s.key
			}
		}
		var win *mergeSource
		for _, s := range m.srcs {
			if bytes.Equal(s.key, min) {
				m.pending = append(m.pending, s)
				if !coveredBy(min, s.hidden) {
					win = s // sources are ordered oldest first
				}
			}
		}
		if win == nil {
			continue
		}
		cleared := false
		for l := win.level + 1; l < len(m.levelClears) && !cleared; l++ {
			cleared = coveredBy(win.key, m.levelClears[l])
		}
		if !cleared {
			return win.key, win.ch, win.stable, true
		}
	}
}

// advance moves the pending sources to their next records, keeping srcs
// ordered oldest first (sources never change places).
func (m *merger) advance() bool {
	if len(m.pending) == 0 {
		return true
	}
	done := map[*mergeSource]bool{}
	for _, s := range m.pending {
		if !s.next() {
			done[s] = true
			if s.run != nil && s.run.err != nil {
				m.err = s.run.err
				return false
			}
		}
	}
	if m.srcs == nil {
		// first call: pending is every source, in order
		for _, s := range m.pending {
			if !done[s] {
				m.srcs = append(m.srcs, s)
			}
		}
	} else if len(done) > 0 {
		kept := m.srcs[:0]
		for _, s := range m.srcs {
			if !done[s] {
				kept = append(kept, s)
			}
		}
		m.srcs = kept
	}
	m.pending = m.pending[:0]
	return true
}

// arena hands out byte slices in 64 KB blocks. They are never reused,
// unless the owner calls reset (then every slice handed out before is
// overwritten by later ones).
type arena struct {
	blocks [][]byte
	cur    int
}

func (a *arena) copy(b []byte) []byte {
	if len(b) == 0 {
		return []byte{}
	}
	if len(b) > 16<<10 {
		return append([]byte{}, b...)
	}
	for {
		if a.cur == len(a.blocks) {
			a.blocks = append(a.blocks, make([]byte, 0, 64<<10))
		}
		blk := a.blocks[a.cur]
		if cap(blk)-len(blk) >= len(b) {
			start := len(blk)
			blk = append(blk, b...)
			a.blocks[a.cur] = blk
			return blk[start:len(blk):len(blk)]
		}
		a.cur++
	}
}

// reset makes the arena reuse its blocks.
func (a *arena) reset() {
	for i := range a.blocks {
		a.blocks[i] = a.blocks[i][:0]
	}
	a.cur = 0
}

// stableCopy returns key and c with bytes the caller may keep.
func (a *arena) stableCopy(key []byte, c Change) ([]byte, Change) {
	key = a.copy(key)
	if !c.Removed {
		c.Value = a.copy(c.Value)
	}
	return key, c
}
