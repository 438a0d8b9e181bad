package ktdev

import (
	"fmt"
	"math"
	"math/rand"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeClock is a settable clock for expiration tests.
type fakeClock struct{ sec int64 }

func (c *fakeClock) now() time.Time { return time.Unix(c.sec, 0) }

func testDB(t *testing.T, arg string) (*DB, *fakeClock) {
	t.Helper()
	spec, err := parseDBSpec(arg)
	require.NoError(t, err)
	clk := &fakeClock{sec: 1_000_000}
	return newDB(0, spec, clk.now), clk
}

func TestResolveXT(t *testing.T) {
	const now = 1_000_000
	tests := []struct {
		name string
		xt   int64
		want int64
	}{
		{"relative", 60, now + 60},
		{"zero lives this second", 0, now},
		{"absolute", -2_000_000_000, 2_000_000_000},
		{"absolute past", -1000, 1000},
		{"absent means never", XTAbsent, XTNever},
		{"clamped", 1 << 50, XTNever},
		{"absolute clamped", -(1 << 50), XTNever},
		{"min int", math.MinInt64, XTNever},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, resolveXT(tc.xt, now))
		})
	}
}

func TestExpiration(t *testing.T) {
	db, clk := testDB(t, "*")
	require.NoError(t, db.Update(func(tx *Tx) error {
		tx.Set("k", "v", 10)
		tx.Set("never", "v", XTAbsent)
		return nil
	}))
	v, xt, ok := db.get("k")
	require.True(t, ok)
	assert.Equal(t, "v", v)
	assert.Equal(t, clk.sec+10, xt)

	clk.sec += 10 // still alive during the xt second
	_, _, ok = db.get("k")
	assert.True(t, ok)
	clk.sec++ // gone afterwards: behaves like a missing record
	_, _, ok = db.get("k")
	assert.False(t, ok)
	assert.ErrorIs(t, db.Update(func(tx *Tx) error { return tx.Replace("k", "x", XTAbsent) }), ErrNoRecord)
	assert.NoError(t, db.Update(func(tx *Tx) error { return tx.Add("k", "new", XTAbsent) }))
	v, xt, ok = db.get("k")
	require.True(t, ok)
	assert.Equal(t, "new", v)
	assert.Equal(t, XTNever, xt, "a write without xt clears the expiration")

	_, xt, _ = db.get("never")
	assert.Equal(t, XTNever, xt)

	// expired records count until vacuum collects them
	require.NoError(t, db.Update(func(tx *Tx) error { tx.Set("old", "v", -5); return nil }))
	assert.Equal(t, int64(3), db.Count())
	require.NoError(t, db.Update(func(tx *Tx) error { tx.Vacuum(); return nil }))
	assert.Equal(t, int64(2), db.Count())
}

func TestTreeOrderIsBytewise(t *testing.T) {
	db, _ := testDB(t, "%")
	keys := []string{"b", "a", "\xff", "\x00", "ab", "", "B", "\x80x", "aa"}
	require.NoError(t, db.Update(func(tx *Tx) error {
		for _, k := range keys {
			tx.Set(k, "v", XTAbsent)
		}
		return nil
	}))
	var got []string
	require.NoError(t, db.View(func(tx *Tx) error {
		tx.Each(func(k, _ string, _ int64) bool { got = append(got, k); return true })
		return nil
	}))
	want := append([]string(nil), keys...)
	sort.Strings(want) // Go compares strings bytewise, unsigned
	assert.Equal(t, want, got)
}

func TestHashOrderIsFixed(t *testing.T) {
	order := func() []string {
		db, _ := testDB(t, "*")
		var got []string
		require.NoError(t, db.Update(func(tx *Tx) error {
			for i := 0; i < 50; i++ {
				tx.Set(fmt.Sprint("k", (i*7)%50), "v", XTAbsent)
			}
			tx.Each(func(k, _ string, _ int64) bool { got = append(got, k); return true })
			return nil
		}))
		return got
	}
	a, b := order(), order()
	assert.Equal(t, a, b)
	assert.False(t, sort.StringsAreSorted(a), "hash order should not be key order")
}

