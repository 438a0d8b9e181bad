package fdw

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"slices"
)

// changeSet is a compact map from key to Change, for write buffers of
// millions of records: keys and values live in large append-only byte
// chunks, each record is one pointer-free 32-byte entry, and an
// open-addressing table of entry numbers indexes them. A Go map[string]Change
// costs a string, a value slice and map overhead per record (about 500 bytes
// per 110-byte record in a 1,000,000-row INSERT); this costs the bytes plus
// about 40.
//
// Stored bytes are never modified, so slices handed out (Lookup, Final,
// snapshots) stay valid. A changeSet a scan snapshot shares is frozen: the
// Buffer clones it before writing (clone shares the chunks).
type changeSet struct {
	chunks [][]byte
	ents   []changeEnt
	slots  []uint64 // hash<<32 | entry number + 1; 0 = free; len is a power of two
	bytes  int64    // key and value bytes of the entries
	seed   maphash.Seed
	spare  [][]byte // emptied chunks reset keeps for reuse (never shared)
	// borrowed is how many leading chunks clone shares with the original
	// (a snapshot still reads them): reset never reuses those
	borrowed int
}

type changeEnt struct {
	chunk, off uint32 // key at chunks[chunk][off:], then the value
	klen, vlen uint32
	xt         int64
	removed    bool
}

const (
	chunkSize      = 1 << 20
	firstChunkSize = 4 << 10
	ownChunkBytes  = chunkSize / 4 // records this large get a chunk of their own
)

func newChangeSet() *changeSet { return &changeSet{seed: maphash.MakeSeed()} }

// Len is the number of keys. A nil changeSet is empty.
func (s *changeSet) Len() int {
	if s == nil {
		return 0
	}
	return len(s.ents)
}

func (s *changeSet) key(e *changeEnt) []byte {
	c := s.chunks[e.chunk]
	end := e.off + e.klen
	return c[e.off:end:end]
}

func (s *changeSet) change(e *changeEnt) Change {
	if e.removed {
		return Change{Removed: true}
	}
	c := s.chunks[e.chunk]
	start := e.off + e.klen
	end := start + e.vlen
	return Change{Value: c[start:end:end], XT: e.xt}
}

// find returns the slot of key: the one holding it, or the free one it would take.
func (s *changeSet) find(key []byte) (slot int, found bool) {
	mask := len(s.slots) - 1
	h := uint32(maphash.Bytes(s.seed, key))
	i := int(h) & mask
	for {
		n := s.slots[i]
		if n == 0 {
			return i, false
		}
		if uint32(n>>32) == h && bytes.Equal(s.key(&s.ents[uint32(n)-1]), key) {
			return i, true
		}
		i = (i + 1) & mask
	}
}

// Get returns the change of key.
func (s *changeSet) Get(key []byte) (Change, bool) {
	if s.Len() == 0 {
		return Change{}, false
	}
	slot, ok := s.find(key)
	if !ok {
		return Change{}, false
	}
	return s.change(&s.ents[uint32(s.slots[slot])-1]), true
}

// Has reports whether key has a change.
func (s *changeSet) Has(key []byte) bool {
	if s.Len() == 0 {
		return false
	}
	_, ok := s.find(key)
	return ok
}

// Put sets the change of key, copying key and value in.
func (s *changeSet) Put(key []byte, c Change) {
	if (len(s.ents)+1)*4 > len(s.slots)*3 {
		s.grow()
	}
	val := c.Value
	if c.Removed {
		val = nil
	}
	chunk, off := s.store(key, val)
	e := changeEnt{chunk: chunk, off: off, klen: uint32(len(key)), vlen: uint32(len(val)), xt: c.XT, removed: c.Removed}
	slot, ok := s.find(key)
	if ok {
		old := &s.ents[uint32(s.slots[slot])-1]
		s.bytes -= int64(old.klen + old.vlen)
		*old = e
	} else {
		s.ents = append(s.ents, e)
		s.slots[slot] = uint64(uint32(maphash.Bytes(s.seed, key)))<<32 | uint64(len(s.ents))
	}
	s.bytes += int64(len(key) + len(val))
}

