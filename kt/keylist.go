package kt

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"slices"

	"github.com/kt-fdw/kt_fdw/kt/wire"
)

// KeyList is a compact list of keys: their bytes back to back in one arena
// plus one end offset per key. A million 7-byte keys cost about 11 MB this
// way, against some 200 MB as [][]byte decoded from a reply's pairs (a
// slice header and a pair per key, the reply body and its decode arena).
type KeyList struct {
	arena []byte
	ends  []uint32
	// order[i] is the index in arena/ends of the i-th key in KT's order
	// (the rank match_prefix gives each key); nil: the reply's order is it
	order []uint32
}

// Len is the number of keys.
func (l *KeyList) Len() int {
	if l == nil {
		return 0
	}
	return len(l.ends)
}

// Key returns the i-th key. It aliases the list (capacity-limited, so an
// append by the caller copies).
func (l *KeyList) Key(i int) []byte {
	if l.order != nil {
		i = int(l.order[i])
	}
	start := uint32(0)
	if i > 0 {
		start = l.ends[i-1]
	}
	end := l.ends[i]
	if l.arena == nil {
		return []byte{} // only empty keys so far
	}
	return l.arena[start:end:end]
}

// AppendKeys appends keys [from, to) to dst (aliasing the list).
func (l *KeyList) AppendKeys(dst [][]byte, from, to int) [][]byte {
	for i := from; i < to; i++ {
		dst = append(dst, l.Key(i))
	}
	return dst
}

// KeyBytes is the length of all keys together.
func (l *KeyList) KeyBytes() int64 {
	if l == nil {
		return 0
	}
	return int64(len(l.arena))
}

// Bytes is the memory the list holds (arena and offsets).
func (l *KeyList) Bytes() int {
	if l == nil {
		return 0
	}
	return cap(l.arena) + 4*cap(l.ends) + 4*cap(l.order)
}

// Grow makes room for n more keys of bytes in all.
func (l *KeyList) Grow(n, bytes int) {
	l.arena = slices.Grow(l.arena, max(bytes, 0))
	l.ends = slices.Grow(l.ends, max(n, 0))
}

// Reset empties the list, keeping its room.
func (l *KeyList) Reset() {
	l.arena, l.ends, l.order = l.arena[:0], l.ends[:0], nil
}

// Add appends a copy of key.
func (l *KeyList) Add(key []byte) {
	l.arena = append(l.arena, key...)
	l.ends = append(l.ends, uint32(len(l.arena)))
}

// Sort puts the keys in byte order (a no-op when they are already, as in
// KT's replies).
func (l *KeyList) Sort() {
	n := l.Len()
	sorted := true
	for i := 1; i < n && sorted; i++ {
		sorted = bytes.Compare(l.Key(i-1), l.Key(i)) <= 0
	}
	if sorted {
		return
	}
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(a, b int32) int { return bytes.Compare(l.Key(int(a)), l.Key(int(b))) })
	out := KeyList{arena: make([]byte, 0, len(l.arena)), ends: make([]uint32, 0, n)} // no order
	for _, i := range idx {
		out.Add(l.Key(int(i)))
	}
	*l = out
}

// ListKeys is MatchPrefix decoded as the reply streams in, straight into a
// KeyList: no reply body, pair or slice header per key is ever held. Keys
// come in KT's order, as with MatchPrefix (KT writes its result map sorted
// by key, each key with its rank). max < 0 means all.
//
// budget > 0 bounds the list's memory: once the keys exceed it, ListKeys
// stops reading, drops the connection (the rest of the reply is unread)
// and returns complete=false with the keys read so far.
func (c *Client) ListKeys(ctx context.Context, db string, prefix []byte, max, budget int) (keys *KeyList, complete bool, err error) {
	keys = &KeyList{}
	complete, err = c.ListKeysInto(ctx, keys, db, prefix, max, budget)
	if err != nil {
		return nil, false, err
	}
	return keys, complete, nil
}