func TestSkiplistMatchesSortedSlice(t *testing.T) {
	db, _ := testDB(t, "%")
	rng := rand.New(rand.NewSource(1))
	model := map[string]bool{}
	for i := 0; i < 5000; i++ {
		k := fmt.Sprint(rng.Intn(800))
		if rng.Intn(3) == 0 {
			_ = db.Update(func(tx *Tx) error { return tx.Remove(k) })
			delete(model, k)
		} else {
			db.set(k, "v", XTAbsent)
			model[k] = true
		}
	}
	var want []string
	for k := range model {
		want = append(want, k)
	}
	sort.Strings(want)
	var got []string
	_ = db.View(func(tx *Tx) error {
		tx.Each(func(k, _ string, _ int64) bool { got = append(got, k); return true })
		return nil
	})
	assert.Equal(t, want, got)
	assert.Equal(t, int64(len(want)), db.Count())
}

func TestIncrement(t *testing.T) {
	db, _ := testDB(t, "*")
	incr := func(key string, num, orig int64) (int64, error) {
		var n int64
		err := db.Update(func(tx *Tx) (err error) { n, err = tx.Increment(key, num, orig, XTAbsent); return err })
		return n, err
	}
	n, err := incr("c", 5, 0)
	require.NoError(t, err)
	assert.Equal(t, int64(5), n)
	n, _ = incr("c", -2, 0)
	assert.Equal(t, int64(3), n)
	v, _, _ := db.get("c")
	assert.Equal(t, "\x00\x00\x00\x00\x00\x00\x00\x03", v)
	n, _ = incr("d", 1, 10)
	assert.Equal(t, int64(11), n)
	n, _ = incr("d", 7, OrigSet)
	assert.Equal(t, int64(7), n)
	_, err = incr("e", 1, OrigTry)
	assert.ErrorIs(t, err, ErrLogic)
	db.set("s", "text", XTAbsent)
	_, err = incr("s", 1, 0)
	assert.ErrorIs(t, err, ErrLogic)
	_, err = incr("s", 1, OrigSet)
	assert.ErrorIs(t, err, ErrLogic, "set does not overwrite a value of another size")
	v, _, _ = db.get("s")
	assert.Equal(t, "text", v)
	db.set("max", "\x7f\xff\xff\xff\xff\xff\xff\xff", XTAbsent)
	_, err = incr("max", 1, 0)
	assert.ErrorIs(t, err, ErrLogic, "overflow to INT64MIN is reported")
}

func TestIncrementDouble(t *testing.T) {
	db, _ := testDB(t, "*")
	var n float64
	require.NoError(t, db.Update(func(tx *Tx) (err error) { n, err = tx.IncrementDouble("d", 1.5, 0, XTAbsent); return err }))
	require.NoError(t, db.Update(func(tx *Tx) (err error) { n, err = tx.IncrementDouble("d", 0.25, 0, XTAbsent); return err }))
	assert.Equal(t, 1.75, n)
	v, _, _ := db.get("d")
	assert.Equal(t, "\x00\x00\x00\x00\x00\x00\x00\x01\x00\x02\xaa\x1e\xfb\x94\xe0\x00", v)
	err := db.Update(func(tx *Tx) error { _, err := tx.IncrementDouble("x", 1, math.Inf(-1), XTAbsent); return err })
	assert.ErrorIs(t, err, ErrLogic)
	db.set("s", "text", XTAbsent)
	err = db.Update(func(tx *Tx) error { _, err := tx.IncrementDouble("s", 1, math.Inf(1), XTAbsent); return err })
	assert.ErrorIs(t, err, ErrLogic, "set does not overwrite a value of another size")
	v, _, _ = db.get("s")
	assert.Equal(t, "text", v)
}

