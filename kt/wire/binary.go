package wire

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"slices"

	"github.com/cockroachdb/errors"
)

// Magic bytes of the binary protocol (protocol §6).
const (
	MagicReplKeepAlive byte = 0xB0
	MagicReplication   byte = 0xB1
	MagicPlayScript    byte = 0xB4
	MagicSetBulk       byte = 0xB8
	MagicRemoveBulk    byte = 0xB9
	MagicGetBulk       byte = 0xBA
	MagicError         byte = 0xBF
)

// FlagNoReply asks the server not to answer (set_bulk, remove_bulk, play_script).
const FlagNoReply uint32 = 0x01

// MaxDataSize bounds each key, value and script name (KT's DATAMAXSIZ).
const MaxDataSize = 1 << 28

// XTNever is the xt a client sends for "never expires" (what the C++ tools
// send); XTNeverStored is what get_bulk returns for such records.
const (
	XTNever       int64 = math.MaxInt64
	XTNeverStored int64 = 1<<40 - 1
)

var (
	// ErrMalformed: the bytes are not a valid frame.
	ErrMalformed = errors.New("malformed binary frame")
	// ErrTooLarge: a size field exceeds MaxDataSize.
	ErrTooLarge = errors.New("binary frame field exceeds 256 MiB")
	// ErrUnknownMagic: the first byte is no request this package knows.
	ErrUnknownMagic = errors.New("unknown binary magic byte")
	// ErrServer: the server answered with the error byte 0xBF.
	ErrServer = errors.New("binary protocol error reply")
)

// IsBinaryMagic reports whether a request starting with c is binary
// (0x00 or >= 0x80); anything else is HTTP.
func IsBinaryMagic(c byte) bool { return c == 0 || c >= 0x80 }

// BinRecord is a record of the binary bulk frames; xt is as on the wire.
type BinRecord struct {
	DB         uint16
	Key, Value []byte
	XT         int64
}

// SetBulkRequest is 0xB8: u32 flags, u32 rnum, rnum x (u16 db, u32 ksiz,
// u32 vsiz, i64 xt, key, value).
type SetBulkRequest struct {
	Flags   uint32
	Records []BinRecord
}

// Append encodes the request.
func (m *SetBulkRequest) Append(dst []byte) []byte {
	dst = appendHeader(dst, MagicSetBulk, m.Flags, len(m.Records))
	for i := range m.Records {
		r := &m.Records[i]
		dst = binary.BigEndian.AppendUint16(dst, r.DB)
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(r.Key)))
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(r.Value)))
		dst = binary.BigEndian.AppendUint64(dst, uint64(r.XT))
		dst = append(dst, r.Key...)
		dst = append(dst, r.Value...)
	}
	return dst
}

// KeysRequest is 0xB9 (remove_bulk) or 0xBA (get_bulk): u32 flags, u32 rnum,
// rnum x (u16 db, u32 ksiz, key). Value and XT of Keys are ignored.
type KeysRequest struct {
	Magic byte
	Flags uint32
	Keys  []BinRecord
}

// Append encodes the request.
func (m *KeysRequest) Append(dst []byte) []byte {
	dst = appendHeader(dst, m.Magic, m.Flags, len(m.Keys))
	for i := range m.Keys {
		r := &m.Keys[i]
		dst = binary.BigEndian.AppendUint16(dst, r.DB)
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(r.Key)))
		dst = append(dst, r.Key...)
	}
	return dst
}

// PlayScriptRequest is 0xB4: u32 flags, u32 nsiz, u32 rnum, name,
// rnum x (u32 ksiz, u32 vsiz, key, value).
type PlayScriptRequest struct {
	Flags uint32
	Name  []byte
	Pairs []Pair
}

// Append encodes the request.
func (m *PlayScriptRequest) Append(dst []byte) []byte {
	dst = append(dst, MagicPlayScript)
	dst = binary.BigEndian.AppendUint32(dst, m.Flags)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(m.Name)))
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(m.Pairs)))
	dst = append(dst, m.Name...)
	return appendPairs(dst, m.Pairs)
}

func appendHeader(dst []byte, magic byte, flags uint32, n int) []byte {
	dst = append(dst, magic)
	dst = binary.BigEndian.AppendUint32(dst, flags)
	return binary.BigEndian.AppendUint32(dst, uint32(n))
}

func appendPairs(dst []byte, pairs []Pair) []byte {
	for _, p := range pairs {
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(p.Key)))
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(p.Value)))
		dst = append(dst, p.Key...)
		dst = append(dst, p.Value...)
	}
	return dst
}

// AppendCountReply encodes the reply of set_bulk/remove_bulk: magic, u32 hits.
func AppendCountReply(dst []byte, magic byte, hits uint32) []byte {
	dst = append(dst, magic)
	return binary.BigEndian.AppendUint32(dst, hits)
}

