package ktdev

import "math/bits"

// The ordered index of a database: a skip list of records ordered by
// (hash, key) (see DB.hashOf), so tree databases come out in bytewise key
// order and hash databases in a fixed, engine-defined order.

const (
	maxLevel    = 24
	inlineLinks = 4 // levels stored in the record itself (p = 1/4: almost all)
)

type record struct {
	hash  uint64
	key   string
	value string
	xt    int64 // absolute expiration (unix seconds); XTNever = never
	level int
	// pendingAt is the 1-based slot in DB.pending, 0 once linked
	pendingAt int
	links     [inlineLinks]*record
	more      []*record // links of levels >= inlineLinks
}

func (r *record) next(i int) *record {
	if i < inlineLinks {
		return r.links[i]
	}
	return r.more[i-inlineLinks]
}

func (r *record) setNext(i int, n *record) {
	if i < inlineLinks {
		r.links[i] = n
		return
	}
	r.more[i-inlineLinks] = n
}

// position identifies a place in the order; a cursor keeps one instead of a
// pointer so concurrent removals never leave it dangling.
type position struct {
	hash uint64
	key  string
}

func (r *record) pos() position { return position{r.hash, r.key} }

func (p position) less(r *record) bool {
	if p.hash != r.hash {
		return p.hash < r.hash
	}
	return p.key < r.key
}

func (r *record) lessThan(p position) bool {
	if r.hash != p.hash {
		return r.hash < p.hash
	}
	return r.key < p.key
}

type skiplist struct {
	head  record
	level int
	rnd   uint64
}

func newSkiplist() *skiplist {
	s := &skiplist{level: 1, rnd: 0x9E3779B97F4A7C15}
	s.head.level = maxLevel
	s.head.more = make([]*record, maxLevel-inlineLinks)
	return s
}

func (s *skiplist) randomLevel() int {
	// xorshift; level grows with probability 1/4
	s.rnd ^= s.rnd << 13
	s.rnd ^= s.rnd >> 7
	s.rnd ^= s.rnd << 17
	lvl := 1 + bits.TrailingZeros64(s.rnd|1<<62)/2
	if lvl > maxLevel {
		lvl = maxLevel
	}
	return lvl
}

// insert links a record that is not yet in the list.
func (s *skiplist) insert(r *record) {
	var update [maxLevel]*record
	x := &s.head
	p := r.pos()
	for i := s.level - 1; i >= 0; i-- {
		for n := x.next(i); n != nil && n.lessThan(p); n = x.next(i) {
			x = n
		}
		update[i] = x
	}
	s.link(r, &update)
}

// link gives r a random level and splices it in after update[i] at each
// level i below it; update holds r's predecessors. It returns r's level.
func (s *skiplist) link(r *record, update *[maxLevel]*record) int {
	lvl := s.randomLevel()
	if lvl > s.level {
		for i := s.level; i < lvl; i++ {
			update[i] = &s.head
		}
		s.level = lvl
	}
	r.level = lvl
	if lvl > inlineLinks {
		r.more = make([]*record, lvl-inlineLinks)
	}
	for i := 0; i < lvl; i++ {
		r.setNext(i, update[i].next(i))
		update[i].setNext(i, r)
	}
	return lvl
}

// insertSorted links records given in ascending order (none in the list
// yet). Each search starts from the previous record's predecessors, so a
// batch of k records costs about k*log(n/k) steps instead of k*log(n).
func (s *skiplist) insertSorted(recs []*record) {
	var update [maxLevel]*record
	for i := range update {
		update[i] = &s.head
	}
	for _, r := range recs {
		p := r.pos()
		var x *record
		for i := s.level - 1; i >= 0; i-- {
			// update[i] precedes r; start from it unless x is already further
			if x == nil || update[i] != &s.head && (x == &s.head || x.lessThan(update[i].pos())) {
				x = update[i]
			}
			for n := x.next(i); n != nil && n.lessThan(p); n = x.next(i) {
				x = n
			}
			update[i] = x
		}
		lvl := s.link(r, &update)
		// r now precedes the next (greater) record at its levels
		for i := 0; i < lvl; i++ {
			update[i] = r
		}
	}
}

// remove unlinks r (which must be in the list).
func (s *skiplist) remove(r *record) {
	x := &s.head
	p := r.pos()
	for i := s.level - 1; i >= 0; i-- {
		for n := x.next(i); n != nil && n.lessThan(p); n = x.next(i) {
			x = n
		}
		if i < r.level && x.next(i) == r {
			x.setNext(i, r.next(i))
		}
	}
	for s.level > 1 && s.head.next(s.level-1) == nil {
		s.level--
	}
}

// first returns the first record.
func (s *skiplist) first() *record { return s.head.links[0] }

// seekGE returns the first record at or after p.
func (s *skiplist) seekGE(p position) *record {
	x := &s.head
	for i := s.level - 1; i >= 0; i-- {
		for n := x.next(i); n != nil && n.lessThan(p); n = x.next(i) {
			x = n
		}
	}
	return x.links[0]
}

// seekLT returns the last record strictly before p (nil if none).
func (s *skiplist) seekLT(p position) *record {
	x := &s.head
	for i := s.level - 1; i >= 0; i-- {
		for n := x.next(i); n != nil && n.lessThan(p); n = x.next(i) {
			x = n
		}
	}
	if x == &s.head {
		return nil
	}
	return x
}

// seekLE returns the last record at or before p.
func (s *skiplist) seekLE(p position) *record {
	r := s.seekGE(p)
	if r != nil && !p.less(r) {
		return r
	}
	return s.seekLT(p)
}

// last returns the last record.
func (s *skiplist) last() *record {
	x := &s.head
	for i := s.level - 1; i >= 0; i-- {
		for n := x.next(i); n != nil; n = x.next(i) {
			x = n
		}
	}
	if x == &s.head {
		return nil
	}
	return x
}
