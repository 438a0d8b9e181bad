package ktdev

import "math/bits"

// The ordered index of a database: a skip list of records ordered by
// (hash, key). Tree databases use hash 0 for every record, so they come out in
// bytewise key order; hash databases use a 64-bit key hash, which gives the
// fixed, engine-defined order KT's hash databases have.

const maxLevel = 24

type record struct {
	key   string
	value string
	xt    int64 // absolute expiration (unix seconds); xtNever = never
	hash  uint64
	next  []*record
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
	s.head.next = make([]*record, maxLevel)
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
		for x.next[i] != nil && x.next[i].lessThan(p) {
			x = x.next[i]
		}
		update[i] = x
	}
	lvl := s.randomLevel()
	if lvl > s.level {
		for i := s.level; i < lvl; i++ {
			update[i] = &s.head
		}
		s.level = lvl
	}
	r.next = make([]*record, lvl)
	for i := 0; i < lvl; i++ {
		r.next[i] = update[i].next[i]
		update[i].next[i] = r
	}
}

// remove unlinks r (which must be in the list).
func (s *skiplist) remove(r *record) {
	x := &s.head
	p := r.pos()
	for i := s.level - 1; i >= 0; i-- {
		for x.next[i] != nil && x.next[i].lessThan(p) {
			x = x.next[i]
		}
		if x.next[i] == r {
			x.next[i] = r.next[i]
		}
	}
	for s.level > 1 && s.head.next[s.level-1] == nil {
		s.level--
	}
}

// first returns the first record.
func (s *skiplist) first() *record { return s.head.next[0] }

// seekGE returns the first record at or after p.
func (s *skiplist) seekGE(p position) *record {
	x := &s.head
	for i := s.level - 1; i >= 0; i-- {
		for x.next[i] != nil && x.next[i].lessThan(p) {
			x = x.next[i]
		}
	}
	return x.next[0]
}

// seekGT returns the first record strictly after p.
func (s *skiplist) seekGT(p position) *record {
	r := s.seekGE(p)
	if r != nil && !p.less(r) { // r == p
		r = r.next[0]
	}
	return r
}

// seekLT returns the last record strictly before p (nil if none).
func (s *skiplist) seekLT(p position) *record {
	x := &s.head
	for i := s.level - 1; i >= 0; i-- {
		for x.next[i] != nil && x.next[i].lessThan(p) {
			x = x.next[i]
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
		for x.next[i] != nil {
			x = x.next[i]
		}
	}
	if x == &s.head {
		return nil
	}
	return x
}
