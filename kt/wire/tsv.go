package wire

import "bytes"

// Pair is one key/value pair of a TSV body, a form or a script map.
type Pair struct {
	Key, Value []byte
}

// AppendTSVPair appends "key TAB value LF" with both columns encoded by enc.
func AppendTSVPair(dst []byte, enc Encoding, key, value []byte) []byte {
	dst = AppendEncoded(dst, enc, key)
	dst = append(dst, '\t')
	dst = AppendEncoded(dst, enc, value)
	return append(dst, '\n')
}

// TSVLen is the exact size of a TSV body holding pairs encoded with enc.
func TSVLen(enc Encoding, pairs []Pair) int {
	n := 0
	for _, p := range pairs {
		n += EncodedLen(enc, p.Key) + EncodedLen(enc, p.Value) + 2
	}
	return n
}

// DecodeTSV appends the pairs of a TSV body to dst, following the server's
// rules: records end at LF, a CR before the LF is stripped, the key ends at
// the first TAB (further TABs belong to the value), lines without a TAB are
// ignored, no trailing LF is needed. Both columns are decoded with enc.
// Duplicates are kept in order (the server keeps the last one).
//
// With Raw the returned slices alias body; otherwise they point into one
// freshly allocated arena, so a reply costs a constant number of
// allocations whatever its number of records.
func DecodeTSV(dst []Pair, body []byte, enc Encoding) []Pair {
	var arena []byte
	if enc != Raw {
		arena = make([]byte, 0, len(body))
	}
	for len(body) > 0 {
		var line []byte
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			line, body = body, nil
		}
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		tab := bytes.IndexByte(line, '\t')
		if tab < 0 {
			continue
		}
		k, v := line[:tab:tab], line[tab+1:]
		if enc != Raw {
			k, arena = decodeInto(arena, enc, k)
			v, arena = decodeInto(arena, enc, v)
		}
		dst = append(dst, Pair{Key: k, Value: v})
	}
	return dst
}

// decodeInto decodes src at the end of arena and returns the decoded bytes
// (capacity-limited so appends by the caller cannot clobber neighbours). A
// grown arena leaves earlier results valid in the old array.
func decodeInto(arena []byte, enc Encoding, src []byte) ([]byte, []byte) {
	start := len(arena)
	arena = AppendDecoded(arena, enc, src)
	return arena[start:len(arena):len(arena)], arena
}
