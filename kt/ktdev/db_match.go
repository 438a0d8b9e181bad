package ktdev

import (
	"regexp"
	"sort"
	"strings"
)

// limit turns KT's max parameter into a count (negative = unlimited).
func limit(max int64) int64 {
	if max < 0 {
		return 1<<63 - 1
	}
	return max
}

// The match procedures list expired records that the GC has not collected
// yet, like KT: its TimedDB::match_* read the engine directly, without the
// expiration check of get and the cursors (kttimeddb.h; observed on a real
// ktserver: a key set with a past xt is listed by match_prefix and
// match_regex until the idle-time vacuum removes it, seconds later).

// eachStored calls fn for every stored record in the database's order,
// expired or not, until fn returns false.
func (tx *Tx) eachStored(fn func(key string) bool) {
	for r := tx.db.sorted().first(); r != nil; r = r.links[0] {
		if !fn(r.key) {
			return
		}
	}
}

// MatchPrefix returns the keys starting with prefix, in the database's order.
func (tx *Tx) MatchPrefix(prefix string, max int64) []string {
	n := limit(max)
	var keys []string
	if n == 0 {
		return keys
	}
	r := tx.db.sorted().first()
	if tx.db.Ordered() {
		r = tx.db.sorted().seekGE(tx.db.posOf(prefix))
	}
	for ; r != nil && int64(len(keys)) < n; r = r.links[0] {
		if !strings.HasPrefix(r.key, prefix) {
			if tx.db.Ordered() {
				break
			}
			continue
		}
		keys = append(keys, r.key)
	}
	return keys
}

// MatchRegex returns the keys matching a regular expression.
func (tx *Tx) MatchRegex(expr string, max int64) ([]string, error) {
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, ErrRegex
	}
	n := limit(max)
	var keys []string
	tx.eachStored(func(key string) bool {
		if int64(len(keys)) >= n {
			return false
		}
		if re.MatchString(key) {
			keys = append(keys, key)
		}
		return true
	})
	return keys, nil
}

// MatchSimilar returns the keys within Levenshtein distance rng of origin,
// nearest first (ties in the database's order). utf compares characters
// instead of bytes.
func (tx *Tx) MatchSimilar(origin string, rng int64, utf bool, max int64) []string {
	type hit struct {
		key  string
		dist int
		seq  int
	}
	var hits []hit
	seq := 0
	tx.eachStored(func(key string) bool {
		d := levenshtein(origin, key, utf)
		if int64(d) <= rng {
			hits = append(hits, hit{key, d, seq})
		}
		seq++
		return true
	})
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].dist < hits[j].dist })
	n := limit(max)
	keys := []string{}
	for _, h := range hits {
		if int64(len(keys)) >= n {
			break
		}
		keys = append(keys, h.key)
	}
	return keys
}

func levenshtein(a, b string, utf bool) int {
	var x, y []rune
	if utf {
		x, y = []rune(a), []rune(b)
	} else {
		x, y = bytesAsRunes(a), bytesAsRunes(b)
	}
	prev := make([]int, len(y)+1)
	cur := make([]int, len(y)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(x); i++ {
		cur[0] = i
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(y)]
}

func bytesAsRunes(s string) []rune {
	r := make([]rune, len(s))
	for i := 0; i < len(s); i++ {
		r[i] = rune(s[i])
	}
	return r
}
