package fdw

import (
	"context"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
)

// The bulk apply of a large commit over the binary protocol. KT's binary
// set_bulk and remove_bulk have no atomic flag, but they store 3-4x the
// records per second of HTTP set_bulk (no TSV/base64, a per-record xt), and
// a commit of more than one apply_batch chunk was never atomic as a whole in
// bulk mode anyway. So: a commit that fits in one chunk keeps the per-call
// atomic HTTP set_bulk/remove_bulk (a small transaction, such as a synced
// trigger's, is all-or-nothing per call for KT's readers); a larger one is
// sent in binary chunks of at least binaryApplyChunk records. Both write
// final states, so the unknown-outcome retries of call() stay harmless.

// binaryApplyChunk is the smallest number of records per binary call.
// Measured on the dev server (BenchmarkApplyBinaryChunk, 200,000 x 100
// bytes, medians of 5): 10,000 and 20,000 per call about equal, 50,000
// slower (bigger buffers on both sides); a round trip (~0.2 ms) per 20,000
// records is noise, so larger chunks would only cost memory.
const binaryApplyChunk = 20000

// BinaryBulkRemote is a Remote that can write with the binary protocol's
// set_bulk and remove_bulk: not atomic, each record with its own xt.
type BinaryBulkRemote interface {
	// BinSetBulk stores recs (XT absolute, 0 = never expires).
	BinSetBulk(ctx context.Context, db string, recs []fdwtype.Record) error
	BinRemoveBulk(ctx context.Context, db string, keys [][]byte) error
}

// Operation names of the binary apply calls (error messages, retries).
const (
	opBinSetBulk    = "bin_set_bulk"
	opBinRemoveBulk = "bin_remove_bulk"
)

// applyBinary sends sets, then removes, in chunks of batch records over
// the binary protocol, applyInFlight calls at a time.
func applyBinary(ctx context.Context, t fdwtype.Table, br BinaryBulkRemote, sets []fdwtype.Record, removes [][]byte, batch int) *fdwtype.Status {
	p := newPipeline(ctx) // applyInFlight calls at once (apply_pipeline.go)
	for i := 0; i < len(sets); i += batch {
		chunk := sets[i:min(i+batch, len(sets))]
		if !p.send(func(ctx context.Context) *fdwtype.Status {
			return call(ctx, opContext(t, opBinSetBulk), func(ctx context.Context) error {
				return br.BinSetBulk(ctx, t.DB, chunk)
			})
		}) {
			break
		}
	}
	if st := p.wait(opContext(t, opBinSetBulk)); st != nil {
		return st
	}
	p = newPipeline(ctx)
	for i := 0; i < len(removes); i += batch {
		chunk := removes[i:min(i+batch, len(removes))]
		if !p.send(func(ctx context.Context) *fdwtype.Status {
			return call(ctx, opContext(t, opBinRemoveBulk), func(ctx context.Context) error {
				return br.BinRemoveBulk(ctx, t.DB, chunk)
			})
		}) {
			break
		}
	}
	return p.wait(opContext(t, opBinRemoveBulk))
}

// binaryBulk returns r's binary bulk calls when a commit of n writes should
// use them (more than one apply_batch chunk).
func binaryBulk(r Remote, n, batch int) (BinaryBulkRemote, bool) {
	if n <= batch {
		return nil, false
	}
	br, ok := r.(BinaryBulkRemote)
	return br, ok
}
