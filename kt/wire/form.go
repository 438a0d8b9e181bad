package wire

// DecodeForm appends the pairs of an application/x-www-form-urlencoded body
// or a query string to dst with the server's rules: '&' and ';' separate
// pairs, leading spaces/TABs of a pair are skipped, empty pairs are ignored,
// the first '=' splits key from value (no '=' means an empty value), and
// both sides are URL-decoded like KC's urldecode ('+' is a space, %XX in
// either case, raw bytes <= 0x20, 0x7f and >= 0x80 dropped).
// The results point into one fresh arena.
func DecodeForm(dst []Pair, s []byte) []Pair {
	arena := make([]byte, 0, len(s))
	for len(s) > 0 {
		end := 0
		for end < len(s) && s[end] != '&' && s[end] != ';' {
			end++
		}
		elem := s[:end]
		if end < len(s) {
			s = s[end+1:]
		} else {
			s = nil
		}
		for len(elem) > 0 && (elem[0] == ' ' || elem[0] == '\t') {
			elem = elem[1:]
		}
		if len(elem) == 0 {
			continue
		}
		k, v := elem, []byte(nil)
		for i, c := range elem {
			if c == '=' {
				k, v = elem[:i], elem[i+1:]
				break
			}
		}
		var dk, dv []byte
		dk, arena = decodeInto(arena, URL, k)
		dv, arena = decodeInto(arena, URL, v)
		dst = append(dst, Pair{Key: dk, Value: dv})
	}
	return dst
}

// SplitTarget splits a request target into path and query (without '?').
func SplitTarget(target []byte) (path, query []byte) {
	for i, c := range target {
		if c == '?' {
			return target[:i], target[i+1:]
		}
	}
	return target, nil
}
