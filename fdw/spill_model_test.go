package fdw

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"math/rand"
	"os"
	"strings"
	"testing"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/stretchr/testify/require"
)

// useSpillDir points spill files at a fresh directory for the test.
func useSpillDir(t *testing.T) string {
	dir := t.TempDir()
	old := spillDir
	spillDir = func() (string, error) { return dir, nil }
	t.Cleanup(func() { spillDir = old })
	return dir
}

func spillFiles(t *testing.T, dir string) int {
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	return len(ents)
}

// viewMap reads a snapshot with Each, and checks Get and Has agree with it
// for the given keys.
func viewMap(t *testing.T, v bufferView, keys [][]byte) map[string]string {
	out := map[string]string{}
	v.Each(func(k []byte, c Change) bool {
		require.NotNil(t, k, "the empty key comes out as a key, not nil")
		out[string(k)] = changeString(c, true)
		return true
	})
	for _, k := range keys {
		c, ok := v.Get(k)
		require.Equal(t, ok, v.Has(k), "Has(%q)", k)
		if ok {
			require.Equal(t, out[string(k)], changeString(c, true), "Get(%q)", k)
		} else {
			_, in := out[string(k)]
			require.False(t, in, "Get(%q) missed a key Each has", k)
		}
	}
	require.GreaterOrEqual(t, v.Len(), len(out))
	return out
}

func changeString(c Change, ok bool) string {
	switch {
	case !ok:
		return "<none>"
	case c.Removed:
		return "<removed>"
	case c.Value == nil:
		return "set <nil>" // an empty value must stay distinct from "no value"
	}
	return "set " + string(c.Value) + " xt=" + fmt.Sprint(c.XT)
}

// finalString renders Final, or FinalIter in chunks of max keys.
func finalString(t *testing.T, b *Buffer, max int) string {
	var sets []fdwtype.Record
	var removes [][]byte
	if max == 0 {
		sets, removes = b.Final()
	} else {
		it := b.FinalIter()
		defer it.Close()
		for {
			s, r, st := it.Next(max)
			require.Nil(t, st)
			require.LessOrEqual(t, len(s)+len(r), max)
			if len(s) == 0 && len(r) == 0 {
				break
			}
			sets, removes = append(sets, s...), append(removes, r...)
		}
	}
	var w bytes.Buffer
	for i, r := range sets {
		require.NotNil(t, r.Key)
		require.NotNil(t, r.Value)
		if i > 0 {
			require.Negative(t, bytes.Compare(sets[i-1].Key, r.Key), "sets sorted")
		}
		fmt.Fprintf(&w, "set %q=%d:%x xt=%d\n", r.Key, len(r.Value), maphash.Bytes(testSeed, r.Value), r.XT)
	}
	for i, k := range removes {
		require.NotNil(t, k)
		if i > 0 {
			require.Negative(t, bytes.Compare(removes[i-1], k), "removes sorted")
		}
		fmt.Fprintf(&w, "remove %q\n", k)
	}
	return w.String()
}