func TestCAS(t *testing.T) {
	db, _ := testDB(t, "*")
	s := func(v string) *string { return &v }
	cas := func(o, n *string) error {
		return db.Update(func(tx *Tx) error { return tx.CAS("k", o, n, XTAbsent) })
	}
	assert.NoError(t, cas(nil, nil), "both absent on a missing record is a no-op")
	assert.NoError(t, cas(nil, s("one")))
	assert.ErrorIs(t, cas(nil, s("x")), ErrStatusConflict)
	assert.ErrorIs(t, cas(s("two"), s("x")), ErrStatusConflict)
	assert.NoError(t, cas(s("one"), s("two")))
	assert.NoError(t, cas(s("two"), nil))
	_, _, ok := db.get("k")
	assert.False(t, ok)
}

func TestMatch(t *testing.T) {
	for _, arg := range []string{"%", "*"} {
		t.Run(arg, func(t *testing.T) {
			db, _ := testDB(t, arg)
			for _, k := range []string{"apple", "apricot", "avocado", "banana", "ap"} {
				db.set(k, "v", XTAbsent)
			}
			db.set("apx", "v", -1) // expired, not collected yet
			_ = db.View(func(tx *Tx) error {
				got := tx.MatchPrefix("ap", -1)
				sort.Strings(got)
				assert.Equal(t, []string{"ap", "apple", "apricot", "apx"}, got,
					"like KT, match_prefix lists an expired key until the GC collects it")
				assert.Len(t, tx.MatchPrefix("a", 2), 2)
				assert.Empty(t, tx.MatchPrefix("a", 0))
				got, err := tx.MatchRegex("^a.*o", -1)
				require.NoError(t, err)
				sort.Strings(got)
				assert.Equal(t, []string{"apricot", "avocado"}, got)
				got, err = tx.MatchRegex("^apx", -1)
				require.NoError(t, err)
				assert.Equal(t, []string{"apx"}, got, "match_regex lists an uncollected expired key")
				_, err = tx.MatchRegex("([", -1)
				assert.ErrorIs(t, err, ErrRegex)
				sim := tx.MatchSimilar("apple", 3, false, -1)
				require.NotEmpty(t, sim)
				assert.Equal(t, "apple", sim[0], "nearest first")
				assert.ElementsMatch(t, []string{"apple", "ap", "apx"}, sim)
				assert.Equal(t, []string{"apx"}, tx.MatchSimilar("apx", 0, false, -1))
				return nil
			})
			_ = db.Update(func(tx *Tx) error { tx.Vacuum(); return nil })
			_ = db.View(func(tx *Tx) error {
				got := tx.MatchPrefix("ap", -1)
				sort.Strings(got)
				assert.Equal(t, []string{"ap", "apple", "apricot"}, got, "collected: no longer listed")
				return nil
			})
		})
	}
}

func TestGCStepCollectsExpired(t *testing.T) {
	db, clk := testDB(t, "%")
	for i := 0; i < 10; i++ {
		db.set(fmt.Sprint("live", i), "v", XTAbsent)
		db.set(fmt.Sprint("old", i), "v", 5)
	}
	clk.sec += 6
	db.gcStep(7)
	db.gcStep(7)
	assert.Less(t, db.Count(), int64(20))
	for i := 0; i < 3; i++ {
		db.gcStep(7)
	}
	assert.Equal(t, int64(10), db.Count())
	for i := 0; i < 10; i++ {
		_, _, ok := db.get(fmt.Sprint("live", i))
		assert.True(t, ok)
	}
}