// AppendGetBulkReply encodes 0xBA, u32 hits, hits x (u16 db, u32 ksiz,
// u32 vsiz, i64 xt, key, value).
func AppendGetBulkReply(dst []byte, recs []BinRecord) []byte {
	dst = append(dst, MagicGetBulk)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(recs)))
	for i := range recs {
		r := &recs[i]
		dst = binary.BigEndian.AppendUint16(dst, r.DB)
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(r.Key)))
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(r.Value)))
		dst = binary.BigEndian.AppendUint64(dst, uint64(r.XT))
		dst = append(dst, r.Key...)
		dst = append(dst, r.Value...)
	}
	return dst
}

// AppendPlayScriptReply encodes 0xB4, u32 rnum, rnum x (u32 ksiz, u32 vsiz,
// key, value). The server sorts pairs by key; this function keeps the order.
func AppendPlayScriptReply(dst []byte, pairs []Pair) []byte {
	dst = append(dst, MagicPlayScript)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(pairs)))
	return appendPairs(dst, pairs)
}

// AppendErrorReply encodes the error reply (the single byte 0xBF).
func AppendErrorReply(dst []byte) []byte { return append(dst, MagicError) }

// ---------------------------------------------------------------------------
// Decoding. Every size read from the wire is checked against MaxDataSize,
// and buffers grow with the bytes actually received, so a short malicious
// header cannot make us allocate much. A frame cut short returns
// io.ErrUnexpectedEOF (io.EOF only if nothing at all was read).

// Request is one decoded binary request: *SetBulkRequest, *KeysRequest or
// *PlayScriptRequest.
type Request interface{ Append([]byte) []byte }

// ReadRequest reads one binary request (server side). ErrUnknownMagic for
// a byte outside the table (the server then closes without reply).
func ReadRequest(r *bufio.Reader) (Request, error) {
	magic, err := r.ReadByte()
	if err != nil {
		return nil, err
	}
	d := decoder{r: r}
	switch magic {
	case MagicSetBulk:
		m := &SetBulkRequest{}
		m.Flags = d.u32()
		n := d.u32()
		m.Records = d.records(n, make([]BinRecord, 0, capHint(n)))
		return m, d.done()
	case MagicRemoveBulk, MagicGetBulk:
		m := &KeysRequest{Magic: magic}
		m.Flags = d.u32()
		n := d.u32()
		m.Keys = make([]BinRecord, 0, capHint(n))
		for i := uint32(0); i < n && d.err == nil; i++ {
			db := d.u16()
			k := d.bytes(d.size())
			m.Keys = append(m.Keys, BinRecord{DB: db, Key: k})
		}
		return m, d.done()
	case MagicPlayScript:
		m := &PlayScriptRequest{}
		m.Flags = d.u32()
		nsiz := d.size()
		n := d.u32()
		m.Name = d.bytes(nsiz)
		m.Pairs = d.pairs(n)
		return m, d.done()
	}
	return nil, errors.Wrapf(ErrUnknownMagic, "magic 0x%02x", magic)
}

// ReadCountReply reads the reply of set_bulk (MagicSetBulk) or remove_bulk
// (MagicRemoveBulk). ErrServer for 0xBF.
func ReadCountReply(r *bufio.Reader, magic byte) (uint32, error) {
	if err := readMagic(r, magic); err != nil {
		return 0, err
	}
	d := decoder{r: r}
	n := d.u32()
	return n, d.done()
}

// ReadGetBulkReply reads a get_bulk reply, appending the records to dst.
// Keys and values share arenas (a constant number of allocations per reply,
// plus one per value larger than 64 KiB).
func ReadGetBulkReply(r *bufio.Reader, dst []BinRecord) ([]BinRecord, error) {
	if err := readMagic(r, MagicGetBulk); err != nil {
		return dst, err
	}
	d := decoder{r: r}
	n := d.u32()
	dst = d.records(n, dst)
	return dst, d.done()
}

// ReadPlayScriptReply reads a play_script reply.
func ReadPlayScriptReply(r *bufio.Reader) ([]Pair, error) {
	if err := readMagic(r, MagicPlayScript); err != nil {
		return nil, err
	}
	d := decoder{r: r}
	n := d.u32()
	pairs := d.pairs(n)
	return pairs, d.done()
}

func readMagic(r *bufio.Reader, want byte) error {
	c, err := r.ReadByte()
	switch {
	case err != nil:
		return err
	case c == MagicError:
		return ErrServer
	case c != want:
		return errors.Wrapf(ErrMalformed, "reply magic 0x%02x, expected 0x%02x", c, want)
	}
	return nil
}

// capHint bounds a preallocation derived from an untrusted count.
func capHint(n uint32) int { return int(min(n, 1024)) }

// arenaChunk is the size of the shared buffers small keys/values go into.
const arenaChunk = 64 << 10

type decoder struct {
	r     *bufio.Reader
	err   error
	arena []byte
	buf   [8]byte
}

func (d *decoder) done() error {
	if d.err == io.EOF {
		// the magic byte was read, so any EOF is a truncated frame
		return io.ErrUnexpectedEOF
	}
	return d.err
}

