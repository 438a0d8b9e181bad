package fdw

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt"
)

// Against the dev server: a hash DB with more keys than the probe is read
// with match_prefix + get_bulk, a few requests in all, not one per record.
func TestKTFullScanListsLargeHash(t *testing.T) {
	if os.Getenv("KT_TEST_ADDR") != "" {
		t.Skip("counts the dev server's requests (KT_TEST_ADDR is set)")
	}
	withListLimits(t, 500, 1<<20)
	tbl, srv := ktTable(t)
	c, err := kt.NewClient(kt.Config{Addr: srv.Addr()})
	require.NoError(t, err)
	defer c.Close()
	var recs []kt.BinRecord
	for i := range 3000 {
		recs = append(recs, kt.BinRecord{Key: fmt.Appendf(nil, "k%04d", i), Value: fmt.Appendf(nil, "v%d", i), XT: kt.XTNever})
	}
	_, err = c.BinSetBulk(context.Background(), recs, false)
	require.NoError(t, err)

	be := NewBackend(DialKT)
	defer be.Conns.CloseAll()
	before := srv.Requests()
	got, st := scanAll(t, be, tbl, false, nil)
	require.Nil(t, st)
	assert.Len(t, got, 3000)
	assert.Equal(t, "v2999", got["k2999"])
	// probe, status, full listing, 3 get_bulk
	assert.LessOrEqual(t, srv.Requests()-before, uint64(8), "match_prefix + get_bulk, not a cursor walk")
}

// Real KT lists expired records its GC has not collected yet: count(*)
// (a keys-only scan) must not count them.
func TestKTKeysOnlyScanSkipsExpired(t *testing.T) {
	tbl, _ := ktTable(t)
	c, err := kt.NewClient(kt.Config{Addr: tbl.Server.Opts.Addr()})
	require.NoError(t, err)
	defer c.Close()
	ctx := context.Background()
	require.NoError(t, c.Set(ctx, tbl.DB, []byte("live"), []byte("v")))
	require.NoError(t, c.Set(ctx, tbl.DB, []byte("expired"), []byte("v"), kt.WithXT(-(time.Now().Unix()-100))))

	be := NewBackend(DialKT)
	defer be.Conns.CloseAll()
	s := NewScan(be, tbl)
	defer s.Close()
	require.Nil(t, s.StartSpec(ScanSpec{Kind: ScanFull, KeysOnly: true}))
	keys, _ := drainOrdered(t, s)
	assert.Equal(t, []string{"live"}, keys)
}
