package fdw

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/kt-fdw/kt_fdw/kt"
)

// withListLimits sets the probe size and the listing budget for one test
// and forgets the remembered listing decisions before and after it.
func withListLimits(t *testing.T, probe, budget int) {
	t.Helper()
	oldProbe, oldBudget := listProbe, listBudget
	listProbe, listBudget = probe, budget
	forgetListPlans()
	t.Cleanup(func() {
		listProbe, listBudget = oldProbe, oldBudget
		forgetListPlans()
	})
}

func forgetListPlans() {
	listPlans.Lock()
	defer listPlans.Unlock()
	clear(listPlans.m)
}

func fakeWithKeys(n int) *fakeRemote {
	f := newFake()
	for i := 0; i < n; i++ {
		f.put("db", fmt.Sprintf("k%04d", i), fmt.Sprintf("v%d", i))
	}
	return f
}

func fullScan(t *testing.T, be *Backend, spec ScanSpec) map[string]string {
	t.Helper()
	s := NewScan(be, testTable("db"))
	require.Nil(t, s.StartSpec(spec))
	_, vals := drainOrdered(t, s)
	return vals
}

// A hash DB with more keys than the probe, whose keys fit the budget, is
// read by listing every key (match_prefix + get_bulk), not by a cursor;
// the decision is remembered, so the next scan lists at once.
func TestFullScanListsLargeHash(t *testing.T) {
	withListLimits(t, 100, 1<<20)
	f := fakeWithKeys(2500)
	be := newTestBackend(f)
	for _, keysOnly := range []bool{false, true} {
		vals := fullScan(t, be, ScanSpec{Kind: ScanFull, KeysOnly: keysOnly})
		require.Len(t, vals, 2500, "keysOnly=%v", keysOnly)
		if !keysOnly {
			assert.Equal(t, "v1234", vals["k1234"])
		}
	}
	assert.Zero(t, f.count("cur_jump"), "no cursor walk")
	assert.Equal(t, 3, f.count("match_prefix"), "the probe, then the full listing per scan")
	assert.Equal(t, 1, f.count("status"), "the count once, to decide")
	assert.Equal(t, 6, f.count("get_bulk"), "per 1,000 keys, also for count(*)")
}

// A DB whose keys do not fit the listing budget is walked by a cursor, and
// the next scan goes straight to the cursor.
func TestFullScanOverBudgetWalksCursor(t *testing.T) {
	withListLimits(t, 100, 2000)
	f := fakeWithKeys(1000)
	be := newTestBackend(f)
	for range 2 {
		vals := fullScan(t, be, ScanSpec{Kind: ScanFull})
		require.Len(t, vals, 1000)
		assert.Equal(t, "v999", vals["k0999"])
	}
	assert.Equal(t, 1, f.count("match_prefix"), "only the first scan's probe")
	assert.Equal(t, 2, f.count("cur_jump"))
	assert.Zero(t, f.count("get_bulk"))
}

// A full listing that outgrows the budget (the DB grew since the estimate)
// falls back to the cursor walk, still returning every record.
func TestFullScanListingOutgrowsBudget(t *testing.T) {
	withListLimits(t, 100, 1<<20)
	f := fakeWithKeys(500)
	be := newTestBackend(f)
	require.Len(t, fullScan(t, be, ScanSpec{Kind: ScanFull}), 500)
	require.Zero(t, f.count("cur_jump"))
	listBudget = 1000
	require.Len(t, fullScan(t, be, ScanSpec{Kind: ScanFull}), 500)
	assert.Equal(t, 1, f.count("cur_jump"))
}

// The listing path merges the transaction's buffered writes: new keys
// appear, removed ones do not, changed ones have the new value.
func TestFullScanListedMergesBuffer(t *testing.T) {
	withListLimits(t, 100, 1<<20)
	f := fakeWithKeys(1500)
	be := newTestBackend(f)
	buf := be.writeBuffer(testTable("db"))
	buf.Set(1, []byte("k0007"), []byte("changed"))
	buf.Remove(1, []byte("k1400"))
	buf.Set(1, []byte("new"), []byte("n"))
	for _, keysOnly := range []bool{false, true} {
		vals := fullScan(t, be, ScanSpec{Kind: ScanFull, KeysOnly: keysOnly})
		assert.Len(t, vals, 1500, "keysOnly=%v", keysOnly)
		assert.Contains(t, vals, "new")
		assert.NotContains(t, vals, "k1400")
		if !keysOnly {
			assert.Equal(t, "changed", vals["k0007"])
			assert.Equal(t, "n", vals["new"])
		}
	}
	assert.Zero(t, f.count("cur_jump"))
}

// removingLister lists keys, then removes one of them from KT before the
// values are fetched (KT keeps no snapshot).
type removingLister struct {
	*fakeRemote
	remove string
}

func (r removingLister) ListKeysInto(ctx context.Context, l *kt.KeyList, db string, prefix []byte, max, budget int) (bool, error) {
	complete, err := listKeys(ctx, r.fakeRemote, l, db, prefix, max, budget)
	r.mu.Lock()
	delete(r.db(db), r.remove)
	r.mu.Unlock()
	return complete, err
}

