package fdw

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func fill(b *Buffer, nest, n int, prefix string) {
	for i := range n {
		b.Set(nest, []byte(fmt.Sprintf("%s%05d", prefix, i)), []byte(strings.Repeat("v", 100)))
	}
}

// Spill files are named for PostgreSQL's temporary file cleanup and go
// away with their savepoint level and at the end of the transaction.
func TestSpillFilesRemoved(t *testing.T) {
	dir := useSpillDir(t)
	b := &Buffer{budget: fdwtype.MinBufferMemory}
	fill(b, 1, 500, "a")
	outer := spillFiles(t, dir)
	require.Positive(t, outer, "500 x 100 bytes over an 8 kB budget spilled")
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(ents[0].Name(), fmt.Sprintf("pgsql_tmpktfdw%d.", os.Getpid())), ents[0].Name())

	fill(b, 2, 500, "b")
	require.Len(t, b.levels, 2)
	var inner []string
	for _, sg := range b.levels[1].segs {
		inner = append(inner, sg.run.path)
	}
	require.NotEmpty(t, inner)
	b.RollbackTo(2)
	for _, p := range inner {
		assert.NoFileExists(t, p, "the rolled-back level's runs are removed")
	}
	assert.Equal(t, len(b.levels[0].segs), spillFiles(t, dir), "the outer level's runs stay")
	_, ok := b.Lookup([]byte("b00001"))
	assert.False(t, ok)
	c, ok := b.Lookup([]byte("a00001"))
	require.True(t, ok)
	assert.Equal(t, strings.Repeat("v", 100), string(c.Value))

	fill(b, 2, 500, "c")
	b.CommitSub(2)
	require.Positive(t, spillFiles(t, dir))
	assert.Equal(t, 1000, b.Len())
	b.Release()
	assert.Zero(t, spillFiles(t, dir), "Release removes every run")
}

// EndXact (commit done or abort) and Reset remove the transaction's files.
func TestSpillFilesRemovedAtTransactionEnd(t *testing.T) {
	for _, end := range []string{"EndXact", "Reset"} {
		t.Run(end, func(t *testing.T) {
			dir := useSpillDir(t)
			so, st := fdwtype.ParseServerOptions([]fdwtype.Option{{Name: "buffer_memory", Value: "8kB"}})
			require.Nil(t, st)
			be := NewBackend(nil)
			tbl := fdwtype.Table{Server: fdwtype.Server{OID: 1, Name: "s", Opts: so}, DB: "0"}
			fill(be.writeBuffer(tbl), 1, 300, "k")
			require.Positive(t, spillFiles(t, dir))
			if end == "EndXact" {
				be.EndXact()
			} else {
				be.Reset()
			}
			assert.Zero(t, spillFiles(t, dir))
		})
	}
}

// A spill that cannot write keeps the writes in memory, stops spilling and
// fails the commit with a clear error.
func TestSpillFailureKeepsWrites(t *testing.T) {
	notDir := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(notDir, nil, 0o600))
	old := spillDir
	spillDir = func() (string, error) { return filepath.Join(notDir, "pgsql_tmp"), nil }
	t.Cleanup(func() { spillDir = old })

	b := &Buffer{budget: fdwtype.MinBufferMemory}
	fill(b, 1, 300, "k")
	st := b.Err()
	require.NotNil(t, st)
	assert.Equal(t, fdwtype.SQLStateIOError, st.SQLState)
	assert.Contains(t, st.Message, "could not create kt_fdw write buffer spill file")
	assert.Contains(t, st.Message, notDir)
	assert.Equal(t, 300, b.Len(), "nothing lost")
	c, ok := b.Lookup([]byte("k00299"))
	require.True(t, ok)
	assert.Equal(t, strings.Repeat("v", 100), string(c.Value))

	_, _, fst := b.FinalIter().Next(10)
	assert.Equal(t, st, fst, "the commit fails with the spill error")
}