// ListKeysInto is ListKeys into l, which Grow may have sized beforehand
// (a list grown by appends holds up to twice its keys' memory while it
// grows). l is emptied first.
func (c *Client) ListKeysInto(ctx context.Context, l *KeyList, db string, prefix []byte, max, budget int) (complete bool, err error) {
	if prefix == nil {
		prefix = []byte{}
	}
	req := newRequest("match_prefix", db).param("prefix", prefix)
	if max >= 0 {
		req.paramInt("max", int64(max))
	}
	err = c.do(ctx, req.proc, true, func(cn *conn) error {
		if err := cn.writeRPC(c.host, req); err != nil {
			return err
		}
		var rp reply
		n, err := readHead(cn.br, &rp, &cn.gotAny)
		if err != nil {
			return err
		}
		if rp.Status != 200 {
			if n < 0 {
				return malformedf("match_prefix error reply without Content-Length")
			}
			if rp.Body, err = readBody(cn.br, int(n)); err != nil {
				return err
			}
			rp.Pairs = wire.DecodeTSV(nil, rp.Body, rp.Enc)
			return c.serverError(req.proc, &rp)
		}
		sized := n >= 0
		if !sized {
			rp.Close = true // the body runs to the end of the stream
			n = maxReplyBody
		}
		body := &io.LimitedReader{R: cn.br, N: n}
		l.Reset() // a retry starts over
		whole, err := decodeKeyList(body, rp.Enc, budget, l)
		if err != nil {
			return err
		}
		if whole && sized && body.N > 0 {
			return io.ErrUnexpectedEOF // the connection ended inside the body
		}
		complete = whole
		if !whole || rp.Close {
			cn.broken = true // the rest of the reply is unread, or the server closes
		}
		return nil
	})
	if err != nil {
		return false, c.dbError(ctx, req, err)
	}
	return complete, nil
}

// decodeKeyList reads TSV lines "_key TAB rank" (other lines, such as
// "num", are skipped) from r into l, then puts the keys in rank order. It
// returns false when l grew past budget (> 0) before the end.
func decodeKeyList(r io.Reader, enc wire.Encoding, budget int, l *KeyList) (bool, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var (
		long, col []byte   // a line longer than br's buffer; a decoded column
		ranks     []uint32 // per key, while not in reply order
		inOrder   = true
	)
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			long = append(long[:0], line...)
			for err == bufio.ErrBufferFull {
				line, err = br.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		if err != nil && err != io.EOF {
			return false, eofIsUnexpected(err)
		}
		if len(line) > 0 {
			key, rank, ok := keyColumns(line, enc, &col)
			if ok {
				if inOrder && rank != uint32(l.Len()) {
					inOrder = false
					ranks = make([]uint32, l.Len(), max(l.Len()*2, cap(l.ends), 1024))
					for i := range ranks {
						ranks[i] = uint32(i)
					}
				}
				if !inOrder {
					ranks = append(ranks, rank)
				}
				l.Add(key)
				if budget > 0 && l.Bytes()+4*cap(ranks) > budget {
					return false, nil
				}
			}
		}
		if err == io.EOF {
			if !inOrder {
				l.order = rankOrder(ranks)
			}
			return true, nil
		}
	}
}

// rankOrder inverts ranks (a permutation of 0..n-1 when the server is
// sane) in place into the key indexes in rank order; nil (reply order)
// otherwise. In place: a million keys need no second 4 MB array.
func rankOrder(ranks []uint32) []uint32 {
	const mark = 1 << 31
	n := uint32(len(ranks))
	if n >= mark {
		return nil
	}
	valid := true
	for _, r := range ranks {
		r &^= mark
		if r >= n || ranks[r]&mark != 0 {
			valid = false
			break
		}
		ranks[r] |= mark
	}
	for i := range ranks {
		ranks[i] &^= mark
	}
	if !valid {
		return nil
	}
	for i := range n {
		if ranks[i]&mark != 0 {
			continue // done with its cycle
		}
		prev, cur := i, ranks[i]
		for cur != i {
			next := ranks[cur]
			ranks[cur] = prev | mark
			prev, cur = cur, next
		}
		ranks[i] = prev | mark
	}
	for i := range ranks {
		ranks[i] &^= mark
	}
	return ranks
}

// keyColumns returns the record key of one TSV line (the first column
// decoded, without its "_") and its rank (the second column; a malformed
// rank is 1<<32-1, which leaves the keys in reply order); ok=false for
// parameter lines and lines without a TAB (skipped, like the server does).
func keyColumns(line []byte, enc wire.Encoding, scratch *[]byte) (key []byte, rank uint32, ok bool) {
	line = bytes.TrimSuffix(line, []byte{'\n'})
	line = bytes.TrimSuffix(line, []byte{'\r'})
	tab := bytes.IndexByte(line, '\t')
	if tab < 0 {
		return nil, 0, false
	}
	k, v := line[:tab], line[tab+1:]
	if enc != wire.Raw {
		*scratch = wire.AppendDecoded((*scratch)[:0], enc, k)
		k = *scratch
		if len(k) == 0 || k[0] != '_' {
			return nil, 0, false
		}
		// the rank after the key in scratch (k's bytes are copied by Add first)
		v = wire.AppendDecoded(k[len(k):], enc, v)
	}
	if len(k) == 0 || k[0] != '_' {
		return nil, 0, false
	}
	return k[1:], parseRank(v), true
}

func parseRank(v []byte) uint32 {
	if len(v) == 0 || len(v) > 9 {
		return 1<<32 - 1
	}
	var n uint32
	for _, c := range v {
		if c < '0' || c > '9' {
			return 1<<32 - 1
		}
		n = n*10 + uint32(c-'0')
	}
	return n
}
