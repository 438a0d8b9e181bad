package fdw

import (
	"bytes"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
)

// confine rewrites a scan of the table's keys into a scan of KT keys that
// never leaves the prefix: lookups and prefixes get the prefix, a range is
// clipped to the prefix's range, a full scan becomes a prefix scan.
func confine(t fdwtype.Table, spec ScanSpec) ScanSpec {
	if len(t.Prefix) == 0 || spec.Empty {
		return spec
	}
	switch spec.Kind {
	case ScanGet, ScanKeys:
		spec.Keys = t.KTKeys(spec.Keys)
	case ScanPrefix:
		spec.Prefix = t.KTKey(nonNil(spec.Prefix))
	case ScanRange:
		if spec.Lo.Set {
			spec.Lo.Key = t.KTKey(spec.Lo.Key)
		} else {
			spec.Lo = Bound{Key: t.Prefix, Set: true}
		}
		if spec.Hi.Set {
			spec.Hi.Key = t.KTKey(spec.Hi.Key)
		} else if end := prefixEnd(t.Prefix); end != nil {
			spec.Hi = Bound{Key: end, Set: true, Exclusive: true}
		}
	default: // full scan
		spec.Kind = ScanPrefix
		spec.Prefix = t.Prefix
	}
	return spec
}

// prefixEnd is the smallest key above every key with prefix p (nil: none,
// p is all 0xff bytes).
func prefixEnd(p []byte) []byte {
	end := bytes.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// unconfine strips the prefix from the keys of rows read by a confined
// scan; a row outside the prefix (none should come) is dropped.
func unconfine(t fdwtype.Table, rows []fdwtype.Record) []fdwtype.Record {
	if len(t.Prefix) == 0 {
		return rows
	}
	out := rows[:0]
	for _, r := range rows {
		if bytes.HasPrefix(r.Key, t.Prefix) {
			r.Key = r.Key[len(t.Prefix):]
			out = append(out, r)
		}
	}
	return out
}
