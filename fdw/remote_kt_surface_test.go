package fdw

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The kt client side of TRUNCATE, ANALYZE and IMPORT FOREIGN SCHEMA, against
// the dev server (or $KT_TEST_ADDR: a hash DB 0 and a tree DB 1).
func TestKTRemoteSurface(t *testing.T) {
	tbl, _ := ktTable(t)
	r, err := DialKT(tbl.Server.Opts)
	require.NoError(t, err)
	defer r.Close()
	ctx := context.Background()

	recs := []fdwtype.Record{{Key: []byte("p:1"), Value: []byte("a")}, {Key: []byte("p:2"), Value: []byte("b")}, {Key: []byte("q:1"), Value: []byte("c")}}
	require.NoError(t, r.SetBulk(ctx, "", recs))
	n, err := r.Count(ctx, "")
	require.NoError(t, err)
	assert.EqualValues(t, 3, n)

	require.NoError(t, r.Clear(ctx, "", []byte("p:")))
	keys, err := r.AllKeys(ctx, "")
	require.NoError(t, err)
	assert.Equal(t, [][]byte{[]byte("q:1")}, keys, "a prefix clear removes exactly the prefix")

	require.NoError(t, r.Clear(ctx, "", nil))
	n, err = r.Count(ctx, "")
	require.NoError(t, err)
	assert.Zero(t, n)

	dbs, err := r.Databases(ctx)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(dbs), 2)
	if os.Getenv("KT_TEST_ADDR") == "" {
		assert.Equal(t, []Database{{0, "*", false}, {1, "%", true}}, dbs)
	} else {
		assert.False(t, dbs[0].Ordered, "DB 0 of a real test KT is a hash database")
		assert.True(t, dbs[1].Ordered, "DB 1 of a real test KT is a tree database")
	}
}

// ANALYZE's cursor walk against the dev server (or $KT_TEST_ADDR).
func TestKTAnalyzeCursorWalk(t *testing.T) {
	tbl, _ := ktTable(t)
	r, err := DialKT(tbl.Server.Opts)
	require.NoError(t, err)
	defer r.Close()
	var recs []fdwtype.Record
	for i := 0; i < 2500; i++ {
		k := []byte(fmt.Sprintf("k%05d", i))
		recs = append(recs, fdwtype.Record{Key: k, Value: append([]byte("v"), k...)})
	}
	require.NoError(t, r.SetBulk(context.Background(), tbl.DB, recs))

	defer func(n int64) { analyzeStreamFrom = n }(analyzeStreamFrom)
	analyzeStreamFrom = 100
	be := NewBackend(DialKT)
	defer be.Conns.CloseAll()
	a, st := StartAnalyze(be, tbl, 500)
	require.Nil(t, st)
	defer a.Close()
	finished, st := a.Wait(30 * time.Second)
	require.True(t, finished)
	require.Nil(t, st)
	assert.Len(t, a.Rows(), 500)
	assert.EqualValues(t, 2500, a.TotalRows())
	for _, rec := range a.Rows() {
		assert.Equal(t, "v"+string(rec.Key), string(rec.Value))
	}
}