// TestSpillModel runs random operation sequences against a buffer that
// spills every few records and one that never spills (the in-memory
// semantics), and requires the same observable results throughout.
func TestSpillModel(t *testing.T) {
	dir := useSpillDir(t)
	seqs, ops := 500, 50
	if testing.Short() {
		seqs = 200
	}
	keys := [][]byte{{}} // the empty key is a key like any other
	for _, p := range []string{"a", "ab", "b", "bc", "c"} {
		for i := range 6 {
			keys = append(keys, []byte(fmt.Sprintf("%s%d", p, i)))
		}
	}
	prefixes := [][]byte{nil, []byte("a"), []byte("ab"), []byte("b"), []byte("c3"), []byte("zz")}
	for seq := range seqs {
		rng := rand.New(rand.NewSource(int64(seq)))
		spill := &Buffer{budget: int64(100 + rng.Intn(400))}
		plain := &Buffer{budget: 1 << 40}
		nest := 1
		// a snapshot lives as long as a scan of the subtransaction that
		// took it: until a rollback of that nesting level
		type snapCheck struct {
			spill, plain bufferView
			want         map[string]string
			nest         int
		}
		var snaps []snapCheck
		var log strings.Builder // the ops so far, shown when a check fails
		fmt.Fprintf(&log, "seq %d:", seq)
		for range ops {
			key := keys[rng.Intn(len(keys))]
			var op string
			switch r := rng.Intn(100); {
			case r < 40:
				v := make([]byte, rng.Intn(30))
				if rng.Intn(100) == 0 { // an arena's own block; a changeSet's own chunk
					v = make([]byte, 17000+rng.Intn(300000))
				}
				rng.Read(v)
				xt := int64(0)
				if rng.Intn(4) == 0 {
					xt = rng.Int63n(1000)
				}
				op = fmt.Sprintf("set %d %q len %d xt %d", nest, key, len(v), xt)
				spill.SetXT(nest, key, v, xt)
				plain.SetXT(nest, key, v, xt)
			case r < 55:
				op = fmt.Sprintf("remove %d %q", nest, key)
				spill.Remove(nest, key)
				plain.Remove(nest, key)
			case r < 60:
				p := prefixes[rng.Intn(len(prefixes))]
				op = fmt.Sprintf("clear %d %q", nest, p)
				spill.Clear(nest, p)
				plain.Clear(nest, p)
			case r < 70:
				nest++
				op = fmt.Sprintf("savepoint -> %d", nest)
			case r < 77 && nest > 1:
				op = fmt.Sprintf("rollback to %d", nest)
				spill.RollbackTo(nest)
				plain.RollbackTo(nest)
				kept := snaps[:0]
				for _, s := range snaps {
					if s.nest < nest {
						kept = append(kept, s)
					}
				}
				snaps = kept
				nest--
			case r < 85 && nest > 1:
				op = fmt.Sprintf("release %d", nest)
				spill.CommitSub(nest)
				plain.CommitSub(nest)
				nest--
			case r < 92:
				op = "snapshot"
				s, p := spill.Snapshot(), plain.Snapshot()
				want := viewMap(t, p, keys)
				require.Equal(t, want, viewMap(t, s, keys), &log)
				snaps = append(snaps, snapCheck{s, p, want, nest})
			default:
				op = "final"
				want := finalString(t, plain, 0)
				require.Equal(t, want, finalString(t, spill, 0), &log)
				require.Equal(t, want, finalString(t, spill, 1+rng.Intn(5)), &log)
				require.Equal(t, want, finalString(t, plain, 1+rng.Intn(5)), &log)
			}
			log.WriteString("\n" + op)
			require.Nil(t, spill.Err(), &log)
			for _, k := range keys {
				c1, ok1 := spill.Lookup(k)
				c2, ok2 := plain.Lookup(k)
				require.Equal(t, changeString(c2, ok2), changeString(c1, ok1), "Lookup(%q) after %s", k, &log)
			}
			require.Equal(t, plain.Len(), spill.Len(), &log)
			require.Equal(t, plain.Empty(), spill.Empty(), &log)
			require.Equal(t, plain.Clears(), spill.Clears(), &log)
			var walked int64
			for _, l := range spill.levels {
				walked += l.changes.memBytes()
				for _, sg := range l.segs {
					walked += sg.mem.memBytes()
				}
			}
			require.Equal(t, walked, spill.memBytes(), "frozen bytes kept up to date: %s", &log)
		}
		for _, s := range snaps {
			require.Equal(t, s.want, viewMap(t, s.plain, keys), "plain snapshot changed: %s", &log)
			require.Equal(t, s.want, viewMap(t, s.spill, keys), "spilled snapshot changed: %s", &log)
		}
		require.Equal(t, finalString(t, plain, 0), finalString(t, spill, 7), &log)
		spill.Release()
		require.Zero(t, spillFiles(t, dir), "spill files left after Release")
	}
}

var testSeed = maphash.MakeSeed()
