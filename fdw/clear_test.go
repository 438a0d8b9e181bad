package fdw

import (
	"context"
	"fmt"
	"testing"

	"github.com/cockroachdb/errors"
	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBufferClear(t *testing.T) {
	tests := []struct {
		name       string
		run        func(b *Buffer)
		want       map[string]string // Flatten
		wantClears []string
		lookups    map[string]string // key -> value, "<removed>" or "<none>"
	}{
		{"clear hides earlier writes, keeps later ones", func(b *Buffer) {
			b.Set(1, []byte("a"), []byte("1"))
			b.Remove(1, []byte("b"))
			b.Clear(1, nil)
			b.Set(1, []byte("c"), []byte("3"))
		}, map[string]string{"c": "3"}, []string{""},
			map[string]string{"a": "<removed>", "b": "<removed>", "c": "3", "zz": "<removed>"}},
		{"clear in a savepoint hides the outer level's writes", func(b *Buffer) {
			b.Set(1, []byte("a"), []byte("1"))
			b.Clear(2, nil)
			b.Set(2, []byte("b"), []byte("2"))
		}, map[string]string{"b": "2"}, []string{""},
			map[string]string{"a": "<removed>", "b": "2"}},
		{"rollback to savepoint undoes the clear", func(b *Buffer) {
			b.Set(1, []byte("a"), []byte("1"))
			b.Clear(2, nil)
			b.Set(2, []byte("b"), []byte("2"))
			b.RollbackTo(2)
		}, map[string]string{"a": "1"}, nil,
			map[string]string{"a": "1", "b": "<none>"}},
		{"release folds the clear into the parent", func(b *Buffer) {
			b.Set(1, []byte("a"), []byte("1"))
			b.Clear(2, nil)
			b.Set(2, []byte("b"), []byte("2"))
			b.CommitSub(2)
			b.Set(1, []byte("c"), []byte("3"))
		}, map[string]string{"b": "2", "c": "3"}, []string{""},
			map[string]string{"a": "<removed>", "b": "2", "c": "3"}},
		{"prefix clear covers only its prefix; a wider clear absorbs it", func(b *Buffer) {
			b.Set(1, []byte("p:a"), []byte("1"))
			b.Set(1, []byte("q:a"), []byte("2"))
			b.Clear(1, []byte("p:"))
		}, map[string]string{"q:a": "2"}, []string{"p:"},
			map[string]string{"p:a": "<removed>", "p:zz": "<removed>", "q:a": "2", "q:b": "<none>"}},
		{"clears of nested levels are merged", func(b *Buffer) {
			b.Clear(1, []byte("p:x"))
			b.Clear(2, []byte("p:"))
			b.Clear(3, []byte("q:"))
		}, map[string]string{}, []string{"p:", "q:"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b Buffer
			tt.run(&b)
			assert.Equal(t, tt.want, flat(&b))
			var clears []string
			for _, p := range b.Clears() {
				clears = append(clears, string(p))
			}
			assert.Equal(t, tt.wantClears, clears)
			assert.Equal(t, len(tt.wantClears) == 0 && len(tt.want) == 0, b.Empty())
			for k, want := range tt.lookups {
				c, ok := b.Lookup([]byte(k))
				got := "<none>"
				if ok && c.Removed {
					got = "<removed>"
				} else if ok {
					got = string(c.Value)
				}
				assert.Equal(t, want, got, "Lookup(%q)", k)
			}
		})
	}
}

func TestTruncateAppliedAtCommit(t *testing.T) {
	f := newFake()
	f.put("0", "old1", "x")
	f.put("0", "old2", "y")
	f.put("1", "other", "z")
	be := newTestBackend(f)
	tbl := testTable("0")

	require.Nil(t, be.Truncate(1, []fdwtype.Table{tbl}))
	assert.Equal(t, 0, f.count("clear"), "TRUNCATE sent something before COMMIT")
	be.writeBuffer(tbl).Set(1, []byte("new"), []byte("n"))

	// reads in the transaction see the table empty plus later writes
	rows, st := scanAll(t, be, tbl, false, nil)
	require.Nil(t, st)
	assert.Equal(t, map[string]string{"new": "n"}, rows)
	c, ok := be.lookup(tbl, []byte("old1"))
	require.True(t, ok)
	assert.True(t, c.Removed)

	require.Nil(t, commit(t, be))
	assert.Equal(t, map[string]string{"new": "n"}, f.contents("0"))
	assert.Equal(t, map[string]string{"other": "z"}, f.contents("1"), "another KT database was touched")
	assert.Equal(t, 0, f.count("clear"), "a small database is cleared by removes, with the other writes")
	assert.Equal(t, 1, f.count("remove_bulk"))
}

func TestTruncateOfLargeDatabaseUsesClear(t *testing.T) {
	f := newFake()
	for i := 0; i < 10; i++ {
		f.put("0", fmt.Sprintf("old%d", i), "x")
	}
	defer func(n int) { truncateListMax = n }(truncateListMax)
	truncateListMax = 5
	be := newTestBackend(f)
	tbl := testTable("0")
	require.Nil(t, be.Truncate(1, []fdwtype.Table{tbl}))
	be.writeBuffer(tbl).Set(1, []byte("new"), []byte("n"))
	require.Nil(t, commit(t, be))
	assert.Equal(t, map[string]string{"new": "n"}, f.contents("0"))
	assert.Equal(t, 1, f.count("clear"), "more keys than truncateListMax: KT clear")
	assert.Equal(t, 0, f.count("remove_bulk"))
}

func TestApplyClearsRemovesOnlyWhatIsNotSetAgain(t *testing.T) {
	f := newFake()
	for _, k := range []string{"p:1", "p:2", "p:3", "q:1"} {
		f.put("0", k, "old")
	}
	sets := []fdwtype.Record{{Key: []byte("p:2"), Value: []byte("new")}}
	removes := [][]byte{[]byte("p:3"), []byte("q:9")}
	got, st := applyClears(context.Background(), testTable("0"), f, [][]byte{[]byte("p:")}, sets, removes)
	require.Nil(t, st)
	assert.Equal(t, [][]byte{[]byte("p:1"), []byte("p:3"), []byte("q:9")}, got)
}

func TestTruncateRolledBack(t *testing.T) {
	f := newFake()
	f.put("0", "old", "x")
	be := newTestBackend(f)
	tbl := testTable("0")

	require.Nil(t, be.Truncate(1, []fdwtype.Table{tbl}))
	be.EndXact() // ROLLBACK
	assert.Equal(t, map[string]string{"old": "x"}, f.contents("0"))
	assert.Equal(t, 0, f.count("clear"))

	require.Nil(t, be.Truncate(2, []fdwtype.Table{tbl}))
	be.EndSubXact(2, false) // ROLLBACK TO SAVEPOINT
	require.Nil(t, commit(t, be))
	assert.Equal(t, 0, f.count("clear"), "a rolled-back TRUNCATE reached KT")
	assert.Equal(t, map[string]string{"old": "x"}, f.contents("0"))
}

func TestTruncateApplyFailure(t *testing.T) {
	f := newFake()
	f.put("0", "old", "x")
	be := newTestBackend(f)
	require.Nil(t, be.Truncate(1, []fdwtype.Table{testTable("0")}))
	f.err = errors.New("KT said no")
	st := commit(t, be)
	require.NotNil(t, st)
	assert.Contains(t, st.Message, "KT operation match_prefix")
}

func TestTruncateReadOnlyRefused(t *testing.T) {
	f := newFake()
	f.put("0", "a", "1")
	be := newTestBackend(f)
	ro := testTable("1")
	ro.Name, ro.ReadOnly = "ro", true

	st := be.Truncate(1, []fdwtype.Table{testTable("0"), ro})
	require.NotNil(t, st)
	assert.Equal(t, "55000", st.SQLState)
	assert.Equal(t, `foreign table "ro" does not allow TRUNCATE`, st.Message)
	assert.False(t, be.HasWrites(), "a refused TRUNCATE buffered the other table's clear")
}

// With conflict_check, what the transaction read before a TRUNCATE is moot:
// the clear replaces it. The commit must not compare it with the cleared
// database (a false 40001).
func TestTruncateAfterConflictCheckedWrites(t *testing.T) {
	for _, scripts := range []bool{true, false} {
		t.Run(fmt.Sprintf("script=%v", scripts), func(t *testing.T) {
			tbl, _, c := devTable(t, scripts, fdwtype.XactOptions{})
			tbl.ConflictCheck = true
			put(t, c, tbl.DB, "u", "old")
			put(t, c, tbl.DB, "d", "dv")
			be := NewBackend(DialKT)
			defer be.Conns.CloseAll()
			conflictTxn(t, be, tbl) // reads u, d and n in KT
			require.Nil(t, be.Truncate(1, []fdwtype.Table{tbl}))
			be.writeBuffer(tbl).Set(1, []byte("after"), []byte("a"))

			require.Nil(t, commit(t, be))
			assert.Equal(t, map[string]string{"after": "a"}, ktContents(t, c, tbl.DB))
		})
	}
}