// store appends key and value to the chunks.
func (s *changeSet) store(key, val []byte) (chunk, off uint32) {
	n := len(key) + len(val)
	last := len(s.chunks) - 1
	if last < 0 || cap(s.chunks[last])-len(s.chunks[last]) < n {
		// the first chunks start small and double: most transactions
		// write a few records, and a 1 MB chunk costs its clearing
		size := firstChunkSize
		if last >= 0 {
			size = min(chunkSize, 2*cap(s.chunks[last]))
		}
		size = max(size, n)
		if n >= ownChunkBytes {
			size = n
		}
		if k := len(s.spare) - 1; k >= 0 && n < ownChunkBytes {
			s.chunks = append(s.chunks, s.spare[k])
			s.spare = s.spare[:k]
		} else {
			s.chunks = append(s.chunks, make([]byte, 0, size))
		}
		last++
	}
	c := s.chunks[last]
	off = uint32(len(c))
	c = append(append(c, key...), val...)
	s.chunks[last] = c
	return uint32(last), off
}

// grow doubles the table.
func (s *changeSet) grow() {
	size := max(16, 2*len(s.slots))
	old := s.slots
	s.slots = make([]uint64, size)
	mask := size - 1
	for _, n := range old {
		if n == 0 {
			continue
		}
		i := int(uint32(n>>32)) & mask
		for s.slots[i] != 0 {
			i = (i + 1) & mask
		}
		s.slots[i] = n
	}
}

// Each calls fn for every key, in no particular order, until it returns false.
func (s *changeSet) Each(fn func(key []byte, c Change) bool) {
	if s == nil {
		return
	}
	for n := range s.ents {
		if !fn(s.key(&s.ents[n]), s.change(&s.ents[n])) {
			return
		}
	}
}

// clone returns a copy that shares the stored bytes; writes to either never
// touch what the other sees (the copy starts a new chunk).
func (s *changeSet) clone() *changeSet {
	c := &changeSet{
		chunks: make([][]byte, len(s.chunks)),
		ents:   append(make([]changeEnt, 0, len(s.ents)+len(s.ents)/4), s.ents...),
		slots:  append([]uint64(nil), s.slots...),
		bytes:  s.bytes,
		seed:   s.seed,

		borrowed: len(s.chunks),
	}
	for i, ch := range s.chunks {
		c.chunks[i] = ch[:len(ch):len(ch)]
	}
	return c
}

// without returns a copy without the keys drop reports (compacting the bytes).
func (s *changeSet) without(drop func(key []byte) bool) *changeSet {
	out := newChangeSet()
	s.Each(func(k []byte, c Change) bool {
		if !drop(k) {
			out.Put(k, c)
		}
		return true
	})
	return out
}

// sortedOrder returns the entry numbers in key order.
// It sorts by the keys' first 8 bytes as one big-endian integer (zero
// padded: the same order as the bytes, ties included) and compares the
// whole keys only on ties, so most comparisons touch no key bytes.
func (s *changeSet) sortedOrder() []uint32 {
	type entry struct {
		prefix uint64
		n      uint32
	}
	entries := make([]entry, len(s.ents))
	for i := range s.ents {
		entries[i] = entry{keyPrefix(s.key(&s.ents[i])), uint32(i)}
	}
	slices.SortFunc(entries, func(x, y entry) int {
		if x.prefix != y.prefix {
			if x.prefix < y.prefix {
				return -1
			}
			return 1
		}
		return bytes.Compare(s.key(&s.ents[x.n]), s.key(&s.ents[y.n]))
	})
	order := make([]uint32, len(entries))
	for i, e := range entries {
		order[i] = e.n
	}
	return order
}

// keyPrefix is key's first 8 bytes, zero padded, as a big-endian integer.
func keyPrefix(key []byte) uint64 {
	if len(key) >= 8 {
		return binary.BigEndian.Uint64(key)
	}
	var b [8]byte
	copy(b[:], key)
	return binary.BigEndian.Uint64(b[:])
}

// reset empties the set, keeping its memory (not for a set a snapshot shares).
func (s *changeSet) reset() {
	for i, c := range s.chunks {
		if i >= s.borrowed && cap(c) == chunkSize {
			s.spare = append(s.spare, c[:0])
		}
	}
	s.chunks = s.chunks[:0]
	s.borrowed = 0
	s.ents = s.ents[:0]
	clear(s.slots)
	s.bytes = 0
}

// memBytes approximates the set's memory: its bytes, entries and table.
func (s *changeSet) memBytes() int64 {
	if s == nil {
		return 0
	}
	return s.bytes + int64(len(s.ents))*int64(changeEntBytes) + int64(len(s.slots))*8
}

const changeEntBytes = 32
