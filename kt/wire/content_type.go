package wire

import "bytes"

// BodyKind tells how the server reads a request body.
type BodyKind int

const (
	BodyIgnored BodyKind = iota // any other or no Content-Type
	BodyTSV                     // text/tab-separated-values
	BodyForm                    // application/x-www-form-urlencoded
)

const (
	mediaTSV  = "text/tab-separated-values"
	mediaForm = "application/x-www-form-urlencoded"
)

// ParseContentType classifies a Content-Type header value the way KT does:
// the media type is a case-insensitive prefix match; the colenc attribute is
// found case-insensitively anywhere after it, optionally quoted, and only its
// first letter counts (B, Q or U; anything else means raw).
func ParseContentType(v []byte) (BodyKind, Encoding) {
	switch {
	case hasPrefixFold(v, mediaTSV):
		return BodyTSV, colencOf(v[len(mediaTSV):])
	case hasPrefixFold(v, mediaForm):
		return BodyForm, Raw
	}
	return BodyIgnored, Raw
}

func hasPrefixFold(s []byte, prefix string) bool {
	return len(s) >= len(prefix) && bytes.EqualFold(s[:len(prefix)], []byte(prefix))
}

func colencOf(params []byte) Encoding {
	const attr = "colenc"
	for i := 0; i+len(attr) <= len(params); i++ {
		if !bytes.EqualFold(params[i:i+len(attr)], []byte(attr)) {
			continue
		}
		rest := bytes.TrimLeft(params[i+len(attr):], " \t")
		if len(rest) == 0 || rest[0] != '=' {
			continue
		}
		rest = bytes.TrimLeft(rest[1:], " \t\"'")
		if len(rest) == 0 {
			return Raw
		}
		return EncodingFromLetter(rest[0])
	}
	return Raw
}

// ContentType is the request/reply Content-Type for a TSV body in enc.
func ContentType(enc Encoding) string {
	switch enc {
	case Base64:
		return mediaTSV + "; colenc=B"
	case QuotedPrintable:
		return mediaTSV + "; colenc=Q"
	case URL:
		return mediaTSV + "; colenc=U"
	}
	return mediaTSV
}
