package fdw

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A large transaction whose buffer spilled, with savepoints rolled back and
// released and with removes of existing records, commits exactly its final
// states, and leaves no spill file. With a TRUNCATE it takes the
// all-at-once path and is just as right.
func TestSpilledCommit(t *testing.T) {
	for _, truncate := range []bool{false, true} {
		t.Run(fmt.Sprintf("truncate=%v", truncate), func(t *testing.T) {
			dir := useSpillDir(t)
			f := newFake()
			want := map[string]string{}
			for i := range 1000 {
				k := fmt.Sprintf("old%04d", i)
				f.put("db", k, "x")
				want[k] = "x"
			}
			be := newTestBackend(f)
			tbl := testTable("db")
			tbl.Server.Opts.BufferMemory = fdwtype.MinBufferMemory
			set := func(nest int, k, v string) {
				be.writeBuffer(tbl).Set(nest, []byte(k), []byte(v))
			}
			if truncate {
				require.Nil(t, be.Truncate(1, []fdwtype.Table{tbl}))
				clear(want)
			}
			for i := range 30000 {
				k := fmt.Sprintf("k%06d", i)
				set(1, k, "a")
				want[k] = "a"
			}
			for i := 0; i < 1000; i += 3 {
				k := fmt.Sprintf("old%04d", i)
				be.writeBuffer(tbl).Remove(1, []byte(k))
				delete(want, k)
			}
			for i := range 20000 { // rolled back
				set(2, fmt.Sprintf("k%06d", i*2), "rolled back")
				set(2, fmt.Sprintf("z%06d", i), "rolled back")
			}
			be.EndSubXact(2, false)
			for i := range 20000 { // released
				k := fmt.Sprintf("k%06d", i*3)
				set(2, k, "b")
				want[k] = "b"
			}
			be.EndSubXact(2, true)
			buf := be.writeBuffer(tbl)
			require.True(t, buf.spilled())
			require.Positive(t, spillFiles(t, dir))
			require.Equal(t, 40000+334, buf.Len(), "40,000 sets and 334 removes")

			require.Nil(t, commit(t, be))
			got := map[string]string{}
			for k, v := range f.contents("db") {
				got[k] = string(v)
			}
			assert.Equal(t, want, got)
			assert.Zero(t, spillFiles(t, dir), "spill files removed after commit")
		})
	}
}

// A spill that failed fails the commit, and nothing reaches KT.
func TestSpillFailureFailsCommit(t *testing.T) {
	old := spillDir
	spillDir = func() (string, error) { return "/nonexistent/kt_fdw/pgsql_tmp", nil }
	t.Cleanup(func() { spillDir = old })
	f := newFake()
	be := newTestBackend(f)
	tbl := testTable("db")
	tbl.Server.Opts.BufferMemory = fdwtype.MinBufferMemory
	for i := range 1000 {
		be.writeBuffer(tbl).Set(1, fmt.Appendf(nil, "k%04d", i), []byte("some value of a few bytes"))
	}
	st := commit(t, be)
	require.NotNil(t, st)
	assert.Equal(t, fdwtype.SQLStateIOError, st.SQLState)
	assert.Contains(t, st.Message, "/nonexistent/kt_fdw/pgsql_tmp")
	assert.Empty(t, f.contents("db"))
}

// applyPieces hands apply every piece in key order while the next one is
// merged into the other slot: a piece stays intact until apply returned,
// and an apply failure ends the merge and is returned.
func TestApplyPiecesOverlapsTheMerge(t *testing.T) {
	useSpillDir(t)
	buf := &Buffer{budget: fdwtype.MinBufferMemory}
	for i := range 30000 {
		v := fmt.Sprintf("v%d", i)
		if i%7 == 0 {
			buf.Remove(1, []byte(fmt.Sprintf("k%06d", i)))
			continue
		}
		buf.Set(1, []byte(fmt.Sprintf("k%06d", i)), []byte(v))
	}
	require.True(t, buf.spilled())
	wantSets, wantRemoves := buf.Final()
	var want []string
	for _, r := range wantSets {
		want = append(want, string(r.Key)+"="+string(r.Value))
	}
	for _, k := range wantRemoves {
		want = append(want, string(k)+" removed")
	}

	newIter := func() *FinalIter {
		it := buf.FinalIter()
		it.reuse = true
		return it
	}
	var got []string
	pieces := 0
	st := applyPieces(newIter(), 1000, func(sets []fdwtype.Record, removes [][]byte) *fdwtype.Status {
		pieces++
		before := fmt.Sprint(sets, removes)
		for _, r := range sets {
			got = append(got, string(r.Key)+"="+string(r.Value))
		}
		for _, k := range removes {
			got = append(got, string(k)+" removed")
		}
		time.Sleep(time.Millisecond) // the merge of the next piece runs meanwhile
		require.Equal(t, before, fmt.Sprint(sets, removes), "the next piece was merged into this one's slot")
		return nil
	})
	require.Nil(t, st)
	assert.Equal(t, 30, pieces)
	slices.Sort(want)
	slices.Sort(got)
	assert.Equal(t, want, got)

	calls := 0
	st = applyPieces(newIter(), 1000, func([]fdwtype.Record, [][]byte) *fdwtype.Status {
		calls++
		if calls == 2 {
			return &fdwtype.Status{SQLState: fdwtype.SQLStateFDWError, Message: "piece 2 failed"}
		}
		return nil
	})
	require.NotNil(t, st)
	assert.Equal(t, "piece 2 failed", st.Message)
	assert.Equal(t, 2, calls, "no piece is applied after a failure")
}

// kt_fdw_stats' buffered_writes of a spilled buffer counts its runs' keys
// without reading the runs (an upper bound: a key written again after a
// spill counts again); an unspilled buffer counts exactly.
func TestBufferedWritesOfSpilledBuffer(t *testing.T) {
	useSpillDir(t)
	be := newTestBackend(newFake())
	tbl := testTable("db")
	tbl.Server.Opts.BufferMemory = fdwtype.MinBufferMemory
	for i := range 100 {
		be.writeBuffer(tbl).Set(1, []byte(fmt.Sprintf("k%06d", i)), []byte("v"))
	}
	buf := be.writeBuffer(tbl)
	require.False(t, buf.spilled())
	be.writeBuffer(tbl).Set(1, []byte("k000001"), []byte("again"))
	assert.Equal(t, 100, be.BufferedWrites(), "exact before a spill")

	for i := range 30000 {
		be.writeBuffer(tbl).Set(1, []byte(fmt.Sprintf("k%06d", i)), []byte("v2"))
	}
	require.True(t, buf.spilled())
	for i := range 100 { // keys that are in a run by now
		be.writeBuffer(tbl).Set(1, []byte(fmt.Sprintf("k%06d", i)), []byte("v3"))
	}
	assert.Equal(t, 30000, buf.Len(), "the exact count, which reads the runs")
	assert.Equal(t, buf.MaxLen(), be.BufferedWrites())
	assert.Equal(t, 30100, be.BufferedWrites(), "the 100 keys written again count twice")
}
