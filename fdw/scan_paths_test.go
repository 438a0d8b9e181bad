package fdw

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// drainOrdered polls a scan to the end and returns the keys in the order
// they came and the values by key.
func drainOrdered(t *testing.T, s *Scan) ([]string, map[string]string) {
	t.Helper()
	var keys []string
	vals := map[string]string{}
	for i := 0; i < 100000; i++ {
		res, rows, st := s.Next(10 * time.Millisecond)
		require.Nil(t, st)
		switch res {
		case ScanRows:
			for _, r := range rows {
				keys = append(keys, string(r.Key))
				vals[string(r.Key)] = string(r.Value)
			}
		case ScanEOF:
			return keys, vals
		}
	}
	t.Fatal("scan never ended")
	return nil, nil
}

func keysFrom(ss ...string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

func TestScanPaths(t *testing.T) {
	f := newFake()
	for i := 0; i < 3000; i++ {
		f.put("db", fmt.Sprintf("k%04d", i), fmt.Sprintf("v%d", i))
	}
	f.put("db", "other", "o")
	incl := func(k string) Bound { return Bound{Set: true, Key: []byte(k)} }
	excl := func(k string) Bound { return Bound{Set: true, Key: []byte(k), Exclusive: true} }
	tests := []struct {
		name  string
		spec  ScanSpec
		want  []string // keys in order (sorted when the spec is Ordered)
		calls map[string]int
	}{
		{"IN list: one get_bulk, sorted, deduplicated, missing keys left out",
			ScanSpec{Kind: ScanKeys, Keys: keysFrom("k0002", "k0001", "nope", "k0002")},
			[]string{"k0001", "k0002"}, map[string]int{"get_bulk": 1, "match_prefix": 0}},
		{"prefix: match_prefix then get_bulk",
			ScanSpec{Kind: ScanPrefix, Prefix: []byte("k000")},
			[]string{"k0000", "k0001", "k0002", "k0003", "k0004", "k0005", "k0006", "k0007", "k0008", "k0009"},
			map[string]int{"match_prefix": 1, "get_bulk": 1}},
		{"prefix with a limit asks match_prefix for that many",
			ScanSpec{Kind: ScanPrefix, Prefix: []byte("k"), Limit: 3, Ordered: true},
			[]string{"k0000", "k0001", "k0002"}, map[string]int{"match_prefix": 1, "get_bulk": 1}},
		{"range >= and <, in order",
			ScanSpec{Kind: ScanRange, Lo: incl("k0100"), Hi: excl("k0103"), Ordered: true},
			[]string{"k0100", "k0101", "k0102"}, map[string]int{"cur_jump": 1, "cur_get_batch": 1}},
		{"range > and <= between keys",
			ScanSpec{Kind: ScanRange, Lo: excl("k0100"), Hi: incl("k0102x"), Ordered: true},
			[]string{"k0101", "k0102"}, map[string]int{"cur_jump": 1}},
		{"range stops reading past the high bound",
			ScanSpec{Kind: ScanRange, Lo: incl("k0000"), Hi: incl("k0200"), Ordered: true},
			nil, map[string]int{"cur_get_batch": 3}}, // 64 + 128 + 256 records read
		{"impossible range: no I/O",
			ScanSpec{Kind: ScanRange, Lo: incl("b"), Hi: incl("a"), Ordered: true},
			nil, map[string]int{"cur_jump": 0}},
		{"limit on an ordered full scan: one small batch",
			ScanSpec{Kind: ScanFull, Limit: 5, Ordered: true},
			[]string{"k0000", "k0001", "k0002", "k0003", "k0004"}, map[string]int{"cur_get_batch": 1, "match_prefix": 0}},
		{"ordered full scan lists the keys in order, then get_bulk per 1000",
			ScanSpec{Kind: ScanFull, Ordered: true},
			nil, map[string]int{"match_prefix": 1, "cur_get_batch": 0, "get_bulk": 4}},
		{"count(*): listed keys confirmed by get_bulk (KT lists expired, uncollected records)",
			ScanSpec{Kind: ScanFull, KeysOnly: true},
			nil, map[string]int{"match_prefix": 1, "get_bulk": 4}},
		{"hash full scan: all keys, then get_bulk per 1000",
			ScanSpec{Kind: ScanFull},
			nil, map[string]int{"match_prefix": 1, "get_bulk": 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := map[string]int{}
			for op := range tt.calls {
				before[op] = f.count(op)
			}
			s := NewScan(newTestBackend(f), testTable("db"))
			require.Nil(t, s.StartSpec(tt.spec))
			keys, _ := drainOrdered(t, s)
			if tt.want != nil {
				assert.Equal(t, tt.want, keys)
			}
			if tt.spec.Ordered {
				assert.IsNonDecreasing(t, keys)
			}
			for op, n := range tt.calls {
				assert.Equal(t, n, f.count(op)-before[op], "calls of %s", op)
			}
		})
	}
}

func TestScanRangeCounts(t *testing.T) {
	f := newFake()
	for i := 0; i < 3000; i++ {
		f.put("db", fmt.Sprintf("k%04d", i), "v")
	}
	s := NewScan(newTestBackend(f), testTable("db"))
	require.Nil(t, s.StartSpec(ScanSpec{Kind: ScanRange, Lo: Bound{Set: true, Key: []byte("k1000")},
		Hi: Bound{Set: true, Key: []byte("k2499")}, Ordered: true}))
	keys, _ := drainOrdered(t, s)
	require.Len(t, keys, 1500)
	assert.Equal(t, "k1000", keys[0])
	assert.Equal(t, "k2499", keys[len(keys)-1])
	assert.IsIncreasing(t, keys)
}

// The transaction's writes are merged in key order into every path.
func TestScanPathsMergeBuffer(t *testing.T) {
	f := newFake()
	for _, k := range []string{"a1", "a2", "a3", "b1", "b2"} {
		f.put("db", k, "kt-"+k)
	}
	be := newTestBackend(f)
	tbl := testTable("db")
	buf := be.writeBuffer(tbl)
	buf.Set(1, []byte("a0"), []byte("new"))
	buf.Set(1, []byte("a2"), []byte("changed"))
	buf.Remove(1, []byte("a3"))
	buf.Set(1, []byte("a25"), []byte("new"))
	buf.Set(1, []byte("c"), []byte("new"))

	tests := []struct {
		name string
		spec ScanSpec
		want []string
	}{
		{"ordered full", ScanSpec{Kind: ScanFull, Ordered: true}, []string{"a0", "a1", "a2", "a25", "b1", "b2", "c"}},
		{"range", ScanSpec{Kind: ScanRange, Lo: Bound{Set: true, Key: []byte("a1")}, Hi: Bound{Set: true, Key: []byte("b")}, Ordered: true},
			[]string{"a1", "a2", "a25"}},
		{"prefix", ScanSpec{Kind: ScanPrefix, Prefix: []byte("a"), Ordered: true}, []string{"a0", "a1", "a2", "a25"}},
		{"keys", ScanSpec{Kind: ScanKeys, Keys: keysFrom("c", "a3", "a2", "b1"), Ordered: true}, []string{"a2", "b1", "c"}},
		{"limit counts merged rows", ScanSpec{Kind: ScanFull, Ordered: true, Limit: 3}, []string{"a0", "a1", "a2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewScan(be, tbl)
			require.Nil(t, s.StartSpec(tt.spec))
			keys, vals := drainOrdered(t, s)
			assert.Equal(t, tt.want, keys)
			if _, ok := vals["a2"]; ok {
				assert.Equal(t, "changed", vals["a2"])
			}
		})
	}
}

func TestScanNullConditions(t *testing.T) {
	f := newFake()
	f.put("db", "k", "v")
	s := NewScan(newTestBackend(f), testTable("db"))
	for _, spec := range []ScanSpec{
		{Kind: ScanKeys},                // IN (NULL)
		{Kind: ScanGet, Empty: true},    // key = NULL
		{Kind: ScanRange, Empty: true},  // key > NULL
		{Kind: ScanPrefix, Empty: true}, // LIKE NULL
	} {
		require.Nil(t, s.StartSpec(spec))
		keys, _ := drainOrdered(t, s)
		assert.Empty(t, keys)
	}
	assert.Zero(t, f.count("get")+f.count("get_bulk")+f.count("match_prefix")+f.count("cur_jump"), "no KT I/O")
}

func TestLikePrefix(t *testing.T) {
	tests := []struct {
		pattern string
		prefix  string
		ok      bool
	}{
		{"abc%", "abc", true},
		{"abc%def%", "abc", true},
		{"a%_", "a", true},
		{"%abc", "", false},
		{"abc", "", false},   // no wildcard: not a prefix search
		{"a_c%", "", false},  // _ before the %
		{`a\%b%`, "", false}, // an escape before the %
		{"", "", false},
		{"日本%", "日本", true},
	}
	for _, tt := range tests {
		p, ok := LikePrefix([]byte(tt.pattern))
		assert.Equal(t, tt.ok, ok, tt.pattern)
		assert.Equal(t, tt.prefix, string(p), tt.pattern)
	}
}

func TestRowCountRemembered(t *testing.T) {
	f := newFake()
	for i := 0; i < 1234; i++ {
		f.put("counted", fmt.Sprintf("k%d", i), "v")
	}
	tbl := testTable("counted")
	_, ok := CachedRowCount(tbl)
	require.False(t, ok)
	s := NewScan(newTestBackend(f), tbl)
	require.Nil(t, s.StartSpec(ScanSpec{Kind: ScanFull}))
	drainOrdered(t, s)
	n, ok := CachedRowCount(tbl)
	require.True(t, ok)
	assert.EqualValues(t, 1234, n)

	defer func() { now = time.Now }()
	now = func() time.Time { return time.Now().Add(rowCountTTL + time.Second) }
	_, ok = CachedRowCount(tbl)
	assert.False(t, ok, "a stale count is not used")
}

// A prefix whose keys do not fit the listing budget is walked by a cursor:
// from the prefix on, stopping after it, on a key-ordered DB; the whole DB,
// filtered, on a hash DB.
func TestLargePrefixWalksCursor(t *testing.T) {
	withListLimits(t, 50, 600)
	f := newFake()
	for _, p := range []string{"a", "b", "c"} {
		for i := 0; i < 200; i++ {
			f.put("db", fmt.Sprintf("%s%03d", p, i), "v")
		}
	}
	for _, ordered := range []bool{true, false} {
		before := f.count("cur_get_batch")
		s := NewScan(newTestBackend(f), testTable("db"))
		require.Nil(t, s.StartSpec(ScanSpec{Kind: ScanPrefix, Prefix: []byte("b"), Ordered: ordered}))
		keys, _ := drainOrdered(t, s)
		require.Len(t, keys, 200, "ordered=%v", ordered)
		for _, k := range keys {
			assert.True(t, strings.HasPrefix(k, "b"), k)
		}
		batches := f.count("cur_get_batch") - before
		if ordered {
			assert.IsIncreasing(t, keys)
			assert.LessOrEqual(t, batches, 3, "starts at the prefix and stops after it")
		} else {
			assert.GreaterOrEqual(t, batches, 4, "a hash DB is walked whole")
		}
	}
}
