package fdw

import (
	"encoding/binary"

	"github.com/kt-fdw/kt_fdw/kt"
)

// Column option xt (issue 5): a timestamptz column of a format 'json' table
// is the record's KT expiration time instead of a JSON field. C checks the
// column (type, not the key, one per table) and tells Go through
// KtTable.xt_col; the value then carries the time in a header across the
// C/Go boundary, in both directions:
//
//	XTHeader, 8 bytes int64 in native byte order (absolute Unix seconds,
//	0 = never expires), then the JSON object.
//
// A JSON object never starts with XTHeader, so C can tell values without
// it (ANALYZE's sample) apart.
const optXT = "xt"

// XTHeader starts a value that carries its expiration time.
const XTHeader = 0x01

const xtHeaderLen = 1 + 8

func init() {
	validOptions[CatalogColumn][optXT] = checkBool
}

// XTColumn reports whether a column's options make it the xt column.
func XTColumn(opts []Option) bool {
	for _, o := range opts {
		if o.Name == optXT {
			b, _ := parseBool(o.Value)
			return b
		}
	}
	return false
}

// WithXT prefixes value with the header for xt.
func WithXT(xt int64, value []byte) []byte {
	out := make([]byte, xtHeaderLen, xtHeaderLen+len(value))
	out[0] = XTHeader
	binary.NativeEndian.PutUint64(out[1:], uint64(xt))
	return append(out, value...)
}

// SplitXT takes the header off a value; ok is false when there is none.
func SplitXT(value []byte) (xt int64, rest []byte, ok bool) {
	if len(value) < xtHeaderLen || value[0] != XTHeader {
		return 0, value, false
	}
	return int64(binary.NativeEndian.Uint64(value[1:])), value[xtHeaderLen:], true
}

// splitXT is the value and expiration time to buffer for a row value from
// C: tables without an xt column never expire.
func (t Table) splitXT(value []byte) ([]byte, int64) {
	if !t.XT {
		return value, 0
	}
	xt, rest, _ := SplitXT(value)
	return rest, xt
}

// withXT adds the header to the values of rows going to C.
func (t Table) withXT(rows []Record) []Record {
	if !t.XT {
		return rows
	}
	for i := range rows {
		if rows[i].Value != nil {
			rows[i].Value = WithXT(rows[i].XT, rows[i].Value)
		}
	}
	return rows
}

// absoluteXT turns an xt of binary get_bulk (absolute, kt.XTNeverStored or
// more for never) into Record.XT (0 = never).
func absoluteXT(xt int64) int64 {
	if xt >= kt.XTNeverStored || xt < 0 {
		return 0
	}
	return xt
}
