package fdw

import (
	"context"
	"math/rand/v2"
	"time"
)

// Analyze is ANALYZE of a foreign table in progress: KT's record count
// (status), the keys of the table (match_prefix, at most analyzeKeyCap), a
// uniform random sample of at most targrows of them (reservoir sampling),
// and their values (get_bulk of the sample only). It samples what KT holds,
// not the writes buffered in the transaction.
type Analyze struct {
	op    *Op
	rows  []Record
	total int64
}

// StartAnalyze starts sampling at most targrows rows of t.
func StartAnalyze(be *Backend, t Table, targrows int) (*Analyze, *Status) {
	r, st := be.remote(t.Server)
	if st != nil {
		return nil, st
	}
	a := &Analyze{}
	rng := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	a.op = startOp(func(ctx context.Context) *Status {
		return a.run(ctx, t, r, targrows, rng)
	})
	return a, nil
}

func (a *Analyze) run(ctx context.Context, t Table, r Remote, targrows int, rng *rand.Rand) *Status {
	if st := call(ctx, t.opContext("status"), func(ctx context.Context) error {
		var err error
		a.total, err = r.Count(ctx, t.DB)
		return err
	}); st != nil {
		return st
	}
	var keys [][]byte
	if st := call(ctx, t.opContext("match_prefix"), func(ctx context.Context) error {
		var err error
		keys, err = analyzeKeys(ctx, r, t.DB, a.total)
		return err
	}); st != nil {
		return st
	}
	sample := Reservoir(keys, targrows, rng)
	for i := 0; i < len(sample); i += ScanBatch {
		chunk := sample[i:min(i+ScanBatch, len(sample))]
		var recs []Record
		if st := call(ctx, t.opContext("get_bulk"), func(ctx context.Context) error {
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

// analyzeKeyCap bounds the keys ANALYZE lists (and holds in memory): of a
// larger database it samples the first analyzeKeyCap keys in KT's order,
// which is pseudo-random on hash databases and the lowest keys on tree ones.
// A variable so tests can lower it.
var analyzeKeyCap = 1000000

// analyzeKeys lists the keys to sample from: all of them, or the first
// analyzeKeyCap when KT counts more.
func analyzeKeys(ctx context.Context, r Remote, db string, count int64) ([][]byte, error) {
	if sr, ok := r.(ScanRemote); ok && count > int64(analyzeKeyCap) {
		return sr.MatchPrefix(ctx, db, nil, analyzeKeyCap)
	}
	return r.AllKeys(ctx, db)
}

// Reservoir returns a uniform random sample of at most n items of in
// (Vitter's algorithm R); it keeps in's order when len(in) <= n.
func Reservoir[T any](in []T, n int, rng *rand.Rand) []T {
	if n <= 0 {
		return nil
	}
	if len(in) <= n {
		return in
	}
	out := make([]T, n)
	copy(out, in[:n])
	for i := n; i < len(in); i++ {
		if j := rng.IntN(i + 1); j < n {
			out[j] = in[i]
		}
	}
	return out
}

// Wait polls the sampling for at most d.
func (a *Analyze) Wait(d time.Duration) (finished bool, st *Status) { return a.op.Wait(d) }

// Rows is the sample once Wait finished without error.
func (a *Analyze) Rows() []Record { return a.rows }

// TotalRows is the record count KT reported, at least the sample's size.
func (a *Analyze) TotalRows() int64 { return max(a.total, int64(len(a.rows))) }

// Close cancels the sampling.
func (a *Analyze) Close() { a.op.Cancel() }