// TestIndexInterleaved checks the ordered index against a model while
// inserts, removals and ordered reads interleave (pending merges).
func TestIndexInterleaved(t *testing.T) {
	for _, arg := range []string{"%", "*"} {
		t.Run(arg, func(t *testing.T) {
			db, _ := testDB(t, arg)
			rng := rand.New(rand.NewSource(7))
			model := map[string]bool{}
			for i := 0; i < 6000; i++ {
				k := fmt.Sprintf("%x", rng.Intn(3000))
				switch op := rng.Intn(10); {
				case op < 5:
					db.set(k, "v", XTAbsent)
					model[k] = true
				case op < 8:
					db.remove(k)
					delete(model, k)
				case op < 9 && arg == "%":
					c := db.NewCursor()
					err := c.Jump(&k)
					var want string
					for m := range model {
						if m >= k && (want == "" || m < want) {
							want = m
						}
					}
					if want == "" {
						require.ErrorIs(t, err, ErrNoRecord)
					} else {
						require.NoError(t, err)
						require.Equal(t, want, curKey(t, c))
					}
				default:
					var got []string
					_ = db.View(func(tx *Tx) error {
						tx.Each(func(k, _ string, _ int64) bool { got = append(got, k); return true })
						return nil
					})
					require.Len(t, got, len(model))
					if arg == "%" {
						require.True(t, sort.StringsAreSorted(got))
					}
					for _, k := range got {
						require.True(t, model[k], k)
					}
				}
			}
		})
	}
}

func TestPersistentOptionIgnoresXT(t *testing.T) {
	db, _ := testDB(t, "x.kct#ktopts=p")
	db.set("k", "v", 10)
	_, xt, ok := db.get("k")
	require.True(t, ok)
	assert.Equal(t, XTNever, xt)
	assert.Equal(t, "2", db.status()["ktopts"])
	assert.Equal(t, "x.kct", db.Name())
	assert.Equal(t, "x.kct", db.Path())
}

func TestParseDBSpec(t *testing.T) {
	tests := []struct {
		arg, name, path string
		code            int
		ordered         bool
	}{
		{":", ":", ":", 24, false},
		{"*#capsiz=1g", "*", "*", 32, false},
		{"%", "%", "%", 33, true},
		{"-", "-", "-", 16, false},
		{"+", "+", "+", 17, true},
		{"/srv/db/casket.kch#bnum=1000", "casket.kch", "/srv/db/casket.kch", 48, false},
		{"casket.kct", "casket.kct", "casket.kct", 49, true},
		{"d.kcd", "d.kcd", "d.kcd", 64, false},
		{"f.kcf", "f.kcf", "f.kcf", 65, true},
	}
	for _, tc := range tests {
		spec, err := parseDBSpec(tc.arg)
		require.NoError(t, err, tc.arg)
		assert.Equal(t, tc.name, spec.name, tc.arg)
		assert.Equal(t, tc.path, spec.path, tc.arg)
		assert.Equal(t, tc.code, spec.typ.code, tc.arg)
		assert.Equal(t, tc.ordered, spec.typ.ordered, tc.arg)
	}
	for _, bad := range []string{"x.db", "", "/dir/"} {
		_, err := parseDBSpec(bad)
		assert.Error(t, err, bad)
	}
}

// status reports the keys a real ktserver's cache DBs report ('*' and '%'
// of KT 1.0.0/KC 1.2.79 observed; values of the golden KC 1.2.76a).
func TestStatusKeysOfCacheDBs(t *testing.T) {
	want := map[string][]string{
		"*": {"bnum", "capcnt", "capsiz", "chksum", "count", "fmtver", "ktcapcnt", "ktcapsiz", "ktopts",
			"librev", "libver", "opts", "path", "realtype", "recovered", "reorganized", "size", "type"},
		"%": {"bnum", "capcnt", "capsiz", "chksum", "count", "cusage", "first", "fmtver", "icnt", "ktcapcnt",
			"ktcapsiz", "ktopts", "last", "lcnt", "librev", "libver", "opts", "path", "pccap", "pnum", "psiz",
			"rcomp", "realtype", "recovered", "reorganized", "root", "size", "type"},
	}
	for arg, keys := range want {
		db, _ := testDB(t, arg)
		var got []string
		for k := range db.status() {
			got = append(got, k)
		}
		sort.Strings(got)
		assert.Equal(t, keys, got, arg)
	}
	db, _ := testDB(t, "%")
	assert.Equal(t, "65536", db.status()["bnum"], "a cache tree's default bnum")
}
