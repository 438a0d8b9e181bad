package fdw

// The merge of a buffer's levels into final states in key order: every
// level's spilled runs and in-memory sets are sorted sources; for each key
// the newest source that has it (and does not hide it: a clear of its level
// after it was written) decides, unless a newer level cleared the key, in
// which case the key has no final state (Clears carries the clear). The
// same rule as Buffer.Lookup, which reads levels newest first. Used by
// commit (FinalIter), by scan snapshots of a spilled buffer (Each) and to
// count keys (Len).

import (
	"bytes"
	"container/heap"
)

// mergeSource is one sorted source with its current record.
type mergeSource struct {
	idx    int // order of the sources: higher is newer
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

// merger yields the final state of each key in order: a heap of the
// sources by current key, newest source first among equal keys.
type merger struct {
	levelClears [][][]byte
	heap        sourceHeap
	pending     []*mergeSource // to advance (and push back) before the next key
	err         error
}

// newMerger merges levels (oldest first). It reads nothing yet.
func newMerger(levels []level) *merger {
	m := &merger{levelClears: make([][][]byte, len(levels))}
	add := func(src *mergeSource) {
		src.idx = len(m.pending)
		m.pending = append(m.pending, src)
	}
	for i := range levels {
		l := &levels[i]
		m.levelClears[i] = l.clears
		for _, sg := range l.segs {
			src := &mergeSource{level: i, hidden: sg.hidden}
			if sg.mem != nil {
				src.set, src.order, src.stable = sg.mem, sg.mem.sortedOrder(), true
			} else {
				src.run = sg.run.cursor()
			}
			add(src)
		}
		if l.changes.Len() > 0 {
			add(&mergeSource{level: i, set: l.changes, order: l.changes.sortedOrder(), stable: true})
		}
	}
	return m
}

// next returns the next key that has a final state. key and c are valid
// until the following call unless stable. ok=false at the end or on a read
// error (m.err).
func (m *merger) next() (key []byte, c Change, stable, ok bool) {
	for {
		for _, s := range m.pending {
			if s.next() {
				heap.Push(&m.heap, s)
			} else if s.run != nil && s.run.err != nil {
				m.err = s.run.err
				return nil, Change{}, false, false
			}
		}
		m.pending = m.pending[:0]
		if m.heap.Len() == 0 {
			return nil, Change{}, false, false
		}
		var win *mergeSource
		first := heap.Pop(&m.heap).(*mergeSource)
		min := first.key
		for s := first; ; s = heap.Pop(&m.heap).(*mergeSource) {
			m.pending = append(m.pending, s)
			if win == nil && !coveredBy(min, s.hidden) {
				win = s // newest first
			}
			if m.heap.Len() == 0 || !bytes.Equal(m.heap[0].key, min) {
				break
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

// sourceHeap orders sources by current key, then newest (highest idx) first.
type sourceHeap []*mergeSource

func (h sourceHeap) Len() int { return len(h) }
func (h sourceHeap) Less(i, j int) bool {
	if c := bytes.Compare(h[i].key, h[j].key); c != 0 {
		return c < 0
	}
	return h[i].idx > h[j].idx
}
func (h sourceHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *sourceHeap) Push(x any)   { *h = append(*h, x.(*mergeSource)) }
func (h *sourceHeap) Pop() any {
	old := *h
	s := old[len(old)-1]
	*h = old[:len(old)-1]
	return s
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
