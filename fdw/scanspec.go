package fdw

import (
	"bytes"
	"slices"
)

// ScanKind is the KT access path of a scan, chosen by the planner from the
// key conditions of the query (pgext/plan.c).
type ScanKind int

const (
	ScanFull   ScanKind = iota // every record
	ScanGet                    // key = v: one get
	ScanKeys                   // key IN (...) / key = ANY(...): get_bulk
	ScanPrefix                 // key LIKE 'p%' / starts_with(key, 'p'): match_prefix
	ScanRange                  // key > / >= / < / <= v on a key-ordered DB: cursor
)

func (k ScanKind) String() string {
	switch k {
	case ScanGet:
		return "get"
	case ScanKeys:
		return "get_bulk"
	case ScanPrefix:
		return "match_prefix"
	case ScanRange:
		return "cursor range"
	}
	return "full scan"
}

// Bound is one end of a key range.
type Bound struct {
	Key       []byte
	Set       bool // false: unbounded
	Exclusive bool
}

// ScanSpec says which records a scan reads. Conditions are rechecked by
// Postgres, so a spec may return more rows than asked, never fewer.
type ScanSpec struct {
	Kind ScanKind
	// Keys: the key of a get (none: a NULL key, no rows) or the IN list.
	Keys [][]byte
	// Prefix of ScanPrefix. A LIKE pattern is turned into it by LikePrefix.
	Prefix []byte
	Lo, Hi Bound
	// Limit > 0: the query needs at most that many rows (every condition
	// is served exactly), so the scan may stop there.
	Limit int64
	// Ordered: rows must come in key (byte) order; the planner promised
	// Postgres sorted output. Needs a key-ordered (tree) database except
	// for get and get_bulk, whose keys are sorted here.
	Ordered bool
	// Empty: a NULL in a key condition; no row can match.
	Empty bool
	// KeysOnly: the query reads no value (count(*), key lists), so a scan
	// that lists keys need not fetch values; rows may come without them.
	KeysOnly bool
}

// matches reports whether key satisfies the spec (buffered records of the
// transaction are filtered with it).
func (s *ScanSpec) matches(key []byte) bool {
	switch s.Kind {
	case ScanGet, ScanKeys:
		_, ok := slices.BinarySearchFunc(s.Keys, key, bytes.Compare)
		return ok
	case ScanPrefix:
		return bytes.HasPrefix(key, s.Prefix)
	case ScanRange:
		return s.inRange(key) == 0
	}
	return true
}

// inRange is -1 below the low bound, 1 above the high bound, 0 within.
func (s *ScanSpec) inRange(key []byte) int {
	if s.Lo.Set {
		c := bytes.Compare(key, s.Lo.Key)
		if c < 0 || (c == 0 && s.Lo.Exclusive) {
			return -1
		}
	}
	if s.Hi.Set {
		c := bytes.Compare(key, s.Hi.Key)
		if c > 0 || (c == 0 && s.Hi.Exclusive) {
			return 1
		}
	}
	return 0
}

// normalize sorts and dedupes the keys (an IN list may repeat a key; a row
// must come back once) and turns an impossible range into Empty.
func (s *ScanSpec) normalize() {
	if s.Kind == ScanGet || s.Kind == ScanKeys {
		s.Keys = slices.Clone(s.Keys)
		slices.SortFunc(s.Keys, bytes.Compare)
		s.Keys = slices.CompactFunc(s.Keys, bytes.Equal)
		if len(s.Keys) == 0 {
			s.Empty = true
		}
	}
	if s.Kind == ScanRange && s.Lo.Set && s.Hi.Set {
		c := bytes.Compare(s.Lo.Key, s.Hi.Key)
		if c > 0 || (c == 0 && (s.Lo.Exclusive || s.Hi.Exclusive)) {
			s.Empty = true
		}
	}
}

// LikePrefix returns the literal prefix of a LIKE pattern (default escape
// '\') when the pattern is that prefix followed by '%' and anything: then
// match_prefix finds every match and Postgres rechecks the rest. ok=false
// when the prefix is empty or holds '_' or '\' before the first '%' (not
// pushed down; a full scan with the condition checked by Postgres).
func LikePrefix(pattern []byte) (prefix []byte, ok bool) {
	i := bytes.IndexByte(pattern, '%')
	if i <= 0 {
		return nil, false
	}
	p := pattern[:i]
	if bytes.ContainsAny(p, `_\`) {
		return nil, false
	}
	return p, true
}
