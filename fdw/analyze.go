package fdw

import (
	"bytes"
	"context"
	"math/rand/v2"
	"time"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
)

// Analyze is ANALYZE of a foreign table in progress. It reads KT's record
// count (status), then draws a uniform random sample of at most targrows
// records (reservoir sampling):
//
//   - up to analyzeStreamFrom records: over the key list (one match_prefix),
//     fetching the values of the sampled keys only (get_bulk);
//   - beyond that, when the remote has cursors: over a cursor walk of the
//     whole database in batches, each batch its own KT call (so no single
//     call grows with the database and the server's timeout still fits),
//     keeping only the sample in memory.
//
// A table with the prefix option samples the keys under its prefix only.
// It samples what KT holds, not the writes buffered in the transaction.
type Analyze struct {
	op    *Op
	rows  []fdwtype.Record
	total int64
}

// analyzeStreamFrom is the record count above which ANALYZE walks a cursor
// instead of listing every key. A variable so tests can lower it.
var analyzeStreamFrom int64 = 100000

// StartAnalyze starts sampling at most targrows rows of t.
func StartAnalyze(be *Backend, t fdwtype.Table, targrows int) (*Analyze, *fdwtype.Status) {
	r, st := be.remote(t.Server)
	if st != nil {
		return nil, st
	}
	a := &Analyze{}
	rng := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	a.op = startOp(func(ctx context.Context) *fdwtype.Status {
		return a.run(ctx, t, r, targrows, rng)
	})
	return a, nil
}

func (a *Analyze) run(ctx context.Context, t fdwtype.Table, r Remote, targrows int, rng *rand.Rand) *fdwtype.Status {
	if len(t.Prefix) > 0 {
		return a.samplePrefix(ctx, t, r, targrows, rng)
	}
	if st := call(ctx, opContext(t, "status"), func(ctx context.Context) error {
		var err error
		a.total, err = r.Count(ctx, t.DB)
		return err
	}); st != nil {
		return st
	}
	if sr, ok := r.(ScanRemote); ok && a.total > analyzeStreamFrom {
		return a.sampleCursor(ctx, t, sr, targrows, rng)
	}
	return a.sampleKeys(ctx, t, r, targrows, rng)
}

// samplePrefix samples a table with the prefix option: its records are the
// KT keys under the prefix, so their number is the row count (KT's status
// counts the whole database), and the rows' keys lose the prefix.
func (a *Analyze) samplePrefix(ctx context.Context, t fdwtype.Table, r Remote, targrows int, rng *rand.Rand) *fdwtype.Status {
	var keys [][]byte
	if st := call(ctx, opContext(t, "match_prefix"), func(ctx context.Context) error {
		var err error
		keys, err = prefixKeys(ctx, r, t.DB, t.Prefix)
		return err
	}); st != nil {
		return st
	}
	a.total = int64(len(keys))
	if st := a.fetchSample(ctx, t, r, Reservoir(keys, targrows, rng)); st != nil {
		return st
	}
	for i := range a.rows {
		a.rows[i].Key = t.LocalKey(a.rows[i].Key)
	}
	return nil
}

// prefixKeys lists the keys of db under prefix.
func prefixKeys(ctx context.Context, r Remote, db string, prefix []byte) ([][]byte, error) {
	if sr, ok := r.(ScanRemote); ok {
		return sr.MatchPrefix(ctx, db, prefix, -1)
	}
	all, err := r.AllKeys(ctx, db)
	var keys [][]byte
	for _, k := range all {
		if bytes.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	return keys, err
}

// sampleKeys samples the key list, then fetches the sampled records.
func (a *Analyze) sampleKeys(ctx context.Context, t fdwtype.Table, r Remote, targrows int, rng *rand.Rand) *fdwtype.Status {
	var keys [][]byte
	if st := call(ctx, opContext(t, "match_prefix"), func(ctx context.Context) error {
		var err error
		keys, err = r.AllKeys(ctx, t.DB)
		return err
	}); st != nil {
		return st
	}
	return a.fetchSample(ctx, t, r, Reservoir(keys, targrows, rng))
}

// fetchSample reads the records of the sampled keys.
func (a *Analyze) fetchSample(ctx context.Context, t fdwtype.Table, r Remote, sample [][]byte) *fdwtype.Status {
	for i := 0; i < len(sample); i += ScanBatch {
		chunk := sample[i:min(i+ScanBatch, len(sample))]
		var recs []fdwtype.Record
		if st := call(ctx, opContext(t, "get_bulk"), func(ctx context.Context) error {
			var err error
			recs, err = r.GetBulk(ctx, t.DB, chunk)
			return err
		}); st != nil {
			return st
		}
		a.rows = append(a.rows, recs...) // keys removed meanwhile are simply missing
	}
	return nil
}

// sampleCursor samples the records of a cursor walk.
func (a *Analyze) sampleCursor(ctx context.Context, t fdwtype.Table, sr ScanRemote, targrows int, rng *rand.Rand) *fdwtype.Status {
	var cur RecordCursor
	if st := call(ctx, opContext(t, "cur_jump"), func(ctx context.Context) error {
		var err error
		cur, err = sr.CursorFrom(ctx, t.DB, nil)
		return err
	}); st != nil {
		return st
	}
	defer cur.Close()
	res := newReservoir[fdwtype.Record](targrows, rng)
	for {
		var recs []fdwtype.Record
		if st := call(ctx, opContext(t, "cur_get"), func(ctx context.Context) error {
			var err error
			recs, err = cur.Next(ctx, ScanBatch)
			return err
		}); st != nil {
			return st
		}
		for _, rec := range recs {
			if slot := res.slot(); slot >= 0 {
				// copy: the batch's buffers are not kept
				res.items[slot] = fdwtype.Record{Key: bytes.Clone(rec.Key), Value: bytes.Clone(rec.Value)}
			}
		}
		if len(recs) < ScanBatch {
			break
		}
	}
	a.rows = res.items
	return nil
}

// reservoir is Vitter's algorithm R over a stream: slot says where the next
// item goes (-1: not sampled).
type reservoir[T any] struct {
	n, seen int
	items   []T
	rng     *rand.Rand
}

func newReservoir[T any](n int, rng *rand.Rand) *reservoir[T] {
	return &reservoir[T]{n: max(n, 0), rng: rng}
}

func (r *reservoir[T]) slot() int {
	r.seen++
	if len(r.items) < r.n {
		var zero T
		r.items = append(r.items, zero)
		return len(r.items) - 1
	}
	if j := r.rng.IntN(r.seen); j < r.n {
		return j
	}
	return -1
}

// Reservoir returns a uniform random sample of at most n items of in; it
// keeps in's order when len(in) <= n.
func Reservoir[T any](in []T, n int, rng *rand.Rand) []T {
	if n <= 0 {
		return nil
	}
	if len(in) <= n {
		return in
	}
	res := newReservoir[T](n, rng)
	for _, x := range in {
		if slot := res.slot(); slot >= 0 {
			res.items[slot] = x
		}
	}
	return res.items
}

// Wait polls the sampling for at most d.
func (a *Analyze) Wait(d time.Duration) (finished bool, st *fdwtype.Status) { return a.op.Wait(d) }

// Rows is the sample once Wait finished without error.
func (a *Analyze) Rows() []fdwtype.Record { return a.rows }

// TotalRows is the record count KT reported, at least the sample's size.
func (a *Analyze) TotalRows() int64 { return max(a.total, int64(len(a.rows))) }

// Close cancels the sampling.
func (a *Analyze) Close() { a.op.Cancel() }