func (d *decoder) fixed(n int) []byte {
	if d.err != nil {
		return d.buf[:n]
	}
	if _, err := io.ReadFull(d.r, d.buf[:n]); err != nil {
		d.err = err
	}
	return d.buf[:n]
}

func (d *decoder) u16() uint16 { return binary.BigEndian.Uint16(d.fixed(2)) }
func (d *decoder) u32() uint32 { return binary.BigEndian.Uint32(d.fixed(4)) }
func (d *decoder) i64() int64  { return int64(binary.BigEndian.Uint64(d.fixed(8))) }

// size reads a u32 length and checks it against MaxDataSize.
func (d *decoder) size() int {
	n := d.u32()
	if d.err == nil && n > MaxDataSize {
		d.err = errors.Wrapf(ErrTooLarge, "size %d", n)
	}
	if d.err != nil {
		return 0
	}
	return int(n)
}

// bytes reads n bytes (n already checked). Small fields go into a shared
// arena; big ones get their own buffer grown as data arrives.
func (d *decoder) bytes(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n <= arenaChunk/4 {
		if cap(d.arena)-len(d.arena) < n {
			d.arena = make([]byte, 0, arenaChunk)
		}
		start := len(d.arena)
		d.arena = d.arena[:start+n]
		if _, err := io.ReadFull(d.r, d.arena[start:]); err != nil {
			d.err = err
			return nil
		}
		return d.arena[start : start+n : start+n]
	}
	var out []byte
	for len(out) < n {
		step := min(n-len(out), max(len(out), arenaChunk))
		start := len(out)
		out = slices.Grow(out, step)[:start+step]
		if _, err := io.ReadFull(d.r, out[start:]); err != nil {
			d.err = err
			return nil
		}
	}
	return out
}

func (d *decoder) records(n uint32, dst []BinRecord) []BinRecord {
	for i := uint32(0); i < n && d.err == nil; i++ {
		var rec BinRecord
		rec.DB = d.u16()
		ksiz := d.size()
		vsiz := d.size()
		rec.XT = d.i64()
		rec.Key = d.bytes(ksiz)
		rec.Value = d.bytes(vsiz)
		if d.err == nil {
			dst = append(dst, rec)
		}
	}
	return dst
}

func (d *decoder) pairs(n uint32) []Pair {
	out := make([]Pair, 0, capHint(n))
	for i := uint32(0); i < n && d.err == nil; i++ {
		ksiz := d.size()
		vsiz := d.size()
		k := d.bytes(ksiz)
		v := d.bytes(vsiz)
		if d.err == nil {
			out = append(out, Pair{Key: k, Value: v})
		}
	}
	return out
}

// ReadGetOneReply reads the reply of a get_bulk of the single key key: the
// record's value (one buffer of exactly its size: no arena for a point
// lookup) and stored xt, or found=false when the server found nothing. A
// reply of more than one record, or of another key, is malformed.
func ReadGetOneReply(r *bufio.Reader, key []byte) (value []byte, xt int64, found bool, err error) {
	if err := readMagic(r, MagicGetBulk); err != nil {
		return nil, 0, false, err
	}
	d := decoder{r: r}
	switch n := d.u32(); {
	case d.err != nil:
		return nil, 0, false, d.done()
	case n == 0:
		return nil, 0, false, nil
	case n > 1:
		return nil, 0, false, errors.Wrapf(ErrMalformed, "get_bulk of one key answered %d records", n)
	}
	d.u16()
	ksiz := d.size()
	vsiz := d.size()
	xt = d.i64()
	if d.err == nil && ksiz != len(key) {
		return nil, 0, false, errors.Wrapf(ErrMalformed, "get_bulk answered a key of %d bytes for one of %d", ksiz, len(key))
	}
	for rest := key; d.err == nil && len(rest) > 0; {
		got, err := r.Peek(min(len(rest), r.Size()))
		if err != nil {
			d.err = err
			break
		}
		if !bytes.Equal(got, rest[:len(got)]) {
			return nil, 0, false, errors.Wrap(ErrMalformed, "get_bulk answered another key")
		}
		_, _ = r.Discard(len(got))
		rest = rest[len(got):]
	}
	value = d.bytesExact(vsiz)
	if err := d.done(); err != nil {
		return nil, 0, false, err
	}
	return value, xt, true, nil
}

// bytesExact reads n bytes (n already checked) into a buffer of their own,
// grown as data arrives.
func (d *decoder) bytesExact(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n <= arenaChunk {
		out := make([]byte, n)
		if _, err := io.ReadFull(d.r, out); err != nil {
			d.err = err
			return nil
		}
		return out
	}
	return d.bytes(n) // large: grown as it arrives
}

// AppendGetOneRequest encodes a get_bulk of one key (KeysRequest without
// the slice).
func AppendGetOneRequest(dst []byte, db uint16, key []byte) []byte {
	dst = appendHeader(dst, MagicGetBulk, 0, 1)
	dst = binary.BigEndian.AppendUint16(dst, db)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(key)))
	return append(dst, key...)
}
