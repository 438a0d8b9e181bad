package wire

import (
	"bytes"
	"encoding/base64"
)

// Encoding is a TSV column encoding (the colenc attribute of the
// Content-Type). Its value is the letter used on the wire, 0 for raw.
type Encoding byte

const (
	Raw             Encoding = 0
	Base64          Encoding = 'B'
	QuotedPrintable Encoding = 'Q'
	URL             Encoding = 'U'
)

func (e Encoding) String() string {
	switch e {
	case Raw:
		return "raw"
	case Base64, QuotedPrintable, URL:
		return string(rune(e))
	}
	return "invalid"
}

// EncodingFromLetter maps a colenc letter (either case) to an Encoding;
// anything else is Raw, as on the server.
func EncodingFromLetter(c byte) Encoding {
	switch c | 0x20 {
	case 'b':
		return Base64
	case 'q':
		return QuotedPrintable
	case 'u':
		return URL
	}
	return Raw
}

const lowerHex = "0123456789abcdef"
const upperHex = "0123456789ABCDEF"

// byte classes, one table so the cost scan is a single lookup per byte
const (
	clsURLSafe   = 1 << iota // kept as is by KC's urlencode: [A-Za-z0-9_.~-]
	clsQSafe                 // kept as is by KC's quoteencode: 0x20..0x7e except '='
	clsRawUnsafe             // forces an encoded request/reply: < 0x20 or 0x7f
	clsURLEst                // counted as 1 by the server's U estimate: [A-Za-z0-9_.!~*'()-]
)

var byteClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		alnum := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		if alnum || c == '_' || c == '.' || c == '~' || c == '-' {
			t[c] |= clsURLSafe
		}
		if alnum || c == '_' || c == '.' || c == '!' || c == '~' || c == '*' || c == '\'' || c == '(' || c == ')' || c == '-' {
			t[c] |= clsURLEst
		}
		if c >= 0x20 && c <= 0x7e && c != '=' {
			t[c] |= clsQSafe
		}
		if c < 0x20 || c == 0x7f {
			t[c] |= clsRawUnsafe
		}
	}
	return t
}()

// EncodedLen is the exact length of src after AppendEncoded with enc.
func EncodedLen(enc Encoding, src []byte) int {
	switch enc {
	case Base64:
		return base64.StdEncoding.EncodedLen(len(src))
	case URL:
		n := len(src)
		for _, c := range src {
			if byteClass[c]&clsURLSafe == 0 {
				n += 2
			}
		}
		return n
	case QuotedPrintable:
		n := len(src)
		for _, c := range src {
			if byteClass[c]&clsQSafe == 0 {
				n += 2
			}
		}
		return n
	}
	return len(src)
}

// AppendEncoded appends src encoded with enc to dst. The output is identical
// to Kyoto Cabinet's baseencode/quoteencode/urlencode (lower-case hex for U,
// upper-case for Q), so the dev server can reproduce real replies.
func AppendEncoded(dst []byte, enc Encoding, src []byte) []byte {
	switch enc {
	case Base64:
		n := len(dst)
		dst = grow(dst, base64.StdEncoding.EncodedLen(len(src)))
		base64.StdEncoding.Encode(dst[n:], src)
		return dst
	case URL:
		for _, c := range src {
			if byteClass[c]&clsURLSafe != 0 {
				dst = append(dst, c)
			} else {
				dst = append(dst, '%', lowerHex[c>>4], lowerHex[c&15])
			}
		}
		return dst
	case QuotedPrintable:
		for _, c := range src {
			if byteClass[c]&clsQSafe != 0 {
				dst = append(dst, c)
			} else {
				dst = append(dst, '=', upperHex[c>>4], upperHex[c&15])
			}
		}
		return dst
	}
	return append(dst, src...)
}

// grow extends dst by n bytes (contents of the new bytes unspecified).
func grow(dst []byte, n int) []byte {
	if cap(dst)-len(dst) >= n {
		return dst[:len(dst)+n]
	}
	nd := make([]byte, len(dst)+n, 2*cap(dst)+n)
	copy(nd, dst)
	return nd
}

// AppendDecoded appends src decoded with enc to dst. It never fails: like
// Kyoto Cabinet it skips what it cannot use. The C decoders work on
// NUL-terminated strings, so an encoded column ends at its first 0x00.
func AppendDecoded(dst []byte, enc Encoding, src []byte) []byte {
	if enc == Raw {
		return append(dst, src...)
	}
	if i := bytes.IndexByte(src, 0); i >= 0 {
		src = src[:i]
	}
	switch enc {
	case Base64:
		// fast path: canonical base64 decodes the same with the standard
		// library (which, like KC, skips CR and LF); anything it rejects
		// goes through the byte-exact KC decoder
		n := len(dst)
		out := grow(dst, base64.StdEncoding.DecodedLen(len(src)))
		if m, err := base64.StdEncoding.Decode(out[n:], src); err == nil {
			return out[:n+m]
		}
		return appendBase64Decoded(dst, src)
	case URL:
		return appendPercentDecoded(dst, src, '%', true)
	case QuotedPrintable:
		return appendPercentDecoded(dst, src, '=', false)
	}
	return append(dst, src...)
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// appendPercentDecoded is KC's urldecode (esc '%', plus=true) and
// quotedecode (esc '='). Both read chars as signed, so raw bytes >= 0x80 are
// dropped along with control bytes; a bad hex digit counts as nothing; an
// escape cut short by the end of input ends the output.
func appendPercentDecoded(dst, src []byte, esc byte, plus bool) []byte {
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == esc:
			i++
			if i >= len(src) {
				return dst
			}
			c = src[i]
			if !plus && (c == '\r' || c == '\n') { // QP soft line break
				if c == '\r' {
					i++
					if i >= len(src) {
						return dst
					}
					if src[i] != '\n' {
						i-- // only the CR was part of the break
					}
				}
				continue
			}
			num, _ := hexVal(c)
			i++
			if i >= len(src) {
				return dst
			}
			if lo, ok := hexVal(src[i]); ok {
				num = num<<4 | lo
			}
			dst = append(dst, num)
		case plus && c == '+':
			dst = append(dst, ' ')
		case c >= 0x80 || c == 0x7f || c < 0x20 || (plus && c == 0x20):
			// dropped
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// appendBase64Decoded is KC's basedecode: non-alphabet characters are
// skipped, '=' ends decoding after the current quartet, and a short final
// quartet still yields three bytes of its (unshifted) bits.
func appendBase64Decoded(dst, src []byte) []byte {
	eq := 0
	pos := 0
	for pos < len(src) && eq == 0 {
		bits := uint32(0)
		n := 0
		for ; pos < len(src) && n < 4; pos++ {
			c := src[pos]
			var v uint32
			switch {
			case c >= 'A' && c <= 'Z':
				v = uint32(c - 'A')
			case c >= 'a' && c <= 'z':
				v = uint32(c-'a') + 26
			case c >= '0' && c <= '9':
				v = uint32(c-'0') + 52
			case c == '+':
				v = 62
			case c == '/':
				v = 63
			case c == '=':
				eq++
			default:
				continue
			}
			bits = bits<<6 | v
			n++
		}
		if n == 0 && pos >= len(src) {
			continue
		}
		switch eq {
		case 0:
			dst = append(dst, byte(bits>>16), byte(bits>>8), byte(bits))
		case 1:
			dst = append(dst, byte(bits>>16), byte(bits>>8))
		case 2:
			dst = append(dst, byte(bits>>16))
		}
	}
	return dst
}
