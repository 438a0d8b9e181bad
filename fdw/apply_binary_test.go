package fdw

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestApplyBulkBinaryKT: against KT, a bulk apply of more than one chunk
// goes over binary set_bulk/remove_bulk (one request per binary chunk, not
// one per apply_batch chunk), keeps each record's own expiration time, and
// removes after setting.
func TestApplyBulkBinaryKT(t *testing.T) {
	tbl, srv := ktTable(t)
	ctx := context.Background()
	r, err := DialKT(tbl.Server.Opts)
	require.NoError(t, err)
	defer r.Close()
	require.NoError(t, r.SetBulk(ctx, tbl.DB, []fdwtype.Record{{Key: []byte("gone"), Value: []byte("x")}}))

	future := time.Now().Add(time.Hour).Unix()
	var sets []fdwtype.Record
	for i := 0; i < 7; i++ {
		rec := fdwtype.Record{Key: fmt.Appendf(nil, "k%d", i), Value: fmt.Appendf(nil, "v%d", i)}
		if i%2 == 1 {
			rec.XT = future + int64(i)
		}
		sets = append(sets, rec)
	}
	var before uint64
	if srv != nil {
		before = srv.Requests()
	}
	// apply_batch 2: the HTTP path would make 4 set_bulk and 1 remove_bulk
	// calls (and one more per distinct xt)
	require.Nil(t, applyBulk(ctx, tbl, r, sets, [][]byte{[]byte("gone")}, nil, 2))
	if srv != nil {
		assert.EqualValues(t, 2, srv.Requests()-before, "one binary set_bulk and one binary remove_bulk")
	}

	keys := [][]byte{[]byte("gone")}
	for _, rec := range sets {
		keys = append(keys, rec.Key)
	}
	got, err := r.GetBulk(ctx, tbl.DB, keys)
	require.NoError(t, err)
	want := map[string]fdwtype.Record{}
	for _, rec := range sets {
		want[string(rec.Key)] = rec
	}
	require.Len(t, got, len(sets), "all set, %q removed", "gone")
	for _, rec := range got {
		w := want[string(rec.Key)]
		assert.Equal(t, string(w.Value), string(rec.Value), "key %s", rec.Key)
		assert.Equal(t, w.XT, rec.XT, "key %s keeps its own xt", rec.Key)
	}
}

// TestApplyBulkBinaryMissingDB: binary set_bulk skips records of a database
// KT does not have; the apply must fail instead of reporting success.
func TestApplyBulkBinaryMissingDB(t *testing.T) {
	tbl, _ := ktTable(t)
	tbl.DB = "999"
	r, err := DialKT(tbl.Server.Opts)
	require.NoError(t, err)
	defer r.Close()
	sets := []fdwtype.Record{{Key: []byte("a"), Value: []byte("1")}, {Key: []byte("b"), Value: []byte("2")}}
	st := applyBulk(context.Background(), tbl, r, sets, nil, nil, 1)
	require.NotNil(t, st)
	assert.Equal(t, fdwtype.SQLStateFDWTableNotFound, st.SQLState)
	assert.Contains(t, st.Message, `has no database "999"`)
	assert.Contains(t, st.Detail, "KT operation bin_set_bulk failed")
}

// lossyBinary wraps the fake: its first binary set_bulk is applied but the
// reply is lost (the connection broke).
type lossyBinary struct {
	*fakeRemote
	mu    sync.Mutex
	calls int
}

func (l *lossyBinary) BinSetBulk(ctx context.Context, db string, recs []fdwtype.Record) error {
	l.mu.Lock()
	l.calls++
	first := l.calls == 1
	l.mu.Unlock()
	if err := l.fakeRemote.BinSetBulk(ctx, db, recs); err != nil {
		return err
	}
	if first {
		return errBroken
	}
	return nil
}

// TestApplyBulkBinaryUnknownOutcome: a binary set_bulk whose outcome is
// unknown is retried until KT answers (ambiguous.go), and the commit
// succeeds with the records applied once.
func TestApplyBulkBinaryUnknownOutcome(t *testing.T) {
	f := &lossyBinary{fakeRemote: newFake()}
	be := NewBackend(func(fdwtype.ServerOptions) (Remote, error) { return f, nil })
	tbl := testTable("db")
	tbl.Server.Opts.Xact.ApplyBatch = 2
	for i := 0; i < 5; i++ {
		be.writeBuffer(tbl).Set(1, fmt.Appendf(nil, "k%d", i), []byte("v"))
	}
	require.Nil(t, commit(t, be))
	assert.Len(t, f.contents("db"), 5)
	assert.Equal(t, 2, f.calls, "the lost attempt and its retry")
	assert.Zero(t, f.count("set_bulk"))
}
