package fdw

import (
	"fmt"
	"testing"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/stretchr/testify/assert"
)

// applyItems merges sets, removes and expectations into one item per key,
// sorted; unsorted input is sorted first and a remove beats a set.
func TestApplyItemsMerge(t *testing.T) {
	describe := func(items []applyItem) []string {
		var out []string
		for _, it := range items {
			s := string(it.key)
			if it.write != nil {
				if it.write.Remove {
					s += " remove"
				} else {
					s += fmt.Sprintf(" set=%s xt=%d", it.write.Value, it.write.XT)
				}
			}
			if it.expect != nil {
				if it.expect.absent {
					s += " expect absent"
				} else {
					s += " expect=" + string(it.expect.value)
				}
			}
			out = append(out, s)
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		sets    []fdwtype.Record
		removes [][]byte
		exps    map[string]expectation
		want    []string
	}{
		{"empty", nil, nil, nil, nil},
		{"sorted merge",
			[]fdwtype.Record{{Key: []byte("a"), Value: []byte("1")}, {Key: []byte("c"), Value: []byte("3"), XT: 7}},
			[][]byte{[]byte("b"), []byte("d")},
			map[string]expectation{"c": {value: []byte("old")}, "d": {absent: true}, "e": {absent: true}},
			[]string{"a set=1 xt=0", "b remove", "c set=3 xt=7 expect=old", "d remove expect absent", "e expect absent"}},
		{"unsorted input, remove beats set",
			[]fdwtype.Record{{Key: []byte("z"), Value: []byte("1")}, {Key: []byte("m"), Value: []byte("2")}},
			[][]byte{[]byte("z"), []byte("b")},
			nil,
			[]string{"b remove", "m set=2 xt=0", "z remove"}},
		{"empty key",
			[]fdwtype.Record{{Key: []byte{}, Value: []byte("e")}},
			nil,
			map[string]expectation{"": {absent: true}},
			[]string{" set=e xt=0 expect absent"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, describe(applyItems(tc.sets, tc.removes, tc.exps)))
		})
	}
}

// Chunks merged one at a time (applyAtomicWrites) are the chunks of the full list.
func TestMergeItemsInChunksMatchesFullList(t *testing.T) {
	var sets []fdwtype.Record
	var removes [][]byte
	for i := 0; i < 25; i++ {
		k := []byte(fmt.Sprintf("k%02d", i))
		if i%3 == 0 {
			removes = append(removes, k)
		} else {
			sets = append(sets, fdwtype.Record{Key: k, Value: []byte{byte(i)}})
		}
	}
	full := applyItems(sets, removes, nil)
	var chunked []applyItem
	for s, r, n := sets, removes, 0; len(s) > 0 || len(r) > 0; n++ {
		var chunk []applyItem
		chunk, s, r = mergeItems(s, r, nil, 4)
		assert.LessOrEqual(t, len(chunk), 4)
		assert.Equal(t, full[4*n:min(4*n+4, len(full))], chunk)
		chunked = append(chunked, chunk...)
	}
	assert.Equal(t, full, chunked)
}
