package fdw

// A spill run is one level's in-memory changes, sorted by key and written
// to a spill file (spill_file.go) when the buffer exceeded its memory
// budget. The file is a sequence of records,
//
//	flags byte (1 = removed) | uvarint key length | uvarint value length | varint xt | key | value
//
// grouped into blocks of about runBlockBytes. In memory a run keeps only a
// sparse index (the first key and offset of every block) and a bloom filter
// of its keys (about 10 bits a key, ~1% false positives), so looking up a
// key the run does not have (INSERT checks every new key) usually reads
// nothing, and one that it has reads one block. Runs are immutable: scan
// snapshots share them.

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"io"
	"math/bits"
	"os"
	"runtime"
	"sort"
	"sync"
)

const (
	runBlockBytes   = 4096
	bloomBitsPerKey = 16 // about 0.1-0.2% false positives (blocked: a little more than plain)
	bloomHashes     = 8
)

// spillSeed hashes keys for every run's bloom filter, so a lookup hashes
// its key once for all runs.
var spillSeed = maphash.MakeSeed()

type spillRun struct {
	f        *os.File
	path     string
	size     int64
	n        int    // records
	idxKeys  []byte // first keys of the blocks, concatenated
	idxKeyAt []uint32
	idxOff   []int64
	bloom    []uint64
	once     sync.Once
	cleanup  runtime.Cleanup
}

// memBytes is what the run keeps in memory.
func (r *spillRun) memBytes() int64 {
	return int64(len(r.idxKeys) + 4*len(r.idxKeyAt) + 8*len(r.idxOff) + 8*len(r.bloom))
}

// writeRun writes the changes of s, sorted, to a new spill file.
// Every key's hash also goes to also (the buffer's keyFilter), if not nil.
func writeRun(s *changeSet, also *keyFilter) (*spillRun, error) {
	f, err := createSpillFile()
	if err != nil {
		return nil, err
	}
	r := &spillRun{f: f, path: f.Name(), n: s.Len()}
	fail := func(err error) (*spillRun, error) {
		_ = f.Close()
		_ = os.Remove(r.path)
		return nil, &spillError{op: "write", path: r.path, err: err}
	}
	nblocks := max(1, (r.n*bloomBitsPerKey+511)/512)
	r.bloom = make([]uint64, nblocks*8)
	w := writerPool.Get().(*bufio.Writer)
	w.Reset(f)
	defer func() {
		w.Reset(nil)
		writerPool.Put(w)
	}()
	var hdr [1 + 3*binary.MaxVarintLen64]byte
	blockStart := int64(-runBlockBytes)
	for _, i := range s.sortedOrder() {
		e := &s.ents[i]
		key := s.key(e)
		if r.size-blockStart >= runBlockBytes {
			blockStart = r.size
			r.idxKeyAt = append(r.idxKeyAt, uint32(len(r.idxKeys)))
			r.idxKeys = append(r.idxKeys, key...)
			r.idxOff = append(r.idxOff, r.size)
		}
		kh := maphash.Bytes(spillSeed, key)
		r.bloomAdd(kh)
		if also != nil {
			also.add(kh)
		}
		c := s.change(e)
		h := hdr[:1]
		hdr[0] = 0
		if c.Removed {
			hdr[0] = 1
		}
		h = binary.AppendUvarint(h, uint64(len(key)))
		h = binary.AppendUvarint(h, uint64(len(c.Value)))
		h = binary.AppendVarint(h, c.XT)
		for _, part := range [][]byte{h, key, c.Value} {
			if _, err := w.Write(part); err != nil {
				return fail(err)
			}
		}
		r.size += int64(len(h) + len(key) + len(c.Value))
	}
	if err := w.Flush(); err != nil {
		return fail(err)
	}
	r.idxKeyAt = append(r.idxKeyAt, uint32(len(r.idxKeys)))
	r.cleanup = runtime.AddCleanup(r, func(f *os.File) {
		_ = f.Close()
		_ = os.Remove(f.Name())
	}, f)
	return r, nil
}

// close closes and removes the file (idempotent). Snapshots still holding
// the run then fail to read it, which only happens to scans of a
// subtransaction that was rolled back.
func (r *spillRun) close() {
	r.once.Do(func() {
		r.cleanup.Stop()
		_ = r.f.Close()
		_ = os.Remove(r.path)
	})
}

// The bloom filter is blocked: a key's bloomHashes bits all lie in one
// 512-bit block (one cache line), picked by the hash's high half, so a
// probe costs one cache miss and no division.
func bloomBits(h uint64, nblocks int) (base int, h1, h2 uint32) {
	base = int((h>>32)*uint64(nblocks)>>32) * 8
	return base, uint32(h), uint32(bits.RotateLeft64(h, 21)) | 1
}

func (r *spillRun) bloomAdd(h uint64) { bloomAdd(r.bloom, h) }

func (r *spillRun) mayHave(h uint64) bool { return bloomHas(r.bloom, h) }

func bloomAdd(filter []uint64, h uint64) {
	base, h1, h2 := bloomBits(h, len(filter)/8)
	for i := uint32(0); i < bloomHashes; i++ {
		b := (h1 + i*h2) & 511
		filter[base+int(b>>6)] |= 1 << (b & 63)
	}
}

