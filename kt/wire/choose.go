package wire

// ReplyEncoding chooses the colenc of a TSV reply exactly like ktserver
// (protocol §1.4): raw unless a key or value holds a byte < 0x20 or 0x7f or
// is longer than 255 bytes; then B if the server's size estimate for base64
// is smaller than for URL encoding, else U. Bytes >= 0x80 stay raw.
type ReplyEncoding struct {
	encode     bool
	blen, ulen int
}

const replyColumnLimit = 255

// Add accounts for one key or value.
func (r *ReplyEncoding) Add(s []byte) {
	if len(s) > replyColumnLimit {
		r.encode = true
		s = s[:replyColumnLimit]
	}
	r.blen += len(s)*6/4 + 3
	for _, c := range s {
		cls := byteClass[c]
		if cls&clsRawUnsafe != 0 {
			r.encode = true
		}
		if cls&clsURLEst != 0 {
			r.ulen++
		} else {
			r.ulen += 3
		}
	}
}

// AddPair accounts for a key and its value.
func (r *ReplyEncoding) AddPair(key, value []byte) {
	r.Add(key)
	r.Add(value)
}

// Encoding is the chosen encoding.
func (r *ReplyEncoding) Encoding() Encoding {
	switch {
	case !r.encode:
		return Raw
	case r.blen < r.ulen:
		return Base64
	}
	return URL
}

// ChooseReplyEncoding runs ReplyEncoding over pairs.
func ChooseReplyEncoding(pairs []Pair) Encoding {
	var r ReplyEncoding
	for _, p := range pairs {
		r.AddPair(p.Key, p.Value)
	}
	return r.Encoding()
}

// RequestEncoding chooses the cheapest colenc for a request: raw when no
// byte would break TSV framing or be altered by the server (bytes < 0x20 and
// 0x7f), else whichever of B, U and Q gives the smallest body. It computes
// exact sizes in one pass over the data.
type RequestEncoding struct {
	unsafe     bool
	n, b, u, q int
}

// Add accounts for one key or value.
func (r *RequestEncoding) Add(s []byte) {
	r.n += len(s)
	r.b += (len(s) + 2) / 3 * 4
	r.u += len(s)
	r.q += len(s)
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

// AddPair accounts for a key and its value.
func (r *RequestEncoding) AddPair(key, value []byte) {
	r.Add(key)
	r.Add(value)
}

// Encoding is the chosen encoding.
func (r *RequestEncoding) Encoding() Encoding {
	if !r.unsafe {
		return Raw
	}
	best, size := Base64, r.b
	if r.u < size {
		best, size = URL, r.u
	}
	if r.q < size {
		best = QuotedPrintable
	}
	return best
}

// ChooseRequestEncoding runs RequestEncoding over pairs.
func ChooseRequestEncoding(pairs []Pair) Encoding {
	var r RequestEncoding
	for _, p := range pairs {
		r.AddPair(p.Key, p.Value)
	}
	return r.Encoding()
}