func TestSpillStatusDiskFull(t *testing.T) {
	st := spillStatus(&spillError{op: "write", path: "base/pgsql_tmp/x", err: &os.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC}})
	assert.Equal(t, fdwtype.SQLStateDiskFull, st.SQLState)
	assert.Contains(t, st.Message, `could not write kt_fdw write buffer spill file "base/pgsql_tmp/x"`)
	assert.Contains(t, st.Hint, "buffer_memory")
	assert.Nil(t, spillStatus(nil))
}

// In a data directory the files go to base/pgsql_tmp, made when missing.
func TestSpillDirInDataDirectory(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	got, err := defaultSpillDir()
	require.NoError(t, err)
	assert.Equal(t, os.TempDir(), got, "not a data directory")

	require.NoError(t, os.WriteFile("PG_VERSION", []byte("15\n"), 0o600))
	got, err = defaultSpillDir()
	require.NoError(t, err)
	assert.Equal(t, filepath.Join("base", "pgsql_tmp"), got)
	assert.DirExists(t, filepath.Join(dir, "base", "pgsql_tmp"))
}

// An INSERT checks every new key against the buffer: with the keys spilled,
// absent keys are answered by the bloom filters, present ones by one block.
func TestSpillLookupAfterSpill(t *testing.T) {
	useSpillDir(t)
	b := &Buffer{budget: 64 << 10}
	fill(b, 1, 5000, "k")
	require.True(t, b.spilled())
	for i := 0; i < 5000; i += 37 {
		c, ok := b.Lookup([]byte(fmt.Sprintf("k%05d", i)))
		require.True(t, ok, i)
		require.Equal(t, strings.Repeat("v", 100), string(c.Value))
	}
	fp := 0
	for i := range 5000 {
		h := keyHash{}
		key := []byte(fmt.Sprintf("x%05d", i))
		for _, l := range b.levels {
			for _, sg := range l.segs {
				if sg.run != nil && sg.run.mayHave(h.of(key)) {
					fp++
				}
			}
		}
		_, ok := b.Lookup(key)
		require.False(t, ok)
	}
	assert.Less(t, fp, 5000*len(b.levels[0].segs)/20, "bloom false positives under 5%")
	b.Release()
}

// The budget counts the sets RELEASE froze in memory until they spill.
func TestSpillFrozenBytes(t *testing.T) {
	useSpillDir(t)
	b := &Buffer{budget: 1 << 20}
	fill(b, 1, 100, "a")
	fill(b, 2, 100, "b")
	b.levels[1].segs = append(b.levels[1].segs, segment{mem: newChangeSet()}) // as if level 2 had spilled
	b.CommitSub(2)
	require.Len(t, b.levels, 1)
	require.Len(t, b.levels[0].segs, 2, "level 1's set frozen below level 2's segments")
	var want int64
	for _, sg := range b.levels[0].segs {
		want += sg.mem.memBytes()
	}
	assert.Equal(t, want, b.levels[0].frozen)
	assert.Equal(t, want+b.levels[0].changes.memBytes(), b.memBytes())
	b.spill()
	require.Nil(t, b.Err())
	assert.Zero(t, b.levels[0].frozen)
	assert.Zero(t, b.levels[0].changes.Len())
	assert.Equal(t, b.levels[0].changes.memBytes(), b.memBytes(), "only the emptied set's kept table")
	assert.Equal(t, 200, b.Len())
	b.Release()
}

// Outside a data directory (tests, the CLI) a spill file is unlinked as
// soon as it is open: a process that ends without Release leaves nothing.
func TestSpillFileUnlinkedOutsideDataDirectory(t *testing.T) {
	t.Chdir(t.TempDir()) // no PG_VERSION
	b := &Buffer{budget: fdwtype.MinBufferMemory}
	fill(b, 1, 300, "k")
	require.Nil(t, b.Err())
	require.True(t, b.spilled())
	for _, sg := range b.levels[0].segs {
		assert.NoFileExists(t, sg.run.path)
	}
	c, ok := b.Lookup([]byte("k00007"))
	require.True(t, ok, "still readable through the open file")
	assert.Equal(t, strings.Repeat("v", 100), string(c.Value))
	assert.Equal(t, 300, len(b.Flatten()))
	b.Release()
}
