package wire

import "encoding/base64"

// The Join variants encode the concatenation a+b without building it, so a
// client can send "_"+key (bulk record keys) or a number kept in a string
// with no allocation per record.

// EncodedLenJoin is EncodedLen(enc, a+b).
func EncodedLenJoin(enc Encoding, a string, b []byte) int {
	if enc == Base64 {
		return base64.StdEncoding.EncodedLen(len(a) + len(b))
	}
	n := len(a) + len(b)
	switch enc {
	case URL:
		n = EncodedLen(enc, b) + len(a)
		for i := 0; i < len(a); i++ {
			if byteClass[a[i]]&clsURLSafe == 0 {
				n += 2
			}
		}
	case QuotedPrintable:
		n = EncodedLen(enc, b) + len(a)
		for i := 0; i < len(a); i++ {
			if byteClass[a[i]]&clsQSafe == 0 {
				n += 2
			}
		}
	}
	return n
}

// AppendEncodedJoin is AppendEncoded(dst, enc, a+b).
func AppendEncodedJoin(dst []byte, enc Encoding, a string, b []byte) []byte {
	if len(a) == 0 {
		return AppendEncoded(dst, enc, b)
	}
	if enc != Base64 {
		var tmp [64]byte
		if len(a) <= len(tmp) {
			dst = AppendEncoded(dst, enc, append(tmp[:0], a...))
		} else {
			dst = AppendEncoded(dst, enc, []byte(a))
		}
		return AppendEncoded(dst, enc, b)
	}
	// base64: whole groups of a, then one group straddling a and b, then b
	full := len(a) / 3 * 3
	if full > 0 {
		dst = AppendEncoded(dst, enc, []byte(a[:full]))
	}
	rest := a[full:]
	if len(rest) == 0 {
		return AppendEncoded(dst, enc, b)
	}
	var group [3]byte
	g := append(group[:0], rest...)
	k := min(3-len(rest), len(b))
	g = append(g, b[:k]...)
	dst = AppendEncoded(dst, enc, g)
	return AppendEncoded(dst, enc, b[k:])
}

// AddJoin accounts for one key or value given as a+b.
func (r *RequestEncoding) AddJoin(a string, b []byte) {
	var tmp [64]byte
	if len(a) <= len(tmp) {
		r.addParts(append(tmp[:0], a...), b)
		return
	}
	r.addParts([]byte(a), b)
}

func (r *RequestEncoding) addParts(a, b []byte) {
	n := len(a) + len(b)
	r.n += n
	r.b += (n + 2) / 3 * 4
	r.u += n
	r.q += n
	for _, s := range [2][]byte{a, b} {
		for _, c := range s {
			cls := byteClass[c]
			if cls&clsRawUnsafe != 0 {
				r.unsafe = true
			}
			if cls&clsURLSafe == 0 {
				r.u += 2
			}
			if cls&clsQSafe == 0 {
				r.q += 2
			}
		}
	}
}
