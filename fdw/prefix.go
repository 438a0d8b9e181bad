package fdw

import "bytes"

// The prefix table option namespaces a table inside one KT database: its
// keys are stored as prefix+key, and every scan, lookup and write of the
// table is confined to keys with the prefix. The key column shows keys
// without it. Translation happens at the edges: keys coming from Postgres
// get the prefix (Table.ktKey, Table.confine), rows going back lose it
// (Scan.Next); buffers, conflict checks and the apply see KT's real keys.
const optPrefix = "prefix"

func init() {
	validOptions[CatalogTable][optPrefix] = func(v string) (bool, string) {
		return v != "", "The prefix must be a non-empty string."
	}
}

// TablePrefix is the prefix option of a foreign table (nil: none).
func TablePrefix(table []Option) []byte {
	for _, o := range table {
		if o.Name == optPrefix && o.Value != "" {
			return []byte(o.Value)
		}
	}
	return nil
}

// ktKey is the KT key of the table's key k.
func (t Table) ktKey(k []byte) []byte {
	if len(t.Prefix) == 0 || k == nil {
		return k
	}
	out := make([]byte, 0, len(t.Prefix)+len(k))
	return append(append(out, t.Prefix...), k...)
}

func (t Table) ktKeys(keys [][]byte) [][]byte {
	if len(t.Prefix) == 0 {
		return keys
	}
	out := make([][]byte, len(keys))
	for i, k := range keys {
		out[i] = t.ktKey(k)
	}
	return out
}

// localKey is the key column's value of KT key k.
func (t Table) localKey(k []byte) []byte {
	return bytes.TrimPrefix(k, t.Prefix)
}

// confine rewrites a scan of the table's keys into a scan of KT keys that
// never leaves the prefix: lookups and prefixes get the prefix, a range is
// clipped to the prefix's range, a full scan becomes a prefix scan.
func (t Table) confine(spec ScanSpec) ScanSpec {
	if len(t.Prefix) == 0 || spec.Empty {
		return spec
	}
	switch spec.Kind {
	case ScanGet, ScanKeys:
		spec.Keys = t.ktKeys(spec.Keys)
	case ScanPrefix:
		spec.Prefix = t.ktKey(nonNil(spec.Prefix))
	case ScanRange:
		if spec.Lo.Set {
			spec.Lo.Key = t.ktKey(spec.Lo.Key)
		} else {
			spec.Lo = Bound{Key: t.Prefix, Set: true}
		}
		if spec.Hi.Set {
			spec.Hi.Key = t.ktKey(spec.Hi.Key)
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
func (t Table) unconfine(rows []Record) []Record {
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
