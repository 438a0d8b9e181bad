package fdw

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReservoirIsBoundedAndUniform(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	in := make([]int, 100)
	for i := range in {
		in[i] = i
	}
	assert.Equal(t, in[:5], Reservoir(in[:5], 10, rng), "fewer items than wanted: all of them")
	assert.Nil(t, Reservoir(in, 0, rng))

	hits := make([]int, len(in))
	const rounds = 2000
	for r := 0; r < rounds; r++ {
		s := Reservoir(in, 10, rng)
		require.Len(t, s, 10)
		seen := map[int]bool{}
		for _, v := range s {
			require.False(t, seen[v], "item %d sampled twice", v)
			seen[v] = true
			hits[v]++
		}
	}
	// each item is expected in 10% of the rounds (200); a biased sampler
	// (e.g. only the first items) is far outside this band
	for i, h := range hits {
		assert.InDelta(t, 200, h, 80, "item %d sampled %d times", i, h)
	}
}

func TestAnalyzeSamples(t *testing.T) {
	f := newFake()
	for i := 0; i < 2500; i++ {
		k := fmt.Sprintf("k%04d", i)
		f.put("0", k, "v"+k)
	}
	be := newTestBackend(f)
	be.writeBuffer(testTable("0")).Set(1, []byte("buffered"), []byte("b"))

	a, st := StartAnalyze(be, testTable("0"), 300)
	require.Nil(t, st)
	defer a.Close()
	finished, st := a.Wait(10 * time.Second)
	require.True(t, finished)
	require.Nil(t, st)

	assert.Len(t, a.Rows(), 300)
	assert.EqualValues(t, 2500, a.TotalRows())
	for _, r := range a.Rows() {
		assert.Equal(t, "v"+string(r.Key), string(r.Value))
	}
	assert.Equal(t, 1, f.count("status"))
	assert.Equal(t, 1, f.count("get_bulk"), "only the sampled keys are fetched")
}

func TestAnalyzeError(t *testing.T) {
	f := newFake()
	f.err = fmt.Errorf("KT said no")
	a, st := StartAnalyze(newTestBackend(f), testTable("0"), 10)
	require.Nil(t, st)
	finished, st := a.Wait(10 * time.Second)
	require.True(t, finished)
	require.NotNil(t, st)
	assert.Contains(t, st.Message, "KT operation status")
}

func TestAnalyzeStreamsLargeDatabases(t *testing.T) {
	f := newFake()
	for i := 0; i < 2500; i++ {
		k := fmt.Sprintf("k%04d", i)
		f.put("0", k, "v"+k)
	}
	defer func(n int64) { analyzeStreamFrom = n }(analyzeStreamFrom)
	analyzeStreamFrom = 1000

	a, st := StartAnalyze(newTestBackend(f), testTable("0"), 300)
	require.Nil(t, st)
	defer a.Close()
	finished, st := a.Wait(10 * time.Second)
	require.True(t, finished)
	require.Nil(t, st)

	require.Len(t, a.Rows(), 300)
	assert.EqualValues(t, 2500, a.TotalRows())
	seen := map[string]bool{}
	high := 0
	for _, r := range a.Rows() {
		assert.Equal(t, "v"+string(r.Key), string(r.Value))
		assert.False(t, seen[string(r.Key)], "%s sampled twice", r.Key)
		seen[string(r.Key)] = true
		if string(r.Key) >= "k1250" {
			high++
		}
	}
	assert.InDelta(t, 150, high, 60, "the sample covers the whole walk, not its beginning")
	assert.Equal(t, 0, f.count("match_prefix"), "no key list of a large database")
	assert.Equal(t, 0, f.count("get_bulk"))
	assert.Equal(t, 3, f.count("cur_get_batch"), "2500 records in batches of 1000")
}

func TestAnalyzePrefixTable(t *testing.T) {
	f := newFake()
	for i := 0; i < 50; i++ {
		f.put("0", fmt.Sprintf("p:%02d", i), fmt.Sprintf("v%02d", i))
	}
	for i := 0; i < 30; i++ {
		f.put("0", fmt.Sprintf("q:%02d", i), "other table")
	}
	tbl := testTable("0")
	tbl.Prefix = []byte("p:")
	a, st := StartAnalyze(newTestBackend(f), tbl, 20)
	require.Nil(t, st)
	defer a.Close()
	finished, st := a.Wait(10 * time.Second)
	require.True(t, finished)
	require.Nil(t, st)

	assert.EqualValues(t, 50, a.TotalRows(), "the rows under the prefix, not the whole database")
	require.Len(t, a.Rows(), 20)
	for _, r := range a.Rows() {
		assert.Len(t, r.Key, 2, "key %q keeps its prefix", r.Key)
		assert.Equal(t, "v"+string(r.Key), string(r.Value))
	}
	assert.Equal(t, 0, f.count("status"))
}