// A key listed but gone by the time its value is fetched (removed, or an
// expired record real KT still lists) is left out, also by count(*).
func TestFullScanSkipsKeyRemovedAfterListing(t *testing.T) {
	for _, keysOnly := range []bool{false, true} {
		withListLimits(t, 100, 1<<20)
		f := fakeWithKeys(300)
		r := removingLister{fakeRemote: f, remove: "k0150"}
		be := NewBackend(func(fdwtype.ServerOptions) (Remote, error) { return r, nil })
		vals := fullScan(t, be, ScanSpec{Kind: ScanFull, KeysOnly: keysOnly})
		assert.Len(t, vals, 299, "keysOnly=%v", keysOnly)
		assert.NotContains(t, vals, "k0150")
		assert.Equal(t, 2, f.count("match_prefix"))
		assert.Zero(t, f.count("cur_jump"))
	}
}

// The estimate: keys beyond the budget, or a listing expected to take more
// than half the timeout, mean a cursor walk.
func TestWorthListing(t *testing.T) {
	withListLimits(t, 100, 10000)
	f := fakeWithKeys(1000)
	p := &producer{ctx: context.Background(), r: f, table: testTable("db")}
	probe := &kt.KeyList{}
	for i := range 100 {
		probe.Add(fmt.Appendf(nil, "k%04d", i))
	}
	tests := []struct {
		name    string
		budget  int
		took    time.Duration
		timeout time.Duration
		want    bool
	}{
		{"fits", 1 << 20, time.Millisecond, time.Second, true},
		{"too many bytes", 2000, time.Millisecond, time.Second, false},
		{"too slow for the timeout", 1 << 20, 100 * time.Millisecond, time.Second, false},
		{"no timeout", 1 << 20, 100 * time.Millisecond, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			listBudget = tt.budget
			p.table.Server.Opts.Timeout = tt.timeout
			total, ok := p.worthListing(probe, tt.took)
			assert.Equal(t, tt.want, ok)
			assert.EqualValues(t, 1000, total)
		})
	}
}

// An ordered (tree DB) full scan lists its keys too, and keeps key order
// with the buffered writes merged in, whether it lists or walks a cursor.
func TestOrderedFullScanListsInOrder(t *testing.T) {
	for _, budget := range []int{1 << 20, 2000} {
		withListLimits(t, 100, budget)
		f := fakeWithKeys(1200)
		be := newTestBackend(f)
		buf := be.writeBuffer(testTable("db"))
		buf.Set(1, []byte("k0500x"), []byte("new"))
		buf.Remove(1, []byte("k0007"))
		s := NewScan(be, testTable("db"))
		require.Nil(t, s.StartSpec(ScanSpec{Kind: ScanFull, Ordered: true}))
		keys, vals := drainOrdered(t, s)
		assert.Len(t, keys, 1200, "budget %d", budget)
		assert.IsIncreasing(t, keys, "budget %d", budget)
		assert.Equal(t, "new", vals["k0500x"])
		assert.NotContains(t, vals, "k0007")
		if budget > 2000 {
			assert.Zero(t, f.count("cur_jump"), "listed")
		} else {
			assert.Equal(t, 1, f.count("cur_jump"), "over budget: cursor")
		}
	}
}

// The full listing is pre-sized from the probe (or the last listing), so
// it does not hold twice its keys while growing; a size that would not fit
// the budget is not pre-sized.
func TestListSize(t *testing.T) {
	withListLimits(t, 100, 1<<20)
	probe := &kt.KeyList{}
	for i := range 100 {
		probe.Add(fmt.Appendf(nil, "k%04d", i)) // 5 bytes
	}
	keys, bytes := listSize(probe, 10000)
	assert.Equal(t, 10625, keys)
	assert.Equal(t, 53125, bytes)
	keys, bytes = listSize(probe, 1000000) // 8.5 MB + 5.3 MB > 1 MB
	assert.Zero(t, keys)
	assert.Zero(t, bytes)

	f := fakeWithKeys(2500)
	be := newTestBackend(f)
	require.Len(t, fullScan(t, be, ScanSpec{Kind: ScanFull}), 2500)
	p := &producer{table: testTable("db")}
	keys, bytes = p.remembered()
	assert.Equal(t, 2500+2500/16, keys, "remembered from the last listing")
	assert.Equal(t, 12500+12500/16, bytes)
}

// slowLister times out on a full listing (max < 0), as KT would on a
// database much larger than the probe suggested.
type slowLister struct{ *fakeRemote }

func (r slowLister) ListKeysInto(ctx context.Context, l *kt.KeyList, db string, prefix []byte, max, budget int) (bool, error) {
	if max < 0 {
		<-ctx.Done()
		return false, ctx.Err()
	}
	return listKeys(ctx, r.fakeRemote, l, db, prefix, max, budget)
}

// A full listing that times out falls back to the cursor walk (and the
// next scan walks it at once) instead of failing the scan.
func TestFullScanListingTimeoutWalksCursor(t *testing.T) {
	withListLimits(t, 100, 1<<20)
	f := fakeWithKeys(500)
	r := slowLister{f}
	be := NewBackend(func(fdwtype.ServerOptions) (Remote, error) { return r, nil })
	tbl := testTable("db")
	tbl.Server.Opts.Timeout = 50 * time.Millisecond
	for range 2 {
		s := NewScan(be, tbl)
		require.Nil(t, s.StartSpec(ScanSpec{Kind: ScanFull}))
		_, vals := drainOrdered(t, s)
		assert.Len(t, vals, 500)
	}
	assert.Equal(t, 2, f.count("cur_jump"))
	assert.Equal(t, 1, f.count("match_prefix"), "the probe (the timed-out listing is not counted by the fake)")
}
