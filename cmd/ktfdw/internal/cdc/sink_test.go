package cdc

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
)

func testSink(kt *fakeKT, chunk int) *sink {
	return &sink{id: SinkID{Server: 1}, server: &Server{Name: "kt", Opts: fdwtype.ServerOptions{Host: "h", Port: 1}},
		kt: kt, key: PositionKey("s"), chunk: chunk}
}

func statesOf(n int) *finalStates {
	fs := newFinalStates()
	for i := 0; i < n; i++ {
		fs.row(kv{newKey: []byte(fmt.Sprintf("k%d", i)), value: []byte("v")})
	}
	return fs
}

// A batch larger than one call is split; only the last call carries the
// position, so a failure between calls leaves KT's position before the
// batch, and the retry rewrites every chunk.
func TestSinkPositionInLastChunk(t *testing.T) {
	ctx := context.Background()
	kt := newFakeKT()
	s := testSink(kt, 3) // 2 records + the position per call
	require.NoError(t, s.apply(ctx, statesOf(1), &Position{LSN: 10}))
	require.NoError(t, s.readPosition(ctx))
	require.Equal(t, LSN(10), s.stored.LSN)

	kt.calls, kt.failAt = nil, 2
	err := s.apply(ctx, statesOf(5), &Position{LSN: 20})
	require.ErrorContains(t, err, "connection refused")
	require.Len(t, kt.calls, 2)
	for _, w := range kt.calls[0] {
		require.NotEqual(t, string(PositionKey("s")), string(w.Key), "the position went out before the last chunk")
	}
	require.NoError(t, s.readPosition(ctx))
	require.Equal(t, LSN(10), s.stored.LSN, "KT claims a batch it does not fully hold")

	kt.calls, kt.failAt = nil, 0
	require.NoError(t, s.apply(ctx, statesOf(5), &Position{LSN: 20}))
	require.Len(t, kt.calls, 3)
	var keys []string
	for _, w := range kt.calls[2] {
		keys = append(keys, string(w.Key))
	}
	require.Contains(t, keys, string(PositionKey("s")))
	require.NoError(t, s.readPosition(ctx))
	require.Equal(t, LSN(20), s.stored.LSN)
	require.Len(t, kt.recs, 6)
}

// TRUNCATE lists the namespace's keys at apply time and removes those no
// later write sets, never the position records.
func TestSinkTruncate(t *testing.T) {
	ctx := context.Background()
	kt := newFakeKT()
	kt.recs["a:1"], kt.recs["a:2"], kt.recs["b:1"] = "x", "x", "x"
	kt.recs[PositionKeyPrefix+"other"] = "0/1"
	s := testSink(kt, 100)
	fs := newFinalStates()
	fs.row(kv{newKey: []byte("a:3"), value: []byte("before")})
	fs.truncate([]byte("a:"))
	fs.row(kv{newKey: []byte("a:2"), value: []byte("after")})
	require.NoError(t, s.apply(ctx, fs, &Position{LSN: 5}))
	require.Equal(t, map[string]string{"a:2": "after", "b:1": "x", PositionKeyPrefix + "other": "0/1",
		PositionKeyPrefix + "s": string(Position{LSN: 5}.encode())}, kt.recs)

	// an empty prefix (a table without prefix) clears the database but the positions
	fs = newFinalStates()
	fs.truncate(nil)
	require.NoError(t, s.apply(ctx, fs, &Position{LSN: 6}))
	require.Len(t, kt.recs, 2)
}

func TestSinkRefusesServerWithoutScript(t *testing.T) {
	kt := newFakeKT()
	kt.noScript = true
	err := testSink(kt, 10).checkScript(context.Background())
	require.ErrorContains(t, err, "does not run kt_fdw.lua")
}

// finalStates folds row changes the way fdw.Sync.Row does.
func TestFinalStatesRow(t *testing.T) {
	fs := newFinalStates()
	fs.row(kv{newKey: []byte("1"), value: []byte("a")})                      // INSERT
	fs.row(kv{oldKey: []byte("1"), newKey: []byte("1"), value: []byte("b")}) // UPDATE
	fs.row(kv{oldKey: []byte("1"), newKey: []byte("2"), value: []byte("c")}) // key change
	fs.row(kv{oldKey: []byte("3"), newKey: []byte("3")})                     // value became NULL
	fs.row(kv{oldKey: []byte("4")})                                          // DELETE
	fs.row(kv{newKey: []byte("5")})                                          // INSERT with NULL value: nothing
	got := map[string]string{}
	for _, w := range fs.writes {
		if w.Remove {
			got[string(w.Key)] = "-"
		} else {
			got[string(w.Key)] = string(w.Value)
		}
	}
	require.Equal(t, map[string]string{"1": "-", "2": "c", "3": "-", "4": "-"}, got)
}

func TestPositionRoundTrip(t *testing.T) {
	p := Position{LSN: 0x1_0000_00AB}
	q, err := ParsePosition(p.encode())
	require.NoError(t, err)
	require.Equal(t, p.LSN, q.LSN)
	_, err = ParsePosition([]byte("garbage"))
	require.ErrorContains(t, err, "bad sync position record")
}

func TestRowLiteral(t *testing.T) {
	tuple := []Col{{Text: []byte(`a"b\c`)}, {Null: true}, {Text: []byte("x")}, {Text: []byte("gone")}}
	// current columns: id, v, n (added since), w; "old" was dropped since
	got := rowLiteral([]string{"id", "v", "n", "w"}, []string{"id", "v", "w", "old"}, tuple)
	require.Equal(t, `("a\"b\\c",,,"x")`, got)
}

func TestGatherBatches(t *testing.T) {
	e := &engine{cfg: Config{BatchRows: 3}}
	txn := func(rows int) *Txn { return &Txn{Changes: make([]Change, rows)} }
	ch := make(chan *Txn, 10)
	ch <- txn(1)
	ch <- txn(1)
	ch <- txn(5)
	ch <- txn(1)
	require.Len(t, e.gather(txn(1), ch), 3, "1+1+1 then stop at the limit")
	require.Len(t, e.gather(<-ch, ch), 1, "a large transaction alone")
	require.Len(t, e.gather(<-ch, ch), 1, "nothing waiting: no wait for more")
}

func TestSlotProblem(t *testing.T) {
	require.Empty(t, SlotStatus{Slot: "s", WALStatus: "reserved", RetainedBytes: 10}.Problem(100))
	require.Contains(t, SlotStatus{Slot: "s", WALStatus: "reserved", RetainedBytes: 1000}.Problem(100), "more than the limit")
	require.Contains(t, SlotStatus{Slot: "s", WALStatus: "lost"}.Problem(0), "-recopy")
	require.Contains(t, SlotStatus{Slot: "s", WALStatus: "unreserved"}.Problem(0), "will be invalidated")
}
