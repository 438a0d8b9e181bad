package fdw

// keyFilter is one bloom filter over every key a buffer ever spilled, so
// that Buffer.Lookup of a key no run has (an INSERT checks every new key)
// probes it instead of each run's filter (18 runs at 1,000,000 110-byte
// rows). It only grows: keys of runs that ROLLBACK TO dropped stay in it,
// which costs a false positive at worst (then the runs' own filters
// decide). It grows as a list of parts, each twice the capacity of the one
// before, so a lookup probes about log2(keys/64k) parts. Only the backend's
// thread uses it (scan snapshots read the runs' filters).
type keyFilter struct {
	parts []filterPart
}

type filterPart struct {
	bits        []uint64
	n, capacity int
}

const (
	keyFilterFirst      = 64 << 10 // keys in the first part
	keyFilterBitsPerKey = 12
)

func (f *keyFilter) add(h uint64) {
	last := len(f.parts) - 1
	if last < 0 || f.parts[last].n >= f.parts[last].capacity {
		c := keyFilterFirst
		if last >= 0 {
			c = 2 * f.parts[last].capacity
		}
		f.parts = append(f.parts, filterPart{bits: make([]uint64, (c*keyFilterBitsPerKey+511)/512*8), capacity: c})
		last++
	}
	bloomAdd(f.parts[last].bits, h)
	f.parts[last].n++
}

func (f *keyFilter) mayHave(h uint64) bool {
	for i := len(f.parts) - 1; i >= 0; i-- {
		if bloomHas(f.parts[i].bits, h) {
			return true
		}
	}
	return false
}

func (f *keyFilter) memBytes() int64 {
	var n int64
	for _, p := range f.parts {
		n += int64(8 * len(p.bits))
	}
	return n
}