func bloomHas(filter []uint64, h uint64) bool {
	base, h1, h2 := bloomBits(h, len(filter)/8)
	for i := uint32(0); i < bloomHashes; i++ {
		b := (h1 + i*h2) & 511
		if filter[base+int(b>>6)]&(1<<(b&63)) == 0 {
			return false
		}
	}
	return true
}

func (r *spillRun) blockKey(i int) []byte { return r.idxKeys[r.idxKeyAt[i]:r.idxKeyAt[i+1]] }

// get returns the change of key (h = its spillSeed hash), with fresh bytes.
// A read failure panics (spillPanic).
func (r *spillRun) get(key []byte, h uint64) (Change, bool) {
	if r.n == 0 || !r.mayHave(h) {
		return Change{}, false
	}
	nblocks := len(r.idxOff)
	b := sort.Search(nblocks, func(i int) bool { return bytes.Compare(r.blockKey(i), key) > 0 }) - 1
	if b < 0 {
		return Change{}, false
	}
	end := r.size
	if b+1 < nblocks {
		end = r.idxOff[b+1]
	}
	bp := blockPool.Get().(*[]byte)
	defer blockPool.Put(bp)
	if n := int(end - r.idxOff[b]); cap(*bp) < n {
		*bp = make([]byte, n)
	}
	buf := (*bp)[:end-r.idxOff[b]]
	if _, err := r.f.ReadAt(buf, r.idxOff[b]); err != nil {
		panic(spillPanic{&spillError{op: "read", path: r.path, err: err}})
	}
	for len(buf) > 0 {
		rec, rest, ok := decodeRunRecord(buf)
		if !ok {
			panic(spillPanic{&spillError{op: "read", path: r.path, err: io.ErrUnexpectedEOF}})
		}
		switch bytes.Compare(rec.key, key) {
		case 0:
			c := rec.change()
			if !c.Removed {
				c.Value = append([]byte{}, c.Value...) // the block buffer is reused
			}
			return c, true
		case 1:
			return Change{}, false
		}
		buf = rest
	}
	return Change{}, false
}

// writerPool recycles writeRun's write buffers.
var writerPool = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 256<<10) }}

// blockPool recycles the block buffers of get (most blocks a lookup reads
// are bloom filter false positives).
var blockPool = sync.Pool{New: func() any { b := make([]byte, 0, 2*runBlockBytes); return &b }}

// runRecord is one decoded record; key and value point into the read buffer.
type runRecord struct {
	key, value []byte
	xt         int64
	removed    bool
}

func (rec *runRecord) change() Change {
	if rec.removed {
		return Change{Removed: true}
	}
	return Change{Value: rec.value, XT: rec.xt}
}

func decodeRunRecord(buf []byte) (rec runRecord, rest []byte, ok bool) {
	if len(buf) < 1 {
		return rec, nil, false
	}
	rec.removed = buf[0]&1 != 0
	p := 1
	klen, n := binary.Uvarint(buf[p:])
	if n <= 0 {
		return rec, nil, false
	}
	p += n
	vlen, n := binary.Uvarint(buf[p:])
	if n <= 0 {
		return rec, nil, false
	}
	p += n
	rec.xt, n = binary.Varint(buf[p:])
	if n <= 0 {
		return rec, nil, false
	}
	p += n
	if uint64(len(buf)-p) < klen+vlen {
		return rec, nil, false
	}
	end := p + int(klen)
	rec.key = buf[p:end:end]
	rec.value = buf[end : end+int(vlen) : end+int(vlen)]
	return rec, buf[end+int(vlen):], true
}

// runCursor reads a run's records in order. cur is valid until next.
type runCursor struct {
	r    *spillRun
	rd   *bufio.Reader
	cur  runRecord
	buf  []byte
	left int
	err  error
}

func (r *spillRun) cursor() *runCursor {
	return &runCursor{r: r, rd: bufio.NewReaderSize(io.NewSectionReader(r.f, 0, r.size), int(min(64<<10, r.size+16))), left: r.n}
}

// next reads the next record into cur; false at the end or on an error (err).
func (c *runCursor) next() bool {
	if c.left == 0 || c.err != nil {
		return false
	}
	c.left--
	fail := func(err error) bool {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		c.err = &spillError{op: "read", path: c.r.path, err: err}
		return false
	}
	flags, err := c.rd.ReadByte()
	if err != nil {
		return fail(err)
	}
	klen, err := binary.ReadUvarint(c.rd)
	if err != nil {
		return fail(err)
	}
	vlen, err := binary.ReadUvarint(c.rd)
	if err != nil {
		return fail(err)
	}
	xt, err := binary.ReadVarint(c.rd)
	if err != nil {
		return fail(err)
	}
	n := int(klen + vlen)
	if cap(c.buf) < n {
		c.buf = make([]byte, n)
	}
	c.buf = c.buf[:n]
	if _, err := io.ReadFull(c.rd, c.buf); err != nil {
		return fail(err)
	}
	c.cur = runRecord{key: c.buf[:klen:klen], value: c.buf[klen:n:n], xt: xt, removed: flags&1 != 0}
	return true
}
